"""Chat tests: websockets through the real ASGI application on the real Redis channel layer.

Each test runs on an open Wednesday (13.5.2026 10:00 Helsinki) unless it travels elsewhere.
"""

import asyncio
import importlib.util
import json
import sys
import threading
import types
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from asgiref.sync import async_to_sync

if importlib.util.find_spec("daphne") is None:
    # channels.testing's __init__ imports its live-server test case, which needs daphne; we
    # serve with uvicorn and use only the communicator, so daphne's test helper is stood in
    # for by a module whose use fails loudly.
    _standin = types.ModuleType("daphne.testing")

    class DaphneProcess:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("daphne is not installed: ChannelsLiveServerTestCase is unusable")

    _standin.DaphneProcess = DaphneProcess
    sys.modules.setdefault("daphne", types.ModuleType("daphne"))
    sys.modules.setdefault("daphne.testing", _standin)

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import translation

from chat.models import AgentPresence
from tests.factories import UserFactory
from tests.invoices.test_admin import mfa_login

HELSINKI = ZoneInfo("Europe/Helsinki")
OPEN_WEDNESDAY = datetime(2026, 5, 13, 10, 0, tzinfo=HELSINKI)


@pytest.fixture(autouse=True)
def _open_day():
    with time_machine.travel(OPEN_WEDNESDAY, tick=True):
        yield


@pytest.fixture(autouse=True)
def _clean_channel_layer():
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    # A fresh layer object too: the old one's per-channel receive locks belong to the previous
    # test's event loop, and one left locked by a cleaner that loop never finished made the
    # next test fail ("bound to a different event loop").
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run_in_a_thread(coroutine_function, *args):
    """Its own event loop in its own thread: whatever loop an earlier test (a browser test's)
    left in this thread, `async_to_sync` would refuse to run beside it."""
    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine_function(*args))
        except BaseException as error:  # re-raised below, in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run(coroutine_function, *args):
    """Runs an async scenario to its end (the test function itself stays synchronous)."""
    return async_to_sync(coroutine_function)(*args)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cookie_of(client: Client) -> bytes:
    return "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()).encode()


class Communicator(WebsocketCommunicator):
    """The handshake gets 10 s, not 1: on a machine shared with other work a connect that took
    a second longer failed the test (TimeoutError) without anything being wrong."""

    async def connect(self, timeout: float = 10):
        return await super().connect(timeout=timeout)


def socket(client: Client | None, path: str, *, origin: str = "http://testserver"):
    from myropo.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if client is not None:
        headers.append((b"cookie", cookie_of(client)))
    return Communicator(application, path, headers=headers)


async def receive(communicator, *, timeout: float = 3) -> dict:
    return json.loads(await communicator.receive_from(timeout=timeout))


async def receive_until(communicator, event_type: str, *, timeout: float = 3, **match) -> dict:
    """The next event of this type (and these fields), skipping others."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        left = end - loop.time()
        if left <= 0:
            raise AssertionError(f"no {event_type} event {match}")
        event = await receive(communicator, timeout=left)
        if event.get("type") == event_type and all(event.get(k) == v for k, v in match.items()):
            return event


async def drain(communicator, *, timeout: float = 0.3) -> list[dict]:
    """Every event that arrives until the socket is quiet for `timeout` seconds.

    (receive_nothing, not a timed-out receive: the communicator cancels the application when
    a receive times out.)"""
    events = []
    while not await communicator.receive_nothing(timeout=timeout):
        events.append(await receive(communicator))
    return events


@pytest.fixture
def make_agent(transactional_db):
    def make(
        email: str,
        *,
        first_name: str = "Aino",
        languages=("fi", "sv", "en"),
        max_chats=3,
        available=True,
        auto_assign=True,
    ) -> tuple:
        agent = UserFactory(
            email=email, first_name=first_name, is_staff=True, preferred_language="en"
        )
        client = mfa_login(Client(), agent)
        AgentPresence.objects.create(
            agent=agent,
            available=available,
            languages=list(languages),
            max_chats=max_chats,
            auto_assign=auto_assign,
        )
        return agent, client

    return make


@pytest.fixture
def agent(make_agent):
    return make_agent("agent@example.test")
