"""Bank reference payments: a camt.054 file of 100,000 payments against 1,000,000 invoices.

Measures entries per second of the import service (`payments.services.bank_file_import`:
parse, duplicate check, reference match, payments, queue, allocations, events, stages) and,
as the floor, the bare SQL bulk match of the same references in one statement
(`SELECT … FROM unnest(%s::text[]) JOIN invoices_invoice`). The ratio of the two is printed
last. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.invoice_list import (  # noqa: E402  # after the path set-up above
    BENCH_ENV,
    Plan,
    database_urls,
    drop_database,
    load,
    recreate_database,
)

FLOOR_SQL = (
    "SELECT r.ref, i.id FROM unnest(%s::text[]) AS r(ref) "
    "JOIN invoices_invoice i ON i.reference = r.ref"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=100_000, help="payments in the file")
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--creditors", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="timed imports (rolled back)")
    parser.add_argument("--database", default="myropo_bench_bank", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    if args.entries > args.invoices or args.debtors > args.invoices:
        parser.error("need at least as many invoices as entries and debtors")
    return args


def main() -> None:
    args = parse_args()
    maintenance_url, bench_url = database_urls(args.database)
    os.environ["DATABASE_URL"] = bench_url
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")

    recreate_database(maintenance_url, args.database)
    try:
        run(args, bench_url)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(maintenance_url, args.database)


def run(args: argparse.Namespace, bench_url: str) -> None:
    import django

    django.setup()

    import psycopg
    from django.core.management import call_command
    from django.db import transaction

    from payments.bankfiles import parse_camt054
    from payments.models import Allocation, BankFileImport, Payment
    from payments.services import bank_file_import
    from tests.payments.camt054_factory import camt054_bytes, reference_for

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrated {args.database} in {time.perf_counter() - start:.1f} s")

    # The invoice list benchmark's loader: invoice i has the national reference of
    # 1,000,000 + i, which is the camt054 factory's reference_for(i).
    with psycopg.connect(bench_url, autocommit=True) as conn, conn.cursor() as cursor:
        start = time.perf_counter()
        load(args, cursor)
        cursor.execute("ANALYZE")
    print(f"loaded {args.invoices:,} invoices in {time.perf_counter() - start:.1f} s")

    # Payments go to every invoice still owing something first (reminded and collected ones
    # included), newest first; the rest of the file pays invoices already paid, which become
    # overpayments, the way a duplicate payment does.
    plan = Plan(args.invoices, args.debtors, date.today())
    owing = [i for i in range(args.invoices) if plan.stage_of(i) not in ("paid", "credited")]
    settled = [i for i in range(args.invoices) if plan.stage_of(i) in ("paid", "credited")]
    indices = (owing + settled)[: args.entries]
    data = camt054_bytes(0, indices=indices)
    print(
        f"generated a camt.054 file of {args.entries:,} payments ({min(len(owing), args.entries):,}"
        f" to invoices still owing), {len(data) / 1e6:.1f} MB"
    )
    start = time.perf_counter()
    parsed = parse_camt054(data)
    parse_seconds = time.perf_counter() - start
    references = [entry.reference for entry in parsed.entries]
    assert references[0] == reference_for(indices[0])

    service: list[float] = []
    report = None
    for _round in range(args.repeat):
        # Rolled back each round so that every round imports the same file into the same
        # data; mails queued on commit never leave (they are Celery tasks in production).
        start = time.perf_counter()
        with transaction.atomic():
            report = bank_file_import(
                data=data, filename="bench.xml", source=BankFileImport.Source.COMMAND
            )
            allocations = Allocation.objects.filter(payment__bank_import=report.file_import)
            counts = (Payment.objects.filter(bank_import=report.file_import).count(),
                      allocations.count())  # fmt: skip
            elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        service.append(elapsed)
    assert report is not None and report.matched == args.entries, report
    print(
        f"import: {report.entries:,} entries, {report.matched:,} matched, "
        f"{report.unmatched:,} queued; {counts[0]:,} payments, {counts[1]:,} allocations"
    )

    floor: list[float] = []
    with psycopg.connect(bench_url, autocommit=True, prepare_threshold=None) as conn:
        for _round in range(max(args.repeat, 5)):
            start = time.perf_counter()
            rows = conn.execute(FLOOR_SQL, [references]).fetchall()
            floor.append(time.perf_counter() - start)
    assert len(rows) == args.entries, len(rows)

    service_s, floor_s = statistics.median(service), statistics.median(floor)
    print(f"parse only (lxml iterparse)     {parse_seconds:8.2f} s  "
          f"{args.entries / parse_seconds:>10,.0f} entries/s")  # fmt: skip
    print(f"import service (median of {len(service)})   {service_s:8.2f} s  "
          f"{args.entries / service_s:>10,.0f} entries/s")  # fmt: skip
    print(f"bare SQL match (median of {len(floor)})   {floor_s:8.2f} s  "
          f"{args.entries / floor_s:>10,.0f} entries/s")  # fmt: skip
    print(f"ratio import service / bare SQL match: {service_s / floor_s:.1f}x")


if __name__ == "__main__":
    main()
