"""The chat's sockets: who may join, order and resume, limits, escaping."""

import pytest

from chat.models import Chat, ChatMessage, ChatState
from chat.services import chat_start
from tests.chat.conftest import drain, receive_until, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_chats_with_the_agent_who_got_the_chat(agent, alice):
    agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    assert (chat.state, chat.agent) == (ChatState.ACTIVE, agent_user)

    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        assert (await customer.connect())[0]
        assert (await console.connect())[0]
        await drain(customer)
        await drain(console)
        await customer.send_json_to({"type": "message", "body": "Hei, laskustani"})
        heard = await receive_until(console, "message", kind="customer")
        assert heard["body"] == "Hei, laskustani"
        await console.send_json_to({"type": "message", "chat": chat.pk, "body": "Autan mielelläni"})
        answer = await receive_until(customer, "message", kind="agent")
        assert (answer["body"], answer["author"]) == ("Autan mielelläni", "Aino")
        await customer.disconnect()
        await console.disconnect()

    run(scenario)
    assert list(ChatMessage.objects.filter(chat=chat).values_list("kind", flat=True)) == [
        "system",
        "customer",
        "agent",
    ]


def test_another_customer_cannot_join_a_chat_that_is_not_theirs(agent, alice, bob):
    chat = chat_start(customer=alice, language="en")

    bob_client = signed_in(bob)

    async def scenario():
        intruder = socket(bob_client, f"/ws/chat/{chat.pk}/")
        connected, code = await intruder.connect()
        assert (connected, code) == (False, 4404)

    run(scenario)
