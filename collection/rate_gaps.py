"""Half-years without a reference rate: what they hold back, and booking it once entered.

Korkolaki §12 fixes the reference rate of each half-year; staff enter it (admin). Until they
do, the engine accrues interest through every half-year that has a rate and leaves the days
of the missing one out (`collection.selectors.rated_stretches`), never guessing a rate. This
module says which half-years are missing (invoice page, admin banner, /healthz) and, when
staff enter one, books the interest its days held back on every open invoice. A paid or
credited invoice is not reopened: it is listed for staff, not charged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from collection import interest as pure_interest
from collection.decision import is_statute_barred
from collection.models import ReferenceRate
from collection.rules import DebtorKind, interest_margin
from collection.selectors import INTEREST_CHARGE_COLUMNS, facts_for_rows
from invoices.models import CLOSED_STAGES, Charge, ChargeKind, Invoice

ZERO = Decimal("0.00")


def half_year_of(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def half_year_label(start: date) -> str:
    """ "H1/2026" or "H2/2026": the same in every language, like the Bank of Finland's tables."""
    return f"H{1 if start.month <= 6 else 2}/{start.year}"


def missing_half_years(
    rates: tuple[pure_interest.ReferenceRate, ...], first_day: date, last_day: date
) -> list[date]:
    """The first days of the half-years touching `first_day`..`last_day` that have no rate."""
    missing = []
    start, _end = half_year_of(first_day)
    while start <= last_day:
        if not any(rate.start <= start <= rate.end for rate in rates):
            missing.append(start)
        start = half_year_of(half_year_of(start)[1] + timedelta(days=1))[0]
    return missing


def current_half_year_missing(today: date) -> date | None:
    """The first day of today's half-year when it has no reference rate yet, else None."""
    start, _end = half_year_of(today)
    if ReferenceRate.objects.filter(start__lte=today, end__gte=today).exists():
        return None
    return start


def missing_rate_text(starts: list[date]) -> str:
    """ "Reference rate for H2/2026 not yet entered …" for the invoice page, or ""."""
    if not starts:
        return ""
    return gettext(
        "Reference rate for %(half_years)s not yet entered: late-payment interest for those "
        "days is added once it is published and entered."
    ) % {"half_years": ", ".join(half_year_label(start) for start in starts)}


@dataclass(frozen=True)
class MissedInterest:
    """Days of delay an invoice did not accrue for want of a rate, now that it is entered."""

    invoice_id: int
    start: date
    end: date
    principal: Decimal
    amount: Decimal
    closed: bool  # paid or credited: listed, not charged


def missed_key(rate_start: date) -> str:
    return f"interest:rate:{rate_start.isoformat()}"


def _uncovered(first: date, last: date, covered: list[tuple[date, date]]) -> list[tuple]:
    stretches, day = [], first
    for start, end in sorted(covered):
        if end < day:
            continue
        if start > last:
            break
        if start > day:
            stretches.append((day, min(start - timedelta(days=1), last)))
        day = max(day, end + timedelta(days=1))
    if day <= last:
        stretches.append((day, last))
    return stretches


