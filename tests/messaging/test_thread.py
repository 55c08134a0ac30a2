"""The thread page: replies, the reopen window, the unread badge and notification mails."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.context import Acting
from messaging.models import Classification, ContactState, Message
from messaging.services import (
    MessagingError,
    Owner,
    contact_create,
    contact_reply,
    contact_resolve,
    staff_reply,
)


@pytest.fixture
def contact(alice):
    return contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.OTHER,
        body="Kysymys laskusta",
    )


def test_the_thread_shows_answers_but_never_internal_notes(alice_client, contact, staff):
    staff_reply(contact=contact, staff=staff, body="Huom: asiakas soitti", internal=True)
    staff_reply(contact=contact, staff=staff, body="Lasku on oikein.")
    page = alice_client.get(f"/messages/{contact.pk}/").content.decode()
    assert "Lasku on oikein." in page and "Huom: asiakas soitti" not in page


def test_a_staff_answer_sets_first_response_and_waits_for_the_customer(contact, staff):
    staff_reply(contact=contact, staff=staff, body="Vastaus")
    contact.refresh_from_db()
    assert contact.state == ContactState.WAITING
    assert contact.first_response_at is not None and contact.assigned_to == staff


def test_an_internal_note_is_not_a_first_response(contact, staff):
    staff_reply(contact=contact, staff=staff, body="Muistiinpano", internal=True)
    contact.refresh_from_db()
    assert contact.first_response_at is None and contact.state == ContactState.NEW


def test_the_customer_replies_and_the_contact_opens_again(alice_client, contact, staff):
    staff_reply(contact=contact, staff=staff, body="Tarvitsemme kuitin.")
    response = alice_client.post(f"/messages/{contact.pk}/reply/", {"body": "Tässä se on."})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.state == ContactState.OPEN
    assert contact.messages.last().body == "Tässä se on."


def test_the_reply_form_answers_htmx_with_the_conversation_only(alice_client, contact):
    response = alice_client.post(
        f"/messages/{contact.pk}/reply/", {"body": "Lisää tietoa"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="conversation"' in body and "<html" not in body and "Lisää tietoa" in body


def test_an_empty_reply_saves_nothing(alice_client, contact):
    response = alice_client.post(f"/messages/{contact.pk}/reply/", {"body": " "})
    assert response.status_code == 400
    assert contact.messages.count() == 1


def test_a_resolved_contact_reopens_within_the_window_and_not_after(alice, contact, staff):
    contact_resolve(contact=contact, staff=staff, outcome="answered")
    with time_machine.travel(timezone.now() + timedelta(days=13)):
        contact_reply(contact=contact, acting=Acting(alice), body="Vielä yksi asia")
    contact.refresh_from_db()
    assert (contact.state, contact.reopen_count, contact.outcome) == ("open", 1, "")
    contact_resolve(contact=contact, staff=staff, outcome="answered")
    with (
        time_machine.travel(timezone.now() + timedelta(days=15)),
        pytest.raises(MessagingError, match="Send a new message"),
    ):
        contact_reply(contact=contact, acting=Acting(alice), body="Liian myöhään")
    assert not Message.objects.filter(body="Liian myöhään").exists()


def test_the_unread_badge_counts_new_answers_until_the_thread_is_read(alice_client, contact, staff):
    assert "unread-badge" not in alice_client.get("/messages/badge/").content.decode()
    staff_reply(contact=contact, staff=staff, body="Vastaus")
    badge = alice_client.get("/messages/badge/").content.decode()
    assert ">1<" in badge
    alice_client.get(f"/messages/{contact.pk}/")
    assert "unread-badge" not in alice_client.get("/messages/badge/").content.decode()


def test_the_navigation_loads_the_badge(alice_client):
    page = alice_client.get("/invoices/").content.decode()
    assert 'hx-get="/messages/badge/"' in page and 'href="/messages/"' in page


def test_the_answer_mail_has_a_link_and_not_the_answer(
    alice, contact, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(contact=contact, staff=staff, body="Salainen sisältö")
    [message] = mail.outbox
    assert message.to == [alice.email]
    assert "Salainen sisältö" not in message.body
    assert f"/messages/{contact.pk}/" in message.body


def test_the_mail_is_in_the_users_language(
    alice, contact, staff, django_capture_on_commit_callbacks
):
    alice.preferred_language = "sv"
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(contact=contact, staff=staff, body="Svar")
    assert mail.outbox[0].subject == "Kundtjänsten har svarat på ditt meddelande"


def test_no_mail_when_the_user_turned_them_off(
    alice, contact, staff, django_capture_on_commit_callbacks
):
    alice.notify_message = False
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(contact=contact, staff=staff, body="Vastaus")
    assert mail.outbox == []


def test_the_inbox_lists_contacts_with_states_and_filters(alice_client, contact, staff):
    staff_reply(contact=contact, staff=staff, body="Vastaus")
    page = alice_client.get("/messages/").content.decode()
    assert "Waiting for customer" in page and "New answer" in page
    assert "contact-row" not in alice_client.get("/messages/?state=resolved").content.decode()
    fragment = alice_client.get("/messages/?state=waiting", headers={"HX-Request": "true"})
    assert (
        "<html" not in fragment.content.decode()
        and 'id="contact-results"' in fragment.content.decode()
    )


def test_the_inbox_costs_a_fixed_number_of_queries(
    alice, alice_client, staff, settings, django_assert_max_num_queries
):
    settings.MESSAGING_CONTACTS_PER_HOUR = 100
    for n in range(30):
        c = contact_create(
            owner=Owner(Acting(alice), user=alice),
            classification=Classification.OTHER,
            body=f"Viesti {n}",
        )
        staff_reply(contact=c, staff=staff, body="Vastaus")
    with django_assert_max_num_queries(12):
        response = alice_client.get("/messages/")
    assert response.content.decode().count("contact-row") == 25
