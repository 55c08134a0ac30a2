"""The law checker itself, on hand-made histories: silent on lawful ones, loud on each breach.

Each breach is built next to its lawful twin on the other side of the boundary, so the test
fails if the checker misses it and fails if it cries wolf.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from tests.lawcheck.checker import check, expected_interest
from tests.lawcheck.history import (
    Allocation,
    Fee,
    Interval,
    InvoiceHistory,
    Plan,
    Rate,
    Step,
    Transfer,
)

D = Decimal
DUE = date(2026, 1, 31)
RATES = [
    Rate(date(2025, 7, 1), date(2025, 12, 31), D("2.50")),
    Rate(date(2026, 1, 1), date(2026, 6, 30), D("2.50")),
    Rate(date(2026, 7, 1), date(2026, 12, 31), D("2.00")),
]


def at(day: date, hour: int = 6) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def day(n: int) -> date:
    return DUE + timedelta(days=n)


def invoice(kind: str = "consumer", principal: str = "80.00", **extra) -> InvoiceHistory:
    values = {
        "id": 1,
        "kind": kind,
        "principal": D(principal),
        "issue_date": DUE - timedelta(days=30),
        "original_due_date": DUE,
        "rates": list(RATES),
    }
    values.update(extra)
    return InvoiceHistory(**values)


def letter(h: InvoiceHistory, step: str, on: date, fee: str | None, pay_days: int = 17) -> None:
    h.steps.append(Step(step, on, at(on), on + timedelta(days=pay_days)))
    if fee is not None:
        kind = "reminder_fee" if step.startswith("reminder") else "demand_fee"
        h.fees.append(Fee(kind, D(fee), on, at(on), step=step))


def rules(h: InvoiceHistory) -> list[str]:
    return [v.rule for v in check(h)]


def lawful_consumer_history() -> InvoiceHistory:
    h = invoice()
    letter(h, "reminder_1", day(15), "5.00")
    letter(h, "demand_1", day(30), "14.00")
    letter(h, "demand_2", day(45), "7.00")
    h.steps.append(Step("legal", day(63), at(day(63))))
    return h


def test_a_lawful_consumer_history_has_no_violation():
    assert check(lawful_consumer_history()) == []


def test_each_violation_names_invoice_date_rule_and_section():
    h = lawful_consumer_history()
    h.fees.append(Fee("reminder_fee", D("6.00"), day(16), at(day(16)), step="reminder_2"))
    h.steps.append(Step("reminder_2", day(16), at(day(16)), day(40)))
    (cap,) = [v for v in check(h) if v.rule == "reminder_fee_cap"]
    assert (cap.invoice_id, cap.on) == (1, day(16))
    assert "10 a § 1 mom 1 k" in cap.section
    assert "6.00 €" in str(cap)


# --- Caps, brackets and counts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "fee", "unlawful"),
    [
        ("100.00", "14.00", False),
        ("100.00", "14.01", True),
        ("100.01", "24.00", False),
        ("1000.00", "24.01", True),
        ("1000.01", "50.00", False),
    ],
)
def test_consumer_first_demand_fee_brackets_10a_2k(principal, fee, unlawful):
    h = invoice(principal=principal)
    letter(h, "reminder_1", day(15), None)
    letter(h, "demand_1", day(30), fee)
    assert ("demand_fee_cap" in rules(h)) is unlawful


@pytest.mark.parametrize(
    ("principal", "first", "second", "unlawful"),
    [
        ("500.00", "50.00", "25.00", False),
        ("500.00", "50.00", "25.01", True),
        ("500.01", "70.00", "35.00", False),
        ("2500.01", "90.00", "45.00", False),
        ("10000.00", "90.01", None, True),
        ("10000.01", "110.00", "55.00", False),
    ],
)
def test_business_demand_fee_brackets_10e_2k_3k(principal, first, second, unlawful):
    h = invoice("business", principal)
    letter(h, "reminder_1", day(10), None)
    letter(h, "demand_1", day(20), first)
    if second:
        letter(h, "demand_2", day(30), second)
    assert ("demand_fee_cap" in rules(h)) is unlawful


def test_a_third_demand_fee_is_refused_10c():
    h = lawful_consumer_history()
    h.fees.append(Fee("demand_fee", D("7.00"), day(60), at(day(60))))
    assert "demand_fee_count" in rules(h)


@pytest.mark.parametrize(("principal", "unlawful"), [("100.00", True), ("100.01", False)])
def test_consumer_total_cap_is_60_up_to_and_including_100_10d(principal, unlawful):
    h = invoice(principal=principal)
    letter(h, "reminder_1", day(15), "5.00")
    letter(h, "demand_1", day(30), "14.00")
    letter(h, "demand_2", day(45), "7.00")
    h.plans.append(Plan(7, day(50), at(day(50)), 4))
    h.fees.append(Fee("plan_fee", D("20.00"), day(50), at(day(50), 9), plan_id=7))
    h.transfers.append(Transfer(day(-20), at(day(-20)), DUE, DUE + timedelta(days=14)))
    h.fees.append(Fee("transfer_fee", D("5.00"), day(-20), at(day(-20), 7)))
    h.plans.append(Plan(8, day(90), at(day(90)), 4))
    h.fees.append(Fee("plan_fee", D("20.00"), day(90), at(day(90), 9), plan_id=8))
    found = rules(h)
    # 5 + 14 + 7 + 20 + 5 + 20 = 71 > 60; ≤ 120 above 100 €, where a second plan fee is lawful.
    assert ("total_cost_cap" in found) is unlawful
    assert ("plan_fee_count" in found) is unlawful


@pytest.mark.parametrize(
    ("principal", "installments", "fee", "unlawful"),
    [
        ("5000.00", 4, "30.00", False),
        ("5000.00", 4, "30.01", True),
        ("400.00", 10, "30.00", False),
        ("5000.00", 6, "60.00", False),
        ("5000.00", 8, "70.00", False),
        ("5000.00", 8, "70.01", True),
        ("500.00", 8, "40.00", False),
        ("20000.00", 12, "105.00", False),
    ],
)
def test_business_plan_fee_cap_10e_6k(principal, installments, fee, unlawful):
    h = invoice("business", principal)
    h.plans.append(Plan(3, day(5), at(day(5)), installments))
    h.fees.append(Fee("plan_fee", D(fee), day(5), at(day(5), 9), plan_id=3))
    assert ("plan_fee_cap" in rules(h)) is unlawful


@pytest.mark.parametrize(("principal", "unlawful"), [("500.00", True), ("500.01", False)])
def test_business_second_plan_fee_only_above_500_10g_2mom(principal, unlawful):
    h = invoice("business", principal)
    for n in (1, 2):
        h.plans.append(Plan(n, day(5 * n), at(day(5 * n)), 3))
        h.fees.append(Fee("plan_fee", D("30.00"), day(5 * n), at(day(5 * n), 9), plan_id=n))
    assert ("plan_fee_count" in rules(h)) is unlawful


def test_business_total_cap_counts_everything_but_the_standard_compensation_10h():
    h = invoice("business", "500.00")
    h.fees.append(Fee("standard_compensation", D("40.00"), day(1), at(day(1))))
    for n in range(1, 9):
        h.plans.append(Plan(n, day(n * 3), at(day(n * 3)), 3))
        h.fees.append(Fee("plan_fee", D("30.00"), day(n * 3), at(day(n * 3), 9), plan_id=n))
    found = [v for v in check(h) if v.rule == "total_cost_cap"]
    # 8 × 30 = 240 ≤ 250 without the 40 €: within the cap.
    assert found == []
    h.fees.append(Fee("transfer_fee", D("10.01"), day(40), at(day(40))))
    assert "total_cost_cap" in rules(h)


def test_business_standard_compensation_offsets_other_costs_10i():
    """The issue's example: 40 € + a 70 € and a 35 € demand = 145 €; at most max(40, 105)."""
    h = invoice("business", "1000.00")
    h.steps.append(Step("reminder_1", day(10), at(day(10)), day(27)))
    h.fees.append(Fee("standard_compensation", D("40.00"), day(10), at(day(10)), "reminder_1"))
    letter(h, "demand_1", day(20), "70.00")
    letter(h, "demand_2", day(30), "35.00")
    assert "standard_compensation_offset" in rules(h)

    lawful = invoice("business", "1000.00")
    lawful.steps.append(Step("reminder_1", day(10), at(day(10)), day(27)))
    lawful.fees.append(Fee("standard_compensation", D("40.00"), day(10), at(day(10)), "reminder_1"))
    letter(lawful, "demand_1", day(20), "30.00")
    letter(lawful, "demand_2", day(30), "35.00")
    assert check(lawful) == []


