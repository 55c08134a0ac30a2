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


def describe(h: InvoiceHistory) -> str:
    """The history in date order, one act a line: a reproduction to paste into a finding."""
    head = (
        f"invoice {h.id}: {h.kind}, principal {h.principal} €, issued {h.issue_date}, "
        f"sent {h.sent_on or h.issue_date}, due {h.original_due_date}, channel {h.channel}"
    )
    rows: list[tuple[datetime, str]] = []
    for s in h.steps:
        rows.append((s.at, f"{s.on} step {s.step}" + (f", pay by {s.pay_by}" if s.pay_by else "")))
    for f in h.fees:
        what = f"{f.on} charge {f.kind} {f.amount} €"
        if f.period:
            what += f" for {f.period[0]}–{f.period[1]}"
        rows.append((f.at, what + (f" ({f.step})" if f.step else "")))
    for a in h.allocations:
        rows.append((a.at, f"{a.paid_on} payment {a.payment}: {a.amount} € to {a.component}"))
    for t in h.transfers:
        rows.append((t.at, f"{t.on} due date moved {t.from_date} → {t.to_date}"))
    for p in h.plans:
        rows.append((p.at, f"{p.on} payment plan {p.id}, {p.installments} instalments"))
    for d in h.disputes:
        rows.append((d.start, f"{d.start.date()} disputed"))
        if d.end:
            rows.append((d.end, f"{d.end.date()} dispute resolved"))
    for s in h.stop_requests:
        rows.append((s, f"{s.date()} asked to stop voluntary collection (4 c §)"))
    return "\n".join([head, *(f"    {text}" for _at, text in sorted(rows, key=lambda r: r[0]))])
