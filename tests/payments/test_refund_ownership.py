"""Whose refund it is: the payer's account, never silently replaced, four eyes, SEPA only
(issue 10, items 3, 8 and 13)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.staff import STAFF_POWERS_ATTR
from invoices.models import InvoiceAccess
from payments.allocation import allocate_payment
from payments.bankfiles.pain001 import InvalidTransfers, Transfer, build_pain001
from payments.models import (
    BankAccountNotice,
    NoticeStatus,
    Overpayment,
    Payment,
    PaymentOrder,
    PaymentSource,
    Refund,
)
from payments.services import (
    PaymentError,
    bank_account_notice_approve,
    bank_account_notice_reject,
    bank_account_notice_submit,
)
from tests.factories import InvoiceFactory, UserFactory
from tests.invoices.test_admin import mfa_login

ALICE_IBAN = "FI2112345600000785"
BOB_IBAN = "FI4950009420028730"
OUTSIDE_SEPA = "SA0380000000608010167519"  # Saudi Arabia: a valid IBAN, no SEPA bank


@pytest.fixture(autouse=True)
def _english():
    # Services speak the active language; these tests read the English messages.
    with translation.override("en"):
        yield


def overpay(invoice, *, order: PaymentOrder | None = None, amount="130.00") -> Overpayment:
    payment = Payment.objects.create(
        source=PaymentSource.ONLINE if order else PaymentSource.BANK,
        external_id=f"X-{invoice.pk}-{Payment.objects.count()}",
        amount=Decimal(amount),
        reference=invoice.reference,
        paid_on=date(2026, 3, 1),
        order=order,
    )
    return allocate_payment(payment=payment, invoice=invoice, amount=Decimal(amount)).overpayment


@pytest.fixture
def online_overpayment(alice, alice_invoice) -> Overpayment:
    """Alice paid her invoice online, 30.00 too much."""
    order = PaymentOrder.objects.create(
        user=alice, provider="sandbox", amount=Decimal("130.00"), transaction_id="T-1"
    )
    return overpay(alice_invoice, order=order)


@pytest.fixture
def bank_overpayment(alice_invoice) -> Overpayment:
    """Someone paid alice's invoice by bank transfer, 30.00 too much."""
    return overpay(alice_invoice)


@pytest.fixture
def bob_claims_the_invoice(bob, alice_invoice):
    """Bob claimed alice's invoice with the number and reference printed on a letter."""
    InvoiceAccess.objects.create(invoice=alice_invoice, user=bob, method="number_reference")


def notice_url(overpayment) -> str:
    return reverse("payments:bank_account_notice", args=[overpayment.pk])


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Item 3: the refund belongs to its payer ------------------------------------------------


@pytest.mark.usefixtures("bob_claims_the_invoice")
def test_someone_who_may_pay_the_invoice_cannot_redirect_an_online_payers_refund(
    alice, bob, online_overpayment
):
    bank_account_notice_submit(
        overpayment=online_overpayment, user=alice, iban=ALICE_IBAN, bic="", holder="Alice"
    )
    bob_client = as_user(bob)
    assert bob_client.get(notice_url(online_overpayment)).status_code == 404
    data = {"iban": BOB_IBAN, "bic": "", "holder": "Bob"}
    assert bob_client.post(notice_url(online_overpayment), data).status_code == 404
    with pytest.raises(PaymentError):
        bank_account_notice_submit(
            overpayment=online_overpayment, user=bob, iban=BOB_IBAN, bic="", holder="Bob"
        )
    notice = BankAccountNotice.objects.get()
    assert (notice.iban, notice.status) == (ALICE_IBAN, NoticeStatus.RECEIVED)
    page = bob_client.get(reverse("payments:list")).content.decode()
    assert "07 85" not in page and "30,00" not in page and "30.00" not in page


@pytest.mark.usefixtures("bob_claims_the_invoice")
def test_a_waiting_notice_is_not_replaced_by_someone_else(alice, bob, bank_overpayment):
    bank_account_notice_submit(
        overpayment=bank_overpayment, user=alice, iban=ALICE_IBAN, bic="", holder="Alice A"
    )
    response = as_user(bob).post(
        notice_url(bank_overpayment), {"iban": BOB_IBAN, "bic": "", "holder": "Bob"}
    )
    assert response.status_code == 400
    assert "already been given" in response.content.decode()
    notice = BankAccountNotice.objects.get()
    assert (notice.iban, notice.status) == (ALICE_IBAN, NoticeStatus.RECEIVED)