def test_a_plan_fee_counts_at_its_cap_towards_the_10i_offset():
    """10 i §: the 10 § costs are offset, not what is left of them after the offset. A 12-
    instalment plan may cost 60 € (10 e § 1 mom 6 k a, e): with the 40 € taken first, 20 € of
    it is charged, and the demands that follow are charged in full (the simulation's case)."""

    def history(installments: int) -> InvoiceHistory:
        h = invoice("business", "500.00")
        h.steps.append(Step("reminder_1", day(10), at(day(10)), day(27)))
        h.fees.append(Fee("standard_compensation", D("40.00"), day(10), at(day(10)), "reminder_1"))
        h.plans.append(Plan(1, day(15), at(day(15)), installments))
        h.fees.append(Fee("plan_fee", D("20.00"), day(15), at(day(15), 9), plan_id=1))
        letter(h, "demand_1", day(130), "50.00")
        letter(h, "demand_2", day(145), "25.00")
        return h

    assert "standard_compensation_offset" not in rules(history(12))
    # A 3-instalment plan may cost 30 €: 12 + 30 + 50 + 25 = 117 € < 135 € charged.
    assert "standard_compensation_offset" in rules(history(3))


def test_no_standard_compensation_for_a_consumer_nor_before_the_delay():
    h = invoice()
    h.fees.append(Fee("standard_compensation", D("40.00"), day(1), at(day(1))))
    assert "standard_compensation_consumer" in rules(h)
    b = invoice("business")
    b.fees.append(Fee("standard_compensation", D("40.00"), DUE, at(DUE)))
    assert "standard_compensation_before_delay" in rules(b)


