"""The invoice page: everything needed to understand and pay it, and its PDF download."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

from invoices.models import (
    Charge,
    ChargeKind,
    CreditorUser,
    EventKind,
    InvoiceEvent,
    InvoiceLine,
)
from invoices.references import bank_barcode
from invoices.services import invoice_record_event
from payments.models import Allocation, Payment
from tests.factories import UserFactory
from tests.invoices.test_admin import mfa_login

TODAY = date.today()


def detail_url(invoice) -> str:
    return reverse("invoices:detail", args=[invoice.pk])


def pdf_url(invoice) -> str:
    return reverse("invoices:pdf", args=[invoice.pk])


@pytest.fixture
def full_invoice(alice, alice_invoice):
    """Alice's invoice with two VAT rates, a fee, interest, a payment and a history."""
    invoice = alice_invoice
    invoice.lines.all().delete()
    invoice.principal = Decimal("136.60")
    invoice.due_date = TODAY - timedelta(days=20)
    invoice.original_due_date = TODAY - timedelta(days=27)
    invoice.issue_date = TODAY - timedelta(days=50)
    invoice.reference = "12345678901234568"
    invoice.save()
    for position, (text, net, rate, vat) in enumerate(
        [
            ("Sähkön siirto", "100.00", "25.50", "25.50"),
            ("Kirja", "10.00", "10.00", "1.00"),
            ("Perusmaksu", "0.10", "25.50", "0.00"),
        ],
        start=1,
    ):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            description=text,
            quantity=1,
            unit_price=Decimal(net),
            vat_rate=Decimal(rate),
            net_total=Decimal(net),
            vat_total=Decimal(vat),
            gross_total=Decimal(net) + Decimal(vat),
        )
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.REMINDER_FEE,
        amount=Decimal("5.00"),
        booked_on=TODAY - timedelta(days=5),
        rule="consumer_reminder_1",
        legal_cap=Decimal("5.00"),
        explanation="Payment reminder 14 days after the due date (Interest Act §10).",
        idempotency_key="reminder-1",
    )
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.INTEREST,
        amount=Decimal("0.71"),
        booked_on=TODAY,
        rule="korkolaki_4",
        explanation="9.5 % a year for 20 days.",
        idempotency_key="interest-1",
    )
    payment = Payment.objects.create(
        source="bank", external_id="b-1", amount=Decimal("36.60"), paid_on=TODAY
    )
    Allocation.objects.create(
        payment=payment, invoice=invoice, component="principal", amount=Decimal("36.60")
    )
    first = invoice_record_event(invoice=invoice, kind=EventKind.IMPORTED)
    InvoiceEvent.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=50))
    helper = UserFactory(first_name="Harri", last_name="Helper")
    invoice_record_event(
        invoice=invoice, kind=EventKind.DUE_DATE_MOVED, actor=helper, on_behalf_of=alice
    )
    return invoice


def test_invoice_page_shows_what_the_invoice_says(alice_client, full_invoice):
    response = alice_client.get(detail_url(full_invoice))
    assert response.status_code == 200
    html = response.content.decode()
    assert full_invoice.creditor.name in html
    assert full_invoice.number in html
    assert full_invoice.myropo_id_display in html
    assert "Original due date" in html
    assert "Sähkön siirto" in html
    assert "12 34567 89012 34568" in html  # reference in groups of five
    assert "FI79 4405 2020 0360 82" in html
    assert "NDEAFIHH" in html


def test_vat_summary_has_one_row_per_rate(alice_client, full_invoice):
    response = alice_client.get(detail_url(full_invoice))
    rows = {row.rate: row for row in response.context["vat_rows"]}
    assert list(rows) == [Decimal("10.00"), Decimal("25.50")]
    assert rows[Decimal("25.50")].net == Decimal("100.10")
    assert rows[Decimal("25.50")].vat == Decimal("25.50")
    assert rows[Decimal("10.00")].gross == Decimal("11.00")


def test_balance_is_broken_into_principal_fees_interest_and_payments(alice_client, full_invoice):
    response = alice_client.get(detail_url(full_invoice))
    invoice = response.context["invoice"]
    assert invoice.fees_total == Decimal("5.00")
    assert invoice.interest_total == Decimal("0.71")
    assert invoice.paid_total == Decimal("36.60")
    assert invoice.open_balance == Decimal("105.71")
    html = response.content.decode()
    assert "€105.71" in html
    # Explained from the rule and figures in the page's language, not the stored notes.
    assert "Reminder fee €5.00 — legal maximum €5.00" in html
    assert "Payment reminder 14 days after the due date" not in html
    assert "9.5 % a year for 20 days." not in html


def test_bank_barcode_has_a_copy_button_and_the_qr_code_is_inline(alice_client, full_invoice):
    response = alice_client.get(detail_url(full_invoice))
    html = response.content.decode()
    # Overdue: the code carries today's payoff (interest through today) and today's date.
    today = timezone.localdate()
    payoff = response.context["payoff"]
    assert payoff.total == Decimal("105.71") + payoff.interest_accrued
    barcode = bank_barcode(full_invoice.creditor.iban, payoff.total, full_invoice.reference, today)
    assert f'data-copy="{barcode}"' in html
    assert "<svg" in html


