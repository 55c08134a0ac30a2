"""Benchmark: the invoice list page for one debtor among many, Django against bare SQL.

    .venv/bin/python bench/invoice_list.py [--invoices 1000000 --debtors 10000]

Creates its own database (``myropo_bench`` on the server of DATABASE_URL, or
BENCH_DATABASE_URL when set), migrates it, loads invoices with PostgreSQL COPY, runs
ANALYZE, then times page 1 of ``invoices:list`` for one debtor through the Django test
client against the same page's queries run with psycopg directly. The last line is the
ratio. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The page is measured as production serves it: DEBUG off (no query log, cached templates).
# These are the test suite's stand-ins for what a deployment must set (tests/testenv.py);
# values already in the environment win, except DATABASE_URL, which always points at the
# benchmark's own database so that a run can never touch the development data.
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "localhost,testserver,127.0.0.1",
    "EMAIL_URL": "locmem://",
    "CACHE_KEY_PREFIX": "myropo-bench",
    "CHANNELS_PREFIX": "myropo-bench-asgi",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "LOG_LEVEL": "WARNING",
}

# Knuth's multiplicative hash: a stateless, repeatable "random" number per (invoice, purpose),
# so that every run loads the same data and a payment finds its invoice's amount again.
_GOLDEN = 2654435761


def _unit(i: int, salt: int) -> float:
    return (((i + 1) * _GOLDEN + salt * 40503) % 2**32) / 2**32


# --- Arguments and the database --------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--debtors", type=int, default=10_000)
    parser.add_argument("--creditors", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per side")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--database", default="myropo_bench", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the bare queries"
    )
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    if args.debtors < 1 or args.invoices < args.debtors:
        parser.error("need at least one debtor and one invoice per debtor")
    return args


def database_urls(name: str) -> tuple[str, str]:
    """(the maintenance database's URL, the benchmark database's URL) on the same server."""
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/myropo"
    )
    parts = urlparse(base)
    return urlunparse(parts._replace(path="/postgres")), urlunparse(parts._replace(path=f"/{name}"))


def recreate_database(maintenance_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_exists(maintenance_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def drop_database(maintenance_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- Loading with COPY ---------------------------------------------------------------------


def _text(value) -> str:
    """A value in COPY's text format (the generated data holds no tabs, newlines or backslashes)."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


def copy_rows(
    cursor, model, columns: list[str], rows: Iterable[tuple[str, ...]], *, now: datetime
) -> int:
    """COPY rows into ``model``'s table; every column not in ``columns`` gets its default.

    Filling the rest from the model keeps the benchmark loading when someone adds a field
    with a default; a required field without one stops it with a clear message.
    """
    constant_columns, constants = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.primary_key or field.generated:
            continue  # a generated column (a search vector) is PostgreSQL's to compute
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            value = now
        else:
            # The field's default, "" for a blank text field, None for a nullable one.
            value = field.get_default()
            if value is None and not field.null:
                raise SystemExit(f"bench: {model.__name__}.{field.name} needs a value in the COPY")
        constant_columns.append(field.column)
        constants.append(_text(value))
    tail = "\t".join(constants)
    names = ", ".join(f'"{name}"' for name in columns + constant_columns)
    count = 0
    with cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
        chunk: list[str] = []
        for row in rows:
            head = "\t".join(row)
            chunk.append(f"{head}\t{tail}\n" if tail else f"{head}\n")
            if len(chunk) == 10_000:
                copy.write("".join(chunk))
                count += len(chunk)
                chunk.clear()
        copy.write("".join(chunk))
        count += len(chunk)
    return count


