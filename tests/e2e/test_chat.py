"""Live chat in two browsers: a customer and an agent chat both ways, the agent transfers the
chat to a colleague, the customer ends it and gives feedback; outside hours the widget says
when chat opens and hands the typed text to the message centre, and so does the widget when
Redis goes away in the middle of a chat.

Websockets need an ASGI server: the project's own (uvicorn) runs the real application in a
thread of this process, on the test database and the real Redis channel layer.
"""

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
import uvicorn
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.test import Client

from chat.models import AgentPresence, Chat, ChatState
from messaging.models import Feedback
from tests.factories import UserFactory
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db(transaction=True)

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(autouse=True)
def _chat_on(settings):
    settings.CHAT_ENABLED = True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    from myropo.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def _browser_with_session(browser, base_url: str, client: Client, locale: str = "en-GB"):
    context = browser.new_context(base_url=base_url, locale=locale)
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": base_url}
            for name, morsel in client.cookies.items()
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _agent(email: str, first_name: str) -> tuple:
    agent = UserFactory(
        email=email,
        first_name=first_name,
        is_staff=True,
        is_superuser=True,
        preferred_language="en",
    )
    client = mfa_login(Client(), agent)
    AgentPresence.objects.create(agent=agent, available=True, languages=["en", "fi"], max_chats=3)
    return agent, client


@pytest.fixture
def open_wednesday():
    with time_machine.travel(datetime(2026, 5, 13, 10, 0, tzinfo=HELSINKI), tick=True):
        yield


def test_customer_and_agents_chat_transfer_and_end_with_feedback(
    open_wednesday, browser, asgi_server, alice, alice_invoice, screenshot
):
    _first, first_client = _agent("eka@example.test", "Eka")
    second, second_client = _agent("toka@example.test", "Toka")
    AgentPresence.objects.filter(agent=second).update(auto_assign=False)
    alice_client = Client()
    alice_client.force_login(alice)

    customer_context, customer = _browser_with_session(browser, asgi_server, alice_client)
    agent_context, console = _browser_with_session(browser, asgi_server, first_client)
    second_context, console2 = _browser_with_session(browser, asgi_server, second_client)
    try:
        console.goto("/admin/chat/chat/console/")
        console2.goto("/admin/chat/chat/console/")
        console.wait_for_function(
            "document.querySelector('[data-console-status]').textContent.length > 0"
        )

        customer.goto(f"/invoices/{alice_invoice.pk}/")
        customer.locator(".chat-toggle").click()
        customer.locator("[data-chat-about-invoice] input").check()
        customer.locator("[data-chat-begin]").click()
        customer.locator("[data-chat-input]").fill("Hello, can I pay in parts?")
        customer.locator("[data-chat-input]").press("Enter")

        pane = console.locator(".chat-pane")
        pane.locator("li.chat-customer", has_text="Hello, can I pay in parts?").wait_for()
        # The customer's invoices are beside the chat, with a link to send.
        pane.locator(
            f"[data-customer] a[href='/admin/invoices/invoice/{alice_invoice.pk}/change/']"
        ).wait_for()
        pane.locator("[data-input]").fill("Yes: here is the plan page.")
        pane.locator("[data-input]").press("Enter")
        pane.locator(f"[data-link=plan][data-invoice='{alice_invoice.pk}']").click()

        customer.locator("li.chat-agent", has_text="Yes: here is the plan page.").wait_for()
        plan_link = customer.locator(f"a[href='/arrangements/invoices/{alice_invoice.pk}/plan/']")
        plan_link.wait_for()
        # Read receipt: the agent sees that the customer read the answer.
        pane.locator(".chat-read").wait_for()
        screenshot(customer, "chat-customer")
        screenshot(console, "chat-console")

        pane.locator("details summary").click()
        pane.locator("[data-transfer-to]").select_option(str(second.pk))
        pane.locator("[data-transfer-note]").fill("Wants a payment plan")
        pane.locator("[data-transfer]").click()

        pane2 = console2.locator(".chat-pane")
        pane2.locator("li.chat-note", has_text="Wants a payment plan").wait_for()
        customer.locator("li.chat-system", has_text="Toka").wait_for()
        assert customer.locator("li.chat-note").count() == 0
        pane2.locator("[data-input]").fill("Toka here, let us finish this.")
        pane2.locator("[data-input]").press("Enter")
        customer.locator("li.chat-agent", has_text="Toka here").wait_for()
        customer.locator("[data-chat-input]").fill("Thank you!")
        customer.locator("[data-chat-input]").press("Enter")
        pane2.locator("li.chat-customer", has_text="Thank you!").wait_for()

        customer.locator("[data-chat-end]").click()
        feedback = customer.locator("[data-chat-feedback]")
        feedback.wait_for()
        feedback.locator("input[name=csat][value='5']").check()
        feedback.locator("select[name=nps]").select_option("9")
        feedback.locator("button[type=submit]").click()
        feedback.wait_for(state="hidden")
        screenshot(customer, "chat-feedback")
    finally:
        for context in (customer_context, agent_context, second_context):
            context.close()

    chat = Chat.objects.get(customer=alice)
    assert (chat.state, chat.agent) == (ChatState.ENDED, second)
    assert chat.contact.messages.filter(body="Thank you!").exists()
    assert Feedback.objects.get(contact=chat.contact).csat == 5


