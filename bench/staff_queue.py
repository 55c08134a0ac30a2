"""Benchmark: the customer-service queue in the admin and full-text search over messages.

    .venv/bin/python bench/staff_queue.py [--contacts 200000 --messages 1000000]

Creates its own database (``myropo_bench_queue`` on the server of DATABASE_URL, or
BENCH_DATABASE_URL), migrates it, loads contacts and messages with PostgreSQL COPY (the
search vector is the model's stored generated column, computed by PostgreSQL on load), runs
ANALYZE, then times, through Django's test client signed in as staff with MFA in the
session:

- the filtered queue page (new and unassigned, page 1) against the bare SQL of that page;
- full-text search (``?q=``) in the admin against the bare SQL of the same search,

and prints the medians, the 90th percentiles and, last, the ratio page/SQL. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.invoice_list import (  # noqa: E402  # after the path set-up above
    BENCH_ENV,
    _unit,
    copy_rows,
    database_exists,
    database_urls,
    drop_database,
    measure,
    recreate_database,
    ytunnus,
)

QUEUE_URL = "/admin/messaging/contact/?state__exact=new&assigned=none"
SEARCH_URL = "/admin/messaging/contact/"


def change_url(contact_id: int) -> str:
    return f"/admin/messaging/contact/{contact_id}/change/"


# Message text: everyday customer-service sentences in the three languages, so that each
# configuration's stemmer has its own words to find.
SENTENCES = {
    "fi": [
        "Maksoin laskun eilen, mutta sain silti muistutuksen.",
        "Voinko saada maksusuunnitelman kolmeen erään?",
        "Haluaisin siirtää eräpäivää kahdella viikolla.",
        "Lasku on mielestäni virheellinen, en ole tilannut tätä palvelua.",
        "Palauttakaa liikaa maksettu summa tililleni.",
        "Kiitos nopeasta vastauksesta.",
        "Perintäkulut ovat kohtuuttomat.",
        "Olen työtön ja maksaminen on nyt vaikeaa.",
    ],
    "sv": [
        "Jag betalade fakturan igår men fick ändå en påminnelse.",
        "Kan jag få en betalningsplan i tre delar?",
        "Jag vill flytta förfallodagen med två veckor.",
        "Fakturan är felaktig, jag har inte beställt tjänsten.",
        "Återbetala det överbetalda beloppet till mitt konto.",
        "Tack för det snabba svaret.",
    ],
    "en": [
        "I paid the invoice yesterday but still received a reminder.",
        "Could I have a payment plan in three instalments?",
        "I would like to move the due date by two weeks.",
        "The invoice is wrong, I never ordered this service.",
        "Please refund the overpaid amount to my account.",
        "Thank you for the quick answer.",
    ],
}
# Surnames make the rare words staff really search for (a customer's name in a message).
SURNAMES = [
    f"{stem}{ending}"
    for stem in ("Virta", "Korho", "Mäki", "Niemi", "Laine", "Heikki", "Koski", "Järvi")
    for ending in ("nen", "la", "stö", "maa", "vaara", "lahti", "salo", "rinne", "kangas")
]
# What staff type into the search box: a common word, a medium one, a rare name, two words.
SEARCH_TERMS = ["muistutuksen", "betalningsplan", "refund", "Koskisalo", "eräpäivää siirtää"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--creditors", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per side")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--database", default="myropo_bench_queue", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the kept database as it is (no load)"
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    if args.messages < args.contacts or args.customers < 1:
        parser.error("need at least one message per contact and one customer")
    return args


# --- Loading ---------------------------------------------------------------------------------

STATES = [("resolved", 0.60), ("waiting", 0.15), ("open", 0.10), ("new", 0.15)]
CLASSIFICATIONS = [
    "payment_report",
    "due_date",
    "payment_plan",
    "dispute",
    "stop_collection",
    "refund",
    "other",
]
CHANNELS = [("portal", 0.55), ("email", 0.30), ("phone", 0.10), ("chat", 0.05)]


def _pick(choices: list[tuple[str, float]], u: float) -> str:
    for value, share in choices:
        if u < share:
            return value
        u -= share
    return choices[-1][0]


def _language(c: int) -> str:
    """Eight contacts in ten are in Finnish, one in Swedish, one in English."""
    return "fi" if c % 10 < 8 else ("sv" if c % 10 == 8 else "en")


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def load(args: argparse.Namespace, cursor) -> dict[str, tuple[int, float]]:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User
    from invoices.models import Creditor, CreditorSettings
    from messaging.models import Contact, Message

    now = datetime.now(UTC)
    timings: dict[str, tuple[int, float]] = {}

    def timed(label, fn) -> None:
        start = time.perf_counter()
        rows = fn()
        timings[label] = (rows, time.perf_counter() - start)

    creditors = Creditor.objects.bulk_create(
        Creditor(
            name=f"Bench Creditor {c:02d} Oy",
            business_id=ytunnus(c),
            iban="FI2112345600000785",
            bic="NDEAFIHH",
        )
        for c in range(args.creditors)
    )
    CreditorSettings.objects.bulk_create(CreditorSettings(creditor=c) for c in creditors)
    creditor_ids = [str(c.pk) for c in creditors]

    customers, staff = args.customers, args.staff
    timed(
        "users",
        lambda: copy_rows(
            cursor,
            User,
            ["id", "email", "password", "first_name", "last_name", "is_staff", "is_superuser"],
            (
                (
                    str(u + 1),
                    f"user{u:06d}@bench.test",
                    "!",
                    "Agent" if u < staff else "Bench",
                    f"{SURNAMES[u % len(SURNAMES)]} {u:06d}",
                    "t" if u < staff else "f",
                    "t" if u < staff else "f",
                )
                for u in range(customers + staff)
            ),
            now=now,
        ),
    )
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), %s)", [customers + staff]
    )
    for agent in User.objects.filter(is_staff=True):
        TOTP.activate(agent, generate_totp_secret())

    n, m = args.contacts, args.messages
    span = timedelta(days=730)

    def created(c: int) -> datetime:
        # Contact c is older the smaller c is: two years of contacts, the newest last.
        return now - span * (1 - c / n)

    def contacts():
        for c in range(n):
            state = _pick(STATES, _unit(c, 1))
            at = created(c)
            answered = state != "new"
            first = at + timedelta(hours=1 + 40 * _unit(c, 2)) if answered else None
            resolved = (first + timedelta(hours=20)) if state == "resolved" else None
            last = resolved or first or at
            assigned = str(1 + c % staff) if answered or _unit(c, 3) < 0.3 else None
            owner = str(staff + 1 + c % customers)
            yield tuple(
                "\\N" if value is None else value
                for value in (
                    str(c + 1),
                    _pick(CHANNELS, _unit(c, 4)),
                    CLASSIFICATIONS[int(_unit(c, 5) * len(CLASSIFICATIONS))],
                    state,
                    owner,
                    owner,
                    _language(c),
                    creditor_ids[c % len(creditor_ids)],
                    assigned,
                    _stamp(at),
                    _stamp(first) if first else None,
                    _stamp(resolved) if resolved else None,
                    _stamp(resolved) if resolved else None,
                    _stamp(at + timedelta(hours=24 + 48 * _unit(c, 6))),
                    "answered" if resolved else "",
                    _stamp(last),
                    _stamp(first) if first else None,
                    "1" if answered else "0",
                )
            )

    timed(
        "contacts",
        lambda: copy_rows(
            cursor,
            Contact,
            [
                "id",
                "channel",
                "classification",
                "state",
                "owner_user_id",
                "actor_id",
                "language",
                "creditor_id",
                "assigned_to_id",
                "created_at",
                "first_response_at",
                "resolved_at",
                "first_resolved_at",
                "sla_due_at",
                "outcome",
                "last_message_at",
                "last_staff_message_at",
                "staff_answer_count",
            ],
            contacts(),
            now=now,
        ),
    )

    def messages():
        for k in range(m):
            c = k % n  # the k-th message of contact c is message c + j·n
            j = k // n
            language = _language(c)
            sentences = SENTENCES[language]
            parts = [sentences[int(_unit(k, 7 + p) * len(sentences))] for p in range(1 + k % 3)]
            if _unit(k, 11) < 0.02:
                parts.append(SURNAMES[int(_unit(k, 12) * len(SURNAMES))])
            staff_side = j % 2 == 1
            yield (
                str(k + 1),
                str(c + 1),
                "staff" if staff_side else "customer",
                "t" if staff_side and _unit(k, 13) < 0.1 else "f",
                " ".join(parts),
                _stamp(created(c) + timedelta(hours=j * 2)),
                str(1 + c % staff) if staff_side else str(staff + 1 + c % customers),
            )

    # The GIN indexes are built once after the load (what a restore does), not row by row.
    # The contacts' search vectors are the triggers' work during the COPY (one statement).
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE indexname IN ('message_search', 'contact_search')"
    )
    index_sqls = [indexdef for (indexdef,) in cursor.fetchall()]
    cursor.execute("DROP INDEX message_search, contact_search")
    timed(
        "messages",
        lambda: copy_rows(
            cursor,
            Message,
            ["id", "contact_id", "author_kind", "internal", "body", "created_at", "actor_id"],
            messages(),
            now=now,
        ),
    )
    timed("search indexes", lambda: [cursor.execute(sql) for sql in index_sqls] and 0)
    for model in (Contact, Message):
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    timed("analyze", lambda: cursor.execute("VACUUM ANALYZE") and 0)
    return timings


# --- The page as bare SQL --------------------------------------------------------------------

# Written by hand from what the queue page shows (messaging.admin.ContactAdmin): the rows of
# page 1 (list_per_page 50) with the creditor, customer and agent of each, the count the
# paginator needs, and the creditor filter's choices.
CONTACT_COLUMNS = """
    ct.id, ct.classification, ct.state, ct.channel, ct.created_at, ct.sla_due_at,
    ct.first_response_at, ct.email, cr.name, cu.email, cu.first_name, cu.last_name,
    ag.email, ag.first_name, ag.last_name