def test_paid_invoice_has_nothing_to_pay(alice_client, alice_invoice):
    payment = Payment.objects.create(
        source="bank", external_id="b-2", amount=Decimal("100.00"), paid_on=TODAY
    )
    Allocation.objects.create(
        payment=payment, invoice=alice_invoice, component="principal", amount=Decimal("100.00")
    )
    alice_invoice.stage = "paid"
    alice_invoice.save()
    html = alice_client.get(detail_url(alice_invoice)).content.decode()
    assert "data-copy=" not in html
    assert "There is nothing to pay on this invoice." in html


def test_timeline_is_newest_first_with_actor_and_on_behalf_of(alice_client, full_invoice):
    response = alice_client.get(detail_url(full_invoice))
    kinds = [event.kind for event in response.context["events"]]
    assert kinds[0] == EventKind.VIEWED
    assert kinds[-1] == EventKind.IMPORTED
    html = response.content.decode()
    assert "by Harri Helper" in html
    assert "on your behalf" in html


def test_actions_appear_only_when_their_pages_exist(alice_client, alice_own_invoice):
    html = alice_client.get(detail_url(alice_own_invoice)).content.decode()
    assert "Download PDF" in html
    assert pdf_url(alice_own_invoice) in html
    assert f"/payments/invoices/{alice_own_invoice.pk}/pay/" in html  # the payments app exists
    try:
        plan_url = reverse("arrangements:plan", kwargs={"pk": alice_own_invoice.pk})
    except NoReverseMatch:
        assert "Payment plan" not in html
    else:
        assert plan_url in html


def _stub(request, pk):
    return HttpResponse()


payments_patterns = ([path("<int:pk>/pay/", _stub, name="pay")], "payments")
messaging_patterns = ([path("new/<int:pk>/", _stub, name="new")], "messaging")
urlpatterns = [
    path("invoices/", include("invoices.urls")),
    path("payments/", include(payments_patterns)),
    path("messages/", include(messaging_patterns)),
    path("", include("myropo.urls")),
]


@pytest.mark.urls("tests.invoices.test_detail")
def test_actions_link_to_pages_that_exist(alice_client, alice_own_invoice):
    response = alice_client.get(detail_url(alice_own_invoice))
    labels = {action.label: action.url for action in response.context["actions"]}
    # Plans and due-date moves come from the arrangements app, included through myropo.urls.
    labels.pop("Payment plan", None)
    labels.pop("Move the due date", None)
    assert labels == {
        "Pay": f"/payments/{alice_own_invoice.pk}/pay/",
        "Send a message": f"/messages/new/{alice_own_invoice.pk}/",
    }


@pytest.mark.urls("tests.invoices.test_detail")
def test_paid_invoice_offers_no_payment(alice_client, alice_own_invoice):
    alice_own_invoice.stage = "paid"
    alice_own_invoice.save()
    response = alice_client.get(detail_url(alice_own_invoice))
    assert [action.label for action in response.context["actions"]] == ["Send a message"]


def test_viewing_records_one_viewed_event_a_day(alice_client, alice, alice_invoice):
    alice_client.get(detail_url(alice_invoice))
    alice_client.get(detail_url(alice_invoice))
    viewed = InvoiceEvent.objects.filter(invoice=alice_invoice, kind=EventKind.VIEWED)
    assert viewed.count() == 1
    assert viewed.get().actor == alice

    viewed.update(created_at=timezone.now() - timedelta(days=1, hours=1))
    alice_client.get(detail_url(alice_invoice))
    assert viewed.count() == 2


def test_staff_viewing_leaves_no_viewed_event(client, staff, alice_invoice):
    mfa_login(client, staff)
    assert client.get(detail_url(alice_invoice)).status_code == 200
    assert not InvoiceEvent.objects.filter(kind=EventKind.VIEWED).exists()


def test_creditor_user_gets_404_and_leaves_no_viewed_event(client, alice_invoice):
    clerk = UserFactory()
    CreditorUser.objects.create(creditor=alice_invoice.creditor, user=clerk)
    client.force_login(clerk)
    assert client.get(detail_url(alice_invoice)).status_code == 404
    assert not InvoiceEvent.objects.filter(kind=EventKind.VIEWED).exists()


def test_pdf_downloads_as_an_attachment(alice_client, alice_invoice):
    response = alice_client.get(pdf_url(alice_invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert ".pdf" in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_invoice_pages_are_not_cached(alice_client, alice_invoice):
    for url in (detail_url(alice_invoice), pdf_url(alice_invoice)):
        assert "no-store" in alice_client.get(url)["Cache-Control"]


@pytest.mark.parametrize("url_of", [detail_url, pdf_url])
def test_post_is_not_allowed(alice_client, alice_invoice, url_of):
    assert alice_client.post(url_of(alice_invoice)).status_code == 405


def test_unknown_invoice_is_404(alice_client):
    assert alice_client.get(reverse("invoices:detail", args=[999999])).status_code == 404
