"""A Redis that hangs while a service's news is told must not hold the chat's order lock
(`_in_order`) for minutes: the telling is cut off after CHAT_PUBLISH_TIMEOUT_SECONDS, and a
batch stops at its first failure (the rows are saved; clients catch up)."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chat.models import ChatMessage
from chat.services import chat_start
from tests.chat.conftest import drain, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


def _saved(chat) -> int:
    return ChatMessage.objects.filter(chat=chat, body__startswith="Hello").count()


def test_a_hanging_group_send_does_not_hold_the_chat_for_long(agent, alice, settings):
    settings.CHAT_PUBLISH_TIMEOUT_SECONDS = 0.5
    chat = chat_start(customer=alice, language="en")
    client = signed_in(alice)
    layer = get_channel_layer()
    calls = []

    async def hanging_send(group, message):
        calls.append(group)
        await asyncio.sleep(3600)  # a Redis that accepted the connection and went silent

    async def scenario():
        customer = socket(client, f"/ws/chat/{chat.pk}/")
        assert (await customer.connect())[0]
        await drain(customer)
        layer.group_send = hanging_send
        await customer.send_json_to({"type": "message", "body": "Hello 1"})
        await customer.send_json_to({"type": "message", "body": "Hello 2"})
        loop = asyncio.get_running_loop()
        end = loop.time() + 4
        while await database_sync_to_async(_saved)(chat) < 2 and loop.time() < end:
            await asyncio.sleep(0.1)
        saved = await database_sync_to_async(_saved)(chat)
        await customer.disconnect()
        return saved

    assert run(scenario) == 2  # the second message was not stuck behind the first's news
    # Each message's batch stopped at its first (timed-out) send.
    assert len(calls) == 2, calls
