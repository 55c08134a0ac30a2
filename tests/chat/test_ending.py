"""Transfer with a note, ending by either side or by silence, the transcript in the message
centre, feedback and the transcript by email."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from chat.models import Chat, ChatState, EndedBy
from chat.services import (
    ChatError,
    chat_agent_says,
    chat_customer_says,
    chat_email_transcript,
    chat_end,
    chat_feedback,
    chat_send_link,
    chat_start,
    chat_transfer,
)
from chat.tasks import end_silent_chats
from messaging.models import Channel, Classification, ContactState
from messaging.selectors import contacts_visible_to, messages_for
from tests.chat.conftest import drain, receive_until, run, signed_in, socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transfer_moves_the_chat_with_a_note_only_agents_see(make_agent, alice):
    _first, first_client = make_agent("first@example.test", first_name="Eka")
    chat = chat_start(customer=alice, language="en")
    second, second_client = make_agent("second@example.test", first_name="Toka")
    chat_customer_says(chat=chat, customer=alice, body="Maksusuunnitelma?")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        old = socket(first_client, "/ws/chat/agent/")
        new = socket(second_client, "/ws/chat/agent/")
        for s in (customer, old, new):
            assert (await s.connect())[0]
            await drain(s)
        await old.send_json_to(
            {"type": "transfer", "chat": chat.pk, "to": second.pk, "note": "Plan, 3 invoices"}
        )
        assigned = await receive_until(new, "assigned", chat=chat.pk)
        note = await receive_until(new, "message", kind="note")
        told = await receive_until(customer, "message", kind="system")
        customer_events = await drain(customer)
        await new.send_json_to({"type": "message", "chat": chat.pk, "body": "Toka here"})
        await receive_until(customer, "message", kind="agent", body="Toka here")
        await old.send_json_to({"type": "message", "chat": chat.pk, "body": "still me?"})
        refused = await receive_until(old, "error")
        for s in (customer, old, new):
            await s.disconnect()
        return assigned, note, told, customer_events, refused

    _assigned, note, told, customer_events, refused = run(scenario)
    assert "Plan, 3 invoices" in note["body"]
    assert told["body"] == "Toka from customer service continues the chat."
    assert not [e for e in customer_events if e.get("kind") == "note"]
    assert refused["message"] == "This chat is not yours."
    chat.refresh_from_db()
    assert chat.agent == second


def test_a_transfer_needs_an_online_agent_with_room(make_agent, alice):
    first, _ = make_agent("first@example.test")
    chat = chat_start(customer=alice, language="en")
    away, _ = make_agent("away@example.test", available=False)
    with pytest.raises(ChatError):
        chat_transfer(chat=chat, agent=first, to=away, note="over to you")


def test_the_ended_chat_is_a_resolved_chat_contact_with_its_classification(
    agent, alice, alice_invoice
):
    agent_user, _ = agent
    chat = chat_start(customer=alice, language="en", invoice=alice_invoice)
    chat_customer_says(chat=chat, customer=alice, body="Can I pay later?")
    chat_agent_says(chat=chat, agent=agent_user, body="Yes, move the due date.")
    chat_send_link(chat=chat, agent=agent_user, invoice_id=alice_invoice.pk, kind="due_date")
    chat = chat_end(
        chat=chat, by=EndedBy.AGENT, user=agent_user, classification=Classification.DUE_DATE
    )
    contact = chat.contact
    assert (contact.channel, contact.classification, contact.state) == (
        Channel.CHAT,
        Classification.DUE_DATE,
        ContactState.RESOLVED,
    )
    assert list(contact.invoices.all()) == [alice_invoice]
    assert contact.assigned_to == agent_user
    assert contacts_visible_to(alice).filter(pk=contact.pk).exists()
    bodies = [m.body for m in messages_for(alice, contact)]
    assert "Can I pay later?" in bodies
    assert any(f"/arrangements/invoices/{alice_invoice.pk}/due-date/" in b for b in bodies)


def test_a_link_is_only_to_the_customers_own_invoice(agent, alice, bob):
    from tests.factories import InvoiceFactory

    agent_user, _ = agent
    chat = chat_start(customer=alice, language="en")
    someone_elses = InvoiceFactory()
    with pytest.raises(ChatError, match="Invoice not found"):
        chat_send_link(chat=chat, agent=agent_user, invoice_id=someone_elses.pk, kind="pay")


def test_the_customer_ends_the_chat_and_gives_feedback_on_it(agent, alice):
    agent_user, _ = agent
    chat = chat_start(customer=alice, language="en")
    chat_customer_says(chat=chat, customer=alice, body="Thanks")
    chat_agent_says(chat=chat, agent=agent_user, body="You're welcome")
    alice_client = signed_in(alice)

    async def scenario():
        customer = socket(alice_client, f"/ws/chat/{chat.pk}/")
        await customer.connect()
        await drain(customer)
        await customer.send_json_to({"type": "end"})
        ended = await receive_until(customer, "state", state="ended")
        await customer.disconnect()
        return ended

    ended = run(scenario)
    assert ended["feedback"] is True
    chat.refresh_from_db()
    feedback = chat_feedback(chat=chat, customer=alice, csat=5, nps=9, comment="Quick")
    assert (feedback.contact, feedback.csat, feedback.nps) == (chat.contact, 5, 9)
    with pytest.raises(ChatError):
        chat_feedback(chat=chat, customer=alice, csat=1, nps=0)


def test_another_customer_cannot_end_or_rate_a_chat(agent, alice, bob):
    chat = chat_start(customer=alice, language="en")
    with pytest.raises(ChatError):
        chat_end(chat=chat, by=EndedBy.CUSTOMER, user=bob)
    chat_customer_says(chat=chat, customer=alice, body="hi")
    chat = chat_end(chat=chat, by=EndedBy.CUSTOMER, user=alice)
    with pytest.raises(ChatError):
        chat_feedback(chat=chat, customer=bob, csat=5, nps=10)


def test_a_silent_chat_ends_by_the_beat_task_and_keeps_its_transcript(agent, alice, settings):
    settings.CHAT_SILENCE_MINUTES = 15
    _agent_user, _ = agent
    chat = chat_start(customer=alice, language="en")
    chat_customer_says(chat=chat, customer=alice, body="Hello?")
    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert end_silent_chats.delay().get() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert end_silent_chats.delay().get() == 1
    chat.refresh_from_db()
    assert (chat.state, chat.ended_by) == (ChatState.ENDED, EndedBy.TIMEOUT)
    assert chat.contact.messages.filter(body="Hello?").exists()


def test_a_customer_who_left_the_queue_leaves_a_contact_that_waits_for_an_answer(make_agent, alice):
    make_agent("a@example.test", auto_assign=False)
    chat = chat_start(customer=alice, language="en")
    chat_customer_says(chat=chat, customer=alice, body="Is anyone there?")
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        end_silent_chats.delay().get()
    chat.refresh_from_db()
    assert chat.ended_by == EndedBy.ABANDONED
    assert chat.contact.state == ContactState.NEW
    assert chat.contact.sla_due_at is not None


def test_a_chat_where_the_customer_said_nothing_leaves_no_contact(agent, alice):
    chat = chat_end(chat=chat_start(customer=alice, language="en"), by=EndedBy.CUSTOMER, user=alice)
    assert chat.contact is None
    assert Chat.objects.get(pk=chat.pk).state == ChatState.ENDED


def test_the_transcript_mail_carries_a_link_to_the_message_centre_never_the_chat(make_agent, alice):
    first, _ = make_agent("first@example.test", first_name="Eka")
    chat = chat_start(customer=alice, language="en")
    second, _ = make_agent("second@example.test", first_name="Toka")
    chat_customer_says(chat=chat, customer=alice, body="My question about invoice ABC-77")
    chat_transfer(chat=chat, agent=first, to=second, note="secret note")
    chat_agent_says(chat=chat, agent=second, body="My answer")
    chat = chat_end(chat=chat, by=EndedBy.CUSTOMER, user=alice)
    chat_email_transcript(chat=chat, customer=alice)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    link = settings.SITE_URL + reverse("messaging:thread", args=[chat.contact_id])
    assert link in message.body
    for said in ("My question", "ABC-77", "My answer", "secret note", "Eka", "Toka"):
        assert said not in message.body
    # The link leads the customer to the whole conversation, behind the portal's sign-in.
    page = signed_in(alice).get(link)
    assert page.status_code == 200
    assert "My question about invoice ABC-77" in page.content.decode()


def test_a_chat_without_a_transcript_mails_nothing(agent, alice):
    chat = chat_end(chat=chat_start(customer=alice, language="en"), by=EndedBy.CUSTOMER, user=alice)
    with pytest.raises(ChatError):
        chat_email_transcript(chat=chat, customer=alice)
    assert mail.outbox == []
