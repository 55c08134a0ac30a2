"""With Redis really unreachable, people still log in, pages and rate limits still work."""

import socket

import pytest
from django.core.cache import cache
from django.test import Client

from tests.accounts.conftest import log_in_with_password, translated


def _closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    yield
    cache.clear()


def test_the_cache_answers_from_memory_while_redis_is_down(redis_down):
    assert cache.add("probe", 1, timeout=60)
    assert cache.incr("probe") == 2
    assert cache.get("probe") == 2
    assert cache.redis_is_down


def test_login_works_while_redis_is_down(redis_down, alice, password):
    client = Client()
    response = log_in_with_password(client, alice.email, password)
    assert response.status_code == 302
    assert response["Location"] == "/invoices/"
    assert client.get("/invoices/").status_code == 200


def test_login_rate_limit_still_counts_while_redis_is_down(redis_down, alice, password):
    client = Client(headers={"accept-language": "en"})
    for _attempt in range(5):
        log_in_with_password(client, alice.email, "not-the-password")
    response = log_in_with_password(client, alice.email, password)
    assert response.status_code in {200, 429}
    assert translated("Too many failed login attempts. Try again later.", "en") in (
        response.content.decode()
    )


def test_what_one_request_keeps_while_redis_is_down_the_next_one_finds(redis_down):
    # Each request of the ASGI server runs in a thread of its own, with its own cache object.
    import threading

    from django.core.cache import caches

    def in_another_thread(action):
        result = []
        thread = threading.Thread(target=lambda: result.append(action(caches["default"])))
        thread.start()
        thread.join()
        return result[0]

    in_another_thread(lambda c: c.set("draft", "Can I pay next week?", timeout=60))
    assert in_another_thread(lambda c: c.get("draft")) == "Can I pay next week?"


def _async_limit(n: int) -> list[bool]:
    from myropo.ratelimit import arate_limit_exceeded
    from tests.chat.conftest import run_in_a_thread

    async def attempts():
        return [
            await arate_limit_exceeded(scope="probe", key="u1", limit=2, period_seconds=60)
            for _ in range(n)
        ]

    # In a loop of its own: a browser test leaves one in this thread (run_in_a_thread).
    return run_in_a_thread(attempts)


def test_a_sockets_rate_limit_counts_in_memory_while_redis_is_down(redis_down, monkeypatch):
    import myropo.cache

    monkeypatch.setattr(myropo.cache, "_async_redis_retry_at", 0.0)  # this test's own outage
    assert _async_limit(3) == [False, False, True]
    assert myropo.cache.async_redis() is None  # not asked again for a while


def test_a_sockets_rate_limit_and_the_sync_one_count_the_same_attempts(transactional_db):
    from myropo.ratelimit import rate_limit_exceeded

    cache.clear()
    assert not rate_limit_exceeded(scope="probe", key="u1", limit=2, period_seconds=60)
    assert _async_limit(2) == [False, True]
    assert rate_limit_exceeded(scope="probe", key="u1", limit=2, period_seconds=60)
    cache.clear()
