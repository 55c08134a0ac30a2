"""Late-payment interest ("viivästyskorko") under Korkolaki (633/1982).

Korkolaki §4: interest runs from the day after the due date at the reference rate plus
7 percentage points (plus 8 pp for a commercial payment under 30/2013 §1; the margins live in
`collection.rules.LEGAL_RULES`). §12: the reference rate is the one in force on the first day of
each half-year (1 January and 1 July) and applies for that whole half-year.

Day count: actual/actual. The act names an annual rate but no day-count convention; we count
the actual days of delay and divide each calendar year's days by that year's length, 366 in a
leap year, as the state debt-counselling service (talous- ja velkaneuvonta) does in its
worked example, so a leap year's daily rate is 1/366 of the annual rate and a whole year of
delay accrues exactly the annual rate. We accrue per reference-rate period and calendar year
and round once, at the end, to cents (ROUND_HALF_UP), so no period's rounding leaks into the
next.

The rates are an argument, never a global: the staff-edited table of half-year reference
rates (a model in the next session) is read by the caller and passed in as a sequence of
`ReferenceRate`; `DEFAULT_REFERENCE_RATES` is only the seed of that table. A day without a
known rate raises `UnknownReferenceRate` instead of guessing.
"""

from __future__ import annotations

from calendar import isleap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise

from collection.rules import DebtorKind, interest_margin

__all__ = [
    "DAYS_IN_YEAR",
    "DEFAULT_REFERENCE_RATES",
    "InterestPeriod",
    "ReferenceRate",
    "UnknownReferenceRate",
    "days_in_year",
    "interest_periods",
    "late_interest",
    "late_interest_rate",
]

DAYS_IN_YEAR = Decimal(365)  # an ordinary year; see `days_in_year` for a leap year
CENT = Decimal("0.01")


def days_in_year(year: int) -> Decimal:
    """The divisor of actual/actual: 366 in a leap year, else 365."""
    return Decimal(366 if isleap(year) else 365)


class UnknownReferenceRate(LookupError):
    """A day of delay falls outside every reference-rate period we were given."""


@dataclass(frozen=True)
class ReferenceRate:
    """The reference rate, in percent a year, for `start`..`end` inclusive (one half-year)."""

    start: date
    end: date
    rate: Decimal

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"reference rate period ends before it starts: {self}")
        if not isinstance(self.rate, Decimal):
            raise TypeError("the reference rate is a Decimal percentage, e.g. Decimal('2.50')")


DEFAULT_REFERENCE_RATES: tuple[ReferenceRate, ...] = (
    ReferenceRate(date(2026, 1, 1), date(2026, 6, 30), Decimal("2.50")),
)


@dataclass(frozen=True)
class InterestPeriod:
    """One stretch of delay at one rate: what an itemised statement prints."""

    start: date
    end: date
    days: int
    annual_rate: Decimal
    amount: Decimal  # unrounded; only the total is rounded


def _sorted_checked(periods: Sequence[ReferenceRate]) -> list[ReferenceRate]:
    ordered = sorted(periods, key=lambda p: p.start)
    for earlier, later in pairwise(ordered):
        if later.start <= earlier.end:
            raise ValueError(f"overlapping reference rate periods: {earlier} and {later}")
    return ordered


def late_interest_rate(kind: DebtorKind, on: date, periods: Sequence[ReferenceRate]) -> Decimal:
    """The annual late-payment interest rate in percent on `on` (reference rate + margin)."""
    for period in periods:
        if period.start <= on <= period.end:
            return period.rate + interest_margin(kind)
    raise UnknownReferenceRate(f"no reference rate is known for {on.isoformat()}")


def interest_periods(
    principal: Decimal,
    due_date: date,
    as_of: date,
    kind: DebtorKind,
    periods: Sequence[ReferenceRate],
) -> list[InterestPeriod]:
    """The delay from the day after `due_date` through `as_of`, split at each rate change
    and at each new year (actual/actual)."""
    if not isinstance(principal, Decimal) or principal < 0:
        raise ValueError(f"principal must be a non-negative Decimal, not {principal!r}")
    first_day = due_date + timedelta(days=1)
    if as_of < first_day:
        return []
    result = []
    day = first_day
    ordered = _sorted_checked(periods)
    margin = interest_margin(kind)
    with localcontext() as ctx:
        ctx.prec = 34
        while day <= as_of:
            period = next((p for p in ordered if p.start <= day <= p.end), None)
            if period is None:
                raise UnknownReferenceRate(f"no reference rate is known for {day.isoformat()}")
            # A stretch never crosses 31 December: each year's days count at its own length.
            end = min(period.end, as_of, date(day.year, 12, 31))
            days = (end - day).days + 1
            annual = period.rate + margin
            amount = principal * annual / Decimal(100) * Decimal(days) / days_in_year(day.year)
            result.append(InterestPeriod(day, end, days, annual, amount))
            day = end + timedelta(days=1)
    return result


def late_interest(
    principal: Decimal,
    due_date: date,
    as_of: date,
    kind: DebtorKind,
    periods: Sequence[ReferenceRate],
) -> Decimal:
    """Interest accrued on `principal` from the day after `due_date` through `as_of`.

    Zero on or before the due date. `as_of` counts as a day of delay (a payment on that day
    pays interest for it). Rounded once to cents, ROUND_HALF_UP.
    """
    parts = interest_periods(principal, due_date, as_of, kind, periods)
    with localcontext() as ctx:
        ctx.prec = 34
        total = sum((part.amount for part in parts), Decimal(0))
    return total.quantize(CENT, rounding=ROUND_HALF_UP)