@pytest.mark.parametrize(("days", "unlawful"), [(13, True), (14, False)])
def test_an_extension_fee_only_for_14_days_or_more_10b_3mom(days, unlawful):
    h = invoice()
    h.transfers.append(Transfer(day(-5), at(day(-5)), DUE, DUE + timedelta(days=days)))
    h.fees.append(Fee("transfer_fee", D("5.00"), day(-5), at(day(-5), 7)))
    assert ("transfer_fee_short_extension" in rules(h)) is unlawful


# --- Time limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "unlawful"), [(14, True), (15, False)])
def test_no_fee_bearing_reminder_on_day_14_after_the_due_date_ombudsman(on, unlawful):
    h = invoice()
    letter(h, "reminder_1", day(on), "5.00")
    assert ("ombudsman_day_15" in rules(h)) is unlawful
    assert "reminder_fee_too_soon" not in rules(h)


def test_a_free_reminder_on_day_14_is_lawful():
    h = invoice()
    letter(h, "reminder_1", day(14), None)
    assert check(h) == []


@pytest.mark.parametrize(("gap", "unlawful"), [(14, True), (15, False)])
def test_no_fee_bearing_letter_on_day_14_after_the_previous_letter(gap, unlawful):
    h = invoice()
    letter(h, "reminder_1", day(15), "5.00")
    letter(h, "demand_1", day(15 + gap), "14.00")
    assert ("ombudsman_day_15" in rules(h)) is unlawful


def test_a_new_letter_fee_13_days_after_the_previous_breaks_10b_2mom():
    h = invoice()
    letter(h, "reminder_1", day(15), "5.00")
    letter(h, "reminder_2", day(28), "5.00")
    assert "new_letter_fee_too_soon" in rules(h)


@pytest.mark.parametrize(("sent_days_before", "unlawful"), [(13, True), (14, False)])
def test_reminder_fee_needs_the_invoice_sent_14_days_before_due_10b_1mom(
    sent_days_before, unlawful
):
    h = invoice(sent_on=DUE - timedelta(days=sent_days_before))
    letter(h, "reminder_1", day(15), "5.00")
    assert ("reminder_fee_invoice_sent_late" in rules(h)) is unlawful


@pytest.mark.parametrize(("gap", "unlawful"), [(9, True), (10, False)])
def test_business_new_fee_10_days_after_the_previous_letter_10f(gap, unlawful):
    h = invoice("business", "1000.00")
    letter(h, "reminder_1", day(1), "12.00")
    letter(h, "reminder_2", day(1 + gap), "12.00")
    assert ("business_new_letter_fee_too_soon" in rules(h)) is unlawful


