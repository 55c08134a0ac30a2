"""A claim gives view and pay only; the debtor sees who claimed and can remove it (item 14).

Holding a letter (its MyRopo ID, or its number and reference) proves one has the paper, not
that one is the debtor: the claimer may see and pay the invoice, not arrange it. The debtor
(its verified HETU, or an admin of its verified company) sees every claim and removes it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, OrganisationInvoice, Role
from invoices.models import EventKind, InvoiceAccess
from tests.accounts.helpers import (
    ALICE_HETU,
    company_invoice,
    consumer_invoice,
    organisation_with,
    verify_identity,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def invoice(alice):
    """Alice's own invoice (her verified HETU), claimed by Bob with its number and reference."""
    verify_identity(alice, ALICE_HETU)
    return consumer_invoice(ALICE_HETU)


@pytest.fixture
def claim(invoice, bob) -> InvoiceAccess:
    return InvoiceAccess.objects.create(invoice=invoice, user=bob, method="number_reference")


def remove_url(invoice, claim) -> str:
    return reverse("invoices:claim_remove", args=[invoice.pk, claim.pk])


def test_a_claimer_may_see_and_pay_but_not_arrange(invoice, claim, bob):
    client = logged_in(bob)

    assert client.get(reverse("invoices:detail", args=[invoice.pk])).status_code == 200
    assert client.get(reverse("payments:pay", kwargs={"pk": invoice.pk})).status_code == 200
    assert client.get(reverse("arrangements:due_date", args=[invoice.pk])).status_code == 403
    assert client.get(reverse("arrangements:plan", args=[invoice.pk])).status_code == 403


def test_the_debtor_sees_who_claimed_the_invoice(invoice, claim, alice, bob):
    page = logged_in(alice).get(reverse("invoices:detail", args=[invoice.pk])).content.decode()

    assert "Who else sees this invoice" in page
    assert bob.email in page
    assert remove_url(invoice, claim) in page


def test_the_claimer_does_not_see_the_list_of_claims(invoice, claim, bob):
    page = logged_in(bob).get(reverse("invoices:detail", args=[invoice.pk])).content.decode()

    assert "Who else sees this invoice" not in page


def test_the_debtor_removes_a_claim_and_the_claimer_loses_the_invoice(invoice, claim, alice, bob):
    response = logged_in(alice).post(remove_url(invoice, claim))

    assert response.status_code == 302
    assert not InvoiceAccess.objects.filter(pk=claim.pk).exists()
    assert logged_in(bob).get(reverse("invoices:detail", args=[invoice.pk])).status_code == 404
    assert invoice.events.filter(kind=EventKind.CLAIM_REMOVED, actor=alice).exists()
    audit = AuditEvent.objects.get(action=AuditAction.INVOICE_CLAIM_REMOVED)
    assert (audit.actor, audit.subject, audit.data["invoice"]) == (alice, bob, invoice.pk)


def test_the_claimer_cannot_remove_claims(invoice, claim, bob):
    other = InvoiceAccess.objects.create(invoice=invoice, user=UserFactory(), method="myropo_id")

    response = logged_in(bob).post(remove_url(invoice, other))

    assert response.status_code == 403
    assert InvoiceAccess.objects.filter(pk=other.pk).exists()


def test_a_stranger_gets_404_and_a_get_is_refused(invoice, claim, alice):
    stranger = logged_in(UserFactory())

    assert stranger.post(remove_url(invoice, claim)).status_code == 404
    assert logged_in(alice).get(remove_url(invoice, claim)).status_code == 405
    assert InvoiceAccess.objects.filter(pk=claim.pk).exists()


def test_a_claim_of_another_invoice_is_404(invoice, claim, alice):
    others = consumer_invoice(ALICE_HETU)
    foreign = InvoiceAccess.objects.create(invoice=others, user=UserFactory(), method="myropo_id")

    assert logged_in(alice).post(remove_url(invoice, foreign)).status_code == 404
    assert InvoiceAccess.objects.filter(pk=foreign.pk).exists()


def test_a_company_admin_removes_another_organisations_claim(alice, bob):
    organisation_with(alice, role=Role.ADMIN)
    invoice = company_invoice()
    elsewhere = organisation_with(bob, business_id="0737546-2", verified=False)
    claim = OrganisationInvoice.objects.create(organisation=elsewhere, invoice=invoice)
    admin = logged_in(alice)
    page = admin.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    url = reverse("invoices:organisation_claim_remove", args=[invoice.pk, claim.pk])
    assert url in page

    assert admin.post(url).status_code == 302

    assert not OrganisationInvoice.objects.filter(pk=claim.pk).exists()
    assert logged_in(bob).get(reverse("invoices:detail", args=[invoice.pk])).status_code == 404


def test_a_company_viewer_may_not_remove_claims(alice, bob):
    organisation_with(alice, role=Role.VIEWER)
    invoice = company_invoice()
    elsewhere = organisation_with(bob, business_id="0737546-2", verified=False)
    claim = OrganisationInvoice.objects.create(organisation=elsewhere, invoice=invoice)

    url = reverse("invoices:organisation_claim_remove", args=[invoice.pk, claim.pk])
    assert logged_in(alice).post(url).status_code == 403
    assert OrganisationInvoice.objects.filter(pk=claim.pk).exists()
