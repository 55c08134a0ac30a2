"""The one decision: for an invoice and a date, the next collection step, its date, its fee, why.

`decide_next_step` is pure (no Django, no clock, no database): the daily Celery cycle, the
invoice page's "what happens next and when" line and `simulate_schedule` all call it, so
they cannot disagree. Steps come only in `STEP_ORDER` (reminder 1 → reminder 2 → 1st payment
demand → 2nd payment demand → legal-collection notice → legal), each at most once: a step
already in `steps_taken` is never returned again, which (with the `Charge` idempotency key
per step) makes the same fee twice impossible.

Choices where the law left one (each is the stricter reading; the rule rows cite them):
- A creditor's fee above the step's own cap (which depends on the principal bracket) is
  charged at the cap, and the decision says so (`FeeReason.CAPPED`, with both numbers),
  because a creditor sets one fee for all its invoices while the cap moves with each
  invoice's principal.
- A fee that would take the collection costs over the total cap (10 d § consumer, 10 h §
  business, plan and due-date fees included) is refused outright, not trimmed to what is
  left: the step still happens without a fee, and `FeeReason.TOTAL_CAP` names the cap.
  Every cost passes the one gate `admit_cost` (this module), which the plan and transfer
  fees use too.
- Letters are never dated earlier than the law allows: a consumer's every letter comes on the
  15th day after the due date or the previous letter at the earliest (the Ombudsman's 2024
  reading of 5 § and 10 b §), and not before the previous letter's pay-by date has passed; a
  business's letters after the first reminder 10 days apart (10 f § 1 mom). A letter's pay-by
  date gives 10 days from its latest delivery (`letter_pay_by`). The handover to legal
  collection waits for every letter's pay-by date (6 § 1 mom).
- A consumer reminder fee needs the invoice sent ≥ 14 days before its due date (10 b § 1 mom):
  an unknown sending date charges nothing.
- The brackets use the invoice's current unpaid capital, so a part payment can lower the next
  caps; charges already booked are never undone.
- Limitation (728/2003 4 §, 10 §, 11 §) runs three years from the original due date; each
  step we took, each payment and each acknowledgement (a plan made, a due-date transfer)
  starts a new period, but only while the debt is not yet barred: an act after the end
  revives nothing. The debt is barred from the anniversary day on.
- After a consumer's request to stop voluntary collection (4 c §) every step is free, from
  the day of the request on (the request's own day included: the stricter reading).
- A hold (a payment report staff are checking; our policy, not the law) only waits: the
  step comes the day after the hold ends, with every interval still kept.
- Business standard compensation (10 i §): other collection costs only beyond 40 €.
- A creditor with `reminder_count` 0 never reaches collection automatically: there is no
  prior reminder (5 § 1 mom; SPL code, Ropo's ethical principles).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from collection.rules import (
    MIN_LETTER_PAYMENT_DAYS,
    STEP_ORDER,
    Channel,
    DebtorKind,
    LegalRule,
    Step,
    demand_rule,
    limitation_years,
    min_days_after_previous,
    min_payment_days,
    reminder_rule,
    rule,
    standard_compensation_cap,
    total_cost_rule,
)

__all__ = [
    "CollectionSettings",
    "CostVerdict",
    "Decision",
    "FeeReason",
    "InvoiceSituation",
    "Reason",
    "Stage",
    "TakenStep",
    "admit_cost",
    "apply_step",
    "decide_next_step",
    "is_statute_barred",
    "letter_pay_by",
    "limitation_ends_on",
    "simulate_schedule",
]

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
REMINDERS = (Step.REMINDER_1, Step.REMINDER_2)
DEMANDS = (Step.DEMAND_1, Step.DEMAND_2)


class Stage(StrEnum):
    """Mirrors `invoices.models.Stage` (kept here so this module needs no Django)."""

    OPEN = "open"
    REMINDED = "reminded"
    COLLECTION = "collection"
    LEGAL = "legal"
    PAID = "paid"
    CREDITED = "credited"


STAGE_AFTER: dict[Step, Stage] = {
    Step.REMINDER_1: Stage.REMINDED,
    Step.REMINDER_2: Stage.REMINDED,
    Step.DEMAND_1: Stage.COLLECTION,
    Step.DEMAND_2: Stage.COLLECTION,
    Step.LEGAL_NOTICE: Stage.COLLECTION,
    Step.LEGAL: Stage.LEGAL,
}


class Reason(StrEnum):
    """Why the decision is what it is; also the translation key for the invoice page."""

    DUE = "due"  # the step is to be taken today
    SCHEDULED = "scheduled"  # the next step waits for its interval
    PAID = "paid"
    CREDITED = "credited"
    NOTHING_UNPAID = "nothing_unpaid"
    DISPUTED = "disputed"
    ACTIVE_PLAN = "active_plan"
    TRANSFER = "due_date_transfer"
    HELD = "held"  # a payment report: collection waits while staff look for the payment
    PAUSED = "paused"  # the creditor paused it (Ropo One) until it resumes
    RECALLED = "recalled"  # the creditor took it back from collection, for good
    STATUTE_BARRED = "statute_barred"
    NO_PRIOR_REMINDER = "no_prior_reminder"
    HANDED_OVER = "handed_over"  # legal collection: the portal only records it


class FeeReason(StrEnum):
    CHARGED = "charged"  # the creditor's fee, within the cap
    CAPPED = "capped"  # the creditor's fee is above this step's cap: the cap is charged
    NO_FEE_SET = "no_fee_set"
    NO_FEE_FOR_STEP = "no_fee_for_step"  # legal notice, legal
    TOO_EARLY = "too_early_for_fee"  # consumer reminder before its 14 days
    COUNT_REACHED = "count_reached"
    STANDARD_COMPENSATION = "standard_compensation"
    NOT_BOTH = "not_both"  # standard compensation or reminder fees, never both
    TOTAL_CAP = "total_cost_cap"  # refused: it would break the total-cost cap
    NOT_SENT_IN_TIME = "invoice_not_sent_in_time"  # 10 b § 1 mom
    STOP_REQUESTED = "stop_requested"  # 4 c §: no costs after the request
    RECALLED = "recalled"  # the creditor recalled the invoice: no more fees (interest runs on)
    COMPENSATION_OFFSET = "compensation_offset"  # 10 i §: only beyond the 40 €
    STATUTE_BARRED = "statute_barred"


@dataclass(frozen=True)
class TakenStep:
    """A step taken; `pay_by` is its letter's date to pay and object by (None: unknown)."""

    step: Step
    on: date
    fee: Decimal = ZERO
    pay_by: date | None = None

    @property
    def pay_by_or_latest(self) -> date:
        """The letter's pay-by date; for a step without one, the latest any letter could have."""
        return self.pay_by or self.on + timedelta(days=MIN_LETTER_PAYMENT_DAYS)


