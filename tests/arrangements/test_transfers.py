"""Due-date transfers: the window, the fee, the counts per debtor type, refusals and requests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from arrangements.models import ArrangementRequest, DueDateTransfer
from arrangements.services import ArrangementError, due_date_transfer
from invoices.models import Charge, ChargeKind, CreditorSettings, EventKind, InvoiceEvent, Stage
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def test_a_transfer_within_the_rules_is_granted_at_once(alice_client, own_invoice):
    invoice = own_invoice()
    original = invoice.due_date
    url = reverse("arrangements:due_date", kwargs={"pk": invoice.pk})
    page = alice_client.get(url)
    assert page.status_code == 200
    assert f'max="{(original + timedelta(weeks=2)).isoformat()}"' in page.content.decode()
    to_date = original + timedelta(days=10)
    preview = alice_client.get(url, {"to_date": to_date.isoformat()})
    assert 'data-testid="transfer-fee"' in preview.content.decode()
    response = alice_client.post(url, {"to_date": to_date.isoformat(), "action": "confirm"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.due_date, invoice.original_due_date) == (to_date, original)
    event = InvoiceEvent.objects.get(invoice=invoice, kind=EventKind.DUE_DATE_MOVED)
    assert event.actor.email == "alice@example.test"


def test_a_late_long_transfer_charges_the_capped_fee_once(own_invoice, acting, today):
    invoice = own_invoice(
        issue_date=today - timedelta(days=30),
        due_date=today - timedelta(days=1),
    )
    transfer = due_date_transfer(
        invoice=invoice, to_date=today + timedelta(days=13), acting=acting, today=today
    )
    charge = Charge.objects.get(invoice=invoice, kind=ChargeKind.TRANSFER_FEE)
    assert charge.idempotency_key == "transfer:1"
    assert charge.amount == Decimal("5.00") == charge.legal_cap == transfer.fee
    again = due_date_transfer(
        invoice=invoice, to_date=today + timedelta(days=13), acting=acting, today=today
    )
    assert again.pk == transfer.pk
    assert Charge.objects.filter(invoice=invoice).count() == 1


def test_a_date_outside_the_window_is_refused_and_nothing_changes(alice_client, own_invoice):
    invoice = own_invoice()
    url = reverse("arrangements:due_date", kwargs={"pk": invoice.pk})
    too_late = invoice.due_date + timedelta(weeks=3)
    response = alice_client.post(url, {"to_date": too_late.isoformat(), "action": "confirm"})
    assert response.status_code == 400
    assert "at the latest" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.due_date == invoice.original_due_date
    assert not DueDateTransfer.objects.exists()


def test_outside_the_rules_the_user_can_send_a_request(alice_client, own_invoice):
    invoice = own_invoice()
    url = reverse("arrangements:due_date", kwargs={"pk": invoice.pk})
    too_late = invoice.due_date + timedelta(weeks=3)
    response = alice_client.post(
        url, {"to_date": too_late.isoformat(), "action": "request", "message": "Palkka myöhässä"}
    )
    assert response.status_code == 302
    request = ArrangementRequest.objects.get()
    assert request.terms == {"to_date": too_late.isoformat()}
    invoice.refresh_from_db()
    assert invoice.due_date == invoice.original_due_date


@pytest.mark.parametrize(
    ("debtor_type", "extra", "allowed"),
    [
        ("consumer", {}, 1),
        ("company", {"debtor_hetu": "", "debtor_business_id": "2874409-5"}, 0),
    ],
)
def test_counts_follow_the_debtor_type(
    own_invoice, acting, today, creditor, debtor_type, extra, allowed
):
    invoice = own_invoice(debtor_type=debtor_type, **extra)
    granted = 0
    for days in (3, 6):
        try:
            due_date_transfer(
                invoice=invoice,
                to_date=invoice.due_date + timedelta(days=days),
                acting=acting,
                today=today,
            )
            granted += 1
        except ArrangementError as error:
            assert error.requestable
    assert granted == allowed
    assert DueDateTransfer.objects.filter(invoice=invoice).count() == allowed


def test_company_limit_from_the_settings(own_invoice, acting, today, creditor):
    CreditorSettings.objects.filter(creditor=creditor).update(
        company_transfer_limit=2, company_transfer_max_weeks=1
    )
    invoice = own_invoice(debtor_type="company", debtor_business_id="2874409-5")
    with pytest.raises(ArrangementError):
        due_date_transfer(
            invoice=invoice,
            to_date=invoice.due_date + timedelta(days=8),
            acting=acting,
            today=today,
        )
    for days in (3, 6):
        due_date_transfer(
            invoice=invoice,
            to_date=invoice.due_date + timedelta(days=days),
            acting=acting,
            today=today,
        )
    assert DueDateTransfer.objects.filter(invoice=invoice).count() == 2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"disputed": True}, "disputed"),
        ({"stage": Stage.PAID}, "paid"),
        ({"stage": Stage.CREDITED}, "credited"),
        ({"stage": Stage.LEGAL}, "legal collection"),
    ],
)
def test_disputed_paid_credited_and_legal_invoices_refuse(
    own_invoice, acting, today, change, words
):
    invoice = own_invoice(**change)
    # The message is in the active language: English here, whatever ran before on this worker.
    with translation.override("en"), pytest.raises(ArrangementError) as error:
        due_date_transfer(
            invoice=invoice,
            to_date=invoice.due_date + timedelta(days=3),
            acting=acting,
            today=today,
        )
    assert words in error.value.message
    assert not error.value.requestable


def test_bob_gets_404_and_get_on_confirm_changes_nothing(bob_client, alice_invoice):
    url = reverse("arrangements:due_date", kwargs={"pk": alice_invoice.pk})
    assert bob_client.get(url).status_code == 404
    assert bob_client.post(url, {"to_date": "2030-01-01", "action": "confirm"}).status_code == 404


def test_the_invoice_page_offers_both_actions(alice_client, alice_own_invoice):
    page = alice_client.get(reverse("invoices:detail", kwargs={"pk": alice_own_invoice.pk}))
    html = page.content.decode()
    assert reverse("arrangements:due_date", kwargs={"pk": alice_own_invoice.pk}) in html
    assert reverse("arrangements:plan", kwargs={"pk": alice_own_invoice.pk}) in html


def test_an_invoice_of_another_debtor_is_invisible(alice_client, creditor):
    invoice = InvoiceFactory(creditor=creditor)
    url = reverse("arrangements:due_date", kwargs={"pk": invoice.pk})
    assert alice_client.get(url).status_code == 404


def test_a_request_is_on_the_timeline_as_a_request_not_as_a_moved_due_date(
    alice, alice_client, own_invoice
):
    # Issue 12, item 12: nothing moved until staff approve, so the timeline must not say so.
    alice.preferred_language = "en"
    alice.save()
    invoice = own_invoice()
    url = reverse("arrangements:due_date", kwargs={"pk": invoice.pk})
    too_late = invoice.due_date + timedelta(weeks=3)
    alice_client.post(url, {"to_date": too_late.isoformat(), "action": "request"})
    assert not invoice.events.filter(kind=EventKind.DUE_DATE_MOVED).exists()
    assert invoice.events.filter(kind=EventKind.REQUEST).count() == 1
    page = alice_client.get(reverse("invoices:detail", kwargs={"pk": invoice.pk}))
    html = page.content.decode()
    assert "Request to customer service" in html
    assert "Due date moved" not in html


def test_the_out_of_rules_notice_says_why_once_before_a_date_is_chosen(
    alice, alice_client, own_invoice, creditor
):
    # Issue 12, item 12: with no transfers allowed the notice tells why; the "this date is
    # outside the rules" sentence is about a chosen date and waits for one.
    alice.preferred_language = "en"
    alice.save()
    CreditorSettings.objects.filter(creditor=creditor).update(consumer_transfer_limit=0)
    invoice = own_invoice()
    url = reverse("arrangements:due_date", kwargs={"pk": invoice.pk})
    page = alice_client.get(url).content.decode()
    assert "does not allow due-date transfers on its own" in page
    assert "outside the creditor&#x27;s rules" not in page
    assert "Send a request" in page
