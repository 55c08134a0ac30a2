"""Health probes used by /healthz: each answers {"ok": bool, "detail": str} and never raises."""

import time

import redis
from django.db.backends.base.base import BaseDatabaseWrapper

TIMEOUT_SECONDS = 2


def _result(ok: bool, started: float, detail: str = "") -> dict:
    return {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1), "detail": detail}


def check_database(connection: BaseDatabaseWrapper) -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return _result(False, started, type(error).__name__)
    return _result(True, started)


def check_redis(url: str) -> dict:
    started = time.monotonic()
    try:
        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS)
        client.ping()
    except Exception as error:
        return _result(False, started, type(error).__name__)
    return _result(True, started)


def check_celery_broker(url: str) -> dict:
    from myropo.celery import app

    started = time.monotonic()
    try:
        # The URL comes from settings at each call (not from the Celery app's configuration,
        # read once at start-up), so the probe reports what the deployment is set to use.
        # One attempt without back-off: a probe must answer quickly.
        with app.connection_for_write(url) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=TIMEOUT_SECONDS
            )
    except Exception as error:
        return _result(False, started, type(error).__name__)
    return _result(True, started)


def check_reference_rate() -> dict:
    """Whether today's half-year has its reference rate (Korkolaki §12) in the table."""
    from django.utils import timezone

    from collection.rate_gaps import current_half_year_missing, half_year_label

    started = time.monotonic()
    try:
        missing = current_half_year_missing(timezone.localdate())
    except Exception as error:
        return _result(False, started, type(error).__name__)
    if missing is not None:
        return _result(False, started, f"no reference rate for {half_year_label(missing)}")
    return _result(True, started)
