"""What a service committed is told, even when something fails after the commit."""

import pytest

from chat import services
from chat.models import MessageKind
from chat.services import chat_start
from tests.chat.conftest import drain, receive_until, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_saved_before_an_unexpected_error_still_reaches_the_chat(
    agent, alice, monkeypatch
):
    _agent_user, agent_client = agent
    chat = chat_start(customer=alice, language="en")
    alice_client = signed_in(alice)
    save = services.chat_customer_says

    def save_then_fail(**kwargs):
        save(**kwargs)
        raise RuntimeError("something after the commit")

    monkeypatch.setattr(services, "chat_customer_says", save_then_fail)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        console = socket(agent_client, "/ws/chat/agent/")
        assert (await customer.connect())[0]
        assert (await console.connect())[0]
        await drain(customer)
        await drain(console)
        await customer.send_json_to({"type": "message", "body": "Saved anyway"})
        heard = await receive_until(console, "message", kind="customer")
        # The customer's socket closes (1011, an error on our side); the widget resumes.
        output = await customer.receive_output(timeout=3)
        while output["type"] != "websocket.close":
            output = await customer.receive_output(timeout=3)
        await customer.wait(timeout=3)
        await console.disconnect()
        return heard, output

    heard, closed = run(scenario)
    assert heard["body"] == "Saved anyway"
    assert closed["code"] == 1011
    assert chat.messages.filter(body="Saved anyway").exists()


def test_news_that_fails_to_build_does_not_keep_the_rest_from_being_told(agent, alice, monkeypatch):
    def broken():
        raise RuntimeError("the queue could not be read")

    monkeypatch.setattr(services, "_queue_rows", broken)
    # chat_start tells the queue first, then the agent's "joined" line.
    with services.news_kept() as news:
        chat = chat_start(customer=alice, language="en")

    told = [event for _group, event in news if event["type"] == "message"]
    assert [(e["chat"], e["kind"]) for e in told] == [(chat.pk, MessageKind.SYSTEM)]


def test_a_process_can_fall_ten_seconds_behind_the_bench_before_the_layer_drops_news():
    from channels.layers import get_channel_layer

    # bench/chat_fanout.py: 100 messages a second, one layer entry a message for a process.
    assert get_channel_layer().capacity >= 10 * 100
