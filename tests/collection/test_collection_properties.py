"""Property: through the real cycle and database, no sequence of days, payments and disputes
makes a charge exceed its cap or a consumer's collection costs exceed the total-cost cap.

Each example runs inside a transaction that is rolled back, so examples never see each other.
"""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collection.cycle as cycle_module
from collection.cycle import run_collection_cycle
from collection.models import CollectionStep
from collection.rules import STEP_ORDER, DebtorKind, Step, total_cost_cap
from invoices.models import Charge, ChargeKind, CreditorSettings, Invoice, Stage
from payments.models import Allocation, Payment
from tests.factories import InvoiceFactory

D = Decimal
DUE = date(2026, 1, 10)
_external = count()

events = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(1, 20)),
        st.tuples(st.just("pay"), st.integers(1, 100)),  # percent of the unpaid capital
        st.tuples(st.just("dispute"), st.booleans()),
    ),
    min_size=1,
    max_size=12,
)
fee_settings = st.fixed_dictionaries(
    {
        "reminder_count": st.integers(0, 2),
        "first_reminder_days": st.integers(1, 20),
        "reminder_interval_days": st.integers(1, 20),
        "days_to_collection": st.integers(1, 20),
        "demand_interval_days": st.integers(1, 20),
        "reminder_fee_consumer": st.sampled_from([D("0.00"), D("3.00"), D("5.00")]),
        "demand_fee_first_consumer": st.sampled_from([D("10.00"), D("24.00"), D("50.00")]),
        "demand_fee_second_consumer": st.sampled_from([D("5.00"), D("25.00")]),
        "use_standard_compensation": st.booleans(),
    }
)


@pytest.fixture(autouse=True)
def _no_letters(monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    principal=st.sampled_from([D("40.00"), D("99.99"), D("100.00"), D("600.00"), D("1500.00")]),
    business=st.booleans(),
    creditor_settings=fee_settings,
    events=events,
)
def test_the_cycle_never_breaks_a_cap(creditor, principal, business, creditor_settings, events):
    with transaction.atomic():
        CreditorSettings.objects.filter(creditor=creditor).update(**creditor_settings)
        kwargs = {"debtor_type": "company", "debtor_business_id": "0109862-8"} if business else {}
        invoice = InvoiceFactory(
            creditor=creditor,
            issue_date=DUE - timedelta(days=14),
            due_date=DUE,
            principal=principal,
            **kwargs,
        )
        today = DUE
        disputed = False
        for event, value in events:
            if event == "wait":
                today += timedelta(days=value)
                before = CollectionStep.objects.filter(invoice=invoice).count()
                run_collection_cycle(today=today)
                after = CollectionStep.objects.filter(invoice=invoice).count()
                assert after - before <= 1
                if disputed:
                    assert after == before  # never a step on a disputed invoice
                charges = Charge.objects.filter(invoice=invoice).count()
                run_collection_cycle(today=today)  # a second run the same day: nothing new
                assert Charge.objects.filter(invoice=invoice).count() == charges
            elif event == "pay":
                invoice.refresh_from_db()
                paid = invoice.allocations.aggregate(total=Sum("amount"))["total"] or D("0")
                unpaid = principal - paid
                amount = (unpaid * value / 100).quantize(D("0.01"))
                if amount > 0:
                    payment = Payment.objects.create(
                        source="bank",
                        external_id=f"H{next(_external)}",
                        amount=amount,
                        paid_on=today,
                    )
                    Allocation.objects.create(
                        payment=payment, invoice=invoice, component="principal", amount=amount
                    )
                    if amount == unpaid:
                        Invoice.objects.filter(pk=invoice.pk).update(stage=Stage.PAID)
            else:
                disputed = value
                Invoice.objects.filter(pk=invoice.pk).update(disputed=value)
        check(invoice, principal, DebtorKind.BUSINESS if business else DebtorKind.CONSUMER)
        transaction.set_rollback(True)


def check(invoice: Invoice, principal: Decimal, kind: DebtorKind) -> None:
    charges = list(Charge.objects.filter(invoice=invoice))
    for charge in charges:
        assert charge.amount > 0
        if charge.kind != ChargeKind.INTEREST:
            assert charge.legal_cap is not None and charge.amount <= charge.legal_cap
            assert charge.creditor_setting is not None
    keys = [charge.idempotency_key for charge in charges]
    assert len(keys) == len(set(keys))
    fees = sum((c.amount for c in charges if c.kind != ChargeKind.INTEREST), D("0.00"))
    # The cap of the smallest principal the invoice had: part payments only lower it.
    cap = total_cost_cap(kind, principal)
    if cap is not None:
        assert fees <= cap
    if kind is DebtorKind.BUSINESS:
        compensation = [c for c in charges if c.kind == ChargeKind.STANDARD_COMPENSATION]
        reminders = [c for c in charges if c.kind == ChargeKind.REMINDER_FEE]
        assert len(compensation) <= 1 and not (compensation and reminders)
    steps = list(
        CollectionStep.objects.filter(invoice=invoice).order_by("id").values_list("step", flat=True)
    )
    indexes = [STEP_ORDER.index(Step(step)) for step in steps]
    assert indexes == sorted(set(indexes))
    if any(Step(s) not in (Step.REMINDER_1, Step.REMINDER_2) for s in steps):
        assert Step.REMINDER_1 in steps or Step.REMINDER_2 in steps
