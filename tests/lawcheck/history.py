"""What the law checker looks at: one invoice's whole history as plain data.

Built from the database by `tests.lawcheck.loader`, or by hand in the checker's own tests.
Every act carries its business date `on` (what the law counts days with) and the moment `at`
it was recorded (which orders acts of the same day: a dispute opened after the morning's
cycle does not make that morning's letter unlawful).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# Kinds of collection cost the checker knows; anything else is a fee without a legal basis.
REMINDER_FEE = "reminder_fee"
DEMAND_FEE = "demand_fee"
STANDARD_COMPENSATION = "standard_compensation"
TRANSFER_FEE = "transfer_fee"
PLAN_FEE = "plan_fee"
INTEREST = "interest"

REMINDERS = ("reminder_1", "reminder_2")
DEMANDS = ("demand_1", "demand_2")
LEGAL_NOTICE = "legal_notice"
LEGAL = "legal"


@dataclass(frozen=True)
class Fee:
    """A charge booked on the invoice: a collection cost or late-payment interest."""

    kind: str
    amount: Decimal
    on: date
    at: datetime
    # The collection step it was booked for, when the data says so (None: not a step's fee).
    step: str | None = None
    # Interest: the days of delay it covers, inclusive.
    period: tuple[date, date] | None = None
    # Plan fee: the plan it was charged for.
    plan_id: int | None = None
    ref: str = ""


@dataclass(frozen=True)
class Step:
    """A collection step: a letter (reminder, demand, legal notice) or the legal handover."""

    step: str
    on: date
    at: datetime
    # The letter's payment date ("pay by"); None for the handover or a step without a letter.
    pay_by: date | None = None


@dataclass(frozen=True)
class Allocation:
    """One part of one payment, in the order the parts were booked."""

    payment: int
    component: str  # principal | interest | costs
    amount: Decimal
    paid_on: date
    at: datetime
    seq: int = 0


@dataclass(frozen=True)
class Transfer:
    on: date
    at: datetime
    from_date: date
    to_date: date


@dataclass(frozen=True)
class Plan:
    id: int
    on: date
    at: datetime
    installments: int


@dataclass(frozen=True)
class Interval:
    """A stretch of time: a dispute from `start` until `end` (None: still open)."""

    start: datetime
    end: datetime | None = None

    def covers(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class Rate:
    """The reference rate of one half-year, in percent (Korkolaki 12 §), as staff entered it."""

    start: date
    end: date
    rate: Decimal


@dataclass
class InvoiceHistory:
    id: int
    kind: str  # consumer | business
    principal: Decimal
    issue_date: date
    original_due_date: date
    # When the invoice was sent to the debtor (10 b § 1 mom); the issue date when unknown.
    sent_on: date | None = None
    # How letters reach the debtor: letter | email | einvoice.
    channel: str = "letter"
    fees: list[Fee] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    disputes: list[Interval] = field(default_factory=list)
    stop_requests: list[datetime] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)


@dataclass(frozen=True, order=True)
class Violation:
    invoice_id: int
    on: date
    rule: str
    section: str
    detail: str

    def __str__(self) -> str:
        return (
            f"invoice {self.invoice_id} {self.on.isoformat()} [{self.rule}] {self.detail} "
            f"— {self.section}"
        )
