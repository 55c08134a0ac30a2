"""Faults (issue 14 item 8), each with the service really gone: two real ASGI processes that
serve one chat through the Redis layer, one of them killed and started again, and Redis
unreachable (the channel layer pointed at a closed port).

The ASGI processes are the project's uvicorn in processes of their own (tests/chat/asgi_process.py)
on the test database; the test talks to them over real websockets on loopback.
"""

import asyncio
import json
import socket as sockets

import pytest
import websockets
from asgiref.sync import async_to_sync
from django.test import Client

from chat.models import ChatMessage, ChatState
from chat.services import chat_start
from tests.chat.asgi_process import AsgiProcess
from tests.chat.conftest import cookie_of, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


async def ws_open(server: AsgiProcess, path: str, client: Client):
    return await websockets.connect(
        server.url(path),
        additional_headers={"Cookie": cookie_of(client).decode(), "Origin": server.origin},
        open_timeout=20,
        ping_interval=None,
    )


async def next_event(ws, event_type: str, *, timeout: float = 10, **match) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        left = end - loop.time()
        if left <= 0:
            raise AssertionError(f"no {event_type} event {match}")
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout=left))
        if event.get("type") == event_type and all(event.get(k) == v for k, v in match.items()):
            return event


async def quiet(ws, *, seconds: float = 0.5) -> list[dict]:
    """Every event until the socket says nothing for `seconds`."""
    events = []
    while True:
        try:
            events.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=seconds)))
        except TimeoutError:
            return events


@pytest.fixture
def two_processes(transactional_db):
    with AsgiProcess() as first, AsgiProcess() as second:
        yield first, second


def test_two_asgi_processes_serve_one_chat_through_the_redis_layer(
    two_processes, make_agent, alice
):
    first, second = two_processes
    agent_user, agent_client = make_agent("eka@example.test", first_name="Eka")
    other_user, other_client = make_agent("toka@example.test", first_name="Toka", auto_assign=False)
    chat = chat_start(customer=alice, language="en")
    assert chat.agent == agent_user
    alice_client = signed_in(alice)

    async def scenario():
        customer = await ws_open(first, f"/ws/chat/{chat.pk}/", alice_client)
        console = await ws_open(second, "/ws/chat/agent/", agent_client)
        colleague = await ws_open(first, "/ws/chat/agent/", other_client)
        await quiet(customer)
        await quiet(console)
        await quiet(colleague)

        await customer.send(json.dumps({"type": "message", "body": "Hello from process one"}))
        heard = await next_event(console, "message", kind="customer")
        await console.send(json.dumps({"type": "typing", "chat": chat.pk}))
        await next_event(customer, "typing", who="agent")
        await console.send(json.dumps({"type": "message", "chat": chat.pk, "body": "Hi from two"}))
        answer = await next_event(customer, "message", kind="agent")
        await customer.send(json.dumps({"type": "read", "up_to": answer["id"]}))
        receipt = await next_event(console, "state", customer_read=answer["id"])

        # The chat moves to an agent whose console is on the other process.
        await console.send(
            json.dumps(
                {"type": "transfer", "chat": chat.pk, "to": other_user.pk, "note": "Wants a plan"}
            )
        )
        note = await next_event(colleague, "message", kind="note")
        await colleague.send(json.dumps({"type": "message", "chat": chat.pk, "body": "Toka here"}))
        from_colleague = await next_event(customer, "message", kind="agent", body="Toka here")
        for ws in (customer, console, colleague):
            await ws.close()
        return heard, answer, receipt, note, from_colleague

    heard, answer, receipt, note, from_colleague = async_to_sync(scenario)()
    assert heard["body"] == "Hello from process one"
    assert (answer["body"], answer["author"]) == ("Hi from two", "Eka")
    assert receipt["chat"] == chat.pk
    assert "Wants a plan" in note["body"]
    assert from_colleague["author"] == "Toka"
    chat.refresh_from_db()
    assert (chat.state, chat.agent) == (ChatState.ACTIVE, other_user)
    assert list(chat.messages.exclude(kind="system").values_list("body", flat=True)) == [
        "Hello from process one",
        "Hi from two",
        note["body"],
        "Toka here",
    ]


