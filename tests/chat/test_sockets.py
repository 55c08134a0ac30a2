"""The chat's sockets: who may join, order and resume, limits, escaping."""

import pytest

from chat.models import ChatMessage, ChatState
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


def test_nobody_signed_out_reaches_a_chat_socket(agent, alice):
    chat = chat_start(customer=alice, language="en")

    async def scenario():
        assert await socket(None, f"/ws/chat/{chat.pk}/").connect() == (False, 4401)
        assert await socket(None, "/ws/chat/agent/").connect() == (False, 4401)

    run(scenario)


def test_a_socket_from_another_origin_is_refused(agent, alice):
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        connected, _code = await socket(
            alice_client, f"/ws/chat/{chat.pk}/", origin="https://evil.example"
        ).connect()
        assert not connected

    run(scenario)


def test_a_customer_cannot_inject_into_another_chat_through_the_agent_socket(agent, alice, bob):
    chat = chat_start(customer=alice, language="en")
    bob_client = signed_in(bob)

    async def scenario():
        assert await socket(bob_client, "/ws/chat/agent/").connect() == (False, 4403)

    run(scenario)
    assert not chat.messages.filter(kind="customer").exists()


def test_staff_without_a_second_factor_in_the_session_is_no_agent(agent, make_agent, alice):
    from tests.factories import UserFactory

    password_only = UserFactory(email="pw@example.test", is_staff=True)
    client = signed_in(password_only)

    async def scenario():
        assert await socket(client, "/ws/chat/agent/").connect() == (False, 4403)

    run(scenario)


def test_an_agent_cannot_write_into_a_chat_of_another_agent(make_agent, alice):
    first, _first_client = make_agent("first@example.test", first_name="Eka")
    chat = chat_start(customer=alice, language="en")
    assert chat.agent == first
    _second, second_client = make_agent("second@example.test", first_name="Toka")

    async def scenario():
        console = socket(second_client, "/ws/chat/agent/")
        assert (await console.connect())[0]
        await drain(console)
        await console.send_json_to({"type": "message", "chat": chat.pk, "body": "Hijack"})
        error = await receive_until(console, "error")
        assert error["message"] == "This chat is not yours."
        await console.disconnect()

    run(scenario)
    assert not chat.messages.filter(body="Hijack").exists()


def test_a_reconnecting_customer_gets_what_it_missed_in_order_and_nothing_twice(agent, alice):
    # "Nothing twice" is the widget's: it drops the ids it showed, the resume's overlap.
    from chat.services import chat_agent_says, chat_customer_says

    agent_user, _ = agent
    chat = chat_start(customer=alice, language="en")
    first = chat_customer_says(chat=chat, customer=alice, body="one")
    chat_agent_says(chat=chat, agent=agent_user, body="two")
    chat_agent_says(chat=chat, agent=agent_user, body="three")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/?after={first.pk}")
        assert (await customer.connect())[0]
        events = await drain(customer)
        await customer.disconnect()
        return events

    events = run(scenario)
    messages = [e for e in events if e["type"] == "message"]
    ids = [e["id"] for e in messages]
    assert [e["body"] for e in messages if e["id"] > first.pk] == ["two", "three"]
    assert ids == sorted(set(ids))


def test_messages_of_a_busy_chat_arrive_in_the_order_they_were_saved(agent, alice):
    _agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        await customer.connect()
        await console.connect()
        await drain(customer)
        await drain(console)
        for n in range(10):
            await customer.send_json_to({"type": "message", "body": f"m{n}"})
        heard = []
        while len(heard) < 10:
            heard.append((await receive_until(console, "message", kind="customer"))["body"])
        await customer.disconnect()
        await console.disconnect()
        return heard

    assert run(scenario) == [f"m{n}" for n in range(10)]


def test_html_in_a_message_is_text_not_markup(agent, alice):
    _agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        await customer.connect()
        await console.connect()
        await drain(customer)
        await drain(console)
        await customer.send_json_to({"type": "message", "body": "<img src=x onerror=alert(1)>"})
        heard = await receive_until(console, "message", kind="customer")
        await customer.disconnect()
        await console.disconnect()
        return heard

    # Sent and stored as the characters typed; both clients put them in textContent.
    assert run(scenario)["body"] == "<img src=x onerror=alert(1)>"
    assert ChatMessage.objects.get(kind="customer").body == "<img src=x onerror=alert(1)>"


