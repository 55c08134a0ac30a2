"""The decision table, case by case from the statute table (DESIGN.md, issue 11).

Every test names the section it proves and tests both sides of its boundary. Sources:
perintälaki 513/1999 as amended by 31/2013 and 299/2022, Laki velan vanhentumisesta
728/2003, the Consumer Ombudsman's decision of 21.10.2024 on Ropo (KKV/378/14.08.01.05/2022).
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from collection.decision import (
    CollectionSettings,
    FeeReason,
    InvoiceSituation,
    Reason,
    Stage,
    TakenStep,
    admit_cost,
    apply_step,
    decide_next_step,
    letter_pay_by,
    limitation_ends_on,
    simulate_schedule,
)
from collection.rules import (
    MIN_LETTER_PAYMENT_DAYS,
    Channel,
    DebtorKind,
    Step,
    allocation_order_refusal,
    default_allocation_order,
    delivery_days,
    min_payment_days,
    plan_fee_cap,
    rule,
)

C = DebtorKind.CONSUMER
B = DebtorKind.BUSINESS
D = Decimal
DUE = date(2026, 3, 2)


def day(n: int, start: date = DUE) -> date:
    return start + timedelta(days=n)


def situation(**overrides) -> InvoiceSituation:
    values = {
        "kind": C,
        "principal": D("500.00"),
        "due_date": DUE,
        "original_due_date": DUE,
        "sent_on": day(-30),
    }
    values.update(overrides)
    return InvoiceSituation(**values)


def settings(**overrides) -> CollectionSettings:
    values = {
        "reminder_count": 2,
        "first_reminder_days": 1,
        "reminder_interval_days": 1,
        "days_to_collection": 1,
        "demand_interval_days": 1,
        "legal_notice_days": 1,
        "legal_days": 1,
        "reminder_fee": D("5.00"),
        "demand_fee_first": D("24.00"),
        "demand_fee_second": D("12.00"),
        "letter_payment_days": MIN_LETTER_PAYMENT_DAYS,
    }
    values.update(overrides)
    return CollectionSettings(**values)


def after(step: Step, on: date, *, kind=C, pay_by: date | None = None, **overrides):
    """An invoice whose last letter was `step` on `on`, every earlier step before it."""
    order = [Step.REMINDER_1, Step.REMINDER_2, Step.DEMAND_1, Step.DEMAND_2, Step.LEGAL_NOTICE]
    taken = tuple(
        TakenStep(s, on - timedelta(days=40 * (order.index(step) - i)), D("0.00"))
        for i, s in enumerate(order[: order.index(step) + 1])
    )
    taken = (*taken[:-1], TakenStep(step, on, D("0.00"), pay_by or on))
    return situation(kind=kind, stage=Stage.REMINDED, steps_taken=taken, **overrides)


# --- Ombudsman 2024: no fee-bearing letter on the 14th day ---------------------------------


@pytest.mark.parametrize(("today", "due"), [(14, False), (15, True)])
def test_consumer_first_reminder_day_14_refused_day_15_allowed(today, due):
    """10 b § 1 mom as read by the Ombudsman (KKV/378/14.08.01.05/2022): earliest day 15."""
    decision = decide_next_step(situation(), settings(), day(today))
    assert decision.step is Step.REMINDER_1
    assert decision.is_due(day(today)) is due
    assert decision.on == day(15)
    assert decision.fee == D("5.00")


@pytest.mark.parametrize(
    "step",
    [Step.REMINDER_1, Step.REMINDER_2, Step.DEMAND_1, Step.DEMAND_2],
)
@pytest.mark.parametrize(("gap", "due"), [(14, False), (15, True)])
def test_consumer_next_letter_day_14_refused_day_15_allowed(step, gap, due):
    """5 § 1 mom, 10 b § 2 mom and the Ombudsman 2024: 14 whole days between letters."""
    last = day(40)
    decision = decide_next_step(after(step, last), settings(), day(gap, last))
    assert decision.on == day(15, last)
    assert decision.is_due(day(gap, last)) is due


@pytest.mark.parametrize(
    "step",
    [Step.REMINDER_1, Step.REMINDER_2, Step.DEMAND_1],
)
@pytest.mark.parametrize(("gap", "due"), [(9, False), (10, True)])
def test_business_next_letter_day_9_refused_day_10_allowed(step, gap, due):
    """10 f § 1 mom: a new reminder or demand only ≥ 10 days after the previous one."""
    last = day(40)
    decision = decide_next_step(after(step, last, kind=B), settings(), day(gap, last))
    assert decision.on == day(10, last)
    assert decision.is_due(day(gap, last)) is due


def test_a_consumer_letter_waits_for_the_previous_letters_pay_by_date():
    """Ombudsman 2024: the previous letter's time to pay and object is not cut short."""
    last = day(40)
    decision = decide_next_step(
        after(Step.REMINDER_1, last, pay_by=day(30, last)), settings(), day(15, last)
    )
    assert (decision.step, decision.on) == (Step.REMINDER_2, day(31, last))


