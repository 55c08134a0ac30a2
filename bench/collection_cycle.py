"""Benchmark: the daily collection cycle over many invoices, against one bare SQL UPDATE.

    .venv/bin/python bench/collection_cycle.py [--invoices 1000000]

Creates its own database (``myropo_bench_cycle``; helpers from bench/invoice_list.py),
migrates it, COPY-loads invoices of which ~6 % are overdue in mixed stages (open past the due
date, reminded, in collection, in legal collection, a few disputed) with the steps and fees
of their history, runs ANALYZE, then times:

- **floor**: one bare ``UPDATE … FROM`` that performs the same stage transitions as the
  cycle (open → reminded, reminded → collection, legal notice → legal) from the same data,
  in a transaction that is rolled back;
- **cycle**: ``collection.cycle.run_collection_cycle`` for the same day, which also writes the
  step rows, fee and interest charges, timeline events and letter rows. The letters'
  rendering is queued to Celery workers in production; here the queue only counts them.

It checks that both moved the same invoices to the same stages and prints the ratio last.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from invoice_list import (  # noqa: E402
    BENCH_ENV,
    INVOICE_COLUMNS,
    _day,
    _euros,
    _unit,
    copy_rows,
    database_urls,
    drop_database,
    hetu,
    myropo_id,
    national_reference,
    recreate_database,
    ytunnus,
)

# A business day inside the seeded reference-rate table's reach (bench rates fill the past).
TODAY = date(2026, 6, 1)
OVERDUE_SHARE = 0.06


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--creditors", type=int, default=20)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="the cycle's default (collection.cycle)"
    )
    parser.add_argument("--database", default="myropo_bench_cycle", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    return args


def invoice_state(rng: random.Random) -> tuple[str, int, tuple[tuple[str, int, int], ...], bool]:
    """(stage, days overdue, ((step, days ago, fee cents), …), disputed) of the next invoice.

    A seeded generator, not invoice_list's multiplicative hash: its values for different
    salts of the same invoice are correlated, which would give every overdue invoice the
    same history.
    """
    u = rng.random()
    if u >= OVERDUE_SHARE:
        # Paid long ago, or not yet due (~1 %): never a candidate.
        if u > 0.99:
            return "open", -int(rng.random() * 30) - 1, (), False
        return "paid", 30 + int(rng.random() * 700), (), False
    v = u / OVERDUE_SHARE
    w = rng.random()
    disputed = rng.random() < 0.02
    if v < 0.55:  # open, 1–40 days past due: a reminder is due from day 14
        return "open", 1 + int(w * 40), (), disputed
    if v < 0.80:  # reminded 1–30 days ago
        ago = 1 + int(w * 30)
        return "reminded", ago + 14, (("reminder_1", ago, 500),), disputed
    if v < 0.96:  # a first demand 1–30 days ago, or a legal notice
        ago = 1 + int(w * 30)
        steps = (("reminder_1", ago + 20, 500), ("demand_1", ago, 2400))
        if w > 0.8:
            steps = (*steps, ("demand_2", ago + 0, 1200))
            steps = (("reminder_1", ago + 50, 500), ("demand_1", ago + 30, 2400),
                     ("demand_2", ago + 15, 1200), ("legal_notice", ago, 0))  # fmt: skip
        return "collection", steps[0][1] + 14, steps, disputed
    return "legal", 200, (("reminder_1", 180, 500), ("demand_1", 160, 2400)), False


CHARGE_COLUMNS = ["invoice_id", "kind", "amount", "booked_on", "rule", "creditor_setting",
                  "legal_cap", "idempotency_key"]  # fmt: skip


def load(args: argparse.Namespace, cursor) -> dict[str, float]:
    from collection.models import CollectionStep, ReferenceRate
    from invoices.models import Charge, Creditor, CreditorSettings, Invoice

    now = datetime.now(UTC)
    timings: dict[str, float] = {}
    creditors = [
        Creditor(
            name=f"Bench Creditor {c:02d} Oy",
            business_id=ytunnus(c),
            iban="FI2112345600000785",
            bic="NDEAFIHH",
        )
        for c in range(args.creditors)
    ]
    Creditor.objects.bulk_create(creditors)
    # Mixed settings: every fourth creditor sends two reminders.
    CreditorSettings.objects.bulk_create(
        CreditorSettings(creditor=c, reminder_count=2 if k % 4 == 0 else 1)
        for k, c in enumerate(creditors)
    )
    # Bench data, not real rates: the past half-years at 2.50 % so that interest is booked.
    for year in range(2022, 2026):
        for start, end in ((date(year, 1, 1), date(year, 6, 30)),
                           (date(year, 7, 1), date(year, 12, 31))):  # fmt: skip
            ReferenceRate.objects.get_or_create(
                start=start, defaults={"end": end, "rate": Decimal("2.50")}
            )
    creditor_ids = [str(c.pk) for c in creditors]
    today = TODAY.toordinal()
    rng = random.Random(7)
    states = [invoice_state(rng) for _ in range(args.invoices)]

    def invoices() -> Iterator[tuple[str, ...]]:
        for i, (stage, overdue, _steps, disputed) in enumerate(states):
            due = today - overdue
            yield (
                str(i + 1), creditor_ids[i % len(creditor_ids)], f"C{i + 1:08d}", myropo_id(i),
                "consumer", hetu(i % 50_000), "", f"Bench Debtor {i % 50_000:05d}",
                "Mannerheimintie 1", "00100", "Helsinki", _day(due - 14), _day(due), _day(due),
                national_reference(1_000_000 + i), "fi", "EUR",
                _euros(2000 + int(_unit(i, 1) * 148_000)), stage, "t" if disputed else "f",
            )  # fmt: skip

    def steps() -> Iterator[tuple[str, ...]]:
        for i, (_stage, _overdue, history, _disputed) in enumerate(states):
            for step, ago, fee in history:
                yield (str(i + 1), step, _day(today - ago), _euros(fee))

    keys = {"reminder_1": "reminder:1", "demand_1": "demand:1", "demand_2": "demand:2"}
    rules = {"reminder_1": "consumer.reminder_1", "demand_1": "consumer.demand_1.100_1000",
             "demand_2": "consumer.demand_2.100_1000"}  # fmt: skip

    def charges() -> Iterator[tuple[str, ...]]:
        for i, (_stage, _overdue, history, _disputed) in enumerate(states):
            for step, ago, fee in history:
                if fee:
                    cents = _euros(fee)
                    kind = "reminder_fee" if step == "reminder_1" else "demand_fee"
                    yield (str(i + 1), kind, cents, _day(today - ago), rules[step], cents,
                           cents, keys[step])  # fmt: skip

    start = time.perf_counter()
    copy_rows(cursor, Invoice, INVOICE_COLUMNS, invoices(), now=now)
    timings["invoices"] = time.perf_counter() - start
    start = time.perf_counter()
    copy_rows(cursor, CollectionStep, ["invoice_id", "step", "taken_on", "fee"], steps(), now=now)
    copy_rows(
        cursor,
        Charge,
        CHARGE_COLUMNS,
        charges(),
        now=now,
    )
    timings["steps and charges"] = time.perf_counter() - start
    table = Invoice._meta.db_table
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
    )
    start = time.perf_counter()
    cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - start
    return timings


# The same stage transitions as the cycle, as one statement: what the database must do at
# least. Stage changes only (a 2nd reminder or a 2nd demand keeps the stage), every bench
# invoice a consumer's, with the law's minimums the cycle applies (collection.rules): a
# letter on the 15th day after the due date or the previous letter at the earliest (the
# Ombudsman's 2024 decision), not before the previous letter's pay-by date has passed (the
# loaded history has no letter rows: its latest possible pay-by is assumed), and legal
# collection only after the notice's pay-by date (perintälaki 6 §).
FLOOR_SQL = """
UPDATE invoices_invoice i SET stage = t.new_stage
FROM (
    SELECT i.id,
           CASE
             WHEN last.step IS NULL AND s.reminder_count >= 1
                  AND i.due_date + greatest(s.first_reminder_days, %(interval)s) <= %(today)s
                  THEN 'reminded'
             WHEN last.step = 'reminder_1' AND s.reminder_count = 1
                  AND last.taken_on + greatest(s.days_to_collection, %(interval)s,
                                               %(latest_pay_by)s + 1) <= %(today)s
                  THEN 'collection'
             WHEN last.step = 'reminder_2'
                  AND last.taken_on + greatest(s.days_to_collection, %(interval)s,
                                               %(latest_pay_by)s + 1) <= %(today)s
                  THEN 'collection'
             WHEN last.step = 'legal_notice'
                  AND last.taken_on + greatest(s.legal_days, %(latest_pay_by)s + 1) <= %(today)s
                  THEN 'legal'
           END AS new_stage
    FROM invoices_invoice i
    JOIN invoices_creditorsettings s ON s.creditor_id = i.creditor_id
    LEFT JOIN LATERAL (
        SELECT cs.step, cs.taken_on FROM invoices_collectionstep cs
        WHERE cs.invoice_id = i.id ORDER BY cs.taken_on DESC, cs.id DESC LIMIT 1
    ) last ON true
    WHERE i.stage IN ('open', 'reminded', 'collection') AND NOT i.disputed
      AND i.due_date < %(today)s
) t
WHERE t.id = i.id AND t.new_stage IS NOT NULL AND t.new_stage <> i.stage
RETURNING i.id, i.stage
"""


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

    import collection.cycle as cycle
    from collection.models import CollectionStep
    from invoices.models import Charge, Invoice

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrated {args.database} in {time.perf_counter() - start:.1f} s")
    with psycopg.connect(bench_url, autocommit=True) as conn, conn.cursor() as cursor:
        start = time.perf_counter()
        timings = load(args, cursor)
        print(f"loaded {args.invoices:,} invoices in {time.perf_counter() - start:.1f} s")
    for label, seconds in timings.items():
        print(f"  {label:<18} {seconds:6.1f} s")
    candidates = Invoice.objects.filter(
        stage__in=cycle.COLLECTABLE_STAGES, disputed=False, due_date__lt=TODAY
    ).count()
    print(f"{candidates:,} candidate invoices (open, overdue, not disputed) on {TODAY}")

    from collection.rules import MIN_LETTER_PAYMENT_DAYS, DebtorKind, letter_interval_days

    floor_params = {
        "today": TODAY,
        "interval": letter_interval_days(DebtorKind.CONSUMER),
        "latest_pay_by": MIN_LETTER_PAYMENT_DAYS,
    }
    with psycopg.connect(bench_url) as conn:  # a transaction, rolled back
        start = time.perf_counter()
        moved = conn.execute(FLOOR_SQL, floor_params).fetchall()
        floor = time.perf_counter() - start
        conn.rollback()
    floor_moves = dict(moved)

    queued: list[int] = []
    cycle.queue_letters = queued.extend  # workers render letters; here they are only counted
    candidate_rows = Invoice.objects.filter(
        stage__in=cycle.COLLECTABLE_STAGES, disputed=False, due_date__lt=TODAY
    )
    before = dict(candidate_rows.values_list("id", "stage"))
    steps_before, charges_before = CollectionStep.objects.count(), Charge.objects.count()
    start = time.perf_counter()
    result = cycle.run_collection_cycle(today=TODAY, batch_size=args.batch_size or cycle.BATCH_SIZE)
    elapsed = time.perf_counter() - start
    after = dict(Invoice.objects.filter(id__in=list(before)).values_list("id", "stage"))
    changed = {pk: stage for pk, stage in after.items() if before.get(pk) != stage}
    print(
        f"cycle: {result.evaluated:,} evaluated in {result.batches} batches, {result.steps:,} "
        f"steps {dict(result.counts)}, {result.charges:,} charges, {len(queued):,} letters queued"
        f" (+{CollectionStep.objects.count() - steps_before:,} step rows,"
        f" +{Charge.objects.count() - charges_before:,} charge rows)"
    )
    same = changed == floor_moves
    print(f"stage transitions: floor {len(floor_moves):,}, cycle {len(changed):,}, same: {same}")
    print(f"floor (bare SQL UPDATE … FROM, stages only): {floor:.2f} s")
    print(f"cycle (run_collection_cycle, everything):   {elapsed:.2f} s")
    print(f"ratio cycle/floor: {elapsed / floor:.1f}x")


if __name__ == "__main__":
    main()
