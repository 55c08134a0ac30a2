"""Checks that PostgreSQL and Redis answer, and creates the database when it is missing.

Prints one clear sentence on what to do instead of a traceback (run by `make run`/`make test`).
"""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/myropo")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

POSTGRES_HINT = (
    "start it (Debian: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'"
    " or 'docker compose up -d db'), or set DATABASE_URL"
)
REDIS_HINT = (
    "start it ('redis-server --daemonize yes --bind 127.0.0.1 --port 6379'"
    " or 'docker compose up -d redis'), or set REDIS_URL"
)


def fail(message: str) -> None:
    print(f"make: {message}", file=sys.stderr)
    sys.exit(1)


def check_postgres() -> None:
    parts = urlparse(DATABASE_URL)
    name = parts.path.lstrip("/") or "myropo"
    server = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(server, connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
                print(f"Created the database {name}.")
    except psycopg.OperationalError:
        where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
        fail(f"PostgreSQL does not answer at {where}: {POSTGRES_HINT}.")


def drop_stale_test_databases() -> None:
    """Test runs name their database test_myropo_<pid>; drop those whose run has died."""
    server = urlparse(DATABASE_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(server, connect_timeout=3, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname ~ '^test_myropo_[0-9]+$'"
        ).fetchall()
        for (name,) in rows:
            pid = int(name.rsplit("_", 1)[1])
            if not os.path.exists(f"/proc/{pid}"):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def check_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError:
        parts = urlparse(REDIS_URL)
        fail(f"Redis does not answer at {parts.hostname}:{parts.port or 6379}: {REDIS_HINT}.")


if __name__ == "__main__":
    check_postgres()
    drop_stale_test_databases()
    check_redis()