def test_outside_hours_the_widget_says_when_chat_opens_and_keeps_the_text(
    browser, asgi_server, alice, screenshot
):
    _agent("eka@example.test", "Eka")
    alice.preferred_language = "fi"
    alice.save(update_fields=["preferred_language"])
    saturday_evening = datetime(2026, 5, 16, 16, 0, tzinfo=HELSINKI)
    with time_machine.travel(saturday_evening, tick=True):
        alice_client = Client()
        alice_client.force_login(alice)
        context, page = _browser_with_session(browser, asgi_server, alice_client, "fi-FI")
        try:
            page.goto("/invoices/")
            page.locator(".chat-toggle").click()
            status = page.locator("[data-chat-status]")
            status.filter(has_text="Chat aukeaa maanantaina klo 8.00").wait_for()
            page.locator("[data-chat-offline-body]").fill("Voinko siirtää eräpäivää?")
            screenshot(page, "chat-offline")
            page.locator(".chat-offline-form button[type=submit]").click()
            page.wait_for_url("**/messages/new/**")
            assert (
                page.locator("main textarea[name=body]").input_value()
                == "Voinko siirtää eräpäivää?"
            )
        finally:
            context.close()


@pytest.fixture
def own_redis(settings):
    """A Redis of this test's own (the machine's is shared): the channel layer, the cache and
    the status check use it, so the test can really stop it."""
    port = _free_port()
    server = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.05)
    layer = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {
        "default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [{"address": url}]}}
    }
    settings.REDIS_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    yield server
    if server.poll() is None:
        server.kill()
        server.wait(timeout=10)


def test_when_redis_goes_away_mid_chat_the_widget_offers_a_message_with_the_text_typed(
    open_wednesday, own_redis, browser, asgi_server, alice, screenshot
):
    _agent("eka@example.test", "Eka")
    alice_client = Client()
    alice_client.force_login(alice)
    context, page = _browser_with_session(browser, asgi_server, alice_client)
    try:
        page.goto("/invoices/")
        page.locator(".chat-toggle").click()
        page.locator("[data-chat-begin]").click()
        page.locator("[data-chat-input]").fill("Hello?")
        page.locator("[data-chat-input]").press("Enter")
        page.locator("li.chat-customer", has_text="Hello?").wait_for()
        page.locator("[data-chat-input]").fill("Can I pay the rest next week?")

        own_redis.kill()  # Redis is gone, not slow
        own_redis.wait(timeout=10)

        offline = page.locator("[data-chat-offline]")
        offline.wait_for()
        page.locator("[data-chat-status]").filter(
            has_text="Chat is unavailable right now. You can send us a message instead."
        ).wait_for()
        assert (
            page.locator("[data-chat-offline-body]").input_value()
            == "Can I pay the rest next week?"
        )
        screenshot(page, "chat-redis-down")
        page.locator(".chat-offline-form button[type=submit]").click()
        page.wait_for_url("**/messages/new/**")
        assert (
            page.locator("main textarea[name=body]").input_value()
            == "Can I pay the rest next week?"
        )
        # The page itself works on without Redis.
        page.goto("/invoices/")
        assert page.locator("main h1").count() == 1
    finally:
        context.close()
    chat = Chat.objects.get(customer=alice)
    assert chat.messages.filter(body="Hello?").exists()
