"""Staff powers in the customer portal only after MFA in the session (issue 10, item 2).

The admin already required a second factor; the portal's selectors gave any `is_staff` user
every invoice, PDF, letter, payment order and overpayment with a password only. Now a
password-only staff session is an ordinary user there, and what staff with MFA open or do in
the portal leaves an audit row.
"""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from accounts.selectors import MYSELF
from invoices.permissions import allowed_actions, can
from invoices.selectors import invoices_in_context, invoices_visible_to, is_debtor_view
from payments.selectors import orders_visible_to, overpayments_visible_to
from tests.factories import PASSWORD
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db


def portal_urls(invoice) -> list[str]:
    return [
        reverse("invoices:detail", args=[invoice.pk]),
        reverse("invoices:pdf", args=[invoice.pk]),
        reverse("payments:pay", kwargs={"pk": invoice.pk}),
    ]


@pytest.fixture
def password_only(staff) -> Client:
    """Staff signed in with the password only: no second factor in this session."""
    client = Client()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    return client


@pytest.fixture
def with_mfa(staff) -> Client:
    return mfa_login(Client(), staff)


def test_a_staff_user_object_without_the_mfa_check_has_an_ordinary_users_rights(
    staff, alice_invoice
):
    assert not invoices_visible_to(staff).exists()
    assert not invoices_in_context(staff, MYSELF).exists()
    assert not can(staff, "view", alice_invoice)
    assert allowed_actions(staff, alice_invoice) == frozenset()
    assert not orders_visible_to(staff).exists()
    assert not overpayments_visible_to(staff).exists()


def test_password_only_staff_get_404_on_a_customers_invoice_pdf_and_payment(
    password_only, alice_invoice
):
    # The session is signed in (the list answers), but carries no second factor.
    assert password_only.get(reverse("invoices:list")).status_code == 200
    for url in portal_urls(alice_invoice):
        assert password_only.get(url).status_code == 404, url
    assert password_only.post(portal_urls(alice_invoice)[2], {}).status_code == 404
    assert alice_invoice.pk not in {
        invoice.pk for invoice in password_only.get(reverse("invoices:list")).context["invoices"]
    }


def test_password_only_staff_see_no_one_elses_letter(password_only, alice_invoice):
    from collection.models import Letter

    letter = Letter.objects.create(
        invoice=alice_invoice,
        step="reminder_1",
        language="fi",
        letter_date=alice_invoice.due_date,
        due_date=alice_invoice.due_date,
        pdf=ContentFile(b"%PDF-1.4", name="letter.pdf"),
    )
    assert password_only.get(reverse("letters:pdf", args=[letter.pk])).status_code == 404


def test_staff_with_mfa_reach_the_customers_invoice_and_every_visit_is_audited(
    with_mfa, staff, alice_invoice
):
    for url in portal_urls(alice_invoice):
        assert with_mfa.get(url).status_code == 200, url

    audited = AuditEvent.objects.filter(action=AuditAction.STAFF_PORTAL_ACT, actor=staff)
    assert [event.data["path"] for event in audited.order_by("id")] == portal_urls(alice_invoice)
    assert {event.data["status"] for event in audited} == {200}
    assert audited.first().data["kwargs"] == {"pk": str(alice_invoice.pk)}


def test_staff_with_mfa_reading_an_invoice_is_not_the_debtor_viewing_it(
    with_mfa, staff, alice_invoice
):
    response = with_mfa.get(reverse("invoices:detail", args=[alice_invoice.pk]))

    assert response.status_code == 200
    assert not alice_invoice.events.filter(kind="viewed").exists()


def test_a_staff_members_state_changes_in_the_portal_are_audited(with_mfa, staff):
    with_mfa.post(reverse("set_language"), {"language": "fi"})

    event = AuditEvent.objects.get(action=AuditAction.STAFF_PORTAL_ACT)
    assert (event.actor, event.data["method"]) == (staff, "POST")


def test_password_only_staff_leave_no_staff_audit_and_are_a_debtor_like_anyone(
    password_only, staff, alice_invoice
):
    password_only.get(reverse("invoices:detail", args=[alice_invoice.pk]))

    assert not AuditEvent.objects.filter(action=AuditAction.STAFF_PORTAL_ACT).exists()
    assert not is_debtor_view(staff, alice_invoice)


def test_an_ordinary_users_visits_are_not_audited_as_staff(alice_client, alice_invoice):
    assert alice_client.get(reverse("invoices:detail", args=[alice_invoice.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.STAFF_PORTAL_ACT).exists()