# --- every letter gives ≥ 10 days from its latest delivery -----------------------------------


@pytest.mark.parametrize(
    ("channel", "delivery"),
    [(Channel.E_INVOICE, 3), (Channel.EMAIL, 3), (Channel.LETTER_POST, 7)],
)
def test_delivery_time_per_channel_is_data_with_its_source(channel, delivery):
    assert delivery_days(channel) == delivery
    assert rule(f"delivery.{channel.value}").source
    assert min_payment_days(channel) == delivery + 10


@pytest.mark.parametrize("channel", list(Channel))
def test_a_letter_gives_at_least_10_days_after_its_latest_delivery(channel):
    """Ombudsman 2024: ≥ 10 days to pay and object, counted from the latest receipt."""
    short = settings(letter_payment_days=1)
    pay_by = letter_pay_by(DUE, short, channel)
    assert (pay_by - DUE).days == delivery_days(channel) + 10
    assert letter_pay_by(DUE, settings(letter_payment_days=30), channel) == day(30)


def test_every_decided_letter_carries_its_pay_by_date():
    decision = decide_next_step(situation(channel=Channel.LETTER_POST), settings(), day(15))
    assert decision.pay_by == day(15 + 17)
    assert MIN_LETTER_PAYMENT_DAYS == 17


# --- 10 b § 1 mom: the invoice sent ≥ 14 days before its due date ---------------------------


@pytest.mark.parametrize(
    ("sent_days_before", "fee", "reason"),
    [
        (13, "0.00", FeeReason.NOT_SENT_IN_TIME),
        (14, "5.00", FeeReason.CHARGED),
        (None, "0.00", FeeReason.NOT_SENT_IN_TIME),
    ],
)
def test_consumer_reminder_fee_needs_the_invoice_sent_14_days_before_due(
    sent_days_before, fee, reason
):
    sent_on = None if sent_days_before is None else day(-sent_days_before)
    decision = decide_next_step(situation(sent_on=sent_on), settings(), day(15))
    assert decision.step is Step.REMINDER_1  # the letter still goes, without a fee
    assert (decision.fee, decision.fee_reason) == (D(fee), reason)
    assert decision.rule_code == "consumer.reminder_1"


# --- total caps 10 d § (consumer) and 10 h § (business), plan and due-date fees included ----


@pytest.mark.parametrize(
    ("kind", "principal", "cap"),
    [
        (C, "100.00", "60.00"),
        (C, "100.01", "120.00"),
        (C, "1000.00", "120.00"),
        (C, "1000.01", "210.00"),
        (B, "500.00", "250.00"),
        (B, "500.01", "470.00"),
        (B, "2500.00", "470.00"),
        (B, "2500.01", "550.00"),
        (B, "10000.00", "550.00"),
        (B, "10000.01", "620.00"),
    ],
)
def test_a_cost_reaching_the_total_cap_is_charged_one_cent_over_is_refused(kind, principal, cap):
    """10 d § 1 mom, 10 h § 1 mom: refused, never trimmed."""
    base = situation(kind=kind, principal=D(principal))
    exact = replace(base, charges_total=D(cap) - D("5.00"))
    over = replace(base, charges_total=D(cap) - D("4.99"))
    allowed = admit_cost(exact, wanted=D("5.00"), cap=D("5.00"), rule_code="x", on=day(20))
    refused = admit_cost(over, wanted=D("5.00"), cap=D("5.00"), rule_code="x", on=day(20))
    assert (allowed.amount, allowed.total_cap) == (D("5.00"), D(cap))
    assert (refused.amount, refused.reason) == (D("0.00"), FeeReason.TOTAL_CAP)
    assert refused.rule_code.startswith(f"{kind.value}.total.")