"""
JOINS = """
    FROM messaging_contact ct
    LEFT JOIN invoices_creditor cr ON cr.id = ct.creditor_id
    LEFT JOIN accounts_user cu ON cu.id = ct.owner_user_id
    LEFT JOIN accounts_user ag ON ag.id = ct.assigned_to_id
"""
QUEUE_WHERE = "ct.state = 'new' AND ct.assigned_to_id IS NULL"
# One vector per contact (messaging_contactsearch, kept by triggers on the messages).
SEARCH_WHERE = """
    ct.id IN (SELECT cs.contact_id FROM messaging_contactsearch cs
              WHERE cs.vector @@ (websearch_to_tsquery('finnish', %(q)s)
                                  || websearch_to_tsquery('swedish', %(q)s)
                                  || websearch_to_tsquery('english', %(q)s)))
"""
PAGE_ROWS = 50  # ContactAdmin.list_per_page
ORDER = f"ORDER BY ct.last_message_at DESC, ct.id DESC LIMIT {PAGE_ROWS}"
SQL_CREDITORS = "SELECT id, name FROM invoices_creditor ORDER BY name"


# What the admin's search does (ContactAdmin.get_search_results): ask the GIN index for
# up to FEW_MATCHES + 1 contacts; as few as that, count and list them by id; more (a common
# word), walk the queue newest first for one row past the page, without a count.
FEW_MATCHES = 500  # messaging.admin.FEW_MATCHES
TSQUERY = """(websearch_to_tsquery('finnish', %(q)s) || websearch_to_tsquery('swedish', %(q)s)
              || websearch_to_tsquery('english', %(q)s))"""
SQL_PROBE = f"""SELECT cs.contact_id FROM messaging_contactsearch cs
                WHERE cs.vector @@ {TSQUERY} LIMIT %(limit)s"""
SQL_WALK = f"""SELECT {CONTACT_COLUMNS} {JOINS}
    JOIN messaging_contactsearch cs ON cs.contact_id = ct.id
    WHERE cs.vector @@ {TSQUERY}
    ORDER BY ct.last_message_at DESC, ct.id DESC LIMIT {PAGE_ROWS + 1}"""


def sql_search(conn, term: str) -> tuple[int | None, list[tuple]]:
    """(the count, or None when not counted; the rows of page 1) as the admin gets them."""
    with conn.cursor() as cur:
        cur.execute(SQL_PROBE, {"q": term, "limit": FEW_MATCHES + 1})
        ids = [contact_id for (contact_id,) in cur.fetchall()]
    if len(ids) <= FEW_MATCHES:
        return sql_page(conn, "ct.id = ANY(%(ids)s)", {"ids": ids})
    with conn.cursor() as cur:
        cur.execute(SQL_WALK, {"q": term})
        rows = cur.fetchall()[:PAGE_ROWS]
        cur.execute(SQL_CREDITORS)
        cur.fetchall()
    return None, rows


def sql_page(conn, where: str, params: dict | None = None) -> tuple[int, list[tuple]]:
    params = params or {}
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM messaging_contact ct WHERE {where}", params)
        (count,) = cur.fetchone()
        cur.execute(f"SELECT {CONTACT_COLUMNS} {JOINS} WHERE {where} {ORDER}", params)
        rows = cur.fetchall()
        cur.execute(SQL_CREDITORS)
        cur.fetchall()
    return count, rows


# --- Main ------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    maintenance_url, bench_url = database_urls(args.database)
    os.environ["DATABASE_URL"] = bench_url
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")

    if args.reuse and not database_exists(maintenance_url, args.database):
        sys.exit(f"--reuse: there is no database {args.database}; run once with --keep first")
    if not args.reuse:
        recreate_database(maintenance_url, args.database)
    try:
        run(args, bench_url)
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            drop_database(maintenance_url, args.database)


def staff_client(user):
    """Django's test client with a session signed in with password and TOTP, as staff sign in."""
    from importlib import import_module

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    store[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time()},
        {"method": "mfa", "type": "totp", "at": time.time()},
    ]
    store.create()
    client = Client(HTTP_HOST="localhost", headers={"accept-language": "en"})
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return client


