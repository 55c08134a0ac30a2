"""The legal rule table: every DESIGN.md row is there, named, and looked up at its boundaries."""

from datetime import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collection.rules import (
    LEGAL_RULES,
    Bracket,
    DebtorKind,
    Step,
    Topic,
    Unit,
    demand_fee_cap,
    interest_margin,
    limitation_years,
    min_days_after_previous,
    phone_contact_allowed,
    plan_fee_cap,
    price_list_rows,
    reminder_fee_cap,
    rule,
    rules_for,
    standard_compensation_cap,
    total_cost_cap,
    transfer_fee_cap,
)

C = DebtorKind.CONSUMER
B = DebtorKind.BUSINESS
D = Decimal


def test_every_rule_has_a_unique_code_and_names_its_source():
    codes = [row.code for row in LEGAL_RULES]
    assert len(codes) == len(set(codes))
    for row in LEGAL_RULES:
        assert row.source.strip(), row.code
        assert any(
            law in row.source
            for law in (
                "513/1999",
                "633/1982",
                "728/2003",
                "KKV/378/14.08.01.05/2022",
                "434/2003",
                "13/2003",
                "policy",
            )
        ), row.code


def test_euro_caps_are_whole_cents():
    for row in LEGAL_RULES:
        if row.unit is Unit.EUR and row.cap is not None:
            assert row.cap == row.cap.quantize(D("0.01")), row.code


def test_debtor_kind_maps_the_models_company_onto_business():
    assert DebtorKind.from_debtor_type("company") is B
    assert DebtorKind.from_debtor_type("consumer") is C
    with pytest.raises(ValueError):
        DebtorKind.from_debtor_type("alien")


@pytest.mark.parametrize(
    ("kind", "number", "cap"),
    [(C, 1, "5.00"), (C, 2, "5.00"), (C, 3, "0.00"), (B, 1, "12.00"), (B, 2, "12.00")],
)
def test_reminder_fee_cap(kind, number, cap):
    assert reminder_fee_cap(kind, number) == D(cap)


def test_reminder_number_starts_at_one():
    with pytest.raises(ValueError):
        reminder_fee_cap(C, 0)


def test_the_standard_compensation_is_forty_euros_once_for_businesses_only():
    assert standard_compensation_cap() == D("40.00")
    row = rule("business.standard_compensation")
    assert row.kind is B
    assert row.max_count == 1
    assert not rules_for(Topic.STANDARD_COMPENSATION, C)


@pytest.mark.parametrize(
    ("kind", "principal", "first", "second"),
    [
        (C, "0.01", "14.00", "7.00"),
        (C, "99.99", "14.00", "7.00"),
        (C, "100.00", "14.00", "7.00"),
        (C, "100.01", "24.00", "12.00"),
        (C, "1000.00", "24.00", "12.00"),
        (C, "1000.01", "50.00", "25.00"),
        (C, "250000.00", "50.00", "25.00"),
        (B, "0.01", "50.00", "25.00"),
        (B, "500.00", "50.00", "25.00"),
        (B, "500.01", "70.00", "35.00"),
        (B, "2500.00", "70.00", "35.00"),
        (B, "2500.01", "90.00", "45.00"),
        (B, "10000.00", "90.00", "45.00"),
        (B, "10000.01", "110.00", "55.00"),
    ],
)
def test_demand_fee_cap_brackets_and_boundaries(kind, principal, first, second):
    assert demand_fee_cap(kind, D(principal), 1) == D(first)
    assert demand_fee_cap(kind, D(principal), 2) == D(second)


def test_the_second_demand_is_half_of_the_first_in_every_bracket():
    for row in rules_for(Topic.DEMAND_FEE):
        if row.step is Step.DEMAND_2:
            first = rule(row.code.replace("demand_2", "demand_1"))
            assert row.cap * 2 == first.cap