def test_plan_and_transfer_fees_count_in_the_consumer_total_cap():
    """10 d §: principal 99.99, three 5 € transfers and a 20 € plan fee leave 25 € of 60 €."""
    fees = situation(principal=D("99.99"), charges_total=D("35.00"))
    demand = decide_next_step(
        after(Step.REMINDER_1, day(15), principal=D("99.99"), charges_total=D("46.01")),
        settings(reminder_count=1, demand_fee_first=D("14.00")),
        day(40),
    )
    assert demand.step is Step.DEMAND_1
    assert (demand.fee, demand.fee_reason) == (D("0.00"), FeeReason.TOTAL_CAP)
    plan = admit_cost(fees, wanted=D("20.00"), cap=D("20.00"), rule_code="p", on=day(20))
    assert plan.amount == D("20.00")
    too_much = admit_cost(
        replace(fees, charges_total=D("40.01")),
        wanted=D("20.00"),
        cap=D("20.00"),
        rule_code="p",
        on=day(20),
    )
    assert too_much.refused and too_much.reason is FeeReason.TOTAL_CAP


# --- 10 i §: business standard compensation, other costs only beyond 40 € -------------------


def test_business_standard_compensation_allows_max_of_40_and_other_costs():
    """10 i §: 40 € + a 70 € and a 35 € demand may come to 105 € in all, not 145 €."""
    terms = settings(
        reminder_count=1,
        use_standard_compensation=True,
        demand_fee_first=D("70.00"),
        demand_fee_second=D("35.00"),
    )
    schedule = simulate_schedule(situation(kind=B, principal=D("1000.00")), terms, DUE)
    fees = {d.step: d.fee for d in schedule}
    assert fees[Step.REMINDER_1] == D("40.00")
    assert fees[Step.DEMAND_1] == D("30.00")  # the first 40 € of it are the compensation
    assert fees[Step.DEMAND_2] == D("35.00")
    assert sum(fees.values(), D("0.00")) == D("105.00")
    reasons = {d.step: d.fee_reason for d in schedule}
    assert reasons[Step.DEMAND_1] is FeeReason.COMPENSATION_OFFSET


def test_a_cost_under_40_after_the_compensation_is_absorbed():
    paid = situation(kind=B, charges_total=D("40.00"), compensation_total=D("40.00"))
    verdict = admit_cost(paid, wanted=D("30.00"), cap=D("30.00"), rule_code="p", on=day(20))
    assert (verdict.amount, verdict.reason) == (D("0.00"), FeeReason.COMPENSATION_OFFSET)
    assert verdict.rule_code == "business.standard_compensation"


def test_the_compensation_after_other_costs_only_tops_up_to_40():
    """10 i §: a 30 € plan fee first, then the compensation may add only 10 €."""
    planned = situation(kind=B, charges_total=D("30.00"))
    verdict = admit_cost(
        planned, wanted=D("40.00"), cap=D("40.00"), rule_code="c", on=day(20), compensation=True
    )
    assert verdict.amount == D("10.00")


def test_the_compensation_is_outside_the_business_total_cap():
    """10 h § 3 mom: the cap does not limit the 40 € compensation."""
    full = situation(
        kind=B, principal=D("400.00"), charges_total=D("290.00"), compensation_total=D("40.00")
    )
    verdict = admit_cost(full, wanted=D("5.00"), cap=D("5.00"), rule_code="x", on=day(20))
    assert verdict.refused and verdict.reason is FeeReason.TOTAL_CAP
    room = replace(full, charges_total=D("285.00"))
    assert admit_cost(room, wanted=D("5.00"), cap=D("5.00"), rule_code="x", on=day(20)).amount


