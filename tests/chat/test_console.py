"""The agent console in the admin: the page, the customer's invoices beside a chat, presence,
links into the portal and canned responses."""

import re

import pytest
from django.test import Client

from chat.models import AgentPresence, ChatMessage
from chat.services import chat_start
from messaging.models import CannedResponse
from tests.chat.conftest import drain, receive_until, run, signed_in, socket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONSOLE = "/admin/chat/chat/console/"


def test_the_console_is_for_staff_who_used_a_second_factor(agent):
    _agent_user, agent_client = agent
    CannedResponse.objects.create(title="Kiitos", language="fi", body="Kiitos yhteydenotosta!")
    response = agent_client.get(CONSOLE)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<script src="[^"]*chat-console[^"]*\.js" defer nonce="[^"]+">', html)
    assert 'data-body="Kiitos yhteydenotosta!"' in html
    password_only = signed_in(UserFactory(email="pw@example.test", is_staff=True))
    assert password_only.get(CONSOLE).status_code in (302, 403)
    assert Client().get(CONSOLE).status_code == 302


def test_beside_the_chat_the_agent_sees_the_customers_invoices_with_next_steps(
    agent, alice, alice_invoice, bob
):
    from tests.factories import InvoiceFactory

    _agent_user, agent_client = agent
    InvoiceFactory(number="BOBS-1")  # nobody's: never beside alice's chat
    chat = chat_start(customer=alice, language="en", invoice=alice_invoice)
    html = agent_client.get(f"{CONSOLE}{chat.pk}/customer/").content.decode()
    assert alice_invoice.number in html
    assert f"/admin/invoices/invoice/{alice_invoice.pk}/change/" in html
    assert "BOBS-1" not in html
    assert 'data-link="pay"' in html and 'data-link="due_date"' in html


def test_the_customer_panel_of_another_agents_chat_is_not_found(make_agent, alice):
    make_agent("first@example.test")
    chat = chat_start(customer=alice, language="en")
    _second, second_client = make_agent("second@example.test")
    assert second_client.get(f"{CONSOLE}{chat.pk}/customer/").status_code == 404


def test_an_agent_sets_availability_and_languages_from_the_console(make_agent, alice):
    agent_user, agent_client = make_agent("a@example.test", available=False, languages=())

    async def scenario():
        console = socket(agent_client, "/ws/chat/agent/")
        await console.connect()
        await drain(console)
        await console.send_json_to(
            {"type": "presence", "available": True, "languages": ["sv", "xx"], "max_chats": 2}
        )
        saved = await receive_until(console, "presence")
        await console.disconnect()
        return saved

    assert run(scenario)["saved"] is True
    presence = AgentPresence.objects.get(agent=agent_user)
    assert (presence.available, presence.languages, presence.max_chats) == (True, ["sv"], 2)


def test_a_pay_link_reaches_the_customer_as_a_portal_path(agent, alice, alice_invoice):
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
        await console.send_json_to(
            {"type": "link", "chat": chat.pk, "invoice": alice_invoice.pk, "link": "pay"}
        )
        got = await receive_until(customer, "message", kind="agent")
        await customer.disconnect()
        await console.disconnect()
        return got

    got = run(scenario)
    assert got["link"] == {"url": f"/payments/invoices/{alice_invoice.pk}/pay/", "kind": "pay"}
    assert got["body"] == f"Pay the invoice: {alice_invoice.number}"
    assert ChatMessage.objects.filter(chat=chat, link_kind="pay").count() == 1


def test_the_chat_list_links_to_the_console(agent):
    agent_user, agent_client = agent
    agent_user.is_superuser = True
    agent_user.save(update_fields=["is_superuser"])
    assert CONSOLE in agent_client.get("/admin/chat/chat/").content.decode()
