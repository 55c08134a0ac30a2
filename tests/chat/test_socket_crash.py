"""A socket whose service fails with something other than a ChatError (a bug, the database
away) is closed with 1011 and gives its connection back: before, its disconnect() never ran and
after CHAT_CONNECTIONS_PER_USER such crashes the user was refused (4429) for hours."""

import logging

import pytest
from django.core.cache import cache

from chat import services
from chat.services import chat_start
from tests.chat.conftest import drain, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


def _boom(**kwargs):
    raise RuntimeError(f"boom {kwargs.get('body')}")


class _Kept(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _connections(user) -> int:
    return cache.get(f"chat:connections:{user.pk}") or 0


def test_a_customer_socket_that_crashed_closes_1011_and_gives_its_connection_back(
    agent, alice, monkeypatch
):
    chat = chat_start(customer=alice, language="en")
    client = signed_in(alice)
    monkeypatch.setattr(services, "chat_customer_says", _boom)
    cache.delete(f"chat:connections:{alice.pk}")

    async def scenario():
        customer = socket(client, f"/ws/chat/{chat.pk}/")
        assert (await customer.connect())[0]
        await drain(customer)
        counted = _connections(alice)
        await customer.send_json_to({"type": "message", "body": "my HETU 010101-123N"})
        closed = await customer.receive_output(timeout=5)
        await customer.wait(timeout=3)  # the consumer ended without raising
        return counted, closed

    kept = _Kept()
    logger = logging.getLogger("chat.consumers")
    logger.addHandler(kept)
    try:
        counted, closed = run(scenario)
    finally:
        logger.removeHandler(kept)
    assert counted == 1
    assert closed == {"type": "websocket.close", "code": 1011}
    assert _connections(alice) == 0
    logged = "\n".join(kept.lines)
    assert "RuntimeError" in logged
    assert "010101-123N" not in logged  # the error's text may carry personal data


def test_an_agent_console_that_crashed_gives_its_connection_back(agent, alice, monkeypatch):
    agent_user, client = agent
    chat = chat_start(customer=alice, language="en")
    monkeypatch.setattr(services, "chat_agent_says", _boom)
    cache.delete(f"chat:connections:{agent_user.pk}")

    async def scenario():
        console = socket(client, "/ws/chat/agent/")
        assert (await console.connect())[0]
        await drain(console)
        await console.send_json_to({"type": "message", "chat": chat.pk, "body": "x"})
        closed = await console.receive_output(timeout=5)
        await console.wait(timeout=3)
        return closed

    assert run(scenario) == {"type": "websocket.close", "code": 1011}
    assert _connections(agent_user) == 0
