"""The one allocation rule, paid at zero.

A consumer's payment: interest → principal → costs (perintälaki 513/1999 11 a § 2 mom); a
business's: the creditor's order, by default costs → interest → principal (11 a § 1 mom).
"""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from invoices.models import Charge, ChargeKind, EventKind, Stage
from invoices.selectors import with_balance
from payments.allocation import (
    AllocationError,
    allocate_payment,
    allocate_payments,
    parse_allocation_order,
    split_amount,
)
from payments.models import Allocation, Overpayment, Payment, PaymentSource
from tests.factories import InvoiceFactory

_ids = count(1)


def payment_of(amount: str | Decimal) -> Payment:
    return Payment.objects.create(
        source=PaymentSource.MANUAL,
        external_id=f"T-{next(_ids)}",
        amount=Decimal(amount),
        paid_on=date(2026, 3, 1),
    )


def charge(invoice, kind: str, amount: str) -> Charge:
    return Charge.objects.create(
        invoice=invoice,
        kind=kind,
        amount=Decimal(amount),
        booked_on=date(2026, 2, 1),
        rule="test",
        idempotency_key=f"test:{next(_ids)}",
    )


def balance_of(invoice) -> Decimal:
    return with_balance(type(invoice).objects.filter(pk=invoice.pk)).get().open_balance


def by_component(invoice) -> dict[str, Decimal]:
    rows = Allocation.objects.filter(invoice=invoice).values("component").annotate(t=Sum("amount"))
    return {row["component"]: row["t"] for row in rows}


def test_split_covers_components_in_the_given_order():
    owed = {"costs": Decimal("5.00"), "interest": Decimal("1.20"), "principal": Decimal("100.00")}
    parts, rest = split_amount(Decimal("50.00"), owed, ("costs", "interest", "principal"))
    assert parts == [
        ("costs", Decimal("5.00")),
        ("interest", Decimal("1.20")),
        ("principal", Decimal("43.80")),
    ]
    assert rest == 0


def test_a_broken_allocation_order_setting_falls_back_to_the_default():
    assert parse_allocation_order("principal,costs") == ("costs", "interest", "principal")
    assert parse_allocation_order("principal, interest, costs") == (
        "principal",
        "interest",
        "costs",
    )


def test_a_consumers_partial_payment_covers_interest_then_principal_and_costs_last(
    alice_invoice,
):
    """11 a § 2 mom: costs only after the principal and its interest are paid."""
    charge(alice_invoice, ChargeKind.REMINDER_FEE, "5.00")
    charge(alice_invoice, ChargeKind.INTEREST, "2.50")
    allocate_payment(payment=payment_of("10.00"), invoice=alice_invoice, amount=Decimal("10.00"))
    assert by_component(alice_invoice) == {
        "interest": Decimal("2.50"),
        "principal": Decimal("7.50"),
    }
    alice_invoice.refresh_from_db()
    assert alice_invoice.stage == Stage.OPEN
    assert balance_of(alice_invoice) == Decimal("97.50")
    assert alice_invoice.events.filter(kind=EventKind.PAYMENT).count() == 1


def test_a_consumer_paying_the_invoice_amount_after_a_reminder_owes_only_the_fee(alice_invoice):
    """The issue's example: 80.00 paid after a 5 € reminder closes the principal."""
    invoice = InvoiceFactory(creditor=alice_invoice.creditor, principal=Decimal("80.00"))
    charge(invoice, ChargeKind.REMINDER_FEE, "5.00")
    allocate_payment(payment=payment_of("80.00"), invoice=invoice, amount=Decimal("80.00"))
    assert by_component(invoice) == {"principal": Decimal("80.00")}
    assert balance_of(invoice) == Decimal("5.00")


def test_a_creditor_setting_never_puts_costs_first_for_a_consumer(alice_invoice):
    """11 a § 2 mom: the creditor's costs-first order is not applied to a consumer."""
    alice_invoice.creditor.settings.allocation_order = "costs,interest,principal"
    alice_invoice.creditor.settings.save()
    charge(alice_invoice, ChargeKind.REMINDER_FEE, "5.00")
    allocate_payment(payment=payment_of("100.00"), invoice=alice_invoice, amount=Decimal("100.00"))
    assert by_component(alice_invoice) == {"principal": Decimal("100.00")}


def test_the_creditors_order_is_followed_for_a_business(alice_invoice):
    """11 a § 1 mom: a business debtor's payment follows the creditor's order."""
    company = InvoiceFactory(
        creditor=alice_invoice.creditor,
        debtor_type="company",
        debtor_hetu="",
        debtor_business_id="2331972-7",
    )
    charge(company, ChargeKind.REMINDER_FEE, "5.00")
    allocate_payment(payment=payment_of("10.00"), invoice=company, amount=Decimal("10.00"))
    assert by_component(company) == {"costs": Decimal("5.00"), "principal": Decimal("5.00")}
    company.creditor.settings.allocation_order = "principal,interest,costs"
    company.creditor.settings.save()
    allocate_payment(payment=payment_of("10.00"), invoice=company, amount=Decimal("10.00"))
    assert by_component(company)["principal"] == Decimal("15.00")


