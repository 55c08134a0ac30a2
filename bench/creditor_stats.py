"""Benchmark: a creditor's statistics page over 1,000,000 invoices, Django against bare SQL.

    .venv/bin/python bench/creditor_stats.py [--invoices 1000000 --debtors 40000]

Creates its own database (``myropo_bench_stats`` on the server of DATABASE_URL, or
BENCH_DATABASE_URL), migrates it, and loads with the invoice list benchmark's COPY loader
(bench/invoice_list.py, imported, not copied) one creditor's invoices in mixed stages with
their fees, payments and allocations, then the timeline events the statistics read
(reminder, collection, legal) and a mix of delivery channels, rebuilds what the allocation
services derive (each invoice's payment day, the money per day) and runs ANALYZE. It then
times ``creditor:statistics`` through Django's test client, signed in as the creditor's
user with a second factor in the session, over the default period (the last year) and over
everything, against the same figures as bare SQL. The last line is the ratio. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.invoice_list import (  # noqa: E402  # after the path set-up above
    BENCH_ENV,
    database_urls,
    drop_database,
    load,
    measure,
    recreate_database,
)
from bench.staff_queue import staff_client  # noqa: E402

URL = "/creditor/statistics/"
BARE_OPTIONS = "-c jit=off -c work_mem=64MB"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    # One invoice a month per debtor: 40,000 debtors spread 1,000,000 invoices over ~2 years.
    parser.add_argument("--debtors", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per side")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests first")
    parser.add_argument("--database", default="myropo_bench_stats", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the kept database as it is (no load)"
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    if args.debtors < 1 or args.invoices < args.debtors:
        parser.error("need at least one debtor and one invoice per debtor")
    args.creditors = 1
    return args


# The statistics read the timeline (an invoice counts as reminded if it ever was) and the
# delivery channel; the invoice list's loader writes neither. Its fees say what happened:
# a reminder fee means a reminder letter, a demand fee a move to collection.
EVENTS_SQL = """
    INSERT INTO invoices_invoiceevent (invoice_id, kind, created_at, detail, data,
                                       on_behalf_of_organisation)
    SELECT ch.invoice_id,
           CASE ch.kind WHEN 'reminder_fee' THEN 'reminder' ELSE 'collection' END,
           ch.booked_on::timestamptz, '', '{}'::jsonb, ''
    FROM invoices_charge ch WHERE ch.kind IN ('reminder_fee', 'demand_fee')
    UNION ALL
    SELECT i.id, 'legal', (i.due_date + 90)::timestamptz, '', '{}'::jsonb, ''
    FROM invoices_invoice i WHERE i.stage = 'legal'
"""
# Seven in ten e-invoices, two letters, one email; every fifth invoice a company's.
CHANNELS_SQL = """
    UPDATE invoices_invoice SET delivery_channel =
        CASE WHEN id % 10 < 7 THEN 'e_invoice' WHEN id % 10 < 9 THEN 'letter_post' ELSE 'email' END
"""


# --- The figures as bare SQL -----------------------------------------------------------------

# Written by hand from what the page shows (issue 15 item 7, collection.statistics): the
# invoices due in the period and before today, credited ones left out; reminded (in
# collection, in legal) = a timeline event of that kind, which each invoice keeps as a flag
# (`ever_reminded`, …), or the current stage; the payment date = the last payment allocated,
# which each invoice keeps (`last_payment_on`); one pass over the population grouped by stage
# and channel, which gives the totals, the stage table and the channel table; then the money
# allocated per month of payment, from the sums per day the allocations keep. The fastest
# plain SQL for these figures on this schema: one index-only scan of the covering index.
# Every derived figure is checked against its source (SQL_FLAGS_DIFFER,
# SQL_PAYMENT_DAYS_DIFFER, SQL_COLLECTED_DIFFER) before anything is timed.
SQL_FIGURES = """
    SELECT stage, delivery_channel, count(*),
           count(*) FILTER (WHERE stage = 'paid' AND NOT ever_reminded),
           count(*) FILTER (WHERE ever_reminded OR stage IN ('reminded', 'collection', 'legal')),
           count(*) FILTER (WHERE ever_in_collection OR stage IN ('collection', 'legal')),
           count(*) FILTER (WHERE ever_in_legal OR stage = 'legal'),
           count(*) FILTER (WHERE stage = 'paid' AND last_payment_on IS NOT NULL),
           sum(last_payment_on - due_date) FILTER (WHERE stage = 'paid'),
           sum(last_payment_on - issue_date) FILTER (WHERE stage = 'paid')
    FROM invoices_invoice
    WHERE creditor_id = %(creditor)s AND stage <> 'credited'
      AND due_date BETWEEN %(start)s AND %(end)s AND due_date < %(today)s
    GROUP BY stage, delivery_channel
