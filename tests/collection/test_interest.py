"""Late-payment interest: actual/actual (366 days in a leap year), rate by half-year."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collection.interest import (
    DEFAULT_REFERENCE_RATES,
    ReferenceRate,
    UnknownReferenceRate,
    interest_periods,
    late_interest,
    late_interest_rate,
)
from collection.rules import DebtorKind

C = DebtorKind.CONSUMER
B = DebtorKind.BUSINESS
D = Decimal

# Hypothetical rates for other half-years: only 1–6/2026 is a researched value.
RATES = (
    ReferenceRate(date(2025, 7, 1), date(2025, 12, 31), D("2.00")),
    *DEFAULT_REFERENCE_RATES,
    ReferenceRate(date(2026, 7, 1), date(2026, 12, 31), D("2.00")),
    ReferenceRate(date(2027, 1, 1), date(2027, 6, 30), D("2.00")),
    ReferenceRate(date(2027, 7, 1), date(2027, 12, 31), D("2.00")),
    ReferenceRate(date(2028, 1, 1), date(2028, 6, 30), D("2.00")),
    ReferenceRate(date(2028, 7, 1), date(2028, 12, 31), D("2.00")),
)


def test_the_seeded_rate_is_two_and_a_half_percent_for_the_first_half_of_2026():
    assert (
        ReferenceRate(date(2026, 1, 1), date(2026, 6, 30), D("2.50")),
    ) == DEFAULT_REFERENCE_RATES
    assert late_interest_rate(C, date(2026, 3, 1), DEFAULT_REFERENCE_RATES) == D("9.50")
    assert late_interest_rate(B, date(2026, 3, 1), DEFAULT_REFERENCE_RATES) == D("10.50")


@pytest.mark.parametrize("as_of", [date(2026, 1, 1), date(2026, 1, 30), date(2026, 1, 31)])
def test_no_interest_before_or_on_the_due_date(as_of):
    assert late_interest(D("1000.00"), date(2026, 1, 31), as_of, C, RATES) == D("0.00")
    assert interest_periods(D("1000.00"), date(2026, 1, 31), as_of, C, RATES) == []


def test_interest_starts_the_day_after_the_due_date():
    # 1 day at 9.5 %: 1000 × 0.095 / 365 = 0.2603 → 0.26
    assert late_interest(D("1000.00"), date(2026, 1, 31), date(2026, 2, 1), C, RATES) == D("0.26")


def test_thirty_days_at_the_consumer_rate():
    # 1 Feb – 2 Mar 2026 is 30 days: 1000 × 9.5 % × 30 / 365 = 7.808… → 7.81
    assert late_interest(D("1000.00"), date(2026, 1, 31), date(2026, 3, 2), C, RATES) == D("7.81")


def test_consumer_and_business_margins_differ_by_one_point():
    args = (D("10000.00"), date(2026, 1, 31), date(2026, 3, 2))
    assert late_interest(*args, C, RATES) == D("78.08")  # 9.5 % × 30/365
    assert late_interest(*args, B, RATES) == D("86.30")  # 10.5 % × 30/365


def test_the_rate_switches_at_the_half_year_boundary():
    # 15 days of June at 2.5 + 7 = 9.5 %, then 15 days of July at 2.0 + 7 = 9.0 %.
    parts = interest_periods(D("1000.00"), date(2026, 6, 15), date(2026, 7, 15), C, RATES)
    assert [(p.start, p.end, p.days, p.annual_rate) for p in parts] == [
        (date(2026, 6, 16), date(2026, 6, 30), 15, D("9.50")),
        (date(2026, 7, 1), date(2026, 7, 15), 15, D("9.00")),
    ]
    # 1000 × (0.095 × 15 + 0.090 × 15) / 365 = 7.6027… → 7.60
    assert late_interest(D("1000.00"), date(2026, 6, 15), date(2026, 7, 15), C, RATES) == D("7.60")


def test_a_leap_years_days_count_over_366_actual_actual():
    # 28 Feb, 29 Feb and 1 Mar 2028: 3 days; 10000 × 9 % × 3 / 366 = 7.377… → 7.38
    # (over 365 it would be 7.40: a leap year's daily rate is 1/366 of the annual rate).
    parts = interest_periods(D("10000.00"), date(2028, 2, 27), date(2028, 3, 1), C, RATES)
    assert sum(p.days for p in parts) == 3
    assert late_interest(D("10000.00"), date(2028, 2, 27), date(2028, 3, 1), C, RATES) == D("7.38")


def test_a_whole_leap_year_accrues_exactly_the_annual_rate():
    # 1 Jan – 31 Dec 2028 = 366 days at 9 %: 1000 × 0.09 × 366 / 366 = 90.00
    amount = late_interest(D("1000.00"), date(2027, 12, 31), date(2028, 12, 31), C, RATES)
    assert amount == D("90.00")


def test_a_delay_across_new_year_counts_each_year_at_its_own_length():
    # 2027-12-31 (1/365) and 2028-01-01 … 2028-01-02 (2/366) at 9 % on 36500 €:
    # 36500 × 0.09 × (1/365 + 2/366) = 9.00 + 17.950… = 26.95
    periods = interest_periods(D("36500.00"), date(2027, 12, 30), date(2028, 1, 2), C, RATES)
    assert [(p.start, p.end, p.days) for p in periods] == [
        (date(2027, 12, 31), date(2027, 12, 31), 1),
        (date(2028, 1, 1), date(2028, 1, 2), 2),
    ]
    assert late_interest(D("36500.00"), date(2027, 12, 30), date(2028, 1, 2), C, RATES) == D(
        "26.95"
    )


def test_rounding_happens_once_at_the_end_half_up():
    # 0.05 € at 10 % for the 365 days of 2027, in two half-years of 0.0025 € each: rounding
    # each period would give 0.00; the exact total 0.005 rounds half up to 0.01.
    parts = interest_periods(D("0.05"), date(2026, 12, 31), date(2027, 12, 31), B, RATES)
    assert len(parts) == 2
    assert all(p.amount.quantize(D("0.01")) == D("0.00") for p in parts)
    assert late_interest(D("0.05"), date(2026, 12, 31), date(2027, 12, 31), B, RATES) == D("0.01")


def test_an_unknown_period_raises_instead_of_guessing():
    with pytest.raises(UnknownReferenceRate, match="2026-07-01"):
        late_interest(D("100.00"), date(2026, 6, 29), date(2026, 7, 2), C, DEFAULT_REFERENCE_RATES)
    with pytest.raises(UnknownReferenceRate):
        late_interest_rate(C, date(2030, 1, 1), RATES)


def test_overlapping_or_inverted_periods_are_refused():
    overlapping = (
        ReferenceRate(date(2026, 1, 1), date(2026, 6, 30), D("2.50")),
        ReferenceRate(date(2026, 6, 30), date(2026, 12, 31), D("2.00")),
    )
    with pytest.raises(ValueError, match="overlapping"):
        late_interest(D("1.00"), date(2026, 1, 1), date(2026, 7, 2), C, overlapping)
    with pytest.raises(ValueError):
        ReferenceRate(date(2026, 7, 1), date(2026, 6, 30), D("2.00"))
    with pytest.raises(TypeError):
        ReferenceRate(date(2026, 1, 1), date(2026, 6, 30), 2.5)


def test_a_negative_or_float_principal_is_refused():
    with pytest.raises(ValueError):
        late_interest(D("-1.00"), date(2026, 1, 1), date(2026, 2, 1), C, RATES)
    with pytest.raises(ValueError):
        late_interest(100.0, date(2026, 1, 1), date(2026, 2, 1), C, RATES)


days_in_range = st.integers(min_value=0, max_value=(date(2028, 12, 31) - date(2025, 7, 1)).days)


@given(
    principal=st.decimals(min_value=0, max_value=10**6, places=2),
    start=days_in_range,
    length=st.integers(min_value=0, max_value=900),
    kind=st.sampled_from(DebtorKind),
)
def test_interest_never_decreases_with_time_and_is_zero_for_no_delay(
    principal, start, length, kind
):
    due = date(2025, 6, 30) + timedelta(days=start)
    as_of = min(due + timedelta(days=length), date(2028, 12, 31))
    later = min(as_of + timedelta(days=1), date(2028, 12, 31))
    now = late_interest(principal, due, as_of, kind, RATES)
    assert now >= 0
    assert late_interest(principal, due, later, kind, RATES) >= now
    assert late_interest(principal, due, due, kind, RATES) == 0
    parts = interest_periods(principal, due, as_of, kind, RATES)
    assert sum(p.days for p in parts) == max((as_of - due).days, 0)
