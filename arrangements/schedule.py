"""Payment-plan arithmetic and due-date-transfer fees: pure, no Django.

`plan_schedule` is the one function behind the preview, the accepted plan and its PDF:
monthly dates from a start date, amounts in whole cents, the plan fee capped by the legal
table (`collection.rules.plan_fee_cap`), the last installment absorbing the rounding.
Refusals carry a code and parameters; the services turn them into translated messages.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from collection.rules import (
    DebtorKind,
    Topic,
    plan_fee_cap,
    rules_for,
    transfer_fee_cap,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value(rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) * CENT).quantize(CENT)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ScheduleRefusal(StrEnum):
    NOTHING_TO_PAY = "nothing_to_pay"
    TOO_MANY_INSTALLMENTS = "too_many_installments"
    TOO_FEW_INSTALLMENTS = "too_few_installments"
    BELOW_MINIMUM = "below_minimum"
    TOO_LONG = "too_long"
    AMOUNT_TOO_SMALL = "amount_too_small"
    CHOOSE_ONE = "choose_one"


class ScheduleError(ValueError):
    def __init__(self, code: ScheduleRefusal, **params):
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


@dataclass(frozen=True)
class PlanTerms:
    """The creditor's plan rules that shape a schedule."""

    max_installments: int
    min_installment: Decimal
    max_months: int
    creditor_fee: Decimal


