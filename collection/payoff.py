"""What it takes to pay an invoice off on a given Helsinki day: the one figure.

`payoff_for(invoice, as_of)` is the amount that closes the invoice when paid on `as_of`:
the unpaid principal, the costs booked and not yet paid, the interest booked and not yet
paid, and the late-payment interest accrued after the last interest booking through `as_of`
itself (a payment on a day pays that day's interest, `collection.interest.late_interest`).
Every place that asks for money reads it here, so that they cannot disagree (issue 10,
item 4):

- the invoice page and the pay page ask for `payoff_for(invoice, today)`, broken down;
- their bank barcode and EPC QR code carry that figure (dated today when overdue);
- a reminder or collection letter prints `payoff_for(invoice, letter.due_date)`: the amount
  that closes the invoice when paid on the letter's pay-by date, the day the letter asks
  for (`collection.letters`);
- the allocation (`payments.allocation`) books the accrued interest of `payoff_for(invoice,
  payment.paid_on)` as a `Charge` and splits the payment over its components, so a payment
  of exactly the figure on its day leaves nothing open and the invoice is paid.

A letter's figure paid *earlier* than its pay-by date is more than the invoice owes that
day by the interest of the days not yet elapsed: the invoice is paid and the difference is
an overpayment refunded to the payer, because late-payment interest runs only until the day
of payment (Korkolaki 633/1982 4 §) and keeping it would collect what is not owed. A figure
paid later leaves that later interest open, as the law has it.

The booked components come from `outstanding_by_id` (charges − allocations − credit notes),
the paid amounts from the payments app through `collection.hooks.paid_by_component`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection

from collection import hooks
from collection import interest as pure_interest
from collection.decision import limitation_ends_on
from collection.rules import DebtorKind, limitation_years
from collection.selectors import (
    INVOICE_FIELDS,
    InterestDue,
    facts_for_rows,
    reference_rates,
    unbooked_interest,
)
from invoices import hooks as invoice_hooks
from invoices.credits import credited_of_rows, subtract_credits
from invoices.models import CLOSED_STAGES, Charge, ChargeKind, Invoice
from myropo.sqlarrays import int_array

ZERO = Decimal("0.00")
COSTS, INTEREST, PRINCIPAL = "costs", "interest", "principal"

__all__ = [
    "Owed",
    "Payoff",
    "accrue",
    "outstanding_by_id",
    "owed_by_id",
    "payoff",
    "payoff_for",
    "payoffs_for",
]


def _booked(ids: list[int]) -> dict[int, tuple[Decimal, Decimal, date | None]]:
    """(costs, interest, interest booked through) per invoice id, in one query."""
    table = connection.ops.quote_name(Charge._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT invoice_id, SUM(amount) FILTER (WHERE kind <> %s), "  # noqa: S608
            "SUM(amount) FILTER (WHERE kind = %s), "
            "MAX(COALESCE(period_end, booked_on)) FILTER (WHERE kind = %s) "
            f"FROM {table} WHERE invoice_id = ANY(%s::bigint[]) GROUP BY invoice_id",
            [ChargeKind.INTEREST.value] * 3 + [int_array(ids)],
        )
        return {row[0]: (row[1] or ZERO, row[2] or ZERO, row[3]) for row in cursor.fetchall()}


def _outstanding(
    principals: Mapping[int, Decimal],
    booked: Mapping[int, tuple[Decimal, Decimal, date | None]],
    credited: Mapping[int, Decimal] | None = None,
) -> dict[int, dict[str, Decimal]]:
    result = {
        invoice_id: {COSTS: ZERO, INTEREST: ZERO, PRINCIPAL: principal}
        for invoice_id, principal in principals.items()
    }
    for invoice_id, (costs, interest, _through) in booked.items():
        if invoice_id in result:
            result[invoice_id][COSTS] += costs
            result[invoice_id][INTEREST] += interest
    for invoice_id, paid in hooks.paid_by_component(list(result)).items():
        for component, amount in paid.items():
            result[invoice_id][component] -= amount
    subtract_credits(result, credited)
    return result


def outstanding_by_id(principals: Mapping[int, Decimal]) -> dict[int, dict[str, Decimal]]:
    """What each component of these invoices still owes as booked (no interest accrued since
    the last booking): charges − allocations − credit notes, in three queries for any number.

    Plain SQL with `= ANY(array)`: a bank file asks this for tens of thousands of invoices,
    where an ORM `IN (…)` list of as many parameters costs more than the aggregates.
    """
    if not principals:
        return {}
    return _outstanding(principals, _booked(list(principals)))


@dataclass
class Owed:
    """One invoice as booked: what each component owes and how far interest is booked.

    Mutable on purpose: the bank-file allocation spends it payment by payment.
    """

    id: int
    kind: DebtorKind
    due_date: date
    closed: bool
    components: dict[str, Decimal]
    interest_booked_through: date | None
    # The last day before the debt is statute-barred, where that can come before the day
    # asked about (else None): a barred debt's interest is never booked, since booking it
    # would be collecting it (perintälaki 4 § 3 mom, 728/2003 4 §).
    limitation_ends: date | None = None


INVOICE_COLUMNS = invoice_hooks.PAYOFF_FIELDS


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _limitation_ends(rows: Sequence[Mapping], latest: date) -> dict[int, date]:
    """The limitation end of the invoices that could be barred by `latest`.

    Limitation runs at least three years from the original due date (728/2003 4 §), so
    only invoices that old need the engine's facts (their steps, payments and
    acknowledgements interrupt it); the others cost no query.
    """
    years = limitation_years()
    old = [
        row["id"]
        for row in rows
        if row["stage"] not in CLOSED_STAGES
        and _years_after(row["original_due_date"], years) <= latest
    ]
    if not old:
        return {}
    facts = facts_for_rows(list(Invoice.objects.filter(pk__in=old).values(*INVOICE_FIELDS)))
    return {pk: limitation_ends_on(one.situation) for pk, one in facts.items()}


def owed_by_id(rows: Sequence[Mapping], *, latest: date | None = None) -> dict[int, Owed]:
    """`Owed` for invoice rows (mappings of `INVOICE_COLUMNS`), in three queries for all;
    `latest` is the last day interest will be accrued for (the statute-barred check). Rows
    that carry `credited_total` (invoices read through `with_balance`) save the credits' query."""
    if not rows:
        return {}
    ids = [row["id"] for row in rows]
    booked = _booked(ids)
    outstanding = _outstanding(
        {row["id"]: row["principal"] for row in rows}, booked, credited_of_rows(rows)
    )
    ends = _limitation_ends(rows, latest) if latest is not None else {}
    return {
        row["id"]: Owed(
            id=row["id"],
            kind=DebtorKind.from_debtor_type(row["debtor_type"]),
            due_date=row["due_date"],
            closed=row["stage"] in CLOSED_STAGES,
            components=outstanding[row["id"]],
            interest_booked_through=booked.get(row["id"], (ZERO, ZERO, None))[2],
            limitation_ends=ends.get(row["id"]),
        )
        for row in rows
    }


