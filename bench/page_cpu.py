"""Benchmark: CPU milliseconds per request of the signed-in pages, in one process, DEBUG off.

    DATABASE_URL=postgres://…/a_database_with_demo_data .venv/bin/python bench/page_cpu.py
    .venv/bin/python bench/page_cpu.py --profile list      # cProfile of the list, top functions

Less noisy than bench/load.py on a shared machine: `time.process_time()` counts only this
process's CPU, so other agents' load moves the figure much less than req/s. Runs against the
database of DATABASE_URL as it is (load it with `manage.py seed_demo` first; nothing is
written but the demo consumer's session), signs the demo consumer in with the test client
over "HTTPS" (`secure=True`, as production cookies need), and requests the landing page,
the invoice list and the first invoice on it. Prints per page the median and 90th
percentile of CPU and wall time, and the number of SQL queries. The CPU time per request
bounds the throughput: two cores serve at most 2000 / cpu_ms requests a second.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Production settings with the suite's stand-ins for what a deployment sets; values already in
# the environment win (DATABASE_URL included: point it at a database with the demo data).
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "EMAIL_URL": "locmem://",
    "CACHE_KEY_PREFIX": "myropo-pagecpu",
    "CHANNELS_PREFIX": "myropo-pagecpu-asgi",
    "LOG_LEVEL": "WARNING",
}
CONSUMER = "consumer@myropo.test"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=60, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first")
    parser.add_argument(
        "--profile",
        choices=["landing", "list", "invoice"],
        help="cProfile this page's timed requests and print the top functions",
    )
    parser.add_argument("--top", type=int, default=45, help="functions printed with --profile")
    parser.add_argument("--sort", default="tottime", help="pstats sort key with --profile")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    for name, value in BENCH_ENV.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    user = get_user_model().objects.get(email=CONSUMER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    listing = client.get("/invoices/", secure=True)
    if listing.status_code != 200:
        raise SystemExit(f"page_cpu: the invoice list answered HTTP {listing.status_code}")
    invoice = re.search(rb'href="(/invoices/\d+/)"', listing.content).group(1).decode()
    pages = {"landing": ("/", Client(HTTP_HOST="127.0.0.1")), "list": ("/invoices/", client)}
    pages["invoice"] = (invoice, client)

    print(f"{'page':<8} {'path':<16} {'cpu p50':>8} {'cpu p90':>8} {'wall p50':>9} {'queries':>8}")
    for label, (path, page_client) in pages.items():
        for _ in range(args.warmup):
            assert page_client.get(path, secure=True).status_code == 200
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            page_client.get(path, secure=True)
        profiler = cProfile.Profile() if args.profile == label else None
        cpu, wall = [], []
        for _ in range(args.repeat):
            begin, begin_cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = page_client.get(path, secure=True)
            if profiler:
                profiler.disable()
            cpu.append((time.process_time() - begin_cpu) * 1000)
            wall.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(
            f"{label:<8} {path:<16} {statistics.median(cpu):>8.1f} "
            f"{statistics.quantiles(cpu, n=10)[-1]:>8.1f} {statistics.median(wall):>9.1f} "
            f"{len(queries):>8}"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    sys.exit(main())
