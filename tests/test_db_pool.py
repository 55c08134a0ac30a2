"""PostgreSQL connections come from one bounded pool per process (16 users exhausted 100)."""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, connections


def test_settings_use_a_bounded_pool_and_no_persistent_per_thread_connections():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == settings.DB_POOL_MAX_SIZE == 8


def _busy_request() -> int:
    """What one request thread does: hold a connection a moment, then give it back."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_sleep(0.05), count(*) FROM pg_stat_activity"
                " WHERE datname = current_database()"
            )
            return cursor.fetchone()[1]
    finally:
        connections.close_all()


def test_many_request_threads_share_the_pool_without_errors(transactional_db):
    with ThreadPoolExecutor(max_workers=32) as threads:
        seen = list(threads.map(lambda _: _busy_request(), range(96)))
    assert len(seen) == 96
    # Every connection to the test database is this process's (the pool's), so the count never
    # passes the pool's size; with per-thread connections it reached 32.
    assert max(seen) <= settings.DB_POOL_MAX_SIZE
