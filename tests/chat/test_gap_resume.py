"""A live socket that missed a message's news (a failed group_send, a full layer queue, a
process that stopped between commit and send) finds out from the next message, which names
the chat's previous one (`prev`, `prev_any` for agents), and asks for what it missed."""

import pytest
from channels.db import database_sync_to_async

from chat import services
from chat.services import chat_start
from tests.chat.conftest import drain, receive_until, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


def _say_unheard(chat, agent, body):
    with services.news_kept():  # saved, its news never sent
        return services.chat_agent_says(chat=chat, agent=agent, body=body)


def test_a_customer_socket_that_missed_a_message_catches_up_on_the_next(agent, alice):
    agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        assert (await customer.connect())[0]
        assert (await console.connect())[0]
        shown = [e["id"] for e in await drain(customer) if e["type"] == "message"]
        await drain(console)
        lost = await database_sync_to_async(_say_unheard)(chat, agent_user, "Lost on the way")
        await console.send_json_to({"type": "message", "chat": chat.pk, "body": "Still there?"})
        live = await receive_until(customer, "message", body="Still there?")
        await customer.send_json_to({"type": "resume", "after": max(shown)})
        caught = await receive_until(customer, "message", body="Lost on the way")
        await customer.disconnect()
        await console.disconnect()
        return shown, lost, live, caught

    shown, lost, live, caught = run(scenario)
    assert live["prev"] == lost.pk and lost.pk not in shown  # the gap the widget sees
    assert "prev_any" not in live
    assert caught["id"] == lost.pk


def test_an_agent_console_that_missed_a_message_catches_up_on_the_next(agent, alice):
    agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        assert (await customer.connect())[0]
        assert (await console.connect())[0]
        await drain(customer)
        shown = [e["id"] for e in await drain(console) if e["type"] == "message"]
        lost = await database_sync_to_async(_say_unheard)(chat, agent_user, "Lost on the way")
        await customer.send_json_to({"type": "message", "body": "Hello?"})
        live = await receive_until(console, "message", body="Hello?")
        await console.send_json_to({"type": "resume", "chat": chat.pk, "after": max(shown)})
        caught = await receive_until(console, "message", body="Lost on the way")
        await customer.disconnect()
        await console.disconnect()
        return shown, lost, live, caught

    shown, lost, live, caught = run(scenario)
    assert live["prev_any"] == lost.pk and lost.pk not in shown
    assert caught["id"] == lost.pk


def test_another_customer_cannot_resume_a_chat_not_theirs(agent, alice, bob):
    chat = chat_start(customer=alice, language="en")
    bobs = chat_start(customer=bob, language="en")
    bob_client = signed_in(bob)

    async def scenario():
        customer = socket(bob_client, f"/ws/chat/{bobs.pk}/")
        assert (await customer.connect())[0]
        await drain(customer)
        await customer.send_json_to({"type": "resume", "chat": chat.pk, "after": 0})
        events = await drain(customer, timeout=0.5)
        await customer.disconnect()
        return events

    assert all(e.get("chat") == bobs.pk for e in run(scenario))