def test_no_demand_without_a_reminder_nor_before_reminder_plus_14_days_5():
    h = invoice()
    letter(h, "demand_1", day(20), None)
    assert "demand_without_reminder" in rules(h)
    soon = invoice()
    letter(soon, "reminder_1", day(15), None)
    letter(soon, "demand_1", day(28), None)
    assert "demand_too_soon_after_reminder" in rules(soon)
    letter(ok := invoice(), "reminder_1", day(15), None)
    letter(ok, "demand_1", day(29), None)
    assert check(ok) == []


@pytest.mark.parametrize(
    ("channel", "pay_days", "unlawful"),
    [("letter", 16, True), ("letter", 17, False), ("email", 12, True), ("email", 13, False)],
)
def test_every_letter_gives_10_days_from_the_latest_day_of_receipt(channel, pay_days, unlawful):
    h = invoice(channel=channel)
    letter(h, "reminder_1", day(15), None, pay_days=pay_days)
    assert ("ombudsman_payment_time" in rules(h)) is unlawful


def test_legal_handover_only_after_the_last_demands_deadline_6():
    h = lawful_consumer_history()
    h.steps[-1] = Step("legal", day(62), at(day(62)))  # demand 2 of day 45 gave until day 62
    assert "legal_before_demand_deadline" in rules(h)
    early = lawful_consumer_history()
    early.steps[-1] = Step("legal", day(62), at(day(62)))
    early.stop_requests.append(at(day(50)))
    assert "legal_before_demand_deadline" not in rules(early)


# --- Allocation, limitation, dispute, stop request ---------------------------------------


def test_consumer_money_goes_to_costs_only_after_capital_and_interest_11a_2mom():
    """The issue's example: 80 € paid three days after a 5 € reminder; 5 € to the fee."""
    h = invoice()
    letter(h, "reminder_1", day(15), "5.00")
    paid = day(18)
    h.allocations += [
        Allocation(1, "costs", D("5.00"), paid, at(paid), 1),
        Allocation(1, "principal", D("75.00"), paid, at(paid), 2),
    ]
    assert "allocation_costs_first" in rules(h)
    lawful = invoice()
    letter(lawful, "reminder_1", day(15), "5.00")
    lawful.allocations += [Allocation(1, "principal", D("80.00"), paid, at(paid), 1)]
    assert check(lawful) == []


def test_business_money_may_go_to_costs_first():
    h = invoice("business")
    letter(h, "reminder_1", day(15), "12.00")
    h.allocations += [Allocation(1, "costs", D("12.00"), day(18), at(day(18)), 1)]
    assert check(h) == []


def test_a_barred_debt_is_never_collected_and_a_late_plan_does_not_revive_it():
    """The issue's example: due 15.5.2020, barred from 15.5.2023, a plan on 3.7.2023."""
    due = date(2020, 5, 15)
    h = invoice(issue_date=date(2020, 4, 1), original_due_date=due)
    h.plans.append(Plan(1, date(2023, 7, 3), at(date(2023, 7, 3)), 4))
    h.fees.append(
        Fee("plan_fee", D("20.00"), date(2023, 7, 3), at(date(2023, 7, 3), 9), None, None, 1)
    )
    h.steps.append(Step("reminder_1", date(2023, 8, 1), at(date(2023, 8, 1)), date(2023, 8, 20)))
    found = [v for v in check(h) if v.rule == "statute_barred"]
    assert [v.on for v in found] == [date(2023, 7, 3), date(2023, 7, 3), date(2023, 8, 1)]


def test_a_payment_before_expiry_starts_a_new_three_years():
    due = date(2020, 5, 15)
    h = invoice(issue_date=date(2020, 4, 1), original_due_date=due)
    h.allocations.append(
        Allocation(1, "principal", D("10.00"), date(2023, 5, 14), at(date(2023, 5, 14)), 1)
    )
    h.steps.append(Step("reminder_1", date(2026, 5, 13), at(date(2026, 5, 13)), date(2026, 6, 1)))
    assert "statute_barred" not in rules(h)
    h.steps.append(Step("demand_1", date(2026, 5, 14), at(date(2026, 5, 14)), date(2026, 6, 2)))
    # The reminder of 13.5.2026 interrupted again, so the demand the next day is in time.
    assert "statute_barred" not in rules(h)
    late = invoice(issue_date=date(2020, 4, 1), original_due_date=due)
    late.allocations.append(
        Allocation(1, "principal", D("10.00"), date(2023, 5, 15), at(date(2023, 5, 15)), 1)
    )
    late.steps.append(Step("reminder_1", date(2023, 6, 1), at(date(2023, 6, 1)), date(2023, 6, 20)))
    assert "statute_barred" in rules(late)