def test_a_message_over_the_length_limit_is_refused(agent, alice, settings):
    settings.CHAT_MAX_MESSAGE_LENGTH = 50
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        await customer.connect()
        await drain(customer)
        await customer.send_json_to({"type": "message", "body": "x" * 51})
        error = await receive_until(customer, "error")
        await customer.send_json_to({"type": "message", "body": "x" * 50})
        await receive_until(customer, "message", kind="customer")
        await customer.disconnect()
        return error

    assert run(scenario)["message"] == "A chat message can be at most 50 characters long."
    assert chat.messages.filter(kind="customer").count() == 1


def test_messages_per_minute_are_limited_per_connection(agent, alice, settings):
    settings.CHAT_MESSAGES_PER_MINUTE_PER_CONNECTION = 3
    settings.CHAT_MESSAGES_PER_MINUTE_PER_USER = 100
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        await customer.connect()
        await drain(customer)
        for n in range(4):
            await customer.send_json_to({"type": "message", "body": f"m{n}"})
        error = await receive_until(customer, "error")
        await customer.disconnect()
        # A new connection has a minute of its own.
        again = socket(alice_client, f"/ws/chat/{chat.pk}/")
        await again.connect()
        await drain(again)
        await again.send_json_to({"type": "message", "body": "fresh"})
        await receive_until(again, "message", kind="customer", body="fresh")
        await again.disconnect()
        return error

    assert run(scenario)["code"] == "rate"
    assert list(chat.messages.filter(kind="customer").values_list("body", flat=True)) == [
        "m0",
        "m1",
        "m2",
        "fresh",
    ]


def test_messages_per_minute_are_limited_per_user_over_all_connections(agent, alice, settings):
    settings.CHAT_MESSAGES_PER_MINUTE_PER_CONNECTION = 100
    settings.CHAT_MESSAGES_PER_MINUTE_PER_USER = 3
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        tab1 = socket(alice_client, f"/ws/chat/{chat.pk}/")
        tab2 = socket(alice_client, f"/ws/chat/{chat.pk}/")
        await tab1.connect()
        await tab2.connect()
        await drain(tab1)
        await drain(tab2)
        await tab1.send_json_to({"type": "message", "body": "a"})
        await tab2.send_json_to({"type": "message", "body": "b"})
        await tab1.send_json_to({"type": "message", "body": "c"})
        await drain(tab1)
        await tab2.send_json_to({"type": "message", "body": "d"})
        error = await receive_until(tab2, "error")
        await tab1.disconnect()
        await tab2.disconnect()
        return error

    assert run(scenario)["code"] == "rate"
    assert chat.messages.filter(kind="customer").count() == 3


def test_connections_per_user_are_limited(agent, alice, settings):
    settings.CHAT_CONNECTIONS_PER_USER = 2
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        first = socket(alice_client, f"/ws/chat/{chat.pk}/")
        second = socket(alice_client, f"/ws/chat/{chat.pk}/")
        assert (await first.connect())[0]
        assert (await second.connect())[0]
        assert await socket(alice_client, f"/ws/chat/{chat.pk}/").connect() == (False, 4429)
        await first.disconnect()
        fourth = socket(alice_client, f"/ws/chat/{chat.pk}/")
        assert (await fourth.connect())[0]
        await second.disconnect()
        await fourth.disconnect()

    run(scenario)


def test_typing_and_read_receipts_reach_the_other_side(agent, alice):
    _agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        await customer.connect()
        await console.connect()
        await drain(customer)
        await drain(console)
        await console.send_json_to({"type": "typing", "chat": chat.pk})
        typing = await receive_until(customer, "typing")
        await console.send_json_to({"type": "message", "chat": chat.pk, "body": "Hello"})
        said = await receive_until(customer, "message", kind="agent")
        await customer.send_json_to({"type": "read", "up_to": said["id"]})
        receipt = await receive_until(console, "state", customer_read=said["id"])
        await customer.disconnect()
        await console.disconnect()
        return typing, receipt

    typing, receipt = run(scenario)
    assert typing["who"] == "agent"
    chat.refresh_from_db()
    assert chat.customer_read_id == receipt["customer_read"]
