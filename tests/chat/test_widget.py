"""The customer's widget: on every signed-in page, honest outside hours (and without Redis:
test_faults.py), and the HTTP side of starting, ending, feedback, the transcript and the offline
message."""

import re
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client

from chat.models import Chat, ChatState, EndedBy
from chat.services import chat_agent_says, chat_customer_says, chat_end, chat_start
from tests.chat.conftest import HELSINKI

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _chat_on(settings):
    settings.CHAT_ENABLED = True


@pytest.mark.parametrize("url", ["/invoices/", "/profile/", "/help/", "/messages/"])
def test_the_widget_is_on_every_signed_in_page(alice_client, url):
    html = alice_client.get(url).content.decode()
    assert 'id="chat-widget"' in html
    assert re.search(r'<script src="[^"]*chat[^"]*\.js" defer nonce="[^"]+">', html)
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert not re.search(r"\son[a-z]+=", html.split('id="chat-widget"')[1].split("</aside>")[0])


def test_no_widget_for_visitors_or_while_chat_is_off(alice_client, settings):
    assert 'id="chat-widget"' not in Client().get("/help/").content.decode()
    settings.CHAT_ENABLED = False
    assert 'id="chat-widget"' not in alice_client.get("/help/").content.decode()
    assert alice_client.get("/chat/status/").status_code == 404


def test_the_status_offers_a_chat_when_open_and_an_agent_is_online(agent, alice_client):
    data = alice_client.get("/chat/status/").json()
    assert (data["available"], data["open"], data["chat"]) == (True, True, None)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fi", "Chat aukeaa maanantaina klo 8.00"),
        ("sv", "Chatten öppnar måndag kl. 8.00"),
        ("en", "Chat opens Monday at 8.00"),
    ],
)
def test_outside_hours_the_widget_says_when_chat_opens_in_the_page_language(
    agent, alice, language, text
):
    alice.preferred_language = language
    alice.save(update_fields=["preferred_language"])
    saturday_evening = datetime(2026, 5, 16, 16, 0, tzinfo=HELSINKI)
    with time_machine.travel(saturday_evening, tick=False):
        client = Client()
        client.force_login(alice)
        data = client.get("/chat/status/").json()
    assert (data["open"], data["text"]) == (False, text)


def test_with_no_agent_online_the_widget_offers_a_message(alice_client):
    data = alice_client.get("/chat/status/").json()
    assert data["open"] is False
    assert data["text"] == "Nobody can take a chat right now. Send us a message instead."


def test_starting_a_chat_from_an_invoice_page_is_about_that_invoice(
    agent, alice_client, alice_invoice
):
    response = alice_client.post("/chat/start/", {"invoice": alice_invoice.pk})
    chat = Chat.objects.get(pk=response.json()["chat"]["id"])
    assert (chat.invoice, chat.state) == (alice_invoice, ChatState.ACTIVE)
    assert response.json()["chat"]["socket"] == f"/ws/chat/{chat.pk}/"


def test_a_chat_cannot_be_about_someone_elses_invoice(agent, bob_client, alice_invoice):
    assert bob_client.post("/chat/start/", {"invoice": alice_invoice.pk}).status_code == 404
    assert not Chat.objects.exists()


def test_starting_needs_post(agent, alice_client):
    assert alice_client.get("/chat/start/").status_code == 405


def test_another_customer_gets_404_on_ending_rating_or_mailing_a_chat(agent, alice, bob_client):
    chat = chat_start(customer=alice, language="en")
    for action in ("end", "feedback", "transcript"):
        assert bob_client.post(f"/chat/{chat.pk}/{action}/").status_code == 404
    chat.refresh_from_db()
    assert chat.state == ChatState.ACTIVE


def test_after_the_chat_the_customer_rates_it_and_gets_a_link_to_the_transcript(
    agent, alice, alice_client
):
    agent_user, _ = agent
    chat = chat_start(customer=alice, language="en")
    chat_customer_says(chat=chat, customer=alice, body="Question")
    chat_agent_says(chat=chat, agent=agent_user, body="Answer")
    assert alice_client.post(f"/chat/{chat.pk}/end/").json()["chat"]["state"] == "ended"
    response = alice_client.post(f"/chat/{chat.pk}/feedback/", {"csat": 4, "nps": 8})
    assert response.json() == {"message": "Thank you for your feedback."}
    chat.refresh_from_db()
    assert (chat.contact.feedback.csat, chat.contact.feedback.nps) == (4, 8)
    assert alice_client.post(f"/chat/{chat.pk}/transcript/").status_code == 200
    # A link to the conversation in the message centre, not the conversation itself.
    assert f"/messages/{chat.contact_id}/" in mail.outbox[-1].body
    assert "Answer" not in mail.outbox[-1].body


def test_a_transcript_is_not_sent_before_the_end(agent, alice, alice_client):
    chat = chat_start(customer=alice, language="en")
    assert alice_client.post(f"/chat/{chat.pk}/transcript/").status_code == 409
    assert mail.outbox == []


def test_the_offline_text_arrives_in_the_message_form_without_passing_through_a_url(alice_client):
    response = alice_client.post("/chat/message/", {"body": "Can I get more time?"})
    assert response.status_code == 302
    assert "more time" not in response["Location"]
    form = alice_client.get(response["Location"]).content.decode()
    assert "Can I get more time?" in form
    # Used once: the next visit starts empty.
    assert "Can I get more time?" not in alice_client.get(response["Location"]).content.decode()


def test_the_offline_text_about_an_invoice_goes_to_that_invoices_message(
    alice_client, alice_invoice
):
    response = alice_client.post(
        "/chat/message/", {"body": "Eräpäivä?", "invoice": alice_invoice.pk}
    )
    assert response["Location"] == f"/messages/new/{alice_invoice.pk}/"


def test_an_ended_chat_frees_the_customer_for_a_new_one(agent, alice, alice_client):
    chat = chat_start(customer=alice, language="en")
    chat_end(chat=chat, by=EndedBy.CUSTOMER, user=alice)
    assert alice_client.get("/chat/status/").json()["chat"] is None
