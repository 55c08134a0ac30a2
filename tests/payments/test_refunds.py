"""Overpayments, bank account notices, staff approval, pain.001 export and the admin queue."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import etree

from accounts.staff import STAFF_POWERS_ATTR
from invoices.models import InvoiceAccess
from payments.allocation import allocate_payment
from payments.bankfiles.pain001 import NAMESPACE
from payments.models import (
    BankAccountNotice,
    BankFileImport,
    NoticeStatus,
    Overpayment,
    OverpaymentState,
    Payment,
    PaymentSource,
    Refund,
    RefundBatch,
    UnmatchedPayment,
    UnmatchedReason,
)
from payments.services import bank_account_notice_approve, bank_account_notice_submit
from tests.invoices.test_admin import mfa_login
from tests.payments.camt054_factory import camt054_bytes, reference_for

GOOD_IBAN = "FI21 1234 5600 0007 85"
NS = {"p": NAMESPACE}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def overpayment(alice_invoice) -> Overpayment:
    payment = Payment.objects.create(
        source=PaymentSource.BANK,
        external_id="ARCH-1",
        amount=Decimal("130.00"),
        reference=alice_invoice.reference,
        paid_on=date(2026, 3, 1),
    )
    return allocate_payment(
        payment=payment, invoice=alice_invoice, amount=Decimal("130.00")
    ).overpayment


@pytest.fixture
def staff_client(staff) -> Client:
    return mfa_login(Client(), staff)


@pytest.fixture
def refund_account(settings):
    settings.REFUND_ACCOUNT_NAME = "MyRopo Asiakasvarat Oy"
    settings.REFUND_ACCOUNT_IBAN = "FI7944052020036082"
    settings.REFUND_ACCOUNT_BIC = "NDEAFIHH"


def notice_url(overpayment) -> str:
    return reverse("payments:bank_account_notice", args=[overpayment.pk])


def test_the_payments_page_tells_of_the_overpayment_and_links_to_the_form(
    alice_client, overpayment
):
    page = alice_client.get(reverse("payments:list")).content.decode()
    assert "You paid €30.00 too much" in page
    assert notice_url(overpayment) in page


def test_the_payer_gives_a_bank_account_and_its_bic_is_derived(alice_client, overpayment):
    response = alice_client.post(
        notice_url(overpayment), {"iban": GOOD_IBAN.lower(), "bic": "", "holder": "Alice A"}
    )
    assert response.status_code == 302
    notice = BankAccountNotice.objects.get()
    assert (notice.iban, notice.bic, notice.status) == (
        "FI2112345600000785",
        "NDEAFIHH",
        NoticeStatus.RECEIVED,
    )
    overpayment.refresh_from_db()
    assert overpayment.state == OverpaymentState.NOTICE_RECEIVED
    page = alice_client.get(reverse("payments:list")).content.decode()
    assert "FI21 **** **** **07 85" in page
    assert "FI2112345600000785" not in page and "1234 5600" not in page


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("FI21 1234 5600 0007 86", "check digits do not match"),
        ("FI21 1234", "wrong number of characters"),
        ("not an iban", "This is not an IBAN"),
    ],
)
def test_an_invalid_iban_is_refused_with_a_translated_message(
    alice, alice_client, overpayment, iban, message
):
    alice.preferred_language = "en"
    alice.save()
    response = alice_client.post(
        notice_url(overpayment), {"iban": iban, "bic": "", "holder": "Alice"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BankAccountNotice.objects.exists()


def test_a_foreign_iban_without_a_known_bank_asks_for_the_bic(alice, alice_client, overpayment):
    alice.preferred_language = "en"
    alice.save()
    data = {"iban": "SE4550000000058398257466", "bic": "", "holder": "Alice"}
    response = alice_client.post(notice_url(overpayment), data)
    if response.status_code == 400:
        assert "enter it" in response.content.decode()
        response = alice_client.post(notice_url(overpayment), {**data, "bic": "ESSESESS"})
    assert response.status_code == 302
    assert BankAccountNotice.objects.get().bic


def test_a_new_notice_replaces_one_not_yet_approved(alice, overpayment):
    first = bank_account_notice_submit(
        overpayment=overpayment, user=alice, iban=GOOD_IBAN, bic="", holder="Alice"
    )
    second = bank_account_notice_submit(
        overpayment=overpayment, user=alice, iban=GOOD_IBAN, bic="", holder="Alice Aaltonen"
    )
    first.refresh_from_db()
    assert first.status == NoticeStatus.REPLACED
    assert second.status == NoticeStatus.RECEIVED


def test_bob_gets_404_on_alices_overpayment_notice(bob_client, overpayment):
    assert bob_client.get(notice_url(overpayment)).status_code == 404
    data = {"iban": GOOD_IBAN, "bic": "", "holder": "Bob"}
    assert bob_client.post(notice_url(overpayment), data).status_code == 404
    assert not BankAccountNotice.objects.exists()


def test_staff_approve_and_export_refunds_as_pain001(
    staff_client, staff, alice, overpayment, refund_account
):
    notice = bank_account_notice_submit(
        overpayment=overpayment, user=alice, iban=GOOD_IBAN, bic="", holder="Alice Aaltonen"
    )
    response = staff_client.post(
        reverse("admin:payments_bankaccountnotice_changelist"),
        {"action": "approve", "_selected_action": [notice.pk]},
    )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert refund.amount == Decimal("30.00")

    export = staff_client.post(
        reverse("admin:payments_refund_changelist"),
        {"action": "export", "_selected_action": [refund.pk]},
    )
    assert export.status_code == 200
    assert export["Content-Type"] == "application/xml"
    document = etree.fromstring(export.content)
    assert document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "1"
    assert document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "30.00"
    tx = document.find("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", namespaces=NS)
    assert tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == "FI2112345600000785"
    assert tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == f"REFUND-{refund.pk}"
    assert (
        document.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS)
        == "FI7944052020036082"
    )

    notice.refresh_from_db()
    overpayment.refresh_from_db()
    assert notice.status == NoticeStatus.REFUNDED
    assert overpayment.state == OverpaymentState.REFUNDED
    batch = RefundBatch.objects.get()
    assert (batch.count, batch.total) == (1, Decimal("30.00"))
    # An exported refund is never exported again.
    staff_client.post(
        reverse("admin:payments_refund_changelist"),
        {"action": "export", "_selected_action": [refund.pk]},
    )
    assert RefundBatch.objects.count() == 1


def test_the_export_sums_several_refunds(staff, alice, creditor, refund_account):
    from payments.services import refund_batch_export
    from tests.factories import InvoiceFactory

    amounts = [Decimal("12.34"), Decimal("0.66"), Decimal("100.00")]
    for number, extra in enumerate(amounts):
        invoice = InvoiceFactory(creditor=creditor, principal=Decimal("10.00"))
        InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
        payment = Payment.objects.create(
            source=PaymentSource.BANK,
            external_id=f"X-{number}",
            amount=Decimal("10.00") + extra,
            paid_on=date(2026, 3, 1),
        )
        over = allocate_payment(payment=payment, invoice=invoice, amount=payment.amount).overpayment
        notice = bank_account_notice_submit(
            overpayment=over, user=alice, iban=GOOD_IBAN, bic="", holder="Alice"
        )
        setattr(staff, STAFF_POWERS_ATTR, True)  # as the admin's MFA-checked request marks it
        bank_account_notice_approve(notice=notice, staff=staff)
    batch = refund_batch_export(refunds=Refund.objects.all(), staff=staff)
    document = etree.fromstring(bytes(batch.xml))
    header = document.find("p:CstmrCdtTrfInitn/p:GrpHdr", namespaces=NS)
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "113.00"
    amounts_in_file = document.xpath("//p:InstdAmt/text()", namespaces=NS)
    assert sorted(Decimal(a) for a in amounts_in_file) == sorted(amounts)


def test_the_notice_admin_never_shows_the_full_iban(staff_client, alice, overpayment):
    notice = bank_account_notice_submit(
        overpayment=overpayment, user=alice, iban=GOOD_IBAN, bic="", holder="Alice"
    )
    for url in (
        reverse("admin:payments_bankaccountnotice_changelist"),
        reverse("admin:payments_bankaccountnotice_change", args=[notice.pk]),
        reverse("admin:payments_overpayment_change", args=[overpayment.pk]),
    ):
        page = staff_client.get(url).content.decode()
        assert "FI2112345600000785" not in page
        assert "FI21 **** **** **07 85" in page


def test_staff_allocate_an_unmatched_payment_by_hand(staff_client, alice_invoice):
    from payments.services import bank_file_import

    bank_file_import(data=camt054_bytes(1), filename="x.xml", source=BankFileImport.Source.COMMAND)
    unmatched = UnmatchedPayment.objects.get()
    assert unmatched.reason == UnmatchedReason.UNKNOWN_REFERENCE
    assert unmatched.payment.reference == reference_for(0)
    queue = staff_client.get(reverse("admin:payments_unmatchedpayment_changelist"))
    url = reverse("admin:payments_unmatchedpayment_allocate", args=[unmatched.pk])
    assert url in queue.content.decode()
    response = staff_client.post(url, {"invoice": alice_invoice.myropo_id})
    assert response.status_code == 302
    unmatched.refresh_from_db()
    assert unmatched.resolved_at is not None and unmatched.invoice == alice_invoice
    assert alice_invoice.allocations.get().amount == unmatched.payment.amount
    again = staff_client.post(url, {"invoice": alice_invoice.myropo_id})
    assert again.status_code == 200 and alice_invoice.allocations.count() == 1


def test_staff_upload_a_bank_file_in_the_admin(staff_client, alice_invoice):
    url = reverse("admin:payments_bankfileimport_upload")
    response = staff_client.post(
        url, {"file": SimpleUploadedFile("pay.xml", camt054_bytes(2))}, follow=True
    )
    assert response.status_code == 200
    assert BankFileImport.objects.get().entry_count == 2
    broken = staff_client.post(
        url, {"file": SimpleUploadedFile("b.xml", b"<Document>not camt</Document>")}
    )
    assert broken.status_code == 200
    assert b"import-problems" in broken.content
    assert BankFileImport.objects.count() == 1


def test_the_admin_lists_payments_read_only(staff_client, overpayment):
    page = staff_client.get(reverse("admin:payments_payment_changelist"))
    assert page.status_code == 200
    change = staff_client.get(
        reverse("admin:payments_payment_change", args=[overpayment.payment_id])
    )
    assert change.status_code == 200
    assert b'name="amount"' not in change.content