@dataclass(frozen=True)
class InvoiceSituation:
    """What the engine needs to know about one invoice, read from the database by the caller.

    `principal` is the unpaid capital; `charges_total` the collection costs already charged
    (reminder, demand, plan and transfer fees and the standard compensation, not interest),
    `compensation_total` the part of it that is the business standard compensation.
    `steps_taken` is the truth about what happened; `stage` only matters when it is paid,
    credited or legal. `interruptions` are the debtor's acts that interrupt limitation
    (payments, acknowledgements: a plan made, a due-date transfer); `sent_on` the day the
    invoice was sent; `stop_requested_on` a consumer's 4 c § request; `channel` how letters
    reach the debtor; `held_until` the last day a hold (a payment report staff are checking)
    keeps the next step waiting; `paused` a creditor's pause until it resumes; `recalled_on`
    the day the creditor recalled the invoice from collection (nothing happens after it).
    """

    kind: DebtorKind
    principal: Decimal
    due_date: date
    original_due_date: date
    stage: Stage = Stage.OPEN
    disputed: bool = False
    in_active_plan: bool = False
    transfer_until: date | None = None
    steps_taken: tuple[TakenStep, ...] = ()
    charges_total: Decimal = ZERO
    standard_compensation_charged: bool = False
    last_acknowledged_on: date | None = None
    compensation_total: Decimal = ZERO
    interruptions: tuple[date, ...] = ()
    sent_on: date | None = None
    stop_requested_on: date | None = None
    channel: Channel = Channel.LETTER_POST
    held_until: date | None = None
    paused: bool = False
    recalled_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DebtorKind(self.kind))
        object.__setattr__(self, "stage", Stage(self.stage))
        object.__setattr__(self, "channel", Channel(self.channel))
        if self.compensation_total > 0:
            object.__setattr__(self, "standard_compensation_charged", True)
        for name in ("principal", "charges_total", "compensation_total"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or value < 0:
                raise ValueError(f"{name} must be a non-negative Decimal, not {value!r}")
        indexes = [STEP_ORDER.index(taken.step) for taken in self.steps_taken]
        if indexes != sorted(set(indexes)):
            raise ValueError("steps_taken must be in order and without repeats")

    def taken(self, step: Step) -> TakenStep | None:
        return next((t for t in self.steps_taken if t.step is step), None)

    @property
    def last_step(self) -> TakenStep | None:
        return self.steps_taken[-1] if self.steps_taken else None


@dataclass(frozen=True)
class CollectionSettings:
    """A creditor's reminder and collection settings (Ropo One), as the engine reads them.

    Days count from the previous step (the due date for the first reminder). Fees are the
    creditor's wish; the engine charges at most the legal cap for each invoice.
    """

    reminder_count: int = 1
    first_reminder_days: int = 14
    reminder_interval_days: int = 14
    reminder_fee: Decimal = Decimal("5.00")
    use_standard_compensation: bool = False  # business debtors only
    days_to_collection: int = 14  # from the last reminder to the 1st payment demand
    demand_fee_first: Decimal = Decimal("14.00")
    demand_fee_second: Decimal = Decimal("7.00")
    demand_interval_days: int = 14
    legal_notice_days: int = 14
    legal_days: int = 14
    letter_payment_days: int = MIN_LETTER_PAYMENT_DAYS

    def __post_init__(self) -> None:
        if self.reminder_count not in (0, 1, 2):
            raise ValueError("reminder_count must be 0, 1 or 2")
        for name in (
            "letter_payment_days",
            "first_reminder_days",
            "reminder_interval_days",
            "days_to_collection",
            "demand_interval_days",
            "legal_notice_days",
            "legal_days",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least one day")
        for name in ("reminder_fee", "demand_fee_first", "demand_fee_second"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or value < 0 or value != value.quantize(CENT):
                raise ValueError(f"{name} must be a non-negative Decimal in whole cents")

    def days_before(self, step: Step) -> int:
        return {
            Step.REMINDER_1: self.first_reminder_days,
            Step.REMINDER_2: self.reminder_interval_days,
            Step.DEMAND_1: self.days_to_collection,
            Step.DEMAND_2: self.demand_interval_days,
            Step.LEGAL_NOTICE: self.legal_notice_days,
            Step.LEGAL: self.legal_days,
        }[step]


@dataclass(frozen=True)
class Decision:
    """The next step (or none), when, for what fee, checked against which rule, and why.

    `legal_cap` is the step's own cap and `total_cost_cap` the consumer's total-cost cap the
    fee was checked against; `charge_kind` names the `Charge` row to book (values of
    `invoices.models.ChargeKind`), None when the fee is zero. `explanation` fits the
    300-character `Charge.explanation` column.
    """

    step: Step | None
    on: date | None
    fee: Decimal
    rule_code: str | None
    legal_cap: Decimal | None
    creditor_setting: Decimal | None
    reason_code: Reason
    explanation: str
    fee_reason: FeeReason | None = None
    charge_kind: str | None = None
    total_cost_cap: Decimal | None = None
    pay_by: date | None = None

    def is_due(self, today: date) -> bool:
        return self.step is not None and self.on is not None and self.on <= today


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February: the earlier, safer day
        return day.replace(year=day.year + years, day=28)


def limitation_ends_on(situation: InvoiceSituation) -> date:
    """The last day an act may be taken before the debt is statute-barred (728/2003).

    Three years from the original due date (4 §, 5 §); each interruption (10 §: our reminder
    or demand, the debtor's payment or acknowledgement) starts a new three years (11 §), but
    only one made while the debt was not yet barred. Barred from the anniversary day on.
    """
    years = limitation_years()
    end = _add_years(situation.original_due_date, years) - timedelta(days=1)
    events = [*(t.on for t in situation.steps_taken), *situation.interruptions]
    if situation.last_acknowledged_on is not None:
        events.append(situation.last_acknowledged_on)
    for day in sorted(events):
        if day > end:
            break  # barred: a later act revives nothing
        end = max(end, _add_years(day, years) - timedelta(days=1))
    return end


def is_statute_barred(situation: InvoiceSituation, on: date) -> bool:
    return on > limitation_ends_on(situation)


def letter_pay_by(on: date, settings: CollectionSettings, channel: Channel) -> date:
    """A letter's date to pay and object by: ≥ 10 days from its latest delivery (Ombudsman)."""
    return on + timedelta(days=max(settings.letter_payment_days, min_payment_days(channel)))


def _stop(reason: Reason, explanation: str, rule_code: str | None = None) -> Decision:
    return Decision(
        step=None,
        on=None,
        fee=ZERO,
        rule_code=rule_code,
        legal_cap=None,
        creditor_setting=None,
        reason_code=reason,
        explanation=explanation,
    )


def _next_step(situation: InvoiceSituation, settings: CollectionSettings) -> Step | None:
    last = situation.last_step
    after = STEP_ORDER.index(last.step) + 1 if last else 0
    for step in STEP_ORDER[after:]:
        if step is Step.REMINDER_1 and settings.reminder_count < 1:
            continue
        if step is Step.REMINDER_2 and settings.reminder_count < 2:
            continue
        return step
    return None


@dataclass(frozen=True)
class _Fee:
    amount: Decimal
    reason: FeeReason
    rule: LegalRule | None = None
    cap: Decimal | None = None
    setting: Decimal | None = None
    charge_kind: str | None = None


@dataclass(frozen=True)
class CostVerdict:
    """What one collection cost may be: `amount` (0.00 when refused), why, and which rule.

    `cap` is the act's own cap, `total_cap` the receivable's total-cost cap it was checked
    against; `rule_code` names the rule that decided the amount.
    """

    amount: Decimal
    reason: FeeReason
    rule_code: str | None
    cap: Decimal | None
    total_cap: Decimal | None
    setting: Decimal | None = None

    @property
    def refused(self) -> bool:
        return self.amount == 0


def _compensation_room(s: InvoiceSituation, amount: Decimal, compensation: bool) -> Decimal:
    """10 i §: with the 40 € standard compensation, other costs count only beyond 40 €.

    The law allows max(40, other costs) in all. What we charged is known, the other costs'
    full amounts are not: their lower bound is what was charged (more, once the total passed
    40 €, since then every euro over 40 € was charged), which never allows more than the law.
    """
    other = s.charges_total - s.compensation_total
    charged = s.charges_total
    gross = charged if charged > standard_compensation_cap() else other
    if compensation:
        room = max(standard_compensation_cap(), gross) - charged
    else:
        room = max(standard_compensation_cap(), gross + amount) - charged
    return max(min(amount, room), ZERO)


def admit_cost(
    situation: InvoiceSituation,
    *,
    wanted: Decimal,
    cap: Decimal | None,
    rule_code: str,
    on: date,
    compensation: bool = False,
) -> CostVerdict:
    """The one gate every collection cost passes: step fees, plan and due-date fees alike.

    In order: the creditor's fee within the act's own cap; nothing for a statute-barred debt
    (4 § 3 mom) or after a consumer's stop request (4 c §); the business standard
    compensation's offset (10 i §); the total-cost cap (10 d §, 10 h §), which refuses a fee
    that would break it instead of trimming it.
    """
    s = situation
    total_row = total_cost_rule(s.kind, s.principal)
    total_cap = total_row.cap

    def verdict(amount: Decimal, reason: FeeReason, code: str | None) -> CostVerdict:
        return CostVerdict(amount, reason, code, cap, total_cap, wanted)

    if wanted <= 0:
        return verdict(ZERO, FeeReason.NO_FEE_SET, rule_code)
    amount, reason = wanted, FeeReason.CHARGED
    if cap is not None and amount > cap:
        amount, reason = cap, FeeReason.CAPPED
    if amount <= 0:
        return verdict(ZERO, FeeReason.COUNT_REACHED, rule_code)
    if is_statute_barred(s, on):
        return verdict(ZERO, FeeReason.STATUTE_BARRED, "never.statute_barred")
    if s.recalled_on is not None:
        return verdict(ZERO, FeeReason.RECALLED, None)
    if (
        s.kind is DebtorKind.CONSUMER
        and s.stop_requested_on is not None
        and on >= s.stop_requested_on
    ):
        return verdict(ZERO, FeeReason.STOP_REQUESTED, "consumer.stop_request")
    if s.kind is DebtorKind.BUSINESS and (compensation or s.compensation_total > 0):
        room = _compensation_room(s, amount, compensation)
        if room < amount:
            code = "business.standard_compensation"
            if room <= 0:
                return verdict(ZERO, FeeReason.COMPENSATION_OFFSET, code)
            amount, reason, rule_code = room, FeeReason.COMPENSATION_OFFSET, code
    # 10 h § 3 mom: the standard compensation is outside the business total cap.
    counted = s.charges_total - (s.compensation_total if s.kind is DebtorKind.BUSINESS else ZERO)
    if not compensation or s.kind is DebtorKind.CONSUMER:
        assert total_cap is not None
        if counted + amount > total_cap:
            return verdict(ZERO, FeeReason.TOTAL_CAP, total_row.code)
    return verdict(amount.quantize(CENT), reason, rule_code)


def _capped(setting: Decimal, row: LegalRule, charge_kind: str) -> _Fee:
    cap = row.cap if row.cap is not None else setting
    if setting == 0:
        return _Fee(ZERO, FeeReason.NO_FEE_SET, row, cap, setting)
    if setting > cap:
        return _Fee(cap, FeeReason.CAPPED, row, cap, setting, charge_kind)
    return _Fee(setting, FeeReason.CHARGED, row, cap, setting, charge_kind)


def _reminder_fee(
    situation: InvoiceSituation, settings: CollectionSettings, step: Step, on: date
) -> _Fee:
    number = 1 if step is Step.REMINDER_1 else 2
    row = reminder_rule(situation.kind, number)
    fees_taken = [t for t in situation.steps_taken if t.step in REMINDERS and t.fee > 0]
    if situation.kind is DebtorKind.BUSINESS:
        compensation = rule("business.standard_compensation")
        if settings.use_standard_compensation:
            if situation.standard_compensation_charged:
                return _Fee(ZERO, FeeReason.COUNT_REACHED, compensation, compensation.cap)
            if fees_taken:
                return _Fee(ZERO, FeeReason.NOT_BOTH, compensation, compensation.cap)
            assert compensation.cap is not None
            return _Fee(
                compensation.cap,
                FeeReason.STANDARD_COMPENSATION,
                compensation,
                compensation.cap,
                compensation.cap,
                "standard_compensation",
            )
        if situation.standard_compensation_charged:
            return _Fee(ZERO, FeeReason.NOT_BOTH, row, row.cap, settings.reminder_fee)
        return _capped(settings.reminder_fee, row, "reminder_fee")
    # Consumer: only if the invoice was sent ≥ 14 days before its due date (10 b § 1 mom);
    # the 14 days after the due date or the previous letter are kept by the letter's date.
    sent_before = row.sent_days_before_due or rule("consumer.reminder_1").sent_days_before_due
    sent_on = situation.sent_on
    if settings.reminder_fee > 0 and (
        sent_on is None or (situation.original_due_date - sent_on).days < (sent_before or 0)
    ):
        return _Fee(ZERO, FeeReason.NOT_SENT_IN_TIME, row, row.cap, settings.reminder_fee)
    return _capped(settings.reminder_fee, row, "reminder_fee")


def _step_fee(
    situation: InvoiceSituation, settings: CollectionSettings, step: Step, on: date
) -> _Fee:
    if step in REMINDERS:
        return _reminder_fee(situation, settings, step, on)
    if step in DEMANDS:
        number = 1 if step is Step.DEMAND_1 else 2
        row = demand_rule(situation.kind, situation.principal, number)
        setting = settings.demand_fee_first if number == 1 else settings.demand_fee_second
        return _capped(setting, row, "demand_fee")
    return _Fee(ZERO, FeeReason.NO_FEE_FOR_STEP)


_STEP_LABEL = {
    Step.REMINDER_1: "Payment reminder 1",
    Step.REMINDER_2: "Payment reminder 2",
    Step.DEMAND_1: "1st payment demand",
    Step.DEMAND_2: "2nd payment demand",
    Step.LEGAL_NOTICE: "Legal-collection notice",
    Step.LEGAL: "Legal collection",
}

_FEE_TEXT = {
    FeeReason.CHARGED: "creditor's fee {setting} €, legal maximum {cap} €",
    FeeReason.CAPPED: "creditor's fee {setting} € is above the legal maximum {cap} €",
    FeeReason.NO_FEE_SET: "the creditor charges no fee",
    FeeReason.NO_FEE_FOR_STEP: "no fee for this step",
    FeeReason.TOO_EARLY: "no fee: under {days} days after the previous step",
    FeeReason.COUNT_REACHED: "no fee: the allowed number of charges is used",
    FeeReason.STANDARD_COMPENSATION: "standard compensation {cap} €, once per invoice",
    FeeReason.NOT_BOTH: "no fee: standard compensation and reminder fees are never both charged",
    FeeReason.TOTAL_CAP: "fee {would} € refused: collection costs {total} € would pass the "
    "total cap {total_cap} €",
    FeeReason.NOT_SENT_IN_TIME: "no fee: the invoice was not sent 14 days before its due date",
    FeeReason.STOP_REQUESTED: "no fee: the debtor asked to stop voluntary collection (4 c §)",
    FeeReason.RECALLED: "no fee: the creditor recalled the invoice from collection",
    FeeReason.COMPENSATION_OFFSET: "creditor's fee {setting} €, charged only beyond the 40 € "
    "standard compensation (10 i §)",
    FeeReason.STATUTE_BARRED: "no fee: statute-barred",
}


def decide_next_step(
    situation: InvoiceSituation, settings: CollectionSettings, today: date
) -> Decision:
    """The next collection step for this invoice as of `today`, or why there is none."""
    s = situation
    if s.stage is Stage.PAID:
        return _stop(Reason.PAID, "Paid: nothing more happens.")
    if s.stage is Stage.CREDITED:
        return _stop(Reason.CREDITED, "Credited: nothing more happens.")
    if s.principal <= 0:
        return _stop(Reason.NOTHING_UNPAID, "No unpaid capital: no collection step.")
    if s.recalled_on is not None:
        return _stop(Reason.RECALLED, "Recalled by the creditor: collection has ended for good.")
    if s.stage is Stage.LEGAL or s.taken(Step.LEGAL):
        return _stop(Reason.HANDED_OVER, "Handed over to legal collection.")
    if s.disputed:
        return _stop(
            Reason.DISPUTED,
            "Disputed: collection is paused until customer service resolves it.",
            "never.disputed",
        )
    if s.paused:
        return _stop(Reason.PAUSED, "Paused by the creditor: nothing happens until it resumes.")
    if s.in_active_plan:
        return _stop(Reason.ACTIVE_PLAN, "In an active payment plan: collection is paused.")
    if s.transfer_until is not None and today <= s.transfer_until:
        return _stop(
            Reason.TRANSFER,
            f"Due date moved to {s.transfer_until.isoformat()}: nothing happens until then.",
        )
    if s.held_until is not None and today <= s.held_until:
        return _stop(
            Reason.HELD,
            f"A payment was reported: collection waits until {s.held_until.isoformat()} while "
            "customer service looks for it.",
            "policy.payment_report_hold",
        )

    step = _next_step(s, settings)
    if step is None:
        return _stop(Reason.HANDED_OVER, "Every collection step has been taken.")
    if step not in REMINDERS and not any(s.taken(r) for r in REMINDERS):
        return _stop(
            Reason.NO_PRIOR_REMINDER,
            "No payment reminder was sent: collection never starts without one.",
            "never.collection_without_reminder",
        )

    on = _earliest_day(s, settings, step, today)
    barred_after = limitation_ends_on(s)
    if on > barred_after:
        return _stop(
            Reason.STATUTE_BARRED,
            f"Statute-barred after {barred_after.isoformat()}: the debt is not collected.",
            "never.statute_barred",
        )

    fee = _step_fee(s, settings, step, on)
    total_row = total_cost_rule(s.kind, s.principal)
    total_cap = total_row.cap
    minimum = min_days_after_previous(s.kind, step)
    fee_text = _FEE_TEXT[fee.reason].format(setting=fee.setting, cap=fee.cap, days=minimum or 14)
    amount, fee_reason, rule_code = fee.amount, fee.reason, fee.rule.code if fee.rule else None
    if amount > 0:
        verdict = admit_cost(
            s,
            wanted=amount,
            cap=fee.cap,
            rule_code=rule_code or "",
            on=on,
            compensation=fee.charge_kind == "standard_compensation",
        )
        if verdict.amount != amount:
            amount, fee_reason, rule_code = verdict.amount, verdict.reason, verdict.rule_code
            if fee_reason is FeeReason.TOTAL_CAP:
                fee_text = _FEE_TEXT[FeeReason.TOTAL_CAP].format(
                    would=fee.amount, total=s.charges_total + fee.amount, total_cap=total_cap
                )
            else:
                fee_text = _FEE_TEXT[fee_reason].format(setting=fee.setting, cap=fee.cap, days=14)

    reason = Reason.DUE if on <= today else Reason.SCHEDULED
    rule_text = f" ({fee.rule.describe()})" if fee.rule and amount > 0 else ""
    explanation = (
        f"{_STEP_LABEL[step]} on {on.isoformat()}, fee {amount} € — {fee_text}{rule_text}."
    )
    return Decision(
        step=step,
        on=on,
        fee=amount,
        rule_code=rule_code,
        legal_cap=fee.cap,
        creditor_setting=fee.setting,
        reason_code=reason,
        explanation=explanation[:300],
        fee_reason=fee_reason,
        charge_kind=fee.charge_kind if amount > 0 else None,
        total_cost_cap=total_cap,
        pay_by=letter_pay_by(on, settings, s.channel) if step is not Step.LEGAL else None,
    )


def _earliest_day(
    s: InvoiceSituation, settings: CollectionSettings, step: Step, today: date
) -> date:
    """The step's date: the creditor's days, never before the law's intervals, nor today.

    The creditor's days count from the later of the last step and a transfer's end; the
    law's from the last letter (or the due date): a consumer's letters 15 days apart at the
    least (Ombudsman 2024) and not before the previous letter's pay-by date has passed, a
    business's 10 days (10 f § 1 mom); legal collection after every letter's pay-by date
    (6 § 1 mom).
    """
    last = s.last_step
    legal_base = last.on if last else s.due_date
    base = max(legal_base, s.transfer_until) if s.transfer_until else legal_base
    on = base + timedelta(days=settings.days_before(step))
    minimum = min_days_after_previous(s.kind, step)
    if minimum is not None:
        on = max(on, legal_base + timedelta(days=minimum))
    if last is not None and (s.kind is DebtorKind.CONSUMER or step is Step.LEGAL):
        on = max(on, last.pay_by_or_latest + timedelta(days=1))
    if step is Step.LEGAL:
        for taken in s.steps_taken:
            on = max(on, taken.pay_by_or_latest + timedelta(days=1))
    return max(on, today)


def apply_step(situation: InvoiceSituation, decision: Decision) -> InvoiceSituation:
    """The situation after taking the decided step (what the cycle records in the database)."""
    if decision.step is None or decision.on is None:
        raise ValueError("this decision has no step to take")
    return replace(
        situation,
        stage=STAGE_AFTER[decision.step],
        steps_taken=(
            *situation.steps_taken,
            TakenStep(decision.step, decision.on, decision.fee, decision.pay_by),
        ),
        charges_total=situation.charges_total + decision.fee,
        compensation_total=situation.compensation_total
        + (decision.fee if decision.charge_kind == "standard_compensation" else ZERO),
        standard_compensation_charged=situation.standard_compensation_charged
        or decision.charge_kind == "standard_compensation",
    )


def simulate_schedule(
    situation: InvoiceSituation, settings: CollectionSettings, from_date: date
) -> list[Decision]:
    """If nothing is paid from `from_date` on: every future step, its date and its fee.

    Ends with the decision that stops the schedule (disputed, statute-barred, …) unless the
    schedule simply ran to legal collection; a due-date transfer in force is waited out.
    """
    schedule: list[Decision] = []
    today = from_date
    for _ in range(len(STEP_ORDER) + 2):
        decision = decide_next_step(situation, settings, today)
        if decision.reason_code is Reason.TRANSFER and situation.transfer_until is not None:
            today = situation.transfer_until + timedelta(days=1)
            continue
        if decision.reason_code is Reason.HELD and situation.held_until is not None:
            today = situation.held_until + timedelta(days=1)
            continue
        if decision.step is None or decision.on is None:
            if decision.reason_code is not Reason.HANDED_OVER or not schedule:
                schedule.append(decision)
            break
        schedule.append(decision)
        situation = apply_step(situation, decision)
        today = decision.on
    return schedule
