"""A waiting chat whose row another transaction holds (a customer's message or ping being
saved) is skipped for the next one: it must not stop its language's queue."""

import threading

import pytest
from django.db import connections, transaction

from chat.models import Chat, ChatState
from chat.services import chat_start
from tests.chat.conftest import drain, run, socket

pytestmark = pytest.mark.django_db(transaction=True)


def _hold_row(chat_id, held, release):
    """Another process's short transaction on the chat row."""
    try:
        with transaction.atomic():
            Chat.objects.select_for_update().get(pk=chat_id)
            held.set()
            release.wait(timeout=5)
    finally:
        connections.close_all()


@pytest.fixture
def two_waiting_first_locked(make_agent, alice, bob):
    _agent, client = make_agent("agent@example.test", languages=("en",), auto_assign=False)
    first = chat_start(customer=alice, language="en")
    second = chat_start(customer=bob, language="en")
    assert Chat.objects.filter(state=ChatState.QUEUED).count() == 2
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row, args=(first.pk, held, release))
    holder.start()
    assert held.wait(5)
    yield client, first, second
    release.set()
    holder.join()


def _console_says(client, *messages) -> list[dict]:
    async def scenario():
        console = socket(client, "/ws/chat/agent/")
        assert (await console.connect())[0]
        await drain(console)
        events = []
        for message in messages:
            await console.send_json_to(message)
            events += await drain(console, timeout=1)
        await console.disconnect()
        return events

    return run(scenario)


def test_automatic_assignment_skips_a_locked_waiting_chat_for_the_next(
    two_waiting_first_locked,
):
    client, first, second = two_waiting_first_locked
    presence = {"type": "presence", "available": True, "languages": ["en"], "max_chats": 3}
    _console_says(client, {**presence, "auto_assign": True})
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.state == ChatState.ACTIVE  # three free seats, a chat waiting
    assert first.state == ChatState.QUEUED


def test_take_next_skips_a_locked_waiting_chat_for_the_next(two_waiting_first_locked):
    client, _first, second = two_waiting_first_locked
    events = _console_says(client, {"type": "take_next"})
    second.refresh_from_db()
    assert second.state == ChatState.ACTIVE, events


def test_take_next_says_so_when_the_only_waiting_chat_is_locked(two_waiting_first_locked):
    client, _first, _second = two_waiting_first_locked
    # The first take gets the second chat; the second take finds only the locked one.
    events = _console_says(client, {"type": "take_next"}, {"type": "take_next"})
    errors = [e for e in events if e["type"] == "error"]
    assert [e["code"] for e in errors] == ["busy"], events


def test_take_next_says_so_when_nobody_is_waiting(agent):
    _agent, client = agent
    events = _console_says(client, {"type": "take_next"})
    assert [e["code"] for e in events if e["type"] == "error"] == ["empty"], events