def accrue(
    owed: Owed, as_of: date, rates: Sequence[pure_interest.ReferenceRate]
) -> InterestDue | None:
    """The late-payment interest not yet booked on the unpaid capital, through `as_of`.

    None for a paid or credited invoice, a statute-barred one, on or before the due date, and
    where no reference rate covers the days (a rate gap is a staff alarm,
    `collection.rate_gaps`, never a guess).
    """
    if owed.closed:
        return None
    if owed.limitation_ends is not None and as_of > owed.limitation_ends:
        return None
    return unbooked_interest(
        kind=owed.kind,
        principal=max(owed.components[PRINCIPAL], ZERO),
        due_date=owed.due_date,
        booked_through=owed.interest_booked_through,
        as_of=as_of,
        rates=rates,
    )


@dataclass(frozen=True)
class Payoff:
    """The amount that pays an invoice off on `as_of`, broken down."""

    invoice_id: int
    as_of: date
    principal: Decimal
    costs: Decimal
    interest_booked: Decimal
    interest_accrued: Decimal
    # The unbooked interest itself (None when nothing accrued): what the allocation books.
    due: InterestDue | None = field(default=None, compare=False)
    # What the booked components net to (a component can only go below zero through rows
    # written by hand, e.g. old data): the total never asks for more than the balance.
    booked_total: Decimal | None = field(default=None, compare=False)

    @property
    def interest(self) -> Decimal:
        return self.interest_booked + self.interest_accrued

    @property
    def total(self) -> Decimal:
        booked = self.principal + self.costs + self.interest_booked
        if self.booked_total is not None:
            booked = min(booked, max(self.booked_total, ZERO))
        return booked + self.interest_accrued

    @property
    def accrued_from(self) -> date | None:
        return self.due.start if self.due else None

    @property
    def accrued_through(self) -> date | None:
        return self.due.end if self.due else None

    def components(self) -> dict[str, Decimal]:
        """What the allocation splits a payment over, accrued interest included."""
        return {COSTS: self.costs, INTEREST: self.interest, PRINCIPAL: self.principal}


def payoff(owed: Owed, as_of: date, rates: Sequence[pure_interest.ReferenceRate]) -> Payoff:
    """The pure step of `payoff_for`: `owed` plus the interest accrued through `as_of`."""
    due = accrue(owed, as_of, rates)
    return Payoff(
        invoice_id=owed.id,
        as_of=as_of,
        principal=max(owed.components[PRINCIPAL], ZERO),
        costs=max(owed.components[COSTS], ZERO),
        interest_booked=max(owed.components[INTEREST], ZERO),
        interest_accrued=due.amount if due else ZERO,
        due=due,
        booked_total=sum(owed.components.values(), ZERO),
    )


def _row(invoice: Invoice, fields: Sequence[str]) -> dict:
    # The credits' total the invoice was read with (`with_balance`), when it was: summed once.
    return {
        **{name: getattr(invoice, name) for name in fields},
        "credited_total": getattr(invoice, "credited_total", None),
    }


def payoffs_for(
    invoices: Sequence[Invoice],
    as_of: date,
    *,
    rates: Sequence[pure_interest.ReferenceRate] | None = None,
) -> dict[int, Payoff]:
    """`payoff_for` of several invoices at once, in four queries for any number."""
    rows = [_row(invoice, INVOICE_COLUMNS) for invoice in invoices]
    owed = owed_by_id(rows, latest=as_of)
    if rates is None:
        rates = reference_rates() if any(o.due_date < as_of for o in owed.values()) else ()
    return {invoice_id: payoff(one, as_of, rates) for invoice_id, one in owed.items()}


def payoff_for(
    invoice: Invoice,
    as_of: date,
    *,
    rates: Sequence[pure_interest.ReferenceRate] | None = None,
) -> Payoff:
    """The amount that closes `invoice` when paid on the Helsinki day `as_of`, broken down."""
    return payoffs_for([invoice], as_of, rates=rates)[invoice.pk]


def payoff_date(invoice: Invoice, today: date) -> date:
    """The day a page's payment codes are dated: the due date, or today once it has passed
    (the amount is today's, so the bank should pay it today)."""
    return max(invoice.due_date, today)