@pytest.mark.parametrize(
    ("principal", "cap"),
    [
        ("0.00", "60.00"),
        ("99.99", "60.00"),
        ("100.00", "60.00"),  # 10 d § 1 mom 1 k: "enintään 100 euroa"
        ("100.01", "120.00"),
        ("1000.00", "120.00"),
        ("1000.01", "210.00"),
    ],
)
def test_consumer_total_cost_cap(principal, cap):
    assert total_cost_cap(C, D(principal)) == D(cap)


@pytest.mark.parametrize(
    ("principal", "cap"),
    [
        ("0.01", "250.00"),
        ("500.00", "250.00"),
        ("500.01", "470.00"),
        ("2500.00", "470.00"),
        ("2500.01", "550.00"),
        ("10000.00", "550.00"),
        ("10000.01", "620.00"),
    ],
)
def test_business_total_cost_cap_10_h(principal, cap):
    assert total_cost_cap(B, D(principal)) == D(cap)


@pytest.mark.parametrize(
    ("principal", "installments", "already", "cap"),
    [
        ("100.00", 12, 0, "20.00"),  # principal ≤ 100, any installments
        ("100.01", 4, 0, "20.00"),  # ≤ 4 installments, any principal
        ("5000.00", 4, 0, "20.00"),
        ("100.01", 5, 0, "30.00"),
        ("1000.00", 5, 0, "30.00"),
        ("1000.01", 5, 0, "50.00"),
        ("1000.01", 5, 1, "50.00"),
        ("1000.01", 5, 2, "0.00"),  # at most two charged plans
        ("100.00", 3, 1, "0.00"),  # 10 c §: a second plan only when the principal > 100
        ("100.01", 3, 1, "20.00"),
        ("99.99", 3, 1, "0.00"),
        ("99.99", 3, 0, "20.00"),
    ],
)
def test_consumer_plan_fee_cap(principal, installments, already, cap):
    assert plan_fee_cap(C, D(principal), installments, already) == D(cap)


@pytest.mark.parametrize(
    ("principal", "installments", "already", "cap"),
    [
        # 10 e § 1 mom 6 k a–d: 30 if ≤ 500 or ≤ 4 installments; 45 / 60 / 75 otherwise.
        ("500.00", 6, 0, "30.00"),
        ("500.01", 4, 0, "30.00"),
        ("500.01", 5, 0, "45.00"),
        ("2500.00", 5, 0, "45.00"),
        ("2500.01", 5, 0, "60.00"),
        ("10000.00", 6, 0, "60.00"),
        ("10000.01", 6, 0, "75.00"),
        # 6 k e: + 5 € for each installment from the 7th when more than six.
        ("500.00", 7, 0, "35.00"),
        ("10000.01", 12, 0, "105.00"),
        # 10 g § 2 mom: one plan; two only when the principal > 500.
        ("500.00", 3, 1, "0.00"),
        ("500.01", 3, 1, "30.00"),
        ("500.01", 3, 2, "0.00"),
    ],
)
def test_business_plan_fee_cap_and_count(principal, installments, already, cap):
    assert plan_fee_cap(B, D(principal), installments, already) == D(cap)


@pytest.mark.parametrize(
    ("kind", "days", "before_due", "cap"),
    [
        (C, 30, True, "0.00"),
        (C, 13, False, "0.00"),
        (C, 14, False, "5.00"),
        (C, 60, False, "5.00"),
        (B, 13, False, "0.00"),
        (B, 14, False, "10.00"),
        (B, 14, True, "10.00"),
    ],
)
def test_transfer_fee_cap(kind, days, before_due, cap):
    assert transfer_fee_cap(kind, days, before_due) == D(cap)


def test_interest_margins_and_limitation():
    assert interest_margin(C) == D(7)
    assert interest_margin(B) == D(8)
    assert limitation_years() == 3


