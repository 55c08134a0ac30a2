"""One inbox: the staff requests of the lower apps arrive as contacts through `myropo.inbox`,
and their decisions resolve them (arrangements and payments never import messaging)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.context import Acting
from accounts.staff import STAFF_POWERS_ATTR
from arrangements.models import RequestKind
from arrangements.services import arrangement_request_create, arrangement_request_decide
from messaging.models import Classification, Contact, ContactState, Outcome
from payments.allocation import allocate_payment
from payments.models import Payment, PaymentSource
from payments.services import bank_account_notice_reject, bank_account_notice_submit


@pytest.fixture
def transfer_request(alice, alice_invoice):
    return arrangement_request_create(
        kind=RequestKind.TRANSFER,
        invoices=[alice_invoice],
        terms={"to_date": (alice_invoice.due_date + timedelta(weeks=8)).isoformat()},
        why_outside="Longer than the creditor allows",
        acting=Acting(alice),
        message="Palkka tulee vasta kuun lopussa.",
    )


def test_an_arrangement_request_opens_a_contact_for_the_customer(alice, transfer_request):
    contact = Contact.objects.get(source=f"arrangements.ArrangementRequest:{transfer_request.pk}")
    assert (contact.owner_user, contact.classification) == (alice, Classification.DUE_DATE)
    assert contact.state == ContactState.NEW and contact.sla_due_at is not None
    assert list(contact.invoices.all()) == list(transfer_request.invoices.all())
    assert "Palkka tulee vasta kuun lopussa." in contact.messages.get(internal=False).body


def test_deciding_the_request_resolves_its_contact_and_tells_why(staff, transfer_request):
    arrangement_request_decide(
        request=transfer_request,
        approve=False,
        reason="Liian pitkä siirto",
        staff=staff,
        today=date.today(),
    )
    contact = Contact.objects.get(source=f"arrangements.ArrangementRequest:{transfer_request.pk}")
    assert (contact.state, contact.outcome) == (ContactState.RESOLVED, Outcome.REQUEST_REJECTED)
    assert "Liian pitkä siirto" in contact.messages.last().body


def test_a_bank_account_notice_arrives_as_a_refund_contact_with_a_masked_iban(
    alice, alice_invoice, staff
):
    payment = Payment.objects.create(
        source=PaymentSource.BANK,
        external_id="INBOX-1",
        amount=Decimal("130.00"),
        reference=alice_invoice.reference,
        paid_on=date(2026, 3, 1),
    )
    overpayment = allocate_payment(
        payment=payment, invoice=alice_invoice, amount=Decimal("130.00")
    ).overpayment
    notice = bank_account_notice_submit(
        overpayment=overpayment, user=alice, iban="FI21 1234 5600 0007 85", bic="", holder="Alice"
    )
    contact = Contact.objects.get(source=f"payments.BankAccountNotice:{notice.pk}")
    assert contact.classification == Classification.REFUND and contact.owner_user == alice
    assert "FI2112345600000785" not in contact.messages.get(internal=False).body
    setattr(staff, STAFF_POWERS_ATTR, True)  # as the admin's MFA-checked request marks it
    bank_account_notice_reject(notice=notice, staff=staff)
    contact.refresh_from_db()
    assert contact.outcome == Outcome.REQUEST_REJECTED


def test_an_unmatched_online_payment_that_names_a_customer_arrives_as_a_contact(
    client, alice, alice_invoice, staff
):
    """A verified online payment whose amount differs from its order names the customer who
    paid (the order's user): staff see it in the message centre, and booking it by hand
    resolves that contact with a message to the customer."""
    from django.test import Client

    from payments.models import UnmatchedPayment
    from payments.services import unmatched_allocate
    from tests.payments.conftest import callback_url, signed, start_payment

    alice_client = Client()
    alice_client.force_login(alice)
    order, _url = start_payment(alice_client, alice_invoice)
    client.get(callback_url(signed(order, amount=Decimal("10.00"))))
    unmatched = UnmatchedPayment.objects.get()
    contact = Contact.objects.get(source=f"payments.UnmatchedPayment:{unmatched.pk}")
    assert (contact.owner_user, contact.classification) == (alice, Classification.PAYMENT_REPORT)
    assert contact.state == ContactState.NEW and contact.sla_due_at is not None
    assert list(contact.invoices.all()) == [alice_invoice]
    assert (
        "10,00" in contact.messages.get(internal=False).body
        or "10.00" in contact.messages.get(internal=False).body
    )

    unmatched_allocate(unmatched=unmatched, invoice=alice_invoice, staff=staff)
    contact.refresh_from_db()
    assert (contact.state, contact.outcome) == (ContactState.RESOLVED, Outcome.REQUEST_APPROVED)
    assert contact.messages.filter(author_kind="staff").exists()


def test_an_online_payment_for_no_known_order_names_nobody_and_opens_no_contact(client, db):
    from payments.models import UnmatchedPayment
    from payments.providers import get_provider

    params = get_provider("sandbox").signed_return_params(
        "tx-unknown", "00000000-0000-4000-8000-000000000000", "ref", Decimal("5.00"), "ok"
    )
    from tests.payments.conftest import callback_url

    client.get(callback_url(params))
    assert UnmatchedPayment.objects.count() == 1
    assert not Contact.objects.exists()


def test_a_request_made_for_a_company_belongs_to_the_company_and_its_members_see_it(db, client):
    from accounts.models import Role
    from tests.accounts.helpers import company_invoice, organisation_with
    from tests.factories import UserFactory

    member, colleague = UserFactory(), UserFactory()
    organisation = organisation_with(member, role=Role.ADMIN)
    organisation_with(colleague, role=Role.VIEWER)
    invoice = company_invoice()
    request = arrangement_request_create(
        kind=RequestKind.TRANSFER,
        invoices=[invoice],
        terms={"to_date": (invoice.due_date + timedelta(weeks=8)).isoformat()},
        why_outside="Longer than the creditor allows",
        acting=Acting(member, None, organisation.name),
        message="Asiakkaamme maksaa meille vasta ensi kuussa.",
    )
    contact = Contact.objects.get(source=f"arrangements.ArrangementRequest:{request.pk}")
    assert (contact.owner_user, contact.owner_organisation) == (None, organisation)
    for user in (member, colleague):
        client.force_login(user)
        assert client.get(f"/messages/{contact.pk}/").status_code == 200
    client.force_login(UserFactory())
    assert client.get(f"/messages/{contact.pk}/").status_code == 404
