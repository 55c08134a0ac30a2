"""Disputes (perintälaki 4 b §): a reason, the invoices disputed at once, the real collection
cycle skipping them, and staff accepting (credit note) or rejecting (collection resumes)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

import collection.cycle as cycle_module
from accounts.context import Acting
from collection.cycle import run_collection_cycle
from collection.models import CollectionStep
from invoices.models import EventKind, InvoiceAccess, InvoiceEvent, Stage
from messaging.models import Classification, ContactState, Dispute, DisputeState, Outcome
from messaging.services import (
    MessagingError,
    Owner,
    contact_create,
    contact_resolve,
    dispute_accept,
    dispute_reject,
)
from tests.factories import InvoiceFactory

DUE = date(2026, 1, 31)


@pytest.fixture(autouse=True)
def _no_letters(monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)


@pytest.fixture
def overdue_invoice(alice, creditor):
    invoice = InvoiceFactory(
        creditor=creditor,
        issue_date=DUE - timedelta(days=14),
        due_date=DUE,
        principal=Decimal("100.00"),
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


def dispute(alice, invoice, reason="Tilaamaani tuotetta ei koskaan toimitettu."):
    return contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.DISPUTE,
        body=reason,
        invoices=[invoice],
    )


def test_a_dispute_marks_the_invoice_disputed_at_once_with_the_reason(alice, overdue_invoice):
    contact = dispute(alice, overdue_invoice)
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.disputed
    assert contact.dispute.state == DisputeState.OPEN
    event = InvoiceEvent.objects.get(invoice=overdue_invoice, kind=EventKind.DISPUTE)
    assert event.detail == "Tilaamaani tuotetta ei koskaan toimitettu."
    assert event.actor == alice


def test_a_dispute_without_a_reason_saves_nothing(alice, overdue_invoice):
    with pytest.raises(MessagingError, match="Write a message"):
        dispute(alice, overdue_invoice, reason="  ")
    overdue_invoice.refresh_from_db()
    assert not overdue_invoice.disputed and not Dispute.objects.exists()


def test_the_cycle_skips_a_disputed_invoice_and_resumes_after_a_rejection(
    alice, staff, overdue_invoice
):
    contact = dispute(alice, overdue_invoice)
    # Day 15 after the due date is the first day a reminder may go (Ombudsman 2024): without
    # the dispute the cycle would remind on both days.
    for day in (15, 16):
        run_collection_cycle(today=DUE + timedelta(days=day))
    assert not CollectionStep.objects.filter(invoice=overdue_invoice).exists()

    dispute_reject(contact=contact, staff=staff, reason="Toimitus on kuitattu vastaanotetuksi.")
    overdue_invoice.refresh_from_db()
    assert not overdue_invoice.disputed
    run_collection_cycle(today=DUE + timedelta(days=17))
    step = CollectionStep.objects.get(invoice=overdue_invoice)
    assert step.taken_on == DUE + timedelta(days=17)
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.stage == Stage.REMINDED


def test_a_rejection_tells_the_customer_why_in_their_language(
    alice, staff, overdue_invoice, django_capture_on_commit_callbacks
):
    alice.preferred_language = "fi"
    alice.save()
    contact = dispute(alice, overdue_invoice)
    contact.language = "fi"
    contact.save()
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reject(contact=contact, staff=staff, reason="Toimitus on kuitattu.")
    contact.refresh_from_db()
    assert (contact.state, contact.outcome) == (ContactState.RESOLVED, Outcome.DISPUTE_REJECTED)
    answer = contact.messages.filter(author_kind="staff").get()
    assert "perintä jatkuu" in answer.body and "Toimitus on kuitattu." in answer.body
    kinds = list(
        InvoiceEvent.objects.filter(invoice=overdue_invoice, kind=EventKind.DISPUTE).values_list(
            "data__state", flat=True
        )
    )
    assert kinds == ["open", "rejected"]
    [notice] = mail.outbox
    assert "Toimitus on kuitattu" not in notice.body
    assert f"/messages/{contact.pk}/" in notice.body


def test_a_rejection_needs_a_reason(alice, staff, overdue_invoice):
    contact = dispute(alice, overdue_invoice)
    with pytest.raises(MessagingError, match="reason"):
        dispute_reject(contact=contact, staff=staff, reason="")
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.disputed


def test_a_decided_dispute_cannot_be_decided_again(alice, staff, overdue_invoice):
    contact = dispute(alice, overdue_invoice)
    dispute_reject(contact=contact, staff=staff, reason="Ei perusteita.")
    with pytest.raises(MessagingError, match="already been decided"):
        dispute_reject(contact=contact, staff=staff, reason="Uudestaan.")


def test_a_dispute_contact_is_not_resolved_before_the_decision(alice, staff, overdue_invoice):
    contact = dispute(alice, overdue_invoice)
    with pytest.raises(MessagingError, match="Accept or reject"):
        contact_resolve(contact=contact, staff=staff, outcome=Outcome.ANSWERED)


def test_an_invoice_stays_disputed_while_another_dispute_is_open(alice, staff, overdue_invoice):
    first = dispute(alice, overdue_invoice)
    dispute(alice, overdue_invoice, reason="Toinen syy.")
    dispute_reject(contact=first, staff=staff, reason="Ei perusteita.")
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.disputed


def test_the_invoice_page_says_why_collection_is_paused(alice_client, alice, overdue_invoice):
    contact = dispute(alice, overdue_invoice)
    page = alice_client.get(f"/invoices/{overdue_invoice.pk}/").content.decode()
    assert "Tilaamaani tuotetta ei koskaan toimitettu." in page
    assert "Collection is paused until customer service has looked into it." in page
    assert f"/messages/{contact.pk}/" in page


def test_accepting_in_full_credits_the_invoice_and_ends_collection(alice, staff, overdue_invoice):
    contact = dispute(alice, overdue_invoice)
    dispute_accept(
        contact=contact, staff=staff, reason="Tuote puuttui.", amounts={overdue_invoice.pk: None}
    )
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.stage == Stage.CREDITED and not overdue_invoice.disputed
    run_collection_cycle(today=DUE + timedelta(days=20))
    assert not CollectionStep.objects.filter(invoice=overdue_invoice).exists()
    contact.refresh_from_db()
    assert contact.outcome == Outcome.DISPUTE_ACCEPTED


def test_a_partial_credit_leaves_the_rest_to_collect(alice, staff, overdue_invoice):
    contact = dispute(alice, overdue_invoice)
    dispute_accept(
        contact=contact,
        staff=staff,
        reason="Puolet tuotteista puuttui.",
        amounts={overdue_invoice.pk: Decimal("40.00")},
    )
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.stage == Stage.OPEN and not overdue_invoice.disputed
    run_collection_cycle(today=DUE + timedelta(days=20))
    assert CollectionStep.objects.filter(invoice=overdue_invoice).count() == 1