"""
# The flags the collection cycle keeps against the timeline they stand for (what both sides
# probed per invoice before the flags existed): must find nothing.
SQL_FLAGS_DIFFER = """
    SELECT count(*) FROM invoices_invoice i
    LEFT JOIN (
        SELECT invoice_id,
               bool_or(kind = 'reminder') AS reminder,
               bool_or(kind = 'collection') AS collection,
               bool_or(kind = 'legal') AS legal
        FROM invoices_invoiceevent
        WHERE kind IN ('reminder', 'collection', 'legal')
        GROUP BY invoice_id
    ) e ON e.invoice_id = i.id
    WHERE i.creditor_id = %(creditor)s
      AND (i.ever_reminded, i.ever_in_collection, i.ever_in_legal)
          IS DISTINCT FROM (coalesce(e.reminder, false), coalesce(e.collection, false),
                            coalesce(e.legal, false))
"""
# The stored payment day against the one derived from the allocations at query time (what
# the page and this SQL read before `last_payment_on` existed): must find nothing.
SQL_PAYMENT_DAYS_DIFFER = """
    SELECT count(*) FROM invoices_invoice i
    LEFT JOIN (
        SELECT a.invoice_id, max(p.paid_on) AS paid_on
        FROM payments_allocation a JOIN payments_payment p ON p.id = a.payment_id
        GROUP BY a.invoice_id
    ) derived ON derived.invoice_id = i.id
    WHERE i.creditor_id = %(creditor)s AND i.last_payment_on IS DISTINCT FROM derived.paid_on
"""
# The money per day of payment that the allocation services keep (`CollectedDay`) against
# the allocations themselves (what both sides summed before the table existed).
SQL_COLLECTED_DIFFER = """
    SELECT count(*) FROM (
        SELECT creditor_id, day, sum(amount) AS amount FROM payments_collectedday
        WHERE creditor_id = %(creditor)s GROUP BY 1, 2
    ) d
    FULL JOIN (
        SELECT i.creditor_id, p.paid_on AS day, sum(a.amount) AS amount
        FROM payments_allocation a
        JOIN payments_payment p ON p.id = a.payment_id
        JOIN invoices_invoice i ON i.id = a.invoice_id
        WHERE i.creditor_id = %(creditor)s
        GROUP BY 1, 2
    ) derived USING (creditor_id, day)
    WHERE coalesce(d.creditor_id, derived.creditor_id) = %(creditor)s
      AND d.amount IS DISTINCT FROM derived.amount
"""
SQL_MONTHLY = """
    SELECT date_trunc('month', day)::date, sum(amount)
    FROM payments_collectedday
    WHERE creditor_id = %(creditor)s AND day BETWEEN %(start)s AND %(end)s
    GROUP BY 1 ORDER BY 1
