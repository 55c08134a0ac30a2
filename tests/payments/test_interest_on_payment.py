"""Interest accrued up to the payment date is booked when a payment reaches an overdue invoice."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from collection.models import ReferenceRate
from collection.selectors import accrued_interest
from invoices.models import Charge, ChargeKind, Stage
from invoices.selectors import with_balance
from payments.allocation import allocate_payment, allocate_payments
from payments.models import Allocation, BankFileImport, Payment, PaymentSource
from payments.services import bank_file_import
from tests.factories import InvoiceFactory
from tests.payments.camt054_factory import amount_for, camt054_bytes, reference_for

_ids = count(1)
ISSUED = date(2026, 1, 1)
DUE = date(2026, 1, 15)
PAID_ON = date(2026, 2, 28)  # the generated camt.054 files' value date


@pytest.fixture(autouse=True)
def rate(db):
    ReferenceRate.objects.update_or_create(
        start=date(2026, 1, 1), defaults={"end": date(2026, 6, 30), "rate": Decimal("2.00")}
    )


@pytest.fixture
def overdue(creditor):
    return InvoiceFactory(
        creditor=creditor,
        principal=Decimal("1000.00"),
        due_date=DUE,
        original_due_date=DUE,
        issue_date=ISSUED,
    )


def payment_of(amount: Decimal, paid_on: date = PAID_ON) -> Payment:
    return Payment.objects.create(
        source=PaymentSource.MANUAL,
        external_id=f"I-{next(_ids)}",
        amount=amount,
        paid_on=paid_on,
    )


def balance_of(invoice) -> Decimal:
    return with_balance(type(invoice).objects.filter(pk=invoice.pk)).get().open_balance


def interest_charges(invoice):
    return list(Charge.objects.filter(invoice=invoice, kind=ChargeKind.INTEREST))


def test_paying_the_open_balance_books_the_interest_first_and_leaves_principal_open(overdue):
    accrued = accrued_interest(overdue, PAID_ON)
    assert accrued > 0
    payment = payment_of(balance_of(overdue))
    allocate_payment(payment=payment, invoice=overdue, amount=payment.amount)

    [charge] = interest_charges(overdue)
    assert charge.amount == accrued
    assert charge.idempotency_key == f"interest:payment:{payment.pk}"
    assert charge.rule == "consumer.interest_margin"
    assert charge.legal_cap is None
    assert "Korkolaki" in charge.explanation
    assert (charge.period_start, charge.period_end) == (date(2026, 1, 16), PAID_ON)
    assert charge.booked_on == PAID_ON
    interest_part = Allocation.objects.get(payment=payment, component="interest").amount
    assert interest_part == accrued
    overdue.refresh_from_db()
    assert overdue.stage != Stage.PAID
    assert balance_of(overdue) == accrued
    assert accrued_interest(overdue, PAID_ON) == 0


def test_paying_balance_plus_accrued_interest_pays_the_invoice(overdue):
    amount = balance_of(overdue) + accrued_interest(overdue, PAID_ON)
    allocate_payment(payment=payment_of(amount), invoice=overdue, amount=amount)
    overdue.refresh_from_db()
    assert overdue.stage == Stage.PAID
    assert balance_of(overdue) == 0
    assert not overdue.overpayments.exists()


def test_a_retried_allocation_books_the_interest_once(overdue):
    accrued = accrued_interest(overdue, PAID_ON)
    payment = payment_of(Decimal("100.00"))
    allocate_payment(payment=payment, invoice=overdue, amount=Decimal("40.00"))
    allocate_payment(payment=payment, invoice=overdue, amount=Decimal("60.00"))
    assert [c.amount for c in interest_charges(overdue)] == [accrued]


def test_the_bank_import_path_books_the_same_interest(overdue, creditor):
    accrued = accrued_interest(overdue, PAID_ON)
    other = InvoiceFactory(
        creditor=creditor,
        principal=Decimal("1000.00"),
        due_date=DUE,
        original_due_date=DUE,
        issue_date=ISSUED,
    )
    payment = payment_of(Decimal("1000.00"))
    allocate_payments(items=[(payment, other.pk)])
    [charge] = interest_charges(other)
    assert charge.amount == accrued
    assert charge.idempotency_key == f"interest:payment:{payment.pk}"
    assert (charge.period_start, charge.period_end) == (date(2026, 1, 16), PAID_ON)
    assert Allocation.objects.get(payment=payment, component="interest").amount == accrued
    other.refresh_from_db()
    assert other.stage != Stage.PAID
    assert balance_of(other) == accrued


def test_two_payments_in_one_bank_file_match_two_single_allocations(creditor):
    def invoice():
        return InvoiceFactory(
            creditor=creditor,
            principal=Decimal("1000.00"),
            due_date=DUE,
            original_due_date=DUE,
            issue_date=ISSUED,
        )

    single, bulk = invoice(), invoice()
    dates = (date(2026, 2, 1), date(2026, 3, 1))
    for paid_on in dates:
        payment = payment_of(Decimal("300.00"), paid_on)
        allocate_payment(payment=payment, invoice=single, amount=payment.amount)
    allocate_payments(items=[(payment_of(Decimal("300.00"), d), bulk.pk) for d in dates])
    assert [c.amount for c in interest_charges(bulk)] == [
        c.amount for c in interest_charges(single)
    ]
    assert len(interest_charges(bulk)) == 2
    assert balance_of(bulk) == balance_of(single)


def test_a_camt054_payment_to_an_overdue_invoice_books_interest(creditor):
    invoice = InvoiceFactory(
        creditor=creditor,
        reference=reference_for(0),
        principal=amount_for(0),
        due_date=DUE,
        original_due_date=DUE,
        issue_date=ISSUED,
    )
    accrued = accrued_interest(invoice, PAID_ON)
    assert accrued > 0
    bank_file_import(data=camt054_bytes(1), filename="f.xml", source=BankFileImport.Source.COMMAND)
    assert [c.amount for c in interest_charges(invoice)] == [accrued]
    assert balance_of(invoice) == accrued


def test_no_interest_before_the_due_date_or_on_a_paid_invoice(creditor, overdue):
    not_due = InvoiceFactory(creditor=creditor, principal=Decimal("100.00"))
    allocate_payment(payment=payment_of(Decimal("50.00")), invoice=not_due, amount=Decimal("50.00"))
    allocate_payments(items=[(payment_of(Decimal("10.00")), not_due.pk)])
    assert interest_charges(not_due) == []

    overdue.stage = Stage.PAID
    overdue.save(update_fields=["stage"])
    allocate_payment(payment=payment_of(Decimal("5.00")), invoice=overdue, amount=Decimal("5.00"))
    allocate_payments(items=[(payment_of(Decimal("5.00")), overdue.pk)])
    assert interest_charges(overdue) == []


def test_no_charge_when_no_rate_covers_the_delay(creditor):
    ReferenceRate.objects.filter(start__lte=date(2026, 12, 31), end__gte=DUE).delete()
    invoice = InvoiceFactory(
        creditor=creditor,
        principal=Decimal("100.00"),
        due_date=DUE,
        original_due_date=DUE,
        issue_date=ISSUED,
    )
    allocate_payment(payment=payment_of(Decimal("50.00")), invoice=invoice, amount=Decimal("50.00"))
    assert interest_charges(invoice) == []
