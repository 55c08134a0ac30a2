"""Bank reference payments: a camt.054 file of 100,000 payments against 1,000,000 invoices.

Measures entries per second of the import service (`payments.services.bank_file_import`:
parse, duplicate check, reference match, payments, queue, allocations, events, stages) and,
as the floor, bare SQL writing the same rows: the bulk match of the same references in one
statement (`SELECT … FROM unnest(%s::text[]) JOIN invoices_invoice`), payment ids from the
sequence, and the import's own payment and allocation rows by COPY, in a transaction that
is rolled back. The ratio of the two is printed last. See bench/README.md.
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
# The account of tests/payments/camt054_factory's statements.
BANK_ACCOUNT = "FI7944052020036082"
PAYMENT_COLUMNS = (
    "source", "external_id", "amount", "currency", "reference", "payer_name", "paid_on",
    "bank_import_id", "position", "message", "created_at",
)  # fmt: skip
ALLOCATION_COLUMNS = ("payment_id", "invoice_id", "component", "amount", "created_at")


def floor_round(conn, references: list[str], payments: list[tuple], allocations: list[tuple]):
    """Bare SQL: match, reserve the payment ids, COPY the same payments and allocations.

    `payments` and `allocations` are the rows the import wrote (read back before its
    rollback); the allocations name payments by their position in the file, renumbered here
    to the ids this round reserves. The caller rolls the transaction back.
    """
    matched = conn.execute(FLOOR_SQL, [references]).fetchall()
    ids = [
        row[0]
        for row in conn.execute(
            "SELECT nextval(pg_get_serial_sequence('payments_payment', 'id')) "
            "FROM generate_series(1, %s)",
            [len(payments)],
        )
    ]
    columns = ", ".join(PAYMENT_COLUMNS)
    with conn.cursor().copy(f"COPY payments_payment (id, {columns}) FROM STDIN") as copy:
        for pk, row in zip(ids, payments, strict=True):
            copy.write_row((pk, *row))
    with conn.cursor().copy(
        f"COPY payments_allocation ({', '.join(ALLOCATION_COLUMNS)}) FROM STDIN"
    ) as copy:
        for position, *rest in allocations:
            copy.write_row((ids[position], *rest))
    return matched


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=100_000, help="payments in the file")
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--creditors", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="timed imports (rolled back)")
    parser.add_argument("--database", default="myropo_bench_bank", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database a --keep run left (no load)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one import, no timing")
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

    if not args.reuse:
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

    if not args.reuse:
        start = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        print(f"migrated {args.database} in {time.perf_counter() - start:.1f} s")

        # The invoice list benchmark's loader: invoice i has the national reference of
        # 1,000,000 + i, which is the camt054 factory's reference_for(i).
        with psycopg.connect(bench_url, autocommit=True) as conn, conn.cursor() as cursor:
            start = time.perf_counter()
            load(args, cursor)
            # Entries are matched by (receiving account, reference): the creditors' account
            # must be the one the generated file reports on.
            cursor.execute("UPDATE invoices_creditor SET iban = %s", [BANK_ACCOUNT])
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

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        with transaction.atomic():
            profiler.enable()
            bank_file_import(data=data, filename="bench.xml", source=BankFileImport.Source.COMMAND)
            profiler.disable()
            transaction.set_rollback(True)
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        return

    service: list[float] = []
    report = None
    written: tuple[list[tuple], list[tuple]] = ([], [])
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
            if not written[0]:
                written = rows_written(report.file_import)
            transaction.set_rollback(True)
        service.append(elapsed)
    assert report is not None and report.matched == args.entries, report
    print(
        f"import: {report.entries:,} entries, {report.matched:,} matched, "
        f"{report.unmatched:,} queued; {counts[0]:,} payments, {counts[1]:,} allocations"
    )

    payments, allocations = written
    # The floor's payments name a file import; one that is committed (deleted at the end).
    file_import = BankFileImport.objects.create(
        file_hash="0" * 64, filename="floor.xml", source=BankFileImport.Source.COMMAND
    )
    payments = [(*row[:7], file_import.pk, *row[8:]) for row in payments]
    floor: list[float] = []
    with psycopg.connect(bench_url, prepare_threshold=None) as conn:
        for _round in range(max(args.repeat, 5)):
            start = time.perf_counter()
            rows = floor_round(conn, references, payments, allocations)
            floor.append(time.perf_counter() - start)
            conn.rollback()
    assert len(rows) == args.entries, len(rows)
    file_import.delete()

    service_s, floor_s = statistics.median(service), statistics.median(floor)
    print(f"parse only (lxml iterparse)     {parse_seconds:8.2f} s  "
          f"{args.entries / parse_seconds:>10,.0f} entries/s")  # fmt: skip
    print(f"import service (median of {len(service)})   {service_s:8.2f} s  "
          f"{args.entries / service_s:>10,.0f} entries/s")  # fmt: skip
    print(f"bare SQL match + COPY of {len(payments):,} payments and {len(allocations):,} "
          f"allocations (median of {len(floor)})   {floor_s:8.2f} s  "
          f"{args.entries / floor_s:>10,.0f} entries/s")  # fmt: skip
    print(f"ratio import service / bare SQL floor: {service_s / floor_s:.1f}x")


def rows_written(file_import) -> tuple[list[tuple], list[tuple]]:
    """The import's payment rows in file order, and its allocations naming the payment by
    its position in that order."""
    from payments.models import Allocation, Payment

    payments = list(
        Payment.objects.filter(bank_import=file_import)
        .order_by("id")
        .values_list("id", *PAYMENT_COLUMNS)
    )
    position = {row[0]: i for i, row in enumerate(payments)}
    allocations = [
        (position[payment_id], *rest)
        for payment_id, *rest in Allocation.objects.filter(
            payment__bank_import=file_import
        ).values_list("payment_id", "invoice_id", "component", "amount", "created_at")
    ]
    return [row[1:] for row in payments], allocations


if __name__ == "__main__":
    main()