@pytest.mark.parametrize(
    ("kind", "step", "days"),
    [
        # Consumer Ombudsman 2024: every letter on day 15 at the earliest.
        (C, Step.REMINDER_1, 15),
        (C, Step.REMINDER_2, 15),
        (C, Step.DEMAND_1, 15),
        (C, Step.DEMAND_2, 15),
        (C, Step.LEGAL_NOTICE, 15),
        (C, Step.LEGAL, None),
        # 10 f § 1 mom: 10 days after the previous reminder or demand.
        (B, Step.REMINDER_1, None),
        (B, Step.REMINDER_2, 10),
        (B, Step.DEMAND_1, 10),
        (B, Step.DEMAND_2, 10),
    ],
)
def test_minimum_intervals(kind, step, days):
    assert min_days_after_previous(kind, step) == days


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (time(6, 59), False),
        (time(7, 0), True),
        (time(12, 0), True),
        (time(21, 59), True),
        (time(22, 0), False),
        (time(0, 0), False),
    ],
)
def test_no_phone_contact_between_22_and_07(at, allowed):
    assert phone_contact_allowed(at) is allowed


def test_every_design_never_rule_is_a_row():
    codes = {row.code for row in rules_for(Topic.NEVER)}
    assert codes == {
        "never.disputed",
        "never.statute_barred",
        "never.collection_without_reminder",
        "never.marketing_in_collection",
        "never.phone_22_07",
        "never.costs_after_breach",
    }


@given(st.decimals(min_value=0, max_value=10**7, places=2))
def test_each_principal_falls_in_exactly_one_bracket(principal):
    for kind in DebtorKind:
        for step in (Step.DEMAND_1, Step.DEMAND_2):
            rows = [r for r in rules_for(Topic.DEMAND_FEE, kind, step)]
            assert sum(r.bracket.contains(principal) for r in rows) == 1
    for kind in DebtorKind:
        totals = rules_for(Topic.TOTAL_COSTS, kind)
        assert sum(r.bracket.contains(principal) for r in totals) == 1
        counts = rules_for(Topic.PLAN_COUNT, kind)
        assert sum(r.bracket.contains(principal) for r in counts) == 1


@given(
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.integers(min_value=1, max_value=60),
)
def test_every_consumer_plan_has_a_cap(principal, installments):
    assert plan_fee_cap(C, principal, installments, 0) in {D(20), D(30), D(50)}


def test_brackets_describe_themselves():
    assert Bracket().describe() == ""
    assert Bracket(upper=D(100)).describe() == "principal ≤ 100"
    assert Bracket(lower=D(100), lower_inclusive=True, upper=D(1000)).describe() == (
        "principal ≥ 100 and ≤ 1000"
    )


def test_negative_principal_is_refused():
    with pytest.raises(ValueError):
        demand_fee_cap(C, D("-1.00"), 1)
    with pytest.raises(ValueError):
        total_cost_cap(C, 100)  # a float or int is not money


def test_price_list_is_the_rule_table():
    rows = price_list_rows()
    by_key = {(r.label_key, r.condition): r for r in rows}
    reminder = by_key[("reminder", "")]
    assert (reminder.consumer, reminder.business) == (D("5.00"), D("12.00"))
    assert by_key[("transfer_long", "transfer ≥ 14 days")].business == D("10.00")
    assert by_key[("interest", "")].unit is Unit.PERCENT_POINTS
    # Every euro cap in the table is printed somewhere on the list, and nothing else is.
    printed = {(r.label_key, v) for r in rows for v in (r.consumer, r.business) if v is not None}
    expected = {
        (row.label_key, row.cap)
        for row in LEGAL_RULES
        if row.label_key and row.cap is not None and row.unit in (Unit.EUR, Unit.PERCENT_POINTS)
    }
    assert printed == expected
    assert all(r.source for r in rows)


def test_the_rule_engine_modules_import_without_django():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, collection.rules, collection.interest, collection.decision; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=root).returncode == 0


def test_the_interest_rows_state_the_actual_actual_day_count():
    rows = [row for row in LEGAL_RULES if row.code.endswith(".interest_margin")]
    assert len(rows) == 2
    assert all("actual/actual" in row.source and "366 in a leap year" in row.source for row in rows)