def run(args: argparse.Namespace, bench_url: str) -> None:
    import django

    django.setup()

    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

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
            total = time.perf_counter() - start
        for label, (rows, seconds) in timings.items():
            rate = f"  ({rows / seconds:,.0f} rows/s)" if rows and seconds else ""
            print(f"  {label:<14} {rows:>10,} rows  {seconds:6.1f} s{rate}")
        print(f"loaded {args.contacts:,} contacts with {args.messages:,} messages in {total:.1f} s")

    client = staff_client(User.objects.filter(is_staff=True).order_by("pk").first())

    with psycopg.connect(bench_url, autocommit=True, prepare_threshold=None) as conn:
        count, rows = sql_page(conn, QUEUE_WHERE)
        response = client.get(QUEUE_URL)
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        html = response.content.decode()
        missing = [row[0] for row in rows if change_url(row[0]) not in html]
        assert not missing, f"the page lacks contacts the SQL found: {missing[:5]}"
        with CaptureQueriesContext(connection) as queries:
            client.get(QUEUE_URL)
        print(
            f"queue {QUEUE_URL}: {count:,} contacts, page 1 shows {len(rows)}; "
            f"the page runs {len(queries)} statements, the bare SQL 3"
        )
        for term in SEARCH_TERMS:
            hits, found = sql_page(conn, SEARCH_WHERE, {"q": term})
            counted, rows = sql_search(conn, term)
            assert [row[0] for row in rows] == [row[0] for row in found]
            page = client.get(SEARCH_URL, {"q": term}).content.decode()
            lacking = [row[0] for row in found if change_url(row[0]) not in page]
            assert not lacking, f"search {term!r}: the page lacks {lacking[:5]}"
            how = "counted" if counted is not None else "not counted, more than one page"
            print(f"search {term!r}: {hits:,} contacts ({how})")
        if args.explain:
            for name, where, params in (
                ("queue", QUEUE_WHERE, {}),
                ("search", SEARCH_WHERE, {"q": SEARCH_TERMS[0]}),
            ):
                for query in (
                    f"SELECT count(*) FROM messaging_contact ct WHERE {where}",
                    f"SELECT {CONTACT_COLUMNS} {JOINS} WHERE {where} {ORDER}",
                ):
                    plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
                    print(f"-- {name}")
                    print("\n".join(f"   {line}" for (line,) in plan))

        print("load average before timing: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        queue = measure(
            {
                "django": lambda: client.get(QUEUE_URL),
                "sql": lambda: sql_page(conn, QUEUE_WHERE),
            },
            repeat=args.repeat,
            warmup=args.warmup,
        )
        page_terms, sql_terms = itertools.cycle(SEARCH_TERMS), itertools.cycle(SEARCH_TERMS)

        def search_page() -> None:
            client.get(SEARCH_URL, {"q": next(page_terms)})

        def search_sql() -> None:
            sql_search(conn, next(sql_terms))

        search = measure(
            {"django": search_page, "sql": search_sql},
            repeat=args.repeat * len(SEARCH_TERMS) // 2,
            warmup=args.warmup,
        )

    print("load average after timing: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    (page_ms, page_p90), (sql_ms, sql_p90) = queue["django"], queue["sql"]
    (search_ms, search_p90), (search_sql_ms, search_sql_p90) = search["django"], search["sql"]
    print(
        f"search page (GET ?q=, {len(SEARCH_TERMS)} terms in turn): "
        f"p50 {search_ms:.2f} ms, p90 {search_p90:.2f} ms"
    )
    print(f"search bare SQL: p50 {search_sql_ms:.2f} ms, p90 {search_sql_p90:.2f} ms")
    print(f"queue page (GET {QUEUE_URL}): median {page_ms:.2f} ms (p90 {page_p90:.2f} ms)")
    print(f"queue bare SQL (psycopg, 3 queries): median {sql_ms:.2f} ms (p90 {sql_p90:.2f} ms)")
    print(f"ratio django/sql: {page_ms / sql_ms:.1f}x")


if __name__ == "__main__":
    main()
