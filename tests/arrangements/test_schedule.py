"""The pure schedule arithmetic: exact sums in cents, the minimum, the count and the length."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrangements.schedule import (
    PlanTerms,
    ScheduleError,
    ScheduleRefusal,
    add_months,
    plan_end_limit,
    plan_schedule,
    transfer_fee,
    transfer_window,
)
from collection.rules import DebtorKind

cents = st.integers(min_value=1, max_value=5_000_000).map(lambda c: Decimal(c) / 100)
terms_strategy = st.builds(
    PlanTerms,
    max_installments=st.integers(min_value=1, max_value=36),
    min_installment=st.integers(min_value=100, max_value=10_000).map(lambda c: Decimal(c) / 100),
    max_months=st.integers(min_value=1, max_value=36),
    creditor_fee=st.integers(min_value=0, max_value=5000).map(lambda c: Decimal(c) / 100),
)
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
kinds = st.sampled_from(list(DebtorKind))


def _check(schedule, balance, terms, start):
    amounts = [row.amount for row in schedule.installments]
    assert sum(amounts) == balance + schedule.fee
    assert all(amount == amount.quantize(Decimal("0.01")) for amount in amounts)
    assert all(amount >= terms.min_installment for amount in amounts)
    assert all(amount == amounts[0] for amount in amounts[:-1])
    assert len(amounts) <= terms.max_installments
    dates = [row.due_date for row in schedule.installments]
    assert dates[0] == start
    assert dates == sorted(dates)
    assert dates[-1] <= plan_end_limit(start, terms.max_months)
    if schedule.fee_cap is not None:
        assert schedule.fee <= schedule.fee_cap
    assert schedule.fee <= terms.creditor_fee


@given(
    balance=cents,
    terms=terms_strategy,
    start=starts,
    count=st.integers(1, 40),
    kind=kinds,
    plans=st.integers(0, 3),
)
def test_schedule_by_count_sums_exactly_and_respects_the_rules(
    balance, terms, start, count, kind, plans
):
    try:
        schedule = plan_schedule(
            kind=kind,
            balance=balance,
            principal=balance,
            plans_already_charged=plans,
            terms=terms,
            start=start,
            installments=count,
        )
    except ScheduleError as error:
        assert error.code in {
            ScheduleRefusal.BELOW_MINIMUM,
            ScheduleRefusal.TOO_MANY_INSTALLMENTS,
            ScheduleRefusal.TOO_LONG,
        }
        return
    assert schedule.count == count
    _check(schedule, balance, terms, start)
    # The last installment absorbs the rounding: it is the others' amount plus < one cent each.
    amounts = [row.amount for row in schedule.installments]
    assert 0 <= (amounts[-1] - amounts[0]) * 100 < count


@given(balance=cents, terms=terms_strategy, start=starts, monthly=cents, kind=kinds)
def test_schedule_by_monthly_amount_sums_exactly_and_respects_the_rules(
    balance, terms, start, monthly, kind
):
    try:
        schedule = plan_schedule(
            kind=kind,
            balance=balance,
            principal=balance,
            plans_already_charged=0,
            terms=terms,
            start=start,
            monthly_amount=monthly,
        )
    except ScheduleError as error:
        assert error.code in {
            ScheduleRefusal.BELOW_MINIMUM,
            ScheduleRefusal.TOO_MANY_INSTALLMENTS,
            ScheduleRefusal.TOO_LONG,
        }
        return
    _check(schedule, balance, terms, start)
    assert all(row.amount == min(monthly, schedule.total) for row in schedule.installments[:-1])


TERMS = PlanTerms(
    max_installments=12,
    min_installment=Decimal("20.00"),
    max_months=12,
    creditor_fee=Decimal("30.00"),
)


def _plan(**kwargs):
    defaults = dict(
        kind=DebtorKind.CONSUMER,
        balance=Decimal("300.00"),
        principal=Decimal("300.00"),
        plans_already_charged=0,
        terms=TERMS,
        start=date(2026, 1, 31),
    )
    return plan_schedule(**{**defaults, **kwargs})


def test_the_last_installment_absorbs_the_rounding():
    schedule = _plan(balance=Decimal("100.00"), principal=Decimal("100.00"), installments=3)
    # 100 € ≤ 100: the cap is 20 €, below the creditor's 30 €.
    assert schedule.fee == Decimal("20.00")
    assert [row.amount for row in schedule.installments] == [
        Decimal("40.00"),
        Decimal("40.00"),
        Decimal("40.00"),
    ]
    schedule = _plan(balance=Decimal("100.01"), principal=Decimal("101.00"), installments=3)
    assert [row.amount for row in schedule.installments] == [
        Decimal("40.00"),
        Decimal("40.00"),
        Decimal("40.01"),
    ]


def test_dates_are_monthly_and_clamped_to_the_month_end():
    schedule = _plan(installments=3)
    assert [row.due_date for row in schedule.installments] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    assert add_months(date(2027, 12, 15), 2) == date(2028, 2, 15)


def test_the_fee_follows_the_legal_table():
    assert _plan(installments=4).fee == Decimal("20.00")  # ≤ 4 installments
    assert _plan(installments=5).fee == Decimal("30.00")  # 100-1,000 and > 4
    assert _plan(installments=5, plans_already_charged=2).fee == Decimal("0.00")


def test_a_plan_below_the_minimum_installment_is_refused():
    with pytest.raises(ScheduleError) as error:
        _plan(installments=12, balance=Decimal("200.00"))
    assert error.value.code is ScheduleRefusal.BELOW_MINIMUM
    with pytest.raises(ScheduleError) as error:
        _plan(monthly_amount=Decimal("10.00"))
    assert error.value.code is ScheduleRefusal.BELOW_MINIMUM


def test_a_plan_above_the_maximum_count_is_refused():
    with pytest.raises(ScheduleError) as error:
        _plan(installments=13, balance=Decimal("3000.00"))
    assert error.value.code is ScheduleRefusal.TOO_MANY_INSTALLMENTS


def test_monthly_amount_a_small_remainder_joins_the_last_installment():
    schedule = _plan(monthly_amount=Decimal("100.00"), balance=Decimal("285.00"))
    # 285 + 20 (≤ 4 installments) = 305: 100, 100, 105 rather than 100, 100, 100, 5.
    assert [row.amount for row in schedule.installments] == [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("105.00"),
    ]


def test_transfer_window_and_fee():
    window = transfer_window(due_date=date(2026, 3, 1), today=date(2026, 2, 20), max_weeks=2)
    assert (window.earliest, window.latest) == (date(2026, 3, 2), date(2026, 3, 15))
    late = transfer_window(due_date=date(2026, 1, 1), today=date(2026, 2, 20), max_weeks=2)
    assert late.is_empty
    before = transfer_fee(
        kind=DebtorKind.CONSUMER,
        due_date=date(2026, 3, 1),
        new_due_date=date(2026, 3, 15),
        original_due_date=date(2026, 3, 1),
        today=date(2026, 2, 20),
        creditor_fee=Decimal("5.00"),
    )
    assert before.amount == Decimal("0.00")
    after = transfer_fee(
        kind=DebtorKind.CONSUMER,
        due_date=date(2026, 3, 1),
        new_due_date=date(2026, 3, 15),
        original_due_date=date(2026, 3, 1),
        today=date(2026, 3, 2),
        creditor_fee=Decimal("8.00"),
    )
    assert (after.amount, after.cap) == (Decimal("5.00"), Decimal("5.00"))
    company = transfer_fee(
        kind=DebtorKind.BUSINESS,
        due_date=date(2026, 3, 1),
        new_due_date=date(2026, 3, 8),
        original_due_date=date(2026, 3, 1),
        today=date(2026, 3, 2),
        creditor_fee=Decimal("10.00"),
    )
    assert company.amount <= Decimal("10.00")


def test_choose_exactly_one_of_count_and_amount():
    with pytest.raises(ScheduleError):
        _plan()