@dataclass(frozen=True)
class ScheduledInstallment:
    number: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class Schedule:
    balance: Decimal
    fee: Decimal
    fee_cap: Decimal | None
    fee_rule: str
    start: date
    installments: tuple[ScheduledInstallment, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return self.balance + self.fee

    @property
    def count(self) -> int:
        return len(self.installments)

    @property
    def end(self) -> date:
        return self.installments[-1].due_date


def plan_fee_rule_code(kind: DebtorKind, principal: Decimal, installments: int) -> str:
    rows = [
        r
        for r in rules_for(Topic.PLAN_FEE, kind)
        if r.bracket.contains(principal) and r.installments.contains(installments)
    ]
    return rows[0].code if rows else "plan_fee"


def plan_fee(
    *,
    kind: DebtorKind,
    principal: Decimal,
    installments: int,
    plans_already_charged: int,
    creditor_fee: Decimal,
) -> tuple[Decimal, Decimal | None]:
    """(fee, legal cap): the creditor's fee, never above the cap for this plan."""
    cap = plan_fee_cap(kind, principal, installments, plans_already_charged)
    fee = creditor_fee if cap is None else min(creditor_fee, cap)
    return max(fee, ZERO).quantize(CENT), cap


def _count_for_monthly(total_cents: int, monthly_cents: int, min_cents: int) -> int:
    count = -(-total_cents // monthly_cents)
    if count > 1 and total_cents - monthly_cents * (count - 1) < min_cents:
        count -= 1  # a too-small remainder joins the last installment
    return count


def plan_schedule(
    *,
    kind: DebtorKind,
    balance: Decimal,
    principal: Decimal,
    plans_already_charged: int,
    terms: PlanTerms,
    start: date,
    installments: int | None = None,
    monthly_amount: Decimal | None = None,
) -> Schedule:
    """The installments paying `balance` plus the plan fee, monthly from `start`.

    Exactly one of `installments` and `monthly_amount`. Every installment but the last is
    equal (whole cents, rounded down); the last takes what rounding left over, so the sum is
    exact. Refused (ScheduleError) when an installment would fall below the creditor's minimum,
    the count exceeds the creditor's maximum, or the last date lies beyond the longest plan.
    """
    if (installments is None) == (monthly_amount is None):
        raise ScheduleError(ScheduleRefusal.CHOOSE_ONE)
    if balance <= 0:
        raise ScheduleError(ScheduleRefusal.NOTHING_TO_PAY)
    balance_cents = to_cents(balance)
    min_cents = to_cents(terms.min_installment)

    def fee_for(count: int) -> tuple[Decimal, Decimal | None]:
        return plan_fee(
            kind=kind,
            principal=principal,
            installments=count,
            plans_already_charged=plans_already_charged,
            creditor_fee=terms.creditor_fee,
        )

    if installments is not None:
        count = installments
        if count < 1:
            raise ScheduleError(ScheduleRefusal.TOO_FEW_INSTALLMENTS)
        fee, cap = fee_for(count) if count <= terms.max_installments else (ZERO, None)
    else:
        assert monthly_amount is not None
        monthly_cents = to_cents(monthly_amount)
        if monthly_cents <= 0:
            raise ScheduleError(ScheduleRefusal.AMOUNT_TOO_SMALL, minimum=terms.min_installment)
        # The fee depends on the count and the count on the fee; the fee only grows with the
        # count, so this settles within a few rounds.
        count = 1
        for _round in range(10):
            fee, cap = fee_for(count)
            new_count = _count_for_monthly(balance_cents + to_cents(fee), monthly_cents, min_cents)
            if new_count == count:
                break
            count = new_count
        if monthly_cents < min_cents and count > 1:
            raise ScheduleError(ScheduleRefusal.BELOW_MINIMUM, minimum=terms.min_installment)

    if count > terms.max_installments:
        raise ScheduleError(ScheduleRefusal.TOO_MANY_INSTALLMENTS, maximum=terms.max_installments)
    if count > terms.max_months:
        raise ScheduleError(ScheduleRefusal.TOO_LONG, months=terms.max_months)

    total_cents = balance_cents + to_cents(fee)
    each = total_cents // count if installments is not None else min(monthly_cents, total_cents)
    last = total_cents - each * (count - 1)
    if min(each, last) < min_cents:
        raise ScheduleError(ScheduleRefusal.BELOW_MINIMUM, minimum=terms.min_installment)
    rows = tuple(
        ScheduledInstallment(
            number=i + 1,
            due_date=add_months(start, i),
            amount=from_cents(last if i == count - 1 else each),
        )
        for i in range(count)
    )
    return Schedule(
        balance=from_cents(balance_cents),
        fee=fee,
        fee_cap=cap,
        fee_rule=plan_fee_rule_code(kind, principal, count),
        start=start,
        installments=rows,
    )


def plan_end_limit(start: date, max_months: int) -> date:
    """The latest date an installment of a plan starting on `start` may fall on."""
    return add_months(start, max_months)


# --- Due-date transfers --------------------------------------------------------------------


@dataclass(frozen=True)
class TransferWindow:
    earliest: date
    latest: date

    @property
    def is_empty(self) -> bool:
        return self.latest < self.earliest

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest


def transfer_window(*, due_date: date, today: date, max_weeks: int) -> TransferWindow:
    """Dates the due date may move to: after the current one (and not in the past), at most
    `max_weeks` weeks after it (the creditor's longest single transfer)."""
    earliest = max(due_date + timedelta(days=1), today)
    return TransferWindow(earliest=earliest, latest=due_date + timedelta(weeks=max_weeks))


@dataclass(frozen=True)
class TransferFee:
    amount: Decimal
    cap: Decimal
    rule: str


def transfer_fee(
    *,
    kind: DebtorKind,
    due_date: date,
    new_due_date: date,
    original_due_date: date,
    today: date,
    creditor_fee: Decimal,
) -> TransferFee:
    """The fee of moving `due_date` to `new_due_date`: the creditor's, never above the cap."""
    days = (new_due_date - due_date).days
    before = today <= original_due_date
    cap = transfer_fee_cap(kind, days, before)
    rows = [
        r
        for r in rules_for(Topic.TRANSFER_FEE, kind)
        if r.transfer_days.contains(days)
        and (r.before_original_due is None or r.before_original_due == before)
        and r.cap == cap
    ]
    return TransferFee(
        amount=min(max(creditor_fee, ZERO), cap).quantize(CENT),
        cap=cap,
        rule=rows[0].code if rows else "transfer_fee",
    )
