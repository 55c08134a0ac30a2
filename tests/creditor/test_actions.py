"""Acts of a creditor's admin on an invoice (issue 15, item 5) and the contacts about its
invoices (item 6): credits, dispute decisions and notes, audited and on the timeline; the
thread read-only without customer service's internal notes."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.context import Acting
from creditor.models import CreditorAuditAction, CreditorAuditEvent, CreditorNote
from invoices.models import Credit, EventKind, InvoiceAccess, Stage
from messaging.models import Classification, DisputeState
from messaging.services import Owner, contact_create, staff_reply

pytestmark = pytest.mark.django_db


def credit_url(invoice):
    return reverse("creditor:invoice_credit", args=[invoice.pk])


def dispute_url(invoice):
    return reverse("creditor:invoice_dispute", args=[invoice.pk])


@pytest.fixture
def disputed(alice, invoice):
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.DISPUTE,
        body="Tuotetta ei toimitettu.",
        invoices=[invoice],
    )
    invoice.refresh_from_db()
    assert invoice.disputed
    return contact


def test_an_admin_credits_part_of_an_invoice(admin_client, creditor_admin, invoice):
    response = admin_client.post(credit_url(invoice), {"amount": "30.00", "reason": "Hyvitys"})
    assert response.status_code == 302
    credit = Credit.objects.get(invoice=invoice)
    assert credit.amount == Decimal("30.00") and credit.actor == creditor_admin
    invoice.refresh_from_db()
    assert invoice.stage == Stage.OPEN
    assert invoice.events.filter(kind=EventKind.CREDIT).exists()
    event = CreditorAuditEvent.objects.get(action=CreditorAuditAction.INVOICE_CREDITED)
    assert event.invoice == invoice and event.data["amount"] == "30.00"


def test_an_admin_credits_the_whole_invoice(admin_client, invoice):
    admin_client.post(credit_url(invoice), {"amount": "", "reason": "Virheellinen lasku"})
    invoice.refresh_from_db()
    assert invoice.stage == Stage.CREDITED
    assert Credit.objects.get(invoice=invoice).amount == Decimal("100.00")


def test_a_credit_above_the_open_balance_is_refused(admin_client, invoice):
    response = admin_client.post(
        credit_url(invoice), {"amount": "100.01", "reason": "Liikaa"}, follow=True
    )
    assert "at most the open balance" in response.content.decode()
    assert not Credit.objects.exists()
    assert not CreditorAuditEvent.objects.exists()


def test_a_credit_without_a_reason_is_refused(admin_client, invoice):
    admin_client.post(credit_url(invoice), {"amount": "10.00", "reason": ""})
    assert not Credit.objects.exists()


def test_a_viewer_may_not_credit_and_gets_403(viewer_client, invoice):
    response = viewer_client.post(credit_url(invoice), {"amount": "10.00", "reason": "x"})
    assert response.status_code == 403
    assert not Credit.objects.exists()


def test_another_creditors_admin_gets_404_on_every_act(other_client, invoice, disputed):
    assert other_client.post(credit_url(invoice), {"reason": "x"}).status_code == 404
    data = {"decision": "accept", "reason": "x"}
    assert other_client.post(dispute_url(invoice), data).status_code == 404
    note_url = reverse("creditor:invoice_note", args=[invoice.pk])
    assert other_client.post(note_url, {"body": "x"}).status_code == 404
    contact_url = reverse("creditor:contact", args=[disputed.pk])
    assert other_client.get(contact_url).status_code == 404
    assert not Credit.objects.exists() and not CreditorNote.objects.exists()


def test_acts_are_post_only(admin_client, invoice):
    for url in (credit_url(invoice), dispute_url(invoice)):
        assert admin_client.get(url).status_code == 405


def test_accepting_a_dispute_credits_the_invoice_and_tells_the_debtor(
    admin_client, invoice, disputed
):
    page = admin_client.get(reverse("creditor:invoice", args=[invoice.pk])).content.decode()
    assert "Tuotetta ei toimitettu." in page and 'id="dispute-form"' in page
    response = admin_client.post(
        dispute_url(invoice), {"decision": "accept", "reason": "Toimitus puuttui, hyvitämme."}
    )
    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.dispute.state == DisputeState.ACCEPTED
    invoice.refresh_from_db()
    assert invoice.stage == Stage.CREDITED and not invoice.disputed
    to_debtor = disputed.messages.filter(internal=False).last()
    assert "Toimitus puuttui, hyvitämme." in to_debtor.body
    assert invoice.events.filter(kind=EventKind.DISPUTE, data__state="accepted").exists()
    assert CreditorAuditEvent.objects.filter(action=CreditorAuditAction.DISPUTE_ACCEPTED).exists()


def test_rejecting_a_dispute_resumes_collection_with_the_reason(admin_client, invoice, disputed):
    admin_client.post(dispute_url(invoice), {"decision": "reject", "reason": "Toimitettu 3.2."})
    disputed.refresh_from_db()
    assert disputed.dispute.state == DisputeState.REJECTED
    invoice.refresh_from_db()
    assert not invoice.disputed and invoice.stage == Stage.OPEN
    assert "Toimitettu 3.2." in disputed.messages.filter(internal=False).last().body
    assert CreditorAuditEvent.objects.filter(action=CreditorAuditAction.DISPUTE_REJECTED).exists()


def test_a_decision_without_a_reason_is_refused(admin_client, invoice, disputed):
    admin_client.post(dispute_url(invoice), {"decision": "accept", "reason": ""})
    disputed.refresh_from_db()
    assert disputed.dispute.state == DisputeState.OPEN


def test_deciding_without_an_open_dispute_is_refused(admin_client, invoice):
    response = admin_client.post(
        dispute_url(invoice), {"decision": "reject", "reason": "x"}, follow=True
    )
    assert "This invoice has no open dispute." in response.content.decode()


def test_a_note_is_kept_for_customer_service_and_never_shown_to_the_debtor(
    admin_client, alice_client, creditor_admin, invoice, disputed, staff
):
    url = reverse("creditor:invoice_note", args=[invoice.pk])
    assert admin_client.post(url, {"body": "Asiakas soitti, lupasi maksaa."}).status_code == 302
    note = CreditorNote.objects.get()
    assert note.author == creditor_admin and note.invoice == invoice
    html = admin_client.get(reverse("creditor:invoice", args=[invoice.pk])).content.decode()
    assert "Asiakas soitti, lupasi maksaa." in html
    debtor_page = alice_client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "Asiakas soitti" not in debtor_page
    # Customer service reads it on the invoice's own admin page.
    from tests.factories import UserFactory

    service = UserFactory(is_staff=True, is_superuser=True)
    staff_client = Client()
    staff_client.force_login(service)
    settings = invoice.creditor.settings
    settings.collection_instructions = "Älä siirrä oikeudelliseen perintään ilman soittoa."
    settings.receivable_basis = "Sähkösopimus"
    settings.save()
    with patch_admin_second_factor():
        page = staff_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Asiakas soitti, lupasi maksaa." in html
    # And what the creditor told collection in its settings (Ropo One's "Ohjeet perintään").
    assert "Älä siirrä oikeudelliseen perintään ilman soittoa." in html
    assert "Sähkösopimus" in html


def test_the_contacts_list_and_thread_without_internal_notes(
    admin_client, invoice, disputed, staff, other_invoice
):
    staff_reply(contact=disputed, staff=staff, body="Sisäinen: tarkista toimitus", internal=True)
    staff_reply(contact=disputed, staff=staff, body="Selvitämme asiaa.")
    listing = admin_client.get(reverse("creditor:contacts")).content.decode()
    for column in ("Contact type", "Contact state", "Created", "Updated", "Classification"):
        assert column in listing
    assert "Dispute or complaint" in listing
    thread = admin_client.get(reverse("creditor:contact", args=[disputed.pk])).content.decode()
    assert "Selvitämme asiaa." in thread and "Tuotetta ei toimitettu." in thread
    assert "Sisäinen" not in thread
    main = thread.split('id="main"')[1].split("</main>")[0]
    assert "<form" not in main  # read only


def patch_admin_second_factor():
    """The admin's own MFA gate is tested in tests/accounts/test_mfa.py."""
    from unittest import mock

    return mock.patch(
        "myropo.admin_site.MyRopoAdminSite.has_permission",
        lambda self, request: request.user.is_active and request.user.is_staff,
    )