def test_paying_the_balance_marks_the_invoice_paid_with_an_event(alice_invoice):
    charge(alice_invoice, ChargeKind.REMINDER_FEE, "5.00")
    result = allocate_payment(
        payment=payment_of("105.00"), invoice=alice_invoice, amount=Decimal("105.00")
    )
    alice_invoice.refresh_from_db()
    assert result.paid and result.overpayment is None
    assert alice_invoice.stage == Stage.PAID
    assert list(alice_invoice.events.values_list("kind", flat=True)) == [
        EventKind.PAYMENT,
        EventKind.PAID,
    ]


def test_more_than_the_balance_leaves_an_overpayment(alice_invoice):
    result = allocate_payment(
        payment=payment_of("130.00"), invoice=alice_invoice, amount=Decimal("130.00")
    )
    assert result.paid
    assert result.overpayment.amount == Decimal("30.00")
    assert balance_of(alice_invoice) == 0


def test_a_payment_to_a_paid_invoice_is_all_overpayment(alice_invoice):
    allocate_payment(payment=payment_of("100.00"), invoice=alice_invoice, amount=Decimal("100.00"))
    second = allocate_payment(
        payment=payment_of("100.00"), invoice=alice_invoice, amount=Decimal("100.00")
    )
    assert second.allocations == []
    assert second.overpayment.amount == Decimal("100.00")
    assert Allocation.objects.filter(invoice=alice_invoice).count() == 1


def test_a_payment_cannot_be_allocated_beyond_its_amount(alice_invoice):
    payment = payment_of("50.00")
    allocate_payment(payment=payment, invoice=alice_invoice, amount=Decimal("30.00"))
    with pytest.raises(AllocationError):
        allocate_payment(payment=payment, invoice=alice_invoice, amount=Decimal("30.00"))


def test_bulk_allocation_follows_the_same_rule(creditor):
    invoices = [InvoiceFactory(creditor=creditor) for _ in range(3)]
    charge(invoices[0], ChargeKind.REMINDER_FEE, "5.00")
    payments = [payment_of("50.00"), payment_of("60.00"), payment_of("100.00"), payment_of("1")]
    allocate_payments(
        items=[
            (payments[0], invoices[0].pk),
            (payments[1], invoices[0].pk),
            (payments[2], invoices[1].pk),
            (payments[3], invoices[1].pk),
        ]
    )
    # 11 a § 2 mom: the first 50 € go to the principal, the fee comes last.
    assert by_component(invoices[0]) == {"costs": Decimal("5.00"), "principal": Decimal("100.00")}
    assert Allocation.objects.get(payment=payments[0]).component == "principal"
    assert Overpayment.objects.get(payment=payments[1]).amount == Decimal("5.00")
    assert Overpayment.objects.get(payment=payments[3]).amount == Decimal("1.00")
    for invoice in invoices:
        invoice.refresh_from_db()
    assert [invoice.stage for invoice in invoices] == [Stage.PAID, Stage.PAID, Stage.OPEN]


euros = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300.00"), places=2)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), euros),
        st.tuples(st.sampled_from(["fee", "interest"]), euros),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(principal=euros, sequence=steps)
def test_no_euro_is_lost_or_counted_twice(principal, sequence):
    with transaction.atomic():
        invoice = InvoiceFactory(principal=principal)
        charges = Decimal("0.00")
        paid_in = Decimal("0.00")
        for kind, amount in sequence:
            if kind == "pay":
                payment = payment_of(amount)
                allocate_payment(payment=payment, invoice=invoice, amount=amount)
                paid_in += amount
                allocated = payment.allocations.aggregate(t=Sum("amount"))["t"] or 0
                over = payment.overpayments.aggregate(t=Sum("amount"))["t"] or 0
                assert allocated + over == amount
            else:
                kind = ChargeKind.INTEREST if kind == "interest" else ChargeKind.REMINDER_FEE
                charge(invoice, kind, str(amount))
                charges += amount
            balance = balance_of(invoice)
            allocations = Allocation.objects.filter(invoice=invoice).aggregate(t=Sum("amount"))[
                "t"
            ] or Decimal("0.00")
            overpaid = Overpayment.objects.filter(invoice=invoice).aggregate(t=Sum("amount"))[
                "t"
            ] or Decimal("0.00")
            assert balance == principal + charges - allocations
            assert allocations + overpaid == paid_in
            # Charges booked after the invoice was paid are owed again, never negative.
            assert balance >= 0
            invoice.refresh_from_db()
            if invoice.stage == Stage.OPEN:
                assert overpaid == 0
        transaction.set_rollback(True)
