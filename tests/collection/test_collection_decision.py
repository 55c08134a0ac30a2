"""The collection decision: every step, cap bracket, boundary date and "never" rule.

DESIGN.md "Finnish rules the engine enforces" and issue 7, "What must work" 2–3 and 9.
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collection.decision import (
    CollectionSettings,
    Decision,
    FeeReason,
    InvoiceSituation,
    Reason,
    Stage,
    TakenStep,
    apply_step,
    decide_next_step,
    limitation_ends_on,
    simulate_schedule,
)
from collection.rules import (
    STEP_ORDER,
    DebtorKind,
    Step,
    min_days_after_previous,
    total_cost_cap,
)

C = DebtorKind.CONSUMER
B = DebtorKind.BUSINESS
D = Decimal
DUE = date(2026, 1, 31)


def days(n: int, start: date = DUE) -> date:
    return start + timedelta(days=n)


def invoice(**overrides) -> InvoiceSituation:
    values = {
        "kind": C,
        "principal": D("500.00"),
        "due_date": DUE,
        "original_due_date": DUE,
        "sent_on": days(-30),  # 10 b § 1 mom: sent well before the due date
    }
    values.update(overrides)
    return InvoiceSituation(**values)


def creditor(**overrides) -> CollectionSettings:
    values = {
        "reminder_count": 1,
        "first_reminder_days": 14,
        "reminder_fee": D("5.00"),
        "days_to_collection": 14,
        "demand_fee_first": D("50.00"),
        "demand_fee_second": D("25.00"),
    }
    values.update(overrides)
    return CollectionSettings(**values)


def reminded(on: date | None = None, fee: str = "5.00", **overrides) -> InvoiceSituation:
    on = on or days(14)
    return invoice(
        stage=Stage.REMINDED,
        steps_taken=(TakenStep(Step.REMINDER_1, on, D(fee)),),
        charges_total=D(fee),
        **overrides,
    )


def demanded(kind: DebtorKind, on: date, **overrides) -> InvoiceSituation:
    return invoice(
        kind=kind,
        stage=Stage.COLLECTION,
        steps_taken=(
            TakenStep(Step.REMINDER_1, days(-14, on), D("5.00")),
            TakenStep(Step.DEMAND_1, on, D("14.00")),
        ),
        charges_total=D("19.00"),
        **overrides,
    )


# --- reminders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "reason", "on"),
    [
        (days(0), Reason.SCHEDULED, days(15)),
        (days(14), Reason.SCHEDULED, days(15)),  # Ombudsman 2024: never on the 14th day
        (days(15), Reason.DUE, days(15)),
        (days(40), Reason.DUE, days(40)),
    ],
)
def test_first_reminder_waits_for_the_creditors_days_and_comes_on_day_15_at_the_earliest(
    today, reason, on
):
    decision = decide_next_step(invoice(), creditor(), today)
    assert (decision.step, decision.on, decision.reason_code) == (Step.REMINDER_1, on, reason)
    assert decision.is_due(today) is (reason is Reason.DUE)


@pytest.mark.parametrize(
    ("first_reminder_days", "on"),
    [(7, 15), (13, 15), (14, 15), (15, 15), (21, 21)],
)
def test_a_consumer_reminder_is_never_sent_before_day_15_after_the_due_date(
    first_reminder_days, on
):
    """513/1999 10 b § 1 mom as read by the Consumer Ombudsman 2024: earliest day 15."""
    decision = decide_next_step(
        invoice(), creditor(first_reminder_days=first_reminder_days), days(first_reminder_days)
    )
    assert (decision.step, decision.on) == (Step.REMINDER_1, days(on))
    assert (decision.fee, decision.fee_reason) == (D("5.00"), FeeReason.CHARGED)
    assert decision.rule_code == "consumer.reminder_1"
    assert decision.legal_cap == D("5.00")


@pytest.mark.parametrize(("interval", "on"), [(13, 32), (14, 32), (30, 44)])
def test_a_second_consumer_reminder_waits_for_the_first_ones_pay_by_date(interval, on):
    """10 b § 2 mom, Ombudsman 2024: the first reminder (day 14) is paid by day 31 at the latest."""
    decision = decide_next_step(
        reminded(), creditor(reminder_count=2, reminder_interval_days=interval), days(14)
    )
    assert (decision.step, decision.on) == (Step.REMINDER_2, days(on))
    assert (decision.fee, decision.fee_reason) == (D("5.00"), FeeReason.CHARGED)


def test_a_consumer_is_charged_for_at_most_two_reminders():
    situation = invoice(
        steps_taken=(TakenStep(Step.REMINDER_1, days(14), D("5.00")),),
        charges_total=D("5.00"),
    )
    decision = decide_next_step(situation, creditor(reminder_count=2), days(28))
    assert decision.fee == D("5.00")
    # Both reminder steps exist once each; a third can never be decided.
    after = apply_step(situation, decision)
    assert decide_next_step(after, creditor(reminder_count=2), days(28)).step is Step.DEMAND_1


@pytest.mark.parametrize(
    ("kind", "setting", "fee", "fee_reason"),
    [
        (C, "5.00", "5.00", FeeReason.CHARGED),
        (C, "3.50", "3.50", FeeReason.CHARGED),
        (C, "12.00", "5.00", FeeReason.CAPPED),
        (C, "0.00", "0.00", FeeReason.NO_FEE_SET),
        (B, "12.00", "12.00", FeeReason.CHARGED),
        (B, "15.00", "12.00", FeeReason.CAPPED),
        (B, "5.00", "5.00", FeeReason.CHARGED),
    ],
)
def test_reminder_fee_is_the_creditors_fee_within_the_cap(kind, setting, fee, fee_reason):
    decision = decide_next_step(invoice(kind=kind), creditor(reminder_fee=D(setting)), days(14))
    assert (decision.fee, decision.fee_reason, decision.creditor_setting) == (
        D(fee),
        fee_reason,
        D(setting),
    )
    assert decision.charge_kind == ("reminder_fee" if D(fee) > 0 else None)


# --- business standard compensation -----------------------------------------------------


def test_business_standard_compensation_is_charged_once_instead_of_reminder_fees():
    schedule = simulate_schedule(
        invoice(kind=B, principal=D("300.00")),
        creditor(reminder_count=2, use_standard_compensation=True, reminder_fee=D("12.00")),
        DUE,
    )
    first, second = schedule[0], schedule[1]
    assert (first.step, first.fee, first.charge_kind) == (
        Step.REMINDER_1,
        D("40.00"),
        "standard_compensation",
    )
    assert first.rule_code == "business.standard_compensation"
    assert (second.step, second.fee, second.fee_reason) == (
        Step.REMINDER_2,
        D("0.00"),
        FeeReason.COUNT_REACHED,
    )


def test_no_standard_compensation_after_a_reminder_fee():
    situation = invoice(
        kind=B,
        steps_taken=(TakenStep(Step.REMINDER_1, days(14), D("12.00")),),
        charges_total=D("12.00"),
    )
    decision = decide_next_step(
        situation, creditor(reminder_count=2, use_standard_compensation=True), days(28)
    )
    assert (decision.step, decision.fee, decision.fee_reason) == (
        Step.REMINDER_2,
        D("0.00"),
        FeeReason.NOT_BOTH,
    )


def test_no_reminder_fee_after_the_standard_compensation():
    situation = invoice(
        kind=B,
        steps_taken=(TakenStep(Step.REMINDER_1, days(14), D("40.00")),),
        charges_total=D("40.00"),
        standard_compensation_charged=True,
    )
    decision = decide_next_step(situation, creditor(reminder_count=2), days(28))
    assert (decision.fee, decision.fee_reason) == (D("0.00"), FeeReason.NOT_BOTH)


def test_consumers_never_get_the_standard_compensation():
    decision = decide_next_step(invoice(), creditor(use_standard_compensation=True), days(14))
    assert (decision.fee, decision.charge_kind) == (D("5.00"), "reminder_fee")


# --- payment demands: brackets and boundaries ----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "principal", "first", "second"),
    [
        (C, "0.01", "14.00", "7.00"),
        (C, "99.99", "14.00", "7.00"),
        (C, "100.00", "14.00", "7.00"),
        (C, "100.01", "24.00", "12.00"),
        (C, "1000.00", "24.00", "12.00"),
        (C, "1000.01", "50.00", "25.00"),
        (B, "500.00", "50.00", "25.00"),
        (B, "500.01", "70.00", "35.00"),
        (B, "2500.00", "70.00", "35.00"),
        (B, "2500.01", "90.00", "45.00"),
        (B, "10000.00", "90.00", "45.00"),
        (B, "10000.01", "110.00", "55.00"),
    ],
)
def test_demand_fees_follow_the_principal_bracket(kind, principal, first, second):
    settings_ = creditor(demand_fee_first=D("500.00"), demand_fee_second=D("500.00"))
    situation = reminded(kind=kind, principal=D(principal), fee="0.00")
    demand_1 = decide_next_step(situation, settings_, days(28))
    assert (demand_1.step, demand_1.fee, demand_1.legal_cap) == (
        Step.DEMAND_1,
        D(first),
        D(first),
    )
    assert demand_1.fee_reason is FeeReason.CAPPED
    assert demand_1.charge_kind == "demand_fee"
    # Business debtors have no total-cost cap; give the consumer room for the second fee.
    after = replace(apply_step(situation, demand_1), charges_total=D("0.00"))
    demand_2 = decide_next_step(after, settings_, days(60))
    assert (demand_2.step, demand_2.fee) == (Step.DEMAND_2, D(second))


def test_a_demand_fee_below_the_cap_is_the_creditors_fee():
    decision = decide_next_step(
        reminded(principal=D("5000.00")), creditor(demand_fee_first=D("30.00")), days(28)
    )
    assert (decision.fee, decision.fee_reason, decision.legal_cap) == (
        D("30.00"),
        FeeReason.CHARGED,
        D("50.00"),
    )


@pytest.mark.parametrize(
    ("kind", "setting_days", "today", "on", "reason"),
    [
        # Consumer: the 1st demand never before the reminder's pay-by date (day 31) has passed.
        (C, 7, 20, 32, Reason.SCHEDULED),
        (C, 14, 31, 32, Reason.SCHEDULED),
        (C, 14, 32, 32, Reason.DUE),
        (C, 21, 28, 35, Reason.SCHEDULED),
        # Business: 10 days.
        (B, 7, 20, 24, Reason.SCHEDULED),
        (B, 10, 23, 24, Reason.SCHEDULED),
        (B, 10, 24, 24, Reason.DUE),
    ],
)
def test_the_first_demand_waits_for_the_legal_interval(kind, setting_days, today, on, reason):
    decision = decide_next_step(
        reminded(kind=kind), creditor(days_to_collection=setting_days), days(today)
    )
    assert (decision.step, decision.on, decision.reason_code) == (Step.DEMAND_1, days(on), reason)


@pytest.mark.parametrize(
    ("kind", "setting_days", "today", "on", "reason"),
    [
        # Consumer: the first demand's pay-by date is 17 days after it.
        (C, 13, 13, 18, Reason.SCHEDULED),
        (C, 14, 17, 18, Reason.SCHEDULED),
        (C, 14, 18, 18, Reason.DUE),
        (B, 9, 9, 10, Reason.SCHEDULED),
        (B, 10, 9, 10, Reason.SCHEDULED),
        (B, 10, 10, 10, Reason.DUE),
        (B, 30, 10, 30, Reason.SCHEDULED),
    ],
)
def test_the_second_demand_waits_for_the_first_ones_date_or_10_days_for_businesses(
    kind, setting_days, today, on, reason
):
    demand_1_on = days(30)
    decision = decide_next_step(
        demanded(kind, demand_1_on),
        creditor(demand_interval_days=setting_days),
        days(today, demand_1_on),
    )
    assert (decision.step, decision.on, decision.reason_code) == (
        Step.DEMAND_2,
        days(on, demand_1_on),
        reason,
    )


def test_legal_notice_and_legal_carry_no_fee_and_follow_the_settings():
    situation = demanded(C, days(30))
    situation = apply_step(situation, decide_next_step(situation, creditor(), days(44)))
    assert situation.last_step.on == days(48)  # the first demand's pay-by date passed
    notice = decide_next_step(situation, creditor(legal_notice_days=21), days(44))
    assert (notice.step, notice.on, notice.fee) == (Step.LEGAL_NOTICE, days(69), D("0.00"))
    assert notice.fee_reason is FeeReason.NO_FEE_FOR_STEP
    assert notice.pay_by == days(69 + 17)
    # 6 § 1 mom: legal collection only after the letters' pay-by dates have passed.
    legal = decide_next_step(apply_step(situation, notice), creditor(legal_days=7), days(69))
    assert (legal.step, legal.on, legal.pay_by) == (Step.LEGAL, days(69 + 18), None)


# --- the consumer's total-cost cap -------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "charged", "fee", "fee_reason"),
    [
        ("80.00", "46.00", "14.00", FeeReason.CAPPED),  # 46 + 14 = 60: exactly the cap
        ("80.00", "46.01", "0.00", FeeReason.TOTAL_CAP),
        ("99.99", "50.00", "0.00", FeeReason.TOTAL_CAP),
        ("100.00", "46.00", "14.00", FeeReason.CAPPED),  # 10 d §: 100.00 is in the 60 € bracket
        ("100.00", "46.01", "0.00", FeeReason.TOTAL_CAP),
        ("100.01", "96.00", "24.00", FeeReason.CAPPED),
        ("1000.00", "96.00", "24.00", FeeReason.CAPPED),
        ("1000.00", "96.01", "0.00", FeeReason.TOTAL_CAP),
        ("1000.01", "160.00", "50.00", FeeReason.CHARGED),
        ("1000.01", "160.01", "0.00", FeeReason.TOTAL_CAP),
    ],
)
def test_a_fee_that_would_break_the_total_cost_cap_is_refused_not_trimmed(
    principal, charged, fee, fee_reason
):
    situation = replace(reminded(principal=D(principal)), charges_total=D(charged))
    decision = decide_next_step(situation, creditor(), days(28))
    assert decision.step is Step.DEMAND_1  # the letter still goes out
    assert (decision.fee, decision.fee_reason) == (D(fee), fee_reason)
    assert decision.total_cost_cap == total_cost_cap(C, D(principal))
    if fee_reason is FeeReason.TOTAL_CAP:
        assert decision.rule_code.startswith("consumer.total.")
        assert decision.charge_kind is None
        assert "refused" in decision.explanation


def test_a_business_fee_that_would_break_the_10_h_total_cap_is_refused():
    situation = replace(reminded(kind=B, principal=D("80.00")), charges_total=D("200.01"))
    decision = decide_next_step(situation, creditor(), days(28))
    assert (decision.fee, decision.total_cost_cap) == (D("0.00"), D("250.00"))
    assert decision.rule_code == "business.total.le500"


# --- the "never" rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason", "rule_code"),
    [
        ({"stage": Stage.PAID}, Reason.PAID, None),
        ({"stage": Stage.CREDITED}, Reason.CREDITED, None),
        ({"principal": D("0.00")}, Reason.NOTHING_UNPAID, None),
        ({"disputed": True}, Reason.DISPUTED, "never.disputed"),
        ({"in_active_plan": True}, Reason.ACTIVE_PLAN, None),
        ({"transfer_until": days(60)}, Reason.TRANSFER, None),
        ({"transfer_until": days(40)}, Reason.TRANSFER, None),  # today is its last day
        ({"stage": Stage.LEGAL}, Reason.HANDED_OVER, None),
        ({"original_due_date": date(2022, 1, 31)}, Reason.STATUTE_BARRED, "never.statute_barred"),
    ],
)
def test_nothing_happens_when_a_never_rule_applies(overrides, reason, rule_code):
    decision = decide_next_step(invoice(**overrides), creditor(), days(40))
    assert (decision.step, decision.on, decision.fee) == (None, None, D("0.00"))
    assert (decision.reason_code, decision.rule_code) == (reason, rule_code)
    assert decision.explanation
    assert not decision.is_due(days(40))


def test_collection_resumes_the_day_after_a_due_date_transfer_ends():
    situation = invoice(due_date=days(30), transfer_until=days(30))
    decision = decide_next_step(situation, creditor(), days(31))
    assert (decision.step, decision.on) == (Step.REMINDER_1, days(45))


def test_the_interval_counts_again_from_the_end_of_a_transfer():
    situation = replace(reminded(on=days(14)), transfer_until=days(50))
    decision = decide_next_step(situation, creditor(), days(51))
    assert (decision.step, decision.on) == (Step.DEMAND_1, days(64))


def test_never_collection_without_a_prior_reminder():
    decision = decide_next_step(invoice(), creditor(reminder_count=0), days(60))
    assert (decision.step, decision.reason_code, decision.rule_code) == (
        None,
        Reason.NO_PRIOR_REMINDER,
        "never.collection_without_reminder",
    )


def test_every_step_taken_means_nothing_more():
    situation = invoice(
        steps_taken=tuple(TakenStep(step, days(10 * i + 14)) for i, step in enumerate(STEP_ORDER))
    )
    assert decide_next_step(situation, creditor(), days(200)).reason_code is Reason.HANDED_OVER


@pytest.mark.parametrize(
    ("original_due", "acknowledged", "today", "barred"),
    [
        # 728/2003 4 §; the stricter reading: barred from the anniversary day on.
        (date(2023, 1, 31), None, date(2026, 1, 30), False),
        (date(2023, 1, 31), None, date(2026, 1, 31), True),
        (date(2022, 1, 31), date(2025, 1, 30), date(2026, 2, 1), False),  # renewed in time
        (date(2022, 1, 31), date(2025, 6, 1), date(2026, 2, 1), True),  # too late: no revival
        (date(2024, 2, 29), None, date(2027, 2, 28), True),  # leap day: anniversary 28.2.2027
        (date(2024, 2, 29), None, date(2027, 2, 27), False),
    ],
)
def test_statute_barred_three_years_after_the_due_date_unless_renewed(
    original_due, acknowledged, today, barred
):
    situation = invoice(
        due_date=original_due, original_due_date=original_due, last_acknowledged_on=acknowledged
    )
    decision = decide_next_step(situation, creditor(), today)
    assert (decision.reason_code is Reason.STATUTE_BARRED) is barred
    if not barred:
        assert (decision.step, decision.on) == (Step.REMINDER_1, today)


def test_a_reminder_renews_the_limitation_period_only_before_it_ends():
    """728/2003 10 §, 11 §: an interruption counts only while the debt is not yet barred."""
    situation = reminded(on=date(2026, 1, 14), due_date=date(2023, 1, 31))
    situation = replace(situation, original_due_date=date(2023, 1, 31))
    assert limitation_ends_on(situation) == date(2029, 1, 13)
    late = replace(situation, steps_taken=(TakenStep(Step.REMINDER_1, date(2026, 2, 14)),))
    assert limitation_ends_on(late) == date(2026, 1, 30)


def test_a_step_that_would_fall_after_limitation_is_not_scheduled():
    # Limitation counts from the original due date (record a transfer request as an
    # acknowledgement to renew it); the reminder would come on 24.1.2026, after 20.1.2026.
    situation = invoice(due_date=date(2026, 1, 10), original_due_date=date(2023, 1, 20))
    decision = decide_next_step(situation, creditor(), date(2026, 1, 10))
    assert decision.reason_code is Reason.STATUTE_BARRED


# --- never twice, always in order ---------------------------------------------------------


def test_a_taken_step_is_never_decided_again():
    situation = invoice()
    decision = decide_next_step(situation, creditor(), days(14))
    after = apply_step(situation, decision)
    again = decide_next_step(after, creditor(), days(14))
    assert again.step is Step.DEMAND_1
    assert again.on > days(14)
    assert after.charges_total == D("5.00")
    assert after.stage is Stage.REMINDED


def test_steps_taken_must_be_in_order_and_unique():
    with pytest.raises(ValueError):
        invoice(steps_taken=(TakenStep(Step.REMINDER_1, days(14)),) * 2)
    with pytest.raises(ValueError):
        invoice(
            steps_taken=(
                TakenStep(Step.DEMAND_1, days(14)),
                TakenStep(Step.REMINDER_1, days(28)),
            )
        )


def test_applying_a_decision_without_a_step_is_refused():
    with pytest.raises(ValueError):
        apply_step(invoice(), decide_next_step(invoice(disputed=True), creditor(), DUE))


@pytest.mark.parametrize(
    "overrides",
    [
        {"reminder_count": 3},
        {"reminder_count": -1},
        {"first_reminder_days": 0},
        {"reminder_fee": D("5.001")},
        {"demand_fee_first": D("-1.00")},
        {"demand_fee_second": 7},
    ],
)
def test_invalid_settings_are_refused(overrides):
    with pytest.raises(ValueError):
        creditor(**overrides)


def test_money_must_be_decimal():
    with pytest.raises(ValueError):
        invoice(principal=100.0)
    with pytest.raises(ValueError):
        invoice(charges_total=D("-0.01"))


def test_the_invoice_models_strings_are_accepted():
    situation = invoice(kind="consumer", stage="reminded")
    assert (situation.kind, situation.stage) == (C, Stage.REMINDED)


# --- simulation ---------------------------------------------------------------------------


def test_simulation_lists_the_whole_future_schedule():
    schedule = simulate_schedule(
        invoice(principal=D("250.00")),
        creditor(reminder_count=2, demand_fee_first=D("24.00"), demand_fee_second=D("12.00")),
        DUE,
    )
    assert [(d.step, d.on, d.fee) for d in schedule] == [
        # Day 15, then each letter the day after the previous one's pay-by date (17 days).
        (Step.REMINDER_1, days(15), D("5.00")),
        (Step.REMINDER_2, days(33), D("5.00")),
        (Step.DEMAND_1, days(51), D("24.00")),
        (Step.DEMAND_2, days(69), D("12.00")),
        (Step.LEGAL_NOTICE, days(87), D("0.00")),
        (Step.LEGAL, days(105), D("0.00")),
    ]
    assert schedule[0].explanation.startswith("Payment reminder 1 on 2026-02-15, fee 5.00 €")


def test_simulation_waits_out_a_due_date_transfer():
    schedule = simulate_schedule(
        invoice(due_date=days(30), transfer_until=days(30)), creditor(), DUE
    )
    assert (schedule[0].step, schedule[0].on) == (Step.REMINDER_1, days(45))


def test_simulation_of_a_paused_invoice_says_why():
    (only,) = simulate_schedule(invoice(disputed=True), creditor(), DUE)
    assert only.reason_code is Reason.DISPUTED


def test_simulation_from_a_handed_over_invoice_says_so():
    (only,) = simulate_schedule(invoice(stage=Stage.LEGAL), creditor(), DUE)
    assert only.reason_code is Reason.HANDED_OVER


def test_simulation_does_not_change_the_situation():
    situation = invoice()
    simulate_schedule(situation, creditor(), DUE)
    assert situation.steps_taken == ()


# --- properties ------------------------------------------------------------------------------

money = st.decimals(min_value=D("0.01"), max_value=D("20000.00"), places=2)
boundary_principals = st.sampled_from(
    [D(v) for v in ("99.99", "100.00", "100.01", "500.00", "1000.00", "1000.01", "2500.00")]
)
fees = st.sampled_from([D(v) for v in ("0.00", "3.00", "5.00", "7.00", "12.00", "24.00", "60.00")])
creditor_settings = st.builds(
    CollectionSettings,
    reminder_count=st.integers(0, 2),
    first_reminder_days=st.integers(1, 30),
    reminder_interval_days=st.integers(1, 30),
    reminder_fee=fees,
    use_standard_compensation=st.booleans(),
    days_to_collection=st.integers(1, 30),
    demand_fee_first=fees,
    demand_fee_second=fees,
    demand_interval_days=st.integers(1, 30),
    legal_notice_days=st.integers(1, 30),
    legal_days=st.integers(1, 30),
)
events = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(1, 40)),
        st.tuples(st.just("pay"), st.integers(1, 100)),  # percent of the unpaid capital
        st.tuples(st.just("dispute"), st.booleans()),
        # A payment plan or due-date transfer fee booked by another service.
        st.tuples(st.just("charge"), st.sampled_from([D("5.00"), D("20.00"), D("50.00")])),
    ),
    max_size=25,
)


def check_taken_step(before: InvoiceSituation, decision: Decision, today: date) -> None:
    """What must hold for every step the cycle takes."""
    assert decision.step is not None and decision.on == today
    assert not before.disputed and before.principal > 0
    assert before.stage not in (Stage.PAID, Stage.CREDITED, Stage.LEGAL)
    assert len(decision.explanation) <= 300
    assert decision.fee >= 0
    if decision.fee > 0:
        assert decision.legal_cap is not None and decision.fee <= decision.legal_cap
        assert decision.creditor_setting is not None
        assert decision.fee <= decision.creditor_setting
    cap = total_cost_cap(before.kind, before.principal)
    outside = before.compensation_total if before.kind is B else D("0.00")  # 10 h § 3 mom
    if decision.fee > 0 and decision.charge_kind != "standard_compensation":
        assert before.charges_total - outside + decision.fee <= cap
    previous = before.last_step
    if previous is not None:
        assert STEP_ORDER.index(decision.step) > STEP_ORDER.index(previous.step)
    minimum = min_days_after_previous(before.kind, decision.step)
    base = previous.on if previous else before.due_date
    if minimum is not None and (
        decision.fee > 0 or decision.step in (Step.DEMAND_1, Step.DEMAND_2)
    ):
        assert (decision.on - base).days >= minimum
    if decision.step not in (Step.REMINDER_1, Step.REMINDER_2):
        assert any(t.step in (Step.REMINDER_1, Step.REMINDER_2) for t in before.steps_taken)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(DebtorKind),
    principal=st.one_of(money, boundary_principals),
    creditor_settings=creditor_settings,
    events=events,
    charged=st.decimals(min_value=0, max_value=210, places=2),
)
def test_no_sequence_of_days_payments_and_disputes_breaks_a_cap_or_the_order(
    kind, principal, creditor_settings, events, charged
):
    cap = total_cost_cap(kind, principal)
    charged = min(charged, cap) if cap is not None else charged
    situation = invoice(kind=kind, principal=principal, charges_total=charged)
    today = DUE
    taken: list[Step] = []

    for decision in simulate_schedule(situation, creditor_settings, today):
        if decision.step is not None:
            assert decision.fee <= (decision.legal_cap or decision.fee)

    def run_day(situation: InvoiceSituation, today: date) -> InvoiceSituation:
        decision = decide_next_step(situation, creditor_settings, today)
        if decision.is_due(today):
            check_taken_step(situation, decision, today)
            situation = apply_step(situation, decision)
            taken.append(decision.step)
            # Running the cycle again the same day changes nothing.
            assert not decide_next_step(situation, creditor_settings, today).is_due(today)
        return situation

    for event, value in events:
        if event == "wait":
            for _ in range(value):
                today += timedelta(days=1)
                situation = run_day(situation, today)
        elif event == "pay":
            paid = (situation.principal * value / 100).quantize(D("0.01"))
            principal = max(situation.principal - paid, D("0.00"))
            stage = Stage.PAID if principal == 0 else situation.stage
            situation = replace(situation, principal=principal, stage=stage)
        elif event == "dispute":
            situation = replace(situation, disputed=value)
        elif event == "charge":
            # A plan or transfer fee booked elsewhere, itself within the total cap.
            cap = total_cost_cap(kind, situation.principal)
            if cap is None or situation.charges_total + value <= cap:
                situation = replace(situation, charges_total=situation.charges_total + value)

    assert len(taken) == len(set(taken))
    assert taken == sorted(taken, key=STEP_ORDER.index)
    fees = [t.fee for t in situation.steps_taken]
    assert sum(fees, D("0.00")) <= situation.charges_total


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(DebtorKind),
    principal=st.one_of(money, boundary_principals),
    creditor_settings=creditor_settings,
    charged=st.decimals(min_value=0, max_value=250, places=2),
)
def test_every_simulated_schedule_stays_within_the_caps(
    kind, principal, creditor_settings, charged
):
    cap = total_cost_cap(kind, principal)
    if cap is not None:
        charged = min(charged, cap)
    situation = invoice(kind=kind, principal=principal, charges_total=charged)
    running = charged
    previous_on = DUE
    steps = []
    charge_kinds = set()
    for decision in simulate_schedule(situation, creditor_settings, DUE):
        if decision.step is None:
            continue
        steps.append(decision.step)
        charge_kinds.add(decision.charge_kind)
        assert decision.on >= previous_on
        previous_on = decision.on
        if decision.fee > 0:
            assert decision.fee <= decision.legal_cap
        running += decision.fee
        if cap is not None:
            assert running <= cap
    assert steps == sorted(set(steps), key=STEP_ORDER.index)
    # The business standard compensation and reminder fees never both.
    assert not {"standard_compensation", "reminder_fee"} <= charge_kinds
