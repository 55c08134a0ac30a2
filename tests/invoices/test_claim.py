"""Find an invoice ("Hae lasku"): by MyRopo ID or by number and reference, rate-limited."""

import pytest
from django.urls import reverse

from invoices.models import EventKind, InvoiceAccess, InvoiceEvent
from invoices.references import format_reference, national_reference_from_base
from invoices.services import CLAIM_ATTEMPTS_PER_HOUR
from tests.factories import InvoiceFactory

URL = reverse("invoices:claim")
GENERIC = "We could not find an invoice with these details."


@pytest.fixture
def letter(creditor):
    """An invoice nobody has claimed yet, as printed on a paper letter."""
    return InvoiceFactory(creditor=creditor, number="2026-0042", reference="1234561")


def test_claim_page_shows_the_form(alice_client):
    response = alice_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="myropo_id"' in html
    assert 'name="number"' in html
    assert 'name="reference"' in html


def test_claim_by_myropo_id_typed_in_lower_case_with_a_dash(alice_client, alice, letter):
    typed = letter.myropo_id_display.lower()
    assert "-" in typed
    response = alice_client.post(URL, {"myropo_id": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:detail", args=[letter.pk])
    assert InvoiceAccess.objects.filter(invoice=letter, user=alice, method="myropo_id").exists()
    assert InvoiceEvent.objects.filter(invoice=letter, kind=EventKind.CLAIMED, actor=alice).exists()
    page = alice_client.get(response["Location"])
    assert "is now in your MyRopo" in page.content.decode()


def test_claim_by_number_and_reference_in_groups(alice_client, alice, letter):
    response = alice_client.post(
        URL, {"number": " 2026-0042 ", "reference": format_reference(letter.reference)}
    )
    assert response.status_code == 302
    assert InvoiceAccess.objects.filter(
        invoice=letter, user=alice, method="number_reference"
    ).exists()


def test_claimed_invoice_appears_in_the_list(alice_client, letter):
    alice_client.post(URL, {"myropo_id": letter.myropo_id})
    response = alice_client.get(reverse("invoices:list"))
    assert [invoice.pk for invoice in response.context["invoices"]] == [letter.pk]


def test_claim_rejects_wrong_reference_with_the_generic_message(alice_client, letter):
    other_valid_reference = national_reference_from_base("99999")
    response = alice_client.post(URL, {"number": letter.number, "reference": other_valid_reference})
    assert response.status_code == 400
    assert GENERIC in response.content.decode()
    assert not InvoiceAccess.objects.exists()
    assert not InvoiceEvent.objects.filter(kind=EventKind.CLAIMED).exists()


def test_claim_rejects_wrong_number_with_the_same_message(alice_client, letter):
    response = alice_client.post(URL, {"number": "2026-0043", "reference": letter.reference})
    assert response.status_code == 400
    assert GENERIC in response.content.decode()
    assert not InvoiceAccess.objects.exists()


def test_claim_rejects_unknown_myropo_id_with_the_same_message(alice_client, letter):
    response = alice_client.post(URL, {"myropo_id": "00000-00000"})
    assert response.status_code == 400
    assert GENERIC in response.content.decode()
    assert not InvoiceAccess.objects.exists()


def test_claim_form_keeps_what_was_typed(alice_client, letter):
    response = alice_client.post(URL, {"number": "2026-0043", "reference": letter.reference})
    assert 'value="2026-0043"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "__all__", "Enter the MyRopo ID, or the invoice number together with"),
        ({"number": "2026-0042"}, "reference", "Enter the reference number too."),
        ({"reference": "1234561"}, "number", "Enter the invoice number too."),
        ({"myropo_id": "ABC"}, "myropo_id", "A MyRopo ID has 10 letters and digits"),
        ({"number": "1", "reference": "1234567"}, "reference", "not a valid reference number"),
    ],
)
def test_claim_form_says_what_is_missing(alice_client, letter, data, field, message):
    response = alice_client.post(URL, data)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors)
    assert not InvoiceAccess.objects.exists()


def test_eleventh_attempt_in_an_hour_is_refused_even_when_right(alice_client, alice, letter):
    for _ in range(CLAIM_ATTEMPTS_PER_HOUR):
        response = alice_client.post(URL, {"myropo_id": "00000-00000"})
        assert GENERIC in response.content.decode()
    response = alice_client.post(URL, {"myropo_id": letter.myropo_id})
    assert response.status_code == 400
    assert "Too many attempts" in response.content.decode()
    assert not InvoiceAccess.objects.exists()


def test_rate_limit_is_per_user(alice_client, bob, letter, client):
    for _ in range(CLAIM_ATTEMPTS_PER_HOUR + 1):
        alice_client.post(URL, {"myropo_id": "00000-00000"})
    client.force_login(bob)
    response = client.post(URL, {"myropo_id": letter.myropo_id})
    assert response.status_code == 302


def test_claiming_twice_records_one_event(alice_client, letter):
    alice_client.post(URL, {"myropo_id": letter.myropo_id})
    response = alice_client.post(URL, {"myropo_id": letter.myropo_id})
    assert response.status_code == 302
    assert InvoiceEvent.objects.filter(invoice=letter, kind=EventKind.CLAIMED).count() == 1


def test_anonymous_is_sent_to_log_in(client, letter):
    response = client.post(URL, {"myropo_id": letter.myropo_id})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not InvoiceAccess.objects.exists()


def test_claim_needs_the_csrf_token(alice, letter):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(URL, {"myropo_id": letter.myropo_id}).status_code == 403
    assert not InvoiceAccess.objects.exists()