@pytest.mark.usefixtures("bob_claims_the_invoice")
def test_another_payer_of_the_invoice_does_not_see_the_account_or_its_holder(
    alice, bob, bank_overpayment
):
    bank_account_notice_submit(
        overpayment=bank_overpayment, user=alice, iban=ALICE_IBAN, bic="", holder="Alice Holder"
    )
    for url in (notice_url(bank_overpayment), reverse("payments:list")):
        page = as_user(bob).get(url).content.decode()
        assert "07 85" not in page and "Alice Holder" not in page
        assert "already been given" in page
    own = as_user(alice).get(notice_url(bank_overpayment)).content.decode()
    assert "07 85" in own


def test_the_payer_is_told_when_a_notice_is_given(
    alice, bob, bank_overpayment, bob_claims_the_invoice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bank_account_notice_submit(
            overpayment=bank_overpayment, user=bob, iban=BOB_IBAN, bic="", holder="Bob"
        )
    told = {message.to[0]: message for message in mail.outbox}
    assert set(told) == {alice.email, bob.email}
    body = told[alice.email].body
    assert "**87 30" in body  # the masked account
    assert "If you did not give this account" in body
    assert BOB_IBAN not in body


def test_the_payer_may_change_their_own_waiting_notice_and_is_told_again(
    alice, online_overpayment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = bank_account_notice_submit(
            overpayment=online_overpayment, user=alice, iban=ALICE_IBAN, bic="", holder="Alice"
        )
        bank_account_notice_submit(
            overpayment=online_overpayment, user=alice, iban=BOB_IBAN, bic="", holder="Alice"
        )
    first.refresh_from_db()
    assert first.status == NoticeStatus.REPLACED
    assert [message.to for message in mail.outbox[-2:]] == [[alice.email], [alice.email]]


# --- Item 8: four eyes ----------------------------------------------------------------------


@pytest.fixture
def clerk(db):
    """A staff member working in the admin: its request passed the MFA check (accounts.staff),
    so the services see customer-service powers on this user object."""
    user = UserFactory(email="clerk@example.test", is_staff=True, is_superuser=True)
    setattr(user, STAFF_POWERS_ATTR, True)
    return user


@pytest.fixture
def checker(db):
    user = UserFactory(email="checker@example.test", is_staff=True, is_superuser=True)
    setattr(user, STAFF_POWERS_ATTR, True)
    return user


def test_the_staff_member_who_entered_an_account_cannot_approve_its_refund(
    clerk, checker, bank_overpayment
):
    notice = bank_account_notice_submit(
        overpayment=bank_overpayment, user=clerk, iban=ALICE_IBAN, bic="", holder="Alice"
    )
    with pytest.raises(PaymentError, match="another staff member"):
        bank_account_notice_approve(notice=notice, staff=clerk)
    assert not Refund.objects.exists()
    refund = bank_account_notice_approve(notice=notice, staff=checker)
    assert refund.amount == Decimal("30.00")


def test_the_admin_action_refuses_the_entering_staff_members_approval(clerk, bank_overpayment):
    notice = bank_account_notice_submit(
        overpayment=bank_overpayment, user=clerk, iban=ALICE_IBAN, bic="", holder="Alice"
    )
    response = mfa_login(Client(), clerk).post(
        reverse("admin:payments_bankaccountnotice_changelist"),
        {"action": "approve", "_selected_action": [notice.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "another staff member must approve it" in response.content.decode()
    assert not Refund.objects.exists()


def test_staff_signed_in_with_a_password_only_neither_approve_nor_reject(clerk, bank_overpayment):
    notice = bank_account_notice_submit(
        overpayment=bank_overpayment, user=clerk, iban=ALICE_IBAN, bic="", holder="Alice"
    )
    password_only = UserFactory(email="password@example.test", is_staff=True, is_superuser=True)
    with pytest.raises(PaymentError):
        bank_account_notice_approve(notice=notice, staff=password_only)
    with pytest.raises(PaymentError):
        bank_account_notice_reject(notice=notice, staff=password_only)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RECEIVED
    assert not Refund.objects.exists()


def test_only_staff_approve_refunds(alice, bank_overpayment):
    notice = bank_account_notice_submit(
        overpayment=bank_overpayment, user=alice, iban=ALICE_IBAN, bic="", holder="Alice"
    )
    with pytest.raises(PaymentError):
        bank_account_notice_approve(notice=notice, staff=alice)


# --- Item 13: SEPA accounts only ------------------------------------------------------------


def test_an_account_outside_sepa_is_refused_with_a_message(alice, online_overpayment):
    response = as_user(alice).post(
        notice_url(online_overpayment), {"iban": OUTSIDE_SEPA, "bic": "", "holder": "Alice"}
    )
    assert response.status_code == 400
    assert "outside the SEPA area" in response.content.decode()
    with pytest.raises(PaymentError, match="SEPA"):
        bank_account_notice_submit(
            overpayment=online_overpayment,
            user=alice,
            iban=OUTSIDE_SEPA,
            bic="NCBKSAJE",
            holder="Alice",
        )
    assert not BankAccountNotice.objects.exists()


def test_a_sepa_account_outside_the_eu_is_accepted(alice, online_overpayment):
    notice = bank_account_notice_submit(
        overpayment=online_overpayment,
        user=alice,
        iban="NO9386011117947",
        bic="DNBANOKK",
        holder="Alice",
    )
    assert notice.status == NoticeStatus.RECEIVED


def test_the_pain001_builder_refuses_a_transfer_outside_sepa():
    with pytest.raises(InvalidTransfers) as caught:
        build_pain001(
            message_id="REFUNDS-1",
            debtor_name="MyRopo",
            debtor_iban="FI7944052020036082",
            debtor_bic="NDEAFIHH",
            transfers=[
                Transfer(
                    end_to_end_id="REFUND-1",
                    amount=Decimal("30.00"),
                    creditor_name="Alice",
                    creditor_iban=OUTSIDE_SEPA,
                    creditor_bic="NCBKSAJE",
                    remittance_text="MyRopo refund",
                )
            ],
            execution_date=date(2026, 3, 2),
        )
    assert any("SEPA" in problem for problem in caught.value.problems)


@pytest.mark.usefixtures("bob_claims_the_invoice")
def test_the_invoice_page_shows_an_online_overpayment_only_to_its_payer(
    alice, bob, alice_invoice, online_overpayment
):
    # The page asks for its overpayments without the whole visibility rule (issue 16).
    url = reverse("invoices:detail", args=[alice_invoice.pk])
    assert as_user(alice).get(url).context["open_overpayments"] == [online_overpayment]
    assert as_user(bob).get(url).context["open_overpayments"] == []


@pytest.mark.usefixtures("bob_claims_the_invoice")
def test_the_invoice_page_shows_a_bank_overpayment_to_everyone_who_sees_the_invoice(
    alice, bob, alice_invoice, bank_overpayment
):
    url = reverse("invoices:detail", args=[alice_invoice.pk])
    for user in (alice, bob):
        assert as_user(user).get(url).context["open_overpayments"] == [bank_overpayment]


def test_an_invoice_page_shows_only_its_own_invoices_overpayments(alice, alice_invoice, creditor):
    # An online overpayment names its invoice, the visibility rule's online half does not.
    other = InvoiceFactory(creditor=creditor, debtor_name="Alice Aaltonen")
    InvoiceAccess.objects.create(invoice=other, user=alice, method="myropo_id")
    order = PaymentOrder.objects.create(
        user=alice, provider="sandbox", amount=Decimal("130.00"), transaction_id="T-9"
    )
    overpayment = overpay(other, order=order)
    client = as_user(alice)
    assert client.get(reverse("invoices:detail", args=[other.pk])).context["open_overpayments"] == [
        overpayment
    ]
    assert (
        client.get(reverse("invoices:detail", args=[alice_invoice.pk])).context["open_overpayments"]
        == []
    )