# --- plan fees and counts: 10 a § 1 mom 7 k, 10 c §, 10 e § 1 mom 6 k, 10 g § 2 mom ----------


@pytest.mark.parametrize(
    ("kind", "principal", "installments", "already", "cap"),
    [
        (C, "100.00", 12, 0, "20.00"),
        (C, "100.00", 3, 1, "0.00"),  # 10 c §: a second plan only when > 100
        (C, "100.01", 3, 1, "20.00"),
        (C, "1000.00", 5, 0, "30.00"),
        (C, "1000.01", 5, 0, "50.00"),
        (B, "500.00", 5, 0, "30.00"),
        (B, "500.01", 5, 0, "45.00"),
        (B, "2500.01", 5, 0, "60.00"),
        (B, "10000.01", 5, 0, "75.00"),
        (B, "10000.01", 8, 0, "85.00"),  # + 5 € for the 7th and the 8th
        (B, "500.00", 3, 1, "0.00"),  # 10 g § 2 mom: a second plan only when > 500
        (B, "500.01", 3, 1, "30.00"),
    ],
)
def test_plan_fee_caps_and_counts(kind, principal, installments, already, cap):
    assert plan_fee_cap(kind, D(principal), installments, already) == D(cap)


# --- 11 a §: allocation order ---------------------------------------------------------------


def test_consumer_allocation_pays_interest_and_principal_before_costs():
    """11 a § 2 mom: costs only after the principal and its interest are paid."""
    assert default_allocation_order(C) == ("interest", "principal", "costs")
    assert allocation_order_refusal(C, ("costs", "interest", "principal")).code == (
        "consumer.allocation"
    )
    assert allocation_order_refusal(C, ("interest", "costs", "principal")) is not None
    assert allocation_order_refusal(C, ("principal", "interest", "costs")) is None
    assert "11 a § 2 mom" in rule("consumer.allocation").source


def test_business_allocation_follows_the_creditor():
    """11 a § 1 mom: the creditor's order; default costs → interest → principal."""
    assert default_allocation_order(B) == ("costs", "interest", "principal")
    assert allocation_order_refusal(B, ("costs", "interest", "principal")) is None
    assert allocation_order_refusal(B, ("costs", "costs", "principal")) is not None


# --- limitation 728/2003 ----------------------------------------------------------------------


def test_limitation_without_interruptions_is_three_years_from_the_due_date():
    """728/2003 4 §, 5 §: due 15.5.2020, barred from 15.5.2023."""
    debt = situation(due_date=date(2020, 5, 15), original_due_date=date(2020, 5, 15))
    assert limitation_ends_on(debt) == date(2023, 5, 14)
    decision = decide_next_step(debt, settings(), date(2023, 5, 15))
    assert (decision.step, decision.reason_code) == (None, Reason.STATUTE_BARRED)
    assert decision.rule_code == "never.statute_barred"


def test_a_payment_or_acknowledgement_in_time_starts_a_new_period():
    """728/2003 10 §, 11 §: a payment interrupts; a new three years from it."""
    debt = situation(
        due_date=date(2020, 5, 15),
        original_due_date=date(2020, 5, 15),
        interruptions=(date(2022, 1, 10),),
    )
    assert limitation_ends_on(debt) == date(2025, 1, 9)


def test_an_act_after_limitation_revives_nothing():
    """728/2003 10 §: only while not barred (the 3.7.2023 plan of the issue's example)."""
    debt = situation(
        due_date=date(2020, 5, 15),
        original_due_date=date(2020, 5, 15),
        interruptions=(date(2023, 7, 3),),
        steps_taken=(TakenStep(Step.REMINDER_1, date(2023, 8, 1)),),
    )
    assert limitation_ends_on(debt) == date(2023, 5, 14)
    assert decide_next_step(debt, settings(), date(2023, 9, 1)).reason_code is (
        Reason.STATUTE_BARRED
    )
    verdict = admit_cost(
        debt, wanted=D("20.00"), cap=D("20.00"), rule_code="p", on=date(2023, 7, 3)
    )
    assert (verdict.amount, verdict.reason) == (D("0.00"), FeeReason.STATUTE_BARRED)