def test_nothing_happens_while_the_debt_is_disputed_4b():
    h = invoice()
    h.disputes.append(Interval(at(day(10)), at(day(40))))
    letter(h, "reminder_1", day(20), "5.00")
    assert {"collection_while_disputed", "cost_while_disputed"} <= set(rules(h))
    after = invoice()
    after.disputes.append(Interval(at(day(10)), at(day(14))))
    letter(after, "reminder_1", day(20), "5.00")
    assert check(after) == []


def test_a_dispute_opened_after_the_mornings_letter_does_not_taint_it():
    h = invoice()
    letter(h, "reminder_1", day(20), "5.00")
    h.disputes.append(Interval(at(day(20), 15)))
    assert check(h) == []


def test_no_costs_after_a_stop_request_4c():
    h = invoice()
    letter(h, "reminder_1", day(15), "5.00")
    h.stop_requests.append(at(day(20)))
    letter(h, "demand_1", day(30), "14.00")
    assert "cost_after_stop_request" in rules(h)
    free = invoice()
    letter(free, "reminder_1", day(15), "5.00")
    free.stop_requests.append(at(day(20)))
    letter(free, "demand_1", day(30), None)
    assert check(free) == []


def test_a_letter_when_nothing_is_owed_is_flagged():
    h = invoice()
    h.allocations.append(Allocation(1, "principal", D("80.00"), day(3), at(day(3)), 1))
    letter(h, "reminder_1", day(15), None)
    assert "collection_of_nothing" in rules(h)


# --- Interest ------------------------------------------------------------------------------


def interest_fee(h: InvoiceHistory, first: date, last: date, amount: str) -> None:
    h.fees.append(Fee("interest", D(amount), last, at(last), period=(first, last)))


def test_interest_is_the_reference_rate_plus_7_pp_for_a_consumer():
    h = invoice(principal="1000.00")
    # 1.2.–2.3.2026: 30 days × 1000 × 9.5 % / 365 = 7.808… → 7.81
    interest_fee(h, day(1), day(30), "7.81")
    assert check(h) == []
    business = invoice("business", "1000.00")
    interest_fee(business, day(1), day(30), "7.81")  # + 8 pp gives 8.63
    assert "interest_amount" in rules(business)


def test_interest_in_a_leap_year_divides_by_366():
    h = invoice(principal="1000.00", original_due_date=date(2028, 1, 31))
    h.rates = [Rate(date(2028, 1, 1), date(2028, 6, 30), D("2.50"))]
    amount, problems = expected_interest(h, date(2028, 2, 1), date(2028, 3, 1))
    assert problems == []
    # 1.2.–1.3.2028 is 30 days with 29 February: 30 × 1000 × 9.5 % / 366 = 7.786… → 7.79
    assert amount == D("7.79")
    interest_fee(h, date(2028, 2, 1), date(2028, 3, 1), "7.81")  # the same divided by 365
    assert "interest_amount" in rules(h)


def test_interest_runs_only_on_unpaid_capital_never_twice_never_at_an_invented_rate():
    h = invoice(principal="1000.00")
    h.allocations.append(Allocation(1, "principal", D("500.00"), day(11), at(day(11)), 1))
    # Paid on 11.2.: that day still on 1000 (a payment pays its own day's interest), then 500.
    # 11 × 1000 + 19 × 500 = 20 500 euro-days at 9.5 % / 365 = 5.335… → 5.34
    interest_fee(h, day(1), day(30), "5.34")
    assert check(h) == []
    interest_fee(h, day(30), day(31), "0.26")
    assert "interest_twice" in rules(h)
    gap = invoice(principal="1000.00", rates=[RATES[1]])
    interest_fee(gap, date(2026, 6, 21), date(2026, 7, 10), "5.21")
    (wrong,) = [v for v in check(gap) if v.rule == "interest_amount"]
    assert "no reference rate entered" in wrong.detail
