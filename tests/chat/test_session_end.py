"""Open sockets follow their session: a sign-out, a flushed session or an agent's lapsed second
factor closes them (4401), at once on sign-out, else at the next thing they receive or relay."""

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from chat.models import ChatMessage
from chat.services import chat_agent_says, chat_start
from tests.chat.conftest import drain, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _recheck_every_time(settings):
    # Every receive reads the session again (in production at most once in 5 s).
    settings.CHAT_SESSION_RECHECK_SECONDS = 0


async def closed_with(communicator) -> int | None:
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output.get("code")


def session_key_of(client) -> str:
    return client.cookies["sessionid"].value


def test_signing_out_closes_the_customers_socket_at_once(agent, alice):
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        assert (await customer.connect())[0]
        await drain(customer)

        response = await sync_to_async(alice_client.post)("/accounts/logout/")
        assert response.status_code == 302
        # Nothing sent by the customer: the sign-out itself closes the socket.
        assert await closed_with(customer) == 4401

    run(scenario)


def test_a_flushed_session_loses_the_socket_at_the_next_message_and_nothing_is_saved(agent, alice):
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        assert (await customer.connect())[0]
        await drain(customer)

        await sync_to_async(
            lambda: Session.objects.filter(session_key=session_key_of(alice_client)).delete()
        )()
        await customer.send_json_to({"type": "message", "body": "after the session ended"})
        assert await closed_with(customer) == 4401

    run(scenario)
    assert not ChatMessage.objects.filter(chat=chat, body="after the session ended").exists()


def test_news_of_the_chat_is_not_relayed_to_a_socket_whose_session_ended(agent, alice):
    agent_user, _agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        assert (await customer.connect())[0]
        await drain(customer)

        await sync_to_async(
            lambda: Session.objects.filter(session_key=session_key_of(alice_client)).delete()
        )()
        await sync_to_async(chat_agent_says)(chat=chat, agent=agent_user, body="for Alice only")
        output = await customer.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_an_agent_whose_second_factor_left_the_session_loses_the_console(agent, alice):
    _agent_user, agent_client = agent

    async def scenario():
        console = socket(agent_client, "/ws/chat/agent/")
        assert (await console.connect())[0]
        await drain(console)

        def password_only() -> None:
            store = SessionStore(session_key_of(agent_client))
            store[AUTHENTICATION_METHODS_SESSION_KEY] = [
                record
                for record in store.get(AUTHENTICATION_METHODS_SESSION_KEY, [])
                if record.get("method") != "mfa"
            ]
            store.save()

        await sync_to_async(password_only)()
        await console.send_json_to({"type": "ping"})
        assert await closed_with(console) == 4401

    run(scenario)


def test_a_socket_with_a_live_session_keeps_working(agent, alice):
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        assert (await customer.connect())[0]
        await drain(customer)
        await customer.send_json_to({"type": "message", "body": "still signed in"})
        events = await drain(customer, timeout=1)
        assert any(e.get("body") == "still signed in" for e in events)
        await customer.disconnect()

    run(scenario)
    assert ChatMessage.objects.filter(chat=chat, body="still signed in").exists()