# --- 4 b § dispute, 4 c § stop request, 6 § legal handover ------------------------------------


def test_no_collection_while_disputed():
    """4 b § 1 mom."""
    decision = decide_next_step(situation(disputed=True), settings(), day(40))
    assert (decision.step, decision.rule_code) == (None, "never.disputed")


def test_after_a_stop_request_collection_charges_nothing():
    """4 c § 2 mom: collection may continue only without costs."""
    stopped = after(Step.REMINDER_1, day(15), stop_requested_on=day(20))
    decision = decide_next_step(stopped, settings(), day(60))
    assert decision.step is Step.REMINDER_2
    assert (decision.fee, decision.fee_reason) == (D("0.00"), FeeReason.STOP_REQUESTED)
    assert decision.rule_code == "consumer.stop_request"
    plan = admit_cost(stopped, wanted=D("20.00"), cap=D("20.00"), rule_code="p", on=day(21))
    assert plan.refused and plan.reason is FeeReason.STOP_REQUESTED
    before = admit_cost(stopped, wanted=D("5.00"), cap=D("5.00"), rule_code="p", on=day(19))
    assert before.amount == D("5.00")


def test_a_stop_request_does_not_bind_business_collection():
    """4 c § is a consumer's right."""
    stopped = after(Step.REMINDER_1, day(15), kind=B, stop_requested_on=day(20))
    assert decide_next_step(stopped, settings(), day(60)).fee > 0


@pytest.mark.parametrize(("today", "due"), [(0, False), (1, True)])
def test_legal_handover_only_after_the_last_demands_pay_by_date(today, due):
    """6 § 1 mom: not before the payment and objection dates of the demand have passed."""
    pay_by = day(100)
    notice = after(Step.LEGAL_NOTICE, day(60), pay_by=pay_by)
    demand = notice.taken(Step.DEMAND_2)
    # the last demand's own date is later still
    steps = tuple(replace(t, pay_by=day(110)) if t is demand else t for t in notice.steps_taken)
    situation_ = replace(notice, steps_taken=steps)
    decision = decide_next_step(situation_, settings(), day(110 + today))
    assert decision.step is Step.LEGAL
    assert decision.on == day(111)
    assert decision.is_due(day(110 + today)) is due


def test_applying_a_letter_records_its_pay_by_date():
    decision = decide_next_step(situation(), settings(), day(15))
    taken = apply_step(situation(), decision).last_step
    assert taken.pay_by == decision.pay_by == day(32)


# --- A hold (a payment report staff are checking): our policy, it only waits ---------------


def test_a_hold_waits_through_its_last_day_and_then_the_step_comes():
    held = situation(held_until=day(20))
    for n in (15, 20):
        decision = decide_next_step(held, settings(), day(n))
        assert decision.step is None and decision.reason_code is Reason.HELD
        assert decision.rule_code == "policy.payment_report_hold"
    decision = decide_next_step(held, settings(), day(21))
    assert decision.step is Step.REMINDER_1 and decision.is_due(day(21))
    assert decision.fee == D("5.00")


def test_a_hold_never_makes_a_step_earlier_than_the_law():
    """A hold that ended on day 3 leaves the Ombudsman's day 15 where it was."""
    decision = decide_next_step(situation(held_until=day(3)), settings(), day(4))
    assert decision.step is Step.REMINDER_1 and decision.on == day(15)


def test_the_schedule_waits_out_a_hold():
    schedule = simulate_schedule(situation(held_until=day(30)), settings(), day(16))
    assert schedule[0].step is Step.REMINDER_1 and schedule[0].on == day(31)