def missed_interest(rate: ReferenceRate, today: date | None = None) -> list[MissedInterest]:
    """Interest the half-year of `rate` held back: its days that lie before an invoice's last
    interest booking but are in none of its interest rows (they were skipped for want of the
    rate). The principal is the unpaid principal now: never more than on those days, so
    the amount never exceeds what the law allows."""
    period = pure_interest.ReferenceRate(rate.start, rate.end, rate.rate)
    rows = (
        Charge.objects.filter(
            kind=ChargeKind.INTEREST,
            period_end__isnull=False,
            invoice__due_date__lt=rate.end,
        )
        .order_by()
        .values_list("invoice_id", "period_start", "period_end")
    )
    covered: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for invoice_id, start, end in rows:
        covered[invoice_id].append((start or end, end))
    candidates = [pk for pk, spans in covered.items() if max(e for _s, e in spans) >= rate.start]
    if not candidates:
        return []
    invoices = list(
        Invoice.objects.filter(pk__in=candidates).values(
            "id",
            "creditor_id",
            "debtor_type",
            "principal",
            "due_date",
            "original_due_date",
            "stage",
            "disputed",
            "language",
        )
    )
    facts = facts_for_rows(invoices)
    result = []
    for row in invoices:
        spans = covered[row["id"]]
        first = max(rate.start, row["due_date"] + timedelta(days=1))
        last = min(rate.end, max(e for _s, e in spans))
        situation = facts[row["id"]].situation
        # A statute-barred debt is not collected, its interest neither (perintälaki 4 § 3 mom):
        # listed for staff like a closed one, never booked.
        closed = row["stage"] in CLOSED_STAGES or (
            today is not None and is_statute_barred(situation, today)
        )
        # A closed invoice owes nothing now: it is listed with the invoice amount as the most
        # it could have owed, for staff to decide; it is never charged.
        principal = row["principal"] if closed else situation.principal
        for start, end in _uncovered(first, last, spans):
            amount = pure_interest.late_interest(
                principal, start - timedelta(days=1), end, situation.kind, (period,)
            )
            if amount > 0:
                result.append(
                    MissedInterest(
                        row["id"],
                        start,
                        end,
                        principal,
                        amount,
                        closed,
                    )
                )
    return result


def missed_interest_book(*, rate: ReferenceRate, today: date) -> list[MissedInterest]:
    """Books the interest the half-year of `rate` held back on each open invoice, once.

    The key names the half-year, so entering the rate twice (or a rerun) books nothing more.
    Returns everything found, the closed invoices included, for the staff list.
    """
    found = missed_interest(rate, today)
    kinds = {
        pk: DebtorKind.from_debtor_type(debtor_type)
        for pk, debtor_type in Invoice.objects.filter(
            pk__in={m.invoice_id for m in found}
        ).values_list("id", "debtor_type")
    }
    charges = []
    for missed in found:
        if missed.closed:
            continue
        kind = kinds[missed.invoice_id]
        explanation = (
            f"Late-payment interest on {missed.principal} € for {missed.start.isoformat()}–"
            f"{missed.end.isoformat()}, held back until the reference rate of "
            f"{half_year_label(rate.start)} was entered: reference rate {rate.rate} % "
            f"+ {interest_margin(kind)} pp (Korkolaki §4, §12)."
        )
        values = (
            missed.invoice_id,
            ChargeKind.INTEREST.value,
            missed.amount,
            today,
            f"{kind.value}.interest_margin",
            None,
            None,
            explanation[:300],
            missed.start,
            missed.end,
            f"{missed_key(rate.start)}@{missed.start.isoformat()}",
        )
        charges.append(Charge(**dict(zip(INTEREST_CHARGE_COLUMNS, values, strict=True))))
    with transaction.atomic():
        Charge.objects.bulk_create(charges, ignore_conflicts=True)
    return found


def missed_interest_report(rate: ReferenceRate) -> list[MissedInterest]:
    """The staff list for a half-year's rate: what was booked for it, and the closed invoices
    that would have owed interest for it but are not reopened."""
    booked = [
        MissedInterest(invoice_id, start, end, ZERO, amount, closed=False)
        for invoice_id, start, end, amount in Charge.objects.filter(
            kind=ChargeKind.INTEREST, idempotency_key__startswith=missed_key(rate.start)
        )
        .order_by("invoice_id", "period_start")
        .values_list("invoice_id", "period_start", "period_end", "amount")
    ]
    closed = [missed for missed in missed_interest(rate, timezone.localdate()) if missed.closed]
    return sorted(booked + closed, key=lambda m: (m.invoice_id, m.start))


__all__ = [
    "MissedInterest",
    "current_half_year_missing",
    "half_year_label",
    "half_year_of",
    "missed_interest",
    "missed_interest_book",
    "missed_interest_report",
    "missing_half_years",
    "missing_rate_text",
]
