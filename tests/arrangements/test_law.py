"""Plan and due-date fees under the law: limitation, caps, counts and the total cap (issue 11)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arrangements.models import ArrangementRules
from arrangements.services import (
    ArrangementError,
    due_date_transfer,
    plan_create,
    transfer_options,
)
from invoices.models import Charge, ChargeKind, Invoice
from invoices.selectors import with_balance
from tests.accounts.helpers import company_invoice

pytestmark = pytest.mark.django_db
D = Decimal


def _balanced(*invoices):
    return list(
        with_balance(Invoice.objects.filter(pk__in=[i.pk for i in invoices]))
        .select_related("creditor")
        .order_by("pk")
    )


def _plan(invoice, acting, today, **kwargs):
    return plan_create(
        invoices=_balanced(invoice),
        start=today + timedelta(days=7),
        acting=acting,
        today=today,
        **({"installments": 3} | kwargs),
    )


def test_a_plan_on_a_statute_barred_debt_is_refused(own_invoice, acting):
    """Perintälaki 4 § 3 mom, 728/2003 4 §: due 15.5.2020 is barred from 15.5.2023."""
    invoice = own_invoice(
        issue_date=date(2020, 5, 1), due_date=date(2020, 5, 15), original_due_date=date(2020, 5, 15)
    )
    with pytest.raises(ArrangementError) as error:
        _plan(invoice, acting, date(2023, 7, 3))
    assert "statute-barred" in error.value.message
    assert not Charge.objects.filter(invoice=invoice).exists()


def test_a_plan_the_day_before_limitation_is_made(own_invoice, acting):
    invoice = own_invoice(
        issue_date=date(2020, 5, 1), due_date=date(2020, 5, 15), original_due_date=date(2020, 5, 15)
    )
    plan = _plan(invoice, acting, date(2023, 5, 14))
    assert plan.fee == D("20.00")


def test_a_due_date_transfer_on_a_statute_barred_debt_is_refused(own_invoice):
    invoice = own_invoice(
        issue_date=date(2020, 5, 1), due_date=date(2020, 5, 15), original_due_date=date(2020, 5, 15)
    )
    options = transfer_options(invoice, today=date(2023, 7, 3))
    assert options.refusal and "statute-barred" in options.refusal


def test_a_business_plan_fee_is_capped_at_30(alice, creditor, acting, today):
    """10 e § 1 mom 6 k a: 30 € for principal ≤ 500 (a 100 € fee was charged before)."""
    rules, _ = ArrangementRules.objects.get_or_create(creditor=creditor)
    rules.plan_fee_company = D("100.00")
    rules.save()
    invoice = company_invoice(
        creditor=creditor, principal=D("300.00"), due_date=today + timedelta(days=7)
    )
    plan = _plan(invoice, acting, today, installments=4)
    fee = Charge.objects.get(invoice=invoice, kind=ChargeKind.PLAN_FEE)
    assert (plan.fee, fee.amount, fee.legal_cap) == (D("30.00"), D("30.00"), D("30.00"))
    assert fee.rule == "business.plan.le500"


def test_a_plan_fee_that_would_break_the_consumer_total_cap_is_refused(own_invoice, acting, today):
    """10 d §: principal 99.99, 45.00 of costs already: a 20 € plan fee would make 65 > 60."""
    invoice = own_invoice(principal=D("99.99"))
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.TRANSFER_FEE,
        amount=D("45.00"),
        booked_on=today,
        rule="test",
        idempotency_key="test:fees",
    )
    plan = _plan(invoice, acting, today)
    assert plan.fee == D("0.00")
    assert not Charge.objects.filter(invoice=invoice, kind=ChargeKind.PLAN_FEE).exists()
    assert sum(i.amount for i in plan.installments.all()) == D("144.99")


def test_a_transfer_fee_that_would_break_the_consumer_total_cap_is_refused(
    own_invoice, acting, today
):
    """10 d §: the due-date fee counts in the total cap like every collection cost."""
    invoice = own_invoice(
        principal=D("99.99"),
        issue_date=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
        original_due_date=today - timedelta(days=10),
    )
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.PLAN_FEE,
        amount=D("57.00"),
        booked_on=today,
        rule="test",
        idempotency_key="test:fees",
    )
    # 14 days: a transfer the 5 € fee applies to (10 b § 3 mom), were there room under 60 €.
    transfer = due_date_transfer(
        invoice=invoice, to_date=invoice.due_date + timedelta(days=14), acting=acting, today=today
    )
    assert transfer.fee == D("0.00")
    assert not Charge.objects.filter(invoice=invoice, kind=ChargeKind.TRANSFER_FEE).exists()
