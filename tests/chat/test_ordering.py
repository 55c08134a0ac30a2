"""A chat's messages reach its sockets in id order, the system lines of an agent joining
included, and a socket that resumes from the last id it saw misses none of them."""

import asyncio
import threading

import pytest

from chat import services
from chat.models import ChatMessage, MessageKind
from chat.services import chat_customer_says, chat_start, chat_take_next
from tests.chat.conftest import drain, receive_until, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def waiting_agent(make_agent):
    """An agent online for English who takes chats by hand (the chat stays queued)."""
    return make_agent("agent@example.test", languages=("en",), auto_assign=False)


@pytest.fixture
def slow_take_next(monkeypatch):
    """`chat_take_next` whose thread returns late after its commit (a busy machine): `joined`
    is set once the join is saved, and the thread then waits up to 2 s for `release`."""
    joined, release = threading.Event(), threading.Event()

    def slow(**kwargs):
        chat = chat_take_next(**kwargs)
        joined.set()
        release.wait(timeout=2)
        return chat

    monkeypatch.setattr(services, "chat_take_next", slow)
    return joined, release


async def _until(event: threading.Event) -> None:
    for _ in range(500):
        if event.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the agent's take never committed")


def test_an_agent_joining_is_told_before_a_message_the_customer_sent_after_it(
    waiting_agent, alice, slow_take_next
):
    joined, _release = slow_take_next
    _agent_user, agent_client = waiting_agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        assert (await customer.connect())[0]
        assert (await console.connect())[0]
        await drain(customer)
        await drain(console)
        await console.send_json_to({"type": "take_next"})
        await _until(joined)  # the join is committed: its id is older than the message's
        await customer.send_json_to({"type": "message", "body": "Are you there?"})
        heard = [await receive_until(customer, "message", timeout=6) for _ in range(2)]
        await customer.disconnect()
        await console.disconnect()
        return heard

    heard = run(scenario)
    assert [e["kind"] for e in heard] == [MessageKind.SYSTEM, MessageKind.CUSTOMER]
    assert [e["id"] for e in heard] == sorted(e["id"] for e in heard)


def test_a_customer_whose_socket_dropped_between_the_two_resumes_with_both(
    waiting_agent, alice, slow_take_next
):
    joined, release = slow_take_next
    _agent_user, agent_client = waiting_agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        assert (await customer.connect())[0]
        assert (await console.connect())[0]
        await drain(customer)
        await drain(console)
        await console.send_json_to({"type": "take_next"})
        await _until(joined)
        await customer.send_json_to({"type": "message", "body": "Are you there?"})
        # The widget sees one message, and its socket drops right there.
        seen = {(await receive_until(customer, "message", timeout=6))["id"]}
        await customer.disconnect()
        release.set()
        await receive_until(console, "assigned")
        again = socket(alice_client, f"/ws/chat/{chat.pk}/?after={max(seen)}")
        assert (await again.connect())[0]
        seen |= {e["id"] for e in await drain(again) if e["type"] == "message"}
        await again.disconnect()
        await console.disconnect()
        return seen

    seen = run(scenario)
    saved = set(chat.messages.values_list("id", flat=True))
    assert len(saved) == 2
    assert saved <= seen


def test_a_resuming_socket_gets_an_older_message_whose_news_never_went_out(agent, alice):
    """Its process stopped between the commit and the publish (or another process published
    it later than the newer one the customer saw)."""
    agent_user, _agent_client = agent
    chat = chat_start(customer=alice, language="en")
    with services.news_kept():  # kept, never sent: the news is lost
        lost = services.chat_agent_says(chat=chat, agent=agent_user, body="Lost on the way")
    newer = chat_customer_says(chat=chat, customer=alice, body="Hello?")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/?after={newer.pk}")
        assert (await customer.connect())[0]
        events = await drain(customer)
        await customer.disconnect()
        return [e for e in events if e["type"] == "message"]

    resumed = run(scenario)
    assert lost.pk in {e["id"] for e in resumed}
    assert [e["id"] for e in resumed] == sorted(e["id"] for e in resumed)


def test_the_overlap_stops_at_messages_long_before_the_last_seen(agent, alice, settings):
    settings.CHAT_RESUME_OVERLAP_SECONDS = 60
    agent_user, _agent_client = agent
    chat = chat_start(customer=alice, language="en")
    old = services.chat_agent_says(chat=chat, agent=agent_user, body="An hour ago")
    ChatMessage.objects.filter(chat=chat).update(
        created_at=old.created_at - services.timezone.timedelta(hours=1)
    )
    newer = chat_customer_says(chat=chat, customer=alice, body="Now")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/?after={newer.pk}")
        assert (await customer.connect())[0]
        events = await drain(customer)
        await customer.disconnect()
        return [e["id"] for e in events if e["type"] == "message"]

    assert run(scenario) == [newer.pk]