"""


def _pct(count: int, total: int) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (Decimal(100) * count / total).quantize(Decimal("0.1"), ROUND_HALF_UP)


def bare_sql(conn, params: dict) -> dict:
    with conn.cursor() as cur:
        cur.execute(SQL_FIGURES, params)
        groups = cur.fetchall()
        cur.execute(SQL_MONTHLY, params)
        monthly = cur.fetchall()
    total = [sum(row[k] or 0 for row in groups) for k in range(2, 10)]
    invoices, clean, reminded, collected, legal, paid, delay, payment_time = total
    return {
        "invoices": invoices,
        "paid_before_reminder_pct": _pct(clean, invoices),
        "reminded_pct": _pct(reminded, invoices),
        "in_collection_pct": _pct(collected, invoices),
        "in_legal_pct": _pct(legal, invoices),
        "delay": (Decimal(delay) / paid).quantize(Decimal("0.1"), ROUND_HALF_UP) if paid else None,
        "payment_time": (Decimal(payment_time) / paid).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if paid
        else None,
        "months": len(monthly),
    }


# --- Main ------------------------------------------------------------------------------------


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
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            drop_database(maintenance_url, args.database)


def run(args: argparse.Namespace, bench_url: str) -> None:
    import django

    django.setup()

    import psycopg
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from collection.cycle import ever_flags_rebuild
    from creditor.forms import MAX_PERIOD_YEARS, _years_before
    from invoices.models import Creditor, CreditorRole, CreditorUser
    from payments.allocation import allocations_derived_rebuild

    assert not settings.DEBUG, "the benchmark measures the page with DEBUG off"
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrated {args.database} in {time.perf_counter() - start:.1f} s")

    if not args.reuse:
        with psycopg.connect(bench_url, autocommit=True) as conn, conn.cursor() as cursor:
            start = time.perf_counter()
            timings = load(args, cursor)
            for label, sql in (("events", EVENTS_SQL), ("channels", CHANNELS_SQL)):
                began = time.perf_counter()
                cursor.execute(sql)
                timings[label] = (cursor.rowcount, time.perf_counter() - began)
        # The loader's COPY bypasses the allocation services: what they derive (each
        # invoice's payment day, the money per creditor and day) is rebuilt at once.
        began = time.perf_counter()
        allocations_derived_rebuild()
        timings["derived"] = (0, time.perf_counter() - began)
        # And what the collection cycle keeps with the events it writes: the "ever" flags.
        began = time.perf_counter()
        flagged = ever_flags_rebuild()
        timings["ever flags"] = (flagged, time.perf_counter() - began)
        with psycopg.connect(bench_url, autocommit=True) as conn, conn.cursor() as cursor:
            # As the migration that filled the payment days does: the update of every paid
            # invoice left the statistics' covering index several times its size.
            began = time.perf_counter()
            cursor.execute("REINDEX INDEX invoice_creditor_due_stats")
            timings["reindex"] = (0, time.perf_counter() - began)
            began = time.perf_counter()
            cursor.execute("VACUUM ANALYZE")
            timings["vacuum analyze"] = (0, time.perf_counter() - began)
            total = time.perf_counter() - start
        for label, (rows, seconds) in timings.items():
            rate = f"  ({rows / seconds:,.0f} rows/s)" if rows and seconds else ""
            print(f"  {label:<17} {rows:>10,} rows  {seconds:6.1f} s{rate}")
        print(f"loaded {args.invoices:,} invoices of one creditor in {total:.1f} s")

    creditor = Creditor.objects.get()
    user, created = User.objects.get_or_create(
        email="creditor-admin@bench.test", defaults={"first_name": "Bench", "last_name": "Admin"}
    )
    if created:
        CreditorUser.objects.create(creditor=creditor, user=user, role=CreditorRole.ADMIN)
        TOTP.activate(user, generate_totp_secret())
    client = staff_client(user)

    today = timezone.localdate()
    default_start = today.replace(day=1) - timedelta(days=365)
    periods = {
        "last year (the default)": {"start": default_start, "end": today},
        # The longest period the page accepts (creditor.forms.MAX_PERIOD_YEARS, counted in
        # calendar years: 3,652 days back was refused on a day with two leap days in the ten
        # years); the data span about two years, so this is everything.
        "everything": {
            "start": _years_before(today, MAX_PERIOD_YEARS) + timedelta(days=1),
            "end": today,
        },
    }
    results: dict[str, dict[str, tuple[float, float]]] = {}
    # The bare side runs with the settings the page's transaction sets (collection.statistics
    # `_reporting`): JIT off, work_mem 64MB.
    with psycopg.connect(
        bench_url, autocommit=True, prepare_threshold=None, options=BARE_OPTIONS
    ) as conn:
        differ = conn.execute(SQL_FLAGS_DIFFER, {"creditor": creditor.pk}).fetchone()[0]
        assert not differ, f"{differ} invoices keep 'ever' flags their timeline does not give"
        differ = conn.execute(SQL_PAYMENT_DAYS_DIFFER, {"creditor": creditor.pk}).fetchone()[0]
        assert not differ, f"{differ} invoices keep a payment day their allocations do not give"
        differ = conn.execute(SQL_COLLECTED_DIFFER, {"creditor": creditor.pk}).fetchone()[0]
        assert not differ, f"{differ} days keep a sum their allocations do not give"
        print(
            "derived figures: each invoice's 'ever' flags equal to its timeline, its payment "
            "day and each day's money equal to what the allocations give"
        )
        for label, period in periods.items():
            params = {"creditor": creditor.pk, "today": today, **period}
            query = {key: value.isoformat() for key, value in period.items()}
            figures = bare_sql(conn, params)
            response = client.get(URL, query)
            assert response.status_code == 200, (response.status_code, response.get("Location"))
            # The user's language may write decimals with a comma (fi, sv).
            html = response.content.decode().replace(",", ".")
            for name in ("reminded_pct", "in_collection_pct", "in_legal_pct", "delay"):
                wanted = f">{figures[name]}<"
                assert wanted in html, f"{label}: the page lacks {name} {figures[name]}"
            assert f"{figures['invoices']}" in html, f"{label}: the page lacks the invoice count"
            with CaptureQueriesContext(connection) as queries:
                client.get(URL, query)
            print(
                f"{label}: {figures['invoices']:,} invoices, paid before a reminder "
                f"{figures['paid_before_reminder_pct']} %, reminded {figures['reminded_pct']} %, "
                f"in collection {figures['in_collection_pct']} %, legal "
                f"{figures['in_legal_pct']} %, delay {figures['delay']} d, payment time "
                f"{figures['payment_time']} d, {figures['months']} months; the page runs "
                f"{len(queries)} statements, the bare SQL 2"
            )
            if args.explain:
                for name, sql in (("figures", SQL_FIGURES), ("monthly", SQL_MONTHLY)):
                    plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                    print(f"-- bare {name}")
                    print("\n".join(f"   {line}" for (line,) in plan))
                for captured in queries.captured_queries:
                    if "invoices_invoice" in captured["sql"] and "GROUP BY" in captured["sql"]:
                        plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {captured['sql']}")
                        print("-- page query")
                        print("\n".join(f"   {line}" for (line,) in plan))

            results[label] = measure(
                {
                    "django": lambda query=query: client.get(URL, query),
                    "sql": lambda params=params: bare_sql(conn, params),
                },
                repeat=args.repeat,
                warmup=args.warmup,
            )

    for label, timings in results.items():
        (page_ms, page_p90), (sql_ms, sql_p90) = timings["django"], timings["sql"]
        print(
            f"{label}: django page (GET {URL}) median {page_ms:.1f} ms (p90 {page_p90:.1f} ms); "
            f"bare SQL median {sql_ms:.1f} ms (p90 {sql_p90:.1f} ms); "
            f"ratio {page_ms / sql_ms:.1f}x"
        )
    (page_ms, _), (sql_ms, _) = results["last year (the default)"].values()
    print(f"ratio django/sql (default period): {page_ms / sql_ms:.1f}x")


if __name__ == "__main__":
    main()