def test_a_killed_asgi_process_loses_no_message_and_its_customer_resumes_on_the_new_one(
    two_processes, agent, alice
):
    customers_process, agents_process = two_processes
    _agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def before_the_crash():
        customer = await ws_open(customers_process, f"/ws/chat/{chat.pk}/", alice_client)
        console = await ws_open(agents_process, "/ws/chat/agent/", agent_client)
        await quiet(customer)
        await quiet(console)
        await customer.send(json.dumps({"type": "message", "body": "Before the crash"}))
        await next_event(console, "message", body="Before the crash")
        seen = await next_event(customer, "message", body="Before the crash")
        customers_process.kill()
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(customer.recv(), timeout=10)
        # The customer's process is gone; the agent goes on writing on the other one.
        for body in ("While you were away", "and one more"):
            await console.send(json.dumps({"type": "message", "chat": chat.pk, "body": body}))
            await next_event(console, "message", body=body)
        await console.close()
        return seen["id"]

    last_seen = async_to_sync(before_the_crash)()
    assert list(chat.messages.exclude(kind="system").values_list("body", flat=True)) == [
        "Before the crash",
        "While you were away",
        "and one more",
    ]
    customers_process.start()  # a new process on the same address

    async def after_the_restart():
        path = f"/ws/chat/{chat.pk}/?after={last_seen}"
        customer = await ws_open(customers_process, path, alice_client)
        events = await quiet(customer)
        await customer.send(json.dumps({"type": "message", "body": "Back again"}))
        back = await next_event(customer, "message", body="Back again")
        await customer.close()
        return events, back

    events, back = async_to_sync(after_the_restart)()
    resumed = [e for e in events if e["type"] == "message"]
    # What came before the last id seen is the resume's overlap, which the widget drops.
    missed = [e for e in resumed if e["id"] > last_seen]
    assert [e["body"] for e in missed] == ["While you were away", "and one more"]
    assert [e["id"] for e in resumed] == sorted({e["id"] for e in resumed})
    assert ChatMessage.objects.filter(chat=chat, body="Back again").get().pk == back["id"]


def _closed_port() -> int:
    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def layer_unreachable(settings):
    """The channel layer's Redis does not answer (a closed port); the cache's still does."""
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {**config, "hosts": [{"address": f"redis://127.0.0.1:{_closed_port()}/0"}]},
        }
    }


@pytest.fixture
def redis_unreachable(settings, layer_unreachable):
    """Every Redis the portal uses is gone: the channel layer's, the cache's, the broker's."""
    closed = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL = closed
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": closed}}
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _chat_on(settings):
    settings.CHAT_ENABLED = True


def test_without_the_channel_layer_the_widget_says_chat_is_unavailable(
    layer_unreachable, agent, alice
):
    data = signed_in(alice).get("/chat/status/").json()
    assert (data["available"], data["open"]) == (False, False)
    assert data["text"] == "Chat is unavailable right now. You can send us a message instead."


def test_without_the_channel_layer_no_chat_starts_that_nobody_could_answer(
    layer_unreachable, agent, alice
):
    response = signed_in(alice).post("/chat/start/")
    assert response.status_code == 409
    assert response.json()["error"] == (
        "Chat is unavailable right now. You can send us a message instead."
    )
    assert not alice.chats.exists()


def test_with_redis_down_the_portal_works_and_the_typed_text_reaches_the_message_form(
    redis_unreachable, agent, alice, alice_invoice
):
    client = signed_in(alice)
    for url in ("/invoices/", f"/invoices/{alice_invoice.pk}/", "/messages/"):
        page = client.get(url)
        assert page.status_code == 200
        assert 'id="chat-widget"' in page.content.decode()
    assert client.get("/chat/status/").json()["available"] is False
    response = client.post(
        "/chat/message/", {"body": "Can I pay next week?", "invoice": alice_invoice.pk}
    )
    assert response["Location"] == f"/messages/new/{alice_invoice.pk}/"
    assert "Can I pay next week?" in client.get(response["Location"]).content.decode()


def test_with_redis_down_a_running_chat_still_saves_and_ends_with_its_transcript(
    redis_unreachable, agent, alice
):
    from chat.services import chat_agent_says, chat_customer_says

    agent_user, _client = agent
    chat = chat_start(customer=alice, language="en")
    chat_customer_says(chat=chat, customer=alice, body="Are you still there?")
    chat_agent_says(chat=chat, agent=agent_user, body="Yes, over here.")
    response = signed_in(alice).post(f"/chat/{chat.pk}/end/")
    assert response.json()["chat"]["state"] == ChatState.ENDED
    chat.refresh_from_db()
    assert list(chat.contact.messages.values_list("body", flat=True))[1:3] == [
        "Are you still there?",
        "Yes, over here.",
    ]


def test_a_quiet_socket_outlives_the_layers_blocking_receive():
    """channels_redis blocks in BZPOPMIN for brpop_timeout seconds; a read timeout no longer
    than that kills quiet sockets (TimeoutError) whenever Redis answers a moment late."""
    from channels.layers import get_channel_layer
    from channels_redis.core import RedisChannelLayer
    from redis._defaults import DEFAULT_SOCKET_TIMEOUT

    pool = get_channel_layer().create_pool(0)
    read_timeout = pool.connection_kwargs.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
    assert read_timeout is None or read_timeout > RedisChannelLayer.brpop_timeout
