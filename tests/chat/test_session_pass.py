"""The session check a customer's tabs share (chat.consumers): a pass read before a newer
failure is neither trusted nor shared (review of issue 14's shared check)."""

import asyncio
import threading

import pytest

from chat import consumers
from tests.chat.conftest import run_in_a_thread


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.CHAT_SESSION_RECHECK_SECONDS = 60
    consumers._sessions_passed.clear()
    consumers._sessions_failed.clear()
    yield
    consumers._sessions_passed.clear()
    consumers._sessions_failed.clear()


def test_a_slow_pass_that_returns_after_a_newer_failure_does_not_count(monkeypatch):
    key = ("session-key", 7, False)
    slow_read_started, let_slow_read_return = threading.Event(), threading.Event()

    def session_still_valid(session_key, user_id, *, agent, activity):
        if not activity:  # tab A's shared check: read while the session was still valid
            slow_read_started.set()
            let_slow_read_return.wait(timeout=10)
            return True
        return False  # tab B's own check, after the sign-out or expiry

    monkeypatch.setattr(consumers.sessions, "session_still_valid", session_still_valid)

    async def scenario():
        slow = asyncio.ensure_future(consumers._shared_session_check(key, activity=False))
        while not slow_read_started.is_set():
            await asyncio.sleep(0.01)
        newer = await consumers._shared_session_check(key, activity=True)
        let_slow_read_return.set()
        return await slow, newer

    slow_result, newer_result = run_in_a_thread(scenario)
    assert newer_result is False
    assert slow_result is False
    assert not consumers._session_recently_passed(key, consumers.time.monotonic())


def test_a_pass_is_shared_from_the_moment_it_was_read(monkeypatch):
    key = ("session-key", 8, False)
    monkeypatch.setattr(
        consumers.sessions,
        "session_still_valid",
        lambda session_key, user_id, *, agent, activity: True,
    )
    before = consumers.time.monotonic()
    check = consumers._shared_session_check
    assert run_in_a_thread(lambda: check(key, activity=False)) is True
    assert before <= consumers._sessions_passed[key] <= consumers.time.monotonic()
    assert consumers._session_recently_passed(key, consumers.time.monotonic())