def ytunnus(n: int) -> str:
    """The n-th valid Finnish business ID (Y-tunnus) from 2000000-x up."""
    while True:
        base = f"{2_000_000 + n:07d}"
        remainder = sum(int(d) * w for d, w in zip(base, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:  # a remainder of 1 has no check digit; such bases are never issued
            return f"{base}-{0 if remainder == 0 else 11 - remainder}"
        n += 1_000_000


HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu(d: int) -> str:
    """A valid personal identity code for debtor d (born 1940-1999)."""
    born = date(1940, 1, 1) + timedelta(days=(d * 7919) % 21900)
    individual = 2 + d % 897
    digits = f"{born:%d%m%y}{individual:03d}"
    return f"{born:%d%m%y}-{individual:03d}{HETU_CHECK[int(digits) % 31]}"


def national_reference(base: int) -> str:
    digits = str(base)
    total = sum(int(d) * (7, 3, 1)[i % 3] for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


MYROPO_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def myropo_id(i: int) -> str:
    # Multiplying by an odd number is a bijection modulo 2**50 (= 32**10): unique, scattered ids.
    n = ((i + 1) * 0x9E3779B97F4A7) % 2**50
    return "".join(MYROPO_ALPHABET[(n >> (5 * k)) & 31] for k in range(10))


class Plan:
    """Dates, stage and amount of every invoice, computed once into compact arrays.

    Invoice i belongs to debtor i % debtors. Each debtor gets one invoice a month going back
    in time; the ones past their due date follow Ropo's 2021 figures roughly: ~94 % paid,
    some reminded, a few in collection or legal collection.
    """

    STAGES = ("open", "reminded", "collection", "legal", "paid", "credited")

    def __init__(self, invoices: int, debtors: int, today: date):
        self.n, self.debtors = invoices, debtors
        self.due = array("i", bytes(4 * invoices))  # date ordinals
        self.cents = array("i", bytes(4 * invoices))
        self.stage = bytearray(invoices)
        self.reminder_fee = bytearray(invoices)
        today_ordinal = today.toordinal()
        stage_index = {name: k for k, name in enumerate(self.STAGES)}
        for i in range(invoices):
            d, j = i % debtors, i // debtors
            due = today_ordinal - j * 30 - d % 28 + 14
            stage, fee = _stage(_unit(i, 2), today_ordinal - due)
            self.due[i] = due
            self.cents[i] = 2000 + int(_unit(i, 1) * 48_000)
            self.stage[i] = stage_index[stage]
            self.reminder_fee[i] = fee

    def stage_of(self, i: int) -> str:
        return self.STAGES[self.stage[i]]


def _stage(u: float, overdue_days: int) -> tuple[str, bool]:
    """(stage, has a reminder fee) for an invoice this many days past its due date."""
    if overdue_days < 0:
        return "open", False
    if overdue_days < 14:
        return ("paid" if u < 0.8 else "open"), False
    if overdue_days < 60:
        if u < 0.94:
            return "paid", u > 0.9
        return ("reminded" if u < 0.97 else "collection"), True
    if u < 0.96:
        return "paid", u > 0.94
    if u < 0.97:
        return "credited", False
    return ("collection" if u < 0.995 else "legal"), True


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


REMINDER_FEE_CENTS, DEMAND_FEE_CENTS = 500, 2400
INVOICE_COLUMNS = [
    "id",
    "creditor_id",
    "number",
    "myropo_id",
    "debtor_type",
    "debtor_hetu",
    "debtor_business_id",
    "debtor_name",
    "debtor_street",
    "debtor_postcode",
    "debtor_city",
    "issue_date",
    "due_date",
    "original_due_date",
    "reference",
    "language",
    "currency",
    "principal",
    "stage",
    "disputed",
]


def load(args: argparse.Namespace, cursor) -> dict[str, tuple[int, float]]:
    from accounts.models import User
    from invoices.models import Charge, Creditor, CreditorSettings, Invoice, InvoiceAccess
    from payments.models import Allocation, Payment

    now = datetime.now(UTC)
    n, debtors = args.invoices, args.debtors
    timings: dict[str, tuple[int, float]] = {}

    def timed(label: str, fn: Callable[[], int]) -> None:
        start = time.perf_counter()
        rows = fn()
        timings[label] = (rows, time.perf_counter() - start)

    start = time.perf_counter()
    plan = Plan(n, debtors, date.today())
    timings["plan (python)"] = (n, time.perf_counter() - start)

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
    CreditorSettings.objects.bulk_create(CreditorSettings(creditor=c) for c in creditors)
    creditor_ids = [str(c.pk) for c in creditors]

    # The identity and organisation work does not exist yet, so a debtor reaches their
    # invoices through InvoiceAccess: one user per debtor and one access row per invoice
    # (as if every invoice had been claimed). Invoices still carry a valid HETU, so that the
    # benchmark can switch to HETU matching once verified identities exist.
    timed(
        "users",
        lambda: copy_rows(
            cursor,
            User,
            ["id", "email", "password", "first_name", "last_name"],
            (
                (str(d + 1), f"debtor{d:05d}@bench.test", "!", "Bench", f"Debtor {d:05d}")
                for d in range(debtors)
            ),
            now=now,
        ),
    )

    hetus = [hetu(d) for d in range(debtors)]

    def invoices() -> Iterator[tuple[str, ...]]:
        for i in range(n):
            d = i % debtors
            due = _day(plan.due[i])
            yield (
                str(i + 1),
                creditor_ids[(i * 7 + d) % len(creditor_ids)],
                f"B{i + 1:08d}",
                myropo_id(i),
                "consumer",
                hetus[d],
                "",
                f"Bench Debtor {d:05d}",
                "Mannerheimintie 1",
                "00100",
                "Helsinki",
                _day(plan.due[i] - 14),
                due,
                due,
                national_reference(1_000_000 + i),
                "fi",
                "EUR",
                _euros(plan.cents[i]),
                plan.stage_of(i),
                "f",
            )

    timed("invoices", lambda: copy_rows(cursor, Invoice, INVOICE_COLUMNS, invoices(), now=now))
    timed(
        "invoice accesses",
        lambda: copy_rows(
            cursor,
            InvoiceAccess,
            ["invoice_id", "user_id", "method"],
            ((str(i + 1), str(i % debtors + 1), "myropo_id") for i in range(n)),
            now=now,
        ),
    )

    reminder_fee, demand_fee = _euros(REMINDER_FEE_CENTS), _euros(DEMAND_FEE_CENTS)

    def charges() -> Iterator[tuple[str, ...]]:
        for i in range(n):
            if plan.reminder_fee[i]:
                yield (str(i + 1), "reminder_fee", reminder_fee, _day(plan.due[i] + 14),
                       "reminder_fee.consumer", reminder_fee, "reminder:1")  # fmt: skip
            if plan.stage_of(i) in ("collection", "legal"):
                yield (str(i + 1), "demand_fee", demand_fee, _day(plan.due[i] + 30),
                       "demand_fee.first.consumer", demand_fee, "demand:1")  # fmt: skip

    timed(
        "charges",
        lambda: copy_rows(
            cursor,
            Charge,
            ["invoice_id", "kind", "amount", "booked_on", "rule", "legal_cap", "idempotency_key"],
            charges(),
            now=now,
        ),
    )
    paid = plan.STAGES.index("paid")
    today_ordinal = date.today().toordinal()

    def payments() -> Iterator[tuple[str, ...]]:
        for i in range(n):
            if plan.stage[i] == paid:
                paid_on = min(plan.due[i] + int(_unit(i, 3) * 8) - 5, today_ordinal)
                cents = plan.cents[i] + (REMINDER_FEE_CENTS if plan.reminder_fee[i] else 0)
                yield (str(i + 1), "bank", f"BENCH-{i + 1}", _euros(cents),
                       national_reference(1_000_000 + i), _day(paid_on))  # fmt: skip

    timed(
        "payments",
        lambda: copy_rows(
            cursor,
            Payment,
            ["id", "source", "external_id", "amount", "reference", "paid_on"],
            payments(),
            now=now,
        ),
    )

    def allocations() -> Iterator[tuple[str, ...]]:
        for i in range(n):
            if plan.stage[i] == paid:
                if plan.reminder_fee[i]:
                    yield (str(i + 1), str(i + 1), "costs", reminder_fee)
                yield (str(i + 1), str(i + 1), "principal", _euros(plan.cents[i]))

    timed(
        "allocations",
        lambda: copy_rows(
            cursor,
            Allocation,
            ["payment_id", "invoice_id", "component", "amount"],
            allocations(),
            now=now,
        ),
    )
    for model in (User, Invoice, Payment):
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    start = time.perf_counter()
    cursor.execute("ANALYZE")
    timings["analyze"] = (0, time.perf_counter() - start)
    return timings


# --- The page as bare SQL --------------------------------------------------------------------

# Written by hand from what the list page shows (invoices.selectors: invoices_visible_to,
# with_balance, invoice_list_rows, invoice_list_summary, creditors_of) for the default
# page: no filters, page 1. Same visibility rule, same balance subqueries, same ordering
# (open invoices first by due date, then closed ones newest first), LIMIT 25.
VISIBLE = """
    i.id IN (SELECT a.invoice_id FROM invoices_invoiceaccess a WHERE a.user_id = %(user)s
             UNION ALL
             SELECT v.id FROM invoices_invoice v
             WHERE v.creditor_id IN (SELECT cu.creditor_id FROM invoices_creditoruser cu
                                     WHERE cu.user_id = %(user)s))
"""
BALANCE = """
    COALESCE((SELECT sum(ch.amount) FROM invoices_charge ch
              WHERE ch.invoice_id = i.id AND ch.kind <> 'interest'), 0) AS fees_total,
    COALESCE((SELECT sum(ch.amount) FROM invoices_charge ch
              WHERE ch.invoice_id = i.id AND ch.kind = 'interest'), 0) AS interest_total,
    COALESCE((SELECT sum(al.amount) FROM payments_allocation al
              WHERE al.invoice_id = i.id), 0) AS paid_total
"""
SQL_CREDITORS = f"""
    SELECT c.id, c.name FROM invoices_creditor c
    WHERE c.id IN (SELECT i.creditor_id FROM invoices_invoice i WHERE {VISIBLE})
    ORDER BY c.name
"""
SQL_SUMMARY = f"""
    SELECT count(*),
           sum(b.principal + b.fees_total + b.interest_total - b.paid_total)
               FILTER (WHERE b.stage NOT IN ('paid', 'credited'))
    FROM (SELECT i.principal, i.stage, {BALANCE}
          FROM invoices_invoice i WHERE {VISIBLE}) b
"""
SQL_ROWS = f"""
    SELECT i.number AS bench_number, i.*, c.*, {BALANCE},
           i.principal
             + COALESCE((SELECT sum(ch.amount) FROM invoices_charge ch
                         WHERE ch.invoice_id = i.id), 0)
             - COALESCE((SELECT sum(al.amount) FROM payments_allocation al
                         WHERE al.invoice_id = i.id), 0) AS open_balance
    FROM invoices_invoice i JOIN invoices_creditor c ON c.id = i.creditor_id
    WHERE {VISIBLE}
    ORDER BY (i.stage IN ('paid', 'credited')),
             CASE WHEN i.stage NOT IN ('paid', 'credited') THEN i.due_date END,
             CASE WHEN i.stage IN ('paid', 'credited') THEN i.issue_date END DESC,
             i.id DESC
    LIMIT 25
"""


def bare_sql_page(conn, user_id: int) -> tuple[int, Decimal, list[tuple]]:
    params = {"user": user_id}
    with conn.cursor() as cur:
        cur.execute(SQL_CREDITORS, params)
        cur.fetchall()
        cur.execute(SQL_SUMMARY, params)
        count, open_total = cur.fetchone()
        cur.execute(SQL_ROWS, params)
        rows = cur.fetchall()
    return count, open_total, rows


def measure(
    sides: dict[str, Callable[[], object]], *, repeat: int, warmup: int
) -> dict[str, tuple[float, float]]:
    """{side: (median ms, 90th percentile ms)} of ``repeat`` timed calls after ``warmup``.

    The sides take turns, one call each per round, so that a busy machine slows them alike.
    """
    for _ in range(warmup):
        for fn in sides.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeat):
        for name, fn in sides.items():
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    result = {}
    for name, values in samples.items():
        values.sort()
        p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
        result[name] = (statistics.median(values), p90)
    return result


# --- Main ------------------------------------------------------------------------------------


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
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from invoices.selectors import (
        creditors_of,
        invoice_list_rows,
        invoice_list_summary,
        invoices_visible_to,
    )

    assert not settings.DEBUG, "the benchmark measures the page with DEBUG off"
    static_manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not static_manifest.exists():
        call_command("collectstatic", interactive=False, verbosity=0)

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrated {args.database} in {time.perf_counter() - start:.1f} s")

    with psycopg.connect(bench_url, autocommit=True) as conn, conn.cursor() as cursor:
        start = time.perf_counter()
        timings = load(args, cursor)
        total = time.perf_counter() - start
    for label, (rows, seconds) in timings.items():
        rate = f"  ({rows / seconds:,.0f} rows/s)" if rows and seconds else ""
        print(f"  {label:<17} {rows:>10,} rows  {seconds:6.1f} s{rate}")
    print(f"loaded {args.invoices:,} invoices for {args.debtors:,} debtors in {total:.1f} s")

    # A debtor in the middle of the id range, with invoices/debtors (~100) invoices.
    user = User.objects.get(pk=args.debtors // 2 + 1)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = reverse("invoices:list")

    # Django does not prepare statements; neither does the bare side, so that the
    # comparison is about the framework and not about plan caching.
    with psycopg.connect(bench_url, autocommit=True, prepare_threshold=None) as conn:
        count, open_total, rows = bare_sql_page(conn, user.pk)
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        html = response.content.decode()
        missing = [row[0] for row in rows if row[0] not in html]
        assert not missing, f"the page lacks invoices the SQL found: {missing[:5]}"
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(
            f"debtor user {user.pk}: {count} invoices, open balance {open_total}, "
            f"page 1 shows {len(rows)}; the page runs {len(queries)} statements, the bare SQL 3"
        )
        if args.explain:
            for name, query in (("creditors", SQL_CREDITORS), ("summary", SQL_SUMMARY),
                                ("rows", SQL_ROWS)):  # fmt: skip
                plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", {"user": user.pk})
                print(f"-- {name}")
                print("\n".join(f"   {line}" for (line,) in plan))

        def django_page() -> None:
            client.get(url)

        def orm_queries() -> None:
            visible = invoices_visible_to(user)
            list(creditors_of(visible))
            summary = invoice_list_summary(visible, today=timezone.localdate())
            list(invoice_list_rows(visible)[:25])
            assert summary.count == count

        def bare_sql() -> None:
            bare_sql_page(conn, user.pk)

        timings = measure(
            {"django": django_page, "orm": orm_queries, "sql": bare_sql},
            repeat=args.repeat,
            warmup=args.warmup,
        )

    (orm_ms, orm_p90), (page_ms, page_p90), (sql_ms, sql_p90) = (
        timings["orm"],
        timings["django"],
        timings["sql"],
    )
    print(f"orm selectors only: median {orm_ms:.2f} ms (p90 {orm_p90:.2f} ms)")
    print(f"django page (GET {url}): median {page_ms:.2f} ms (p90 {page_p90:.2f} ms)")
    print(f"bare SQL (psycopg, 3 queries): median {sql_ms:.2f} ms (p90 {sql_p90:.2f} ms)")
    print(f"ratio django/sql: {page_ms / sql_ms:.1f}x")


if __name__ == "__main__":
    main()
