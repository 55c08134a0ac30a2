"""The law simulation, longer: years of real collection checked against the statute.

    .venv/bin/python bench/law_simulation.py [--years 6] [--invoices 400] [--seed 1]

The same simulation as tests/lawcheck/test_simulation.py (tests.lawcheck.simulation), on a
database of its own (``myropo_bench_law``, dropped afterwards unless --keep), inside one
transaction that is rolled back, so no letter is rendered and no mail is sent. Prints the
acts taken, the violations by rule, each violating rule's first case with its invoice's
whole history, and the time taken. Exits 1 when it found any violation.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from invoice_list import (  # noqa: E402
    BENCH_ENV,
    database_urls,
    drop_database,
    recreate_database,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=float, default=6.0)
    parser.add_argument("--invoices", type=int, default=400)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 1_000_000)
    parser.add_argument("--report", help="also write the full report to this file")
    parser.add_argument("--database", default="myropo_bench_law", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    return args


class _Rollback(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from tests.lawcheck.simulation import _World, simulate

    call_command("migrate", interactive=False, verbosity=0)
    # Letters are rendered by Celery workers in production; here only their rows count.
    _World().cycle.queue_letters = lambda ids: None
    started = time.perf_counter()
    last = [started]

    def progress(day) -> None:
        if (day.month == 1 and day.day == 1) or time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  {day} after {last[0] - started:.0f} s", flush=True)

    result = None
    try:
        with transaction.atomic():
            result = simulate(
                seed=args.seed, years=args.years, invoices=args.invoices, progress=progress
            )
            raise _Rollback
    except _Rollback:
        pass
    assert result is not None
    seconds = time.perf_counter() - started
    report = result.summary(limit=200) + "\n\n" + result.examples()
    print(report)
    print(
        f"\n{result.days} days × {result.invoices} invoices in {seconds:.1f} s "
        f"({seconds / result.days * 1000:.1f} ms a day); seed {args.seed}"
    )
    if args.report:
        Path(args.report).write_text(result.summary(limit=1_000_000) + "\n\n" + result.examples())
    return 1 if result.violations else 0


def main() -> None:
    args = parse_args()
    maintenance_url, bench_url = database_urls(args.database)
    os.environ["DATABASE_URL"] = bench_url
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")
    recreate_database(maintenance_url, args.database)
    try:
        code = run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(maintenance_url, args.database)
    sys.exit(code)


if __name__ == "__main__":
    main()
