"""Who enters the creditor portal, for which creditor, and what a viewer may not do (issue 15,
item 1)."""

import pytest
from django.urls import reverse

from invoices.models import CreditorRole, CreditorUser
from tests.factories import UserFactory
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("creditor:home"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_customer_without_a_creditor_membership_gets_404(alice_client):
    assert alice_client.get(reverse("creditor:home")).status_code == 404


def test_a_creditor_user_without_two_factor_is_told_to_set_it_up(client, creditor_admin):
    client.force_login(creditor_admin)
    response = client.get(reverse("creditor:invoices"))
    assert response.status_code == 403
    assert reverse("mfa_index") in response.content.decode()


def test_a_password_only_session_is_asked_to_log_in_again_with_the_code(client, creditor_admin):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(creditor_admin, generate_totp_secret())
    client.force_login(creditor_admin)
    response = client.get(reverse("creditor:invoices"))
    assert response.status_code == 403
    assert "Log out and log in again" in response.content.decode()


def test_with_two_factor_the_creditor_user_sees_the_overview(admin_client, creditor, invoice):
    response = admin_client.get(reverse("creditor:home"))
    assert response.status_code == 200
    assert creditor.name in response.content.decode()


def test_the_invoice_list_shows_only_the_current_creditors_invoices(
    admin_client, invoice, other_invoice
):
    html = admin_client.get(reverse("creditor:invoices")).content.decode()
    assert invoice.number in html
    assert other_invoice.number not in html


def _stored_letter(invoice):
    from django.utils import timezone

    from collection.letters import letter_store
    from collection.models import Letter

    letter = Letter.objects.create(
        invoice=invoice,
        step="reminder_1",
        language="fi",
        letter_date=timezone.localdate(),
        due_date=timezone.localdate(),
    )
    assert letter_store(letter, b"%PDF-1.4 test")
    return letter


def test_another_creditors_invoice_and_letter_are_404(admin_client, other_invoice):
    letter = _stored_letter(other_invoice)
    assert admin_client.get(reverse("creditor:invoice", args=[other_invoice.pk])).status_code == 404
    assert admin_client.get(reverse("creditor:letter_pdf", args=[letter.pk])).status_code == 404


def test_the_creditors_own_letter_is_streamed_from_the_letter_storage(admin_client, invoice):
    letter = _stored_letter(invoice)
    response = admin_client.get(reverse("creditor:letter_pdf", args=[letter.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_user_of_two_creditors_switches_between_them(
    client, creditor, other_creditor, invoice, other_invoice
):
    user = UserFactory()
    CreditorUser.objects.create(creditor=creditor, user=user, role=CreditorRole.ADMIN)
    CreditorUser.objects.create(creditor=other_creditor, user=user, role=CreditorRole.VIEWER)
    mfa_login(client, user)
    # Creditors are offered by name: Helsingin Energia Oy first.
    first = client.get(reverse("creditor:invoices")).content.decode()
    assert invoice.number in first and other_invoice.number not in first
    assert client.get(reverse("creditor:invoice", args=[other_invoice.pk])).status_code == 404

    response = client.post(reverse("creditor:switch"), {"creditor": other_creditor.pk})
    assert response.status_code == 302
    second = client.get(reverse("creditor:invoices")).content.decode()
    assert other_invoice.number in second and invoice.number not in second
    assert client.get(reverse("creditor:invoice", args=[other_invoice.pk])).status_code == 200


def test_switching_to_a_creditor_one_does_not_work_for_changes_nothing(
    admin_client, other_creditor, invoice
):
    admin_client.post(reverse("creditor:switch"), {"creditor": other_creditor.pk})
    assert invoice.number in admin_client.get(reverse("creditor:invoices")).content.decode()


def test_a_removed_membership_closes_the_portal_on_the_next_request(
    admin_client, creditor_admin, invoice
):
    assert admin_client.get(reverse("creditor:home")).status_code == 200
    CreditorUser.objects.filter(user=creditor_admin).delete()
    assert admin_client.get(reverse("creditor:home")).status_code == 404


def test_switch_is_post_only(admin_client):
    assert admin_client.get(reverse("creditor:switch")).status_code == 405


def test_the_invoice_detail_shows_timeline_charges_and_letters(admin_client, invoice):
    response = admin_client.get(reverse("creditor:invoice", args=[invoice.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Timeline" in html and "Letters" in html and "Fees and interest" in html
    assert invoice.reference in html


def test_the_invoice_list_filters_by_debtor_name_stage_and_dispute(admin_client, creditor):
    from tests.factories import InvoiceFactory

    InvoiceFactory(creditor=creditor, number="N-1", debtor_name="Ville Virtanen", stage="reminded")
    InvoiceFactory(creditor=creditor, number="N-2", debtor_name="Liisa Laine", disputed=True)
    url = reverse("creditor:invoices")

    def numbers(**params):
        invoices = admin_client.get(url, params).context["invoices"]
        return {invoice.number for invoice in invoices}

    assert numbers(q="virtanen") == {"N-1"}
    assert numbers(stage="reminded") == {"N-1"}
    assert numbers(disputed="yes") == {"N-2"}
    assert numbers(disputed="no", q="N-") == {"N-1"}


def test_the_invoice_list_filters_by_reference_and_by_due_and_invoice_dates(admin_client, creditor):
    from datetime import date

    from invoices.references import national_reference_from_base
    from tests.factories import InvoiceFactory

    march = InvoiceFactory(
        creditor=creditor,
        number="D-3",
        reference=national_reference_from_base("55501"),
        issue_date=date(2026, 2, 15),
        due_date=date(2026, 3, 1),
    )
    InvoiceFactory(
        creditor=creditor,
        number="D-5",
        reference=national_reference_from_base("55502"),
        issue_date=date(2026, 4, 15),
        due_date=date(2026, 5, 1),
    )
    url = reverse("creditor:invoices")

    def numbers(**params):
        return {invoice.number for invoice in admin_client.get(url, params).context["invoices"]}

    assert numbers(q=march.reference) == {"D-3"}
    assert numbers(due_from="2026-04-01") == {"D-5"}
    assert numbers(due_to="2026-03-31") == {"D-3"}
    assert numbers(issued_from="2026-02-01", issued_to="2026-02-28") == {"D-3"}
    # A date that does not parse is ignored, as the form says, never a 500.
    assert numbers(due_from="31.13.2026") == {"D-3", "D-5"}
