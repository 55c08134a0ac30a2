"""What the invoice page shows of collection: the charges explained, letters, the outlook.

Registered with `invoices.hooks` in `CollectionConfig.ready()`: the invoice page is the
invoices app's, which never imports the engine.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext

from collection.decision import decide_next_step, simulate_schedule
from collection.letters import explain_charge
from collection.next_step import next_step_text, step_label
from collection.rate_gaps import missing_half_years, missing_rate_text
from collection.rules import DebtorKind
from collection.selectors import (
    collection_settings,
    facts_for,
    letters_for,
    reference_rates,
    unbooked_interest,
)
from invoices.models import ZERO, Charge, Invoice


@dataclass(frozen=True)
class ScheduleRow:
    on: date
    label: str
    fee: Decimal


@dataclass(frozen=True)
class CollectionOutlook:
    """What the invoice page says about reminders, collection and interest as of today."""

    next_step: str
    schedule: list[ScheduleRow]
    schedule_end: str  # why the schedule stops short of legal collection, or ""
    accrued_interest: Decimal
    accrued_through: date | None
    missing_rates: str = ""  # "Reference rate for H2/2026 not yet entered …", or ""


def _with_stop_notice(text: str, situation) -> str:
    """After a 4 c § request the page says, as the letters do, that no costs follow."""
    if situation.stop_requested_on is None or situation.kind is not DebtorKind.CONSUMER:
        return text
    notice = gettext(
        "You asked on %(day)s to stop voluntary collection: no collection costs are charged "
        "for anything done after your request (Debt Collection Act 4 c §)."
    ) % {"day": date_format(situation.stop_requested_on, "SHORT_DATE_FORMAT")}
    return f"{text} {notice}"


def collection_outlook(invoice: Invoice, today: date) -> CollectionOutlook:
    """`next_step_for`, `simulate_for` and `accrued_interest` of collection_selectors at once.

    The same pure functions on one read of the invoice's facts: calling the three selectors
    would read the steps, charges, allocations and events three times over.
    """
    facts = facts_for(invoice)
    situation = facts.situation
    settings = collection_settings(getattr(invoice.creditor, "settings", None), situation.kind)
    schedule = simulate_schedule(situation, settings, today)
    steps = [d for d in schedule if d.step is not None and d.on is not None]
    stop = schedule[-1] if schedule and schedule[-1].step is None else None
    due = None
    missing = ""
    if not invoice.is_closed:
        rates = reference_rates()
        if situation.due_date < today:
            missing = missing_rate_text(
                missing_half_years(rates, situation.due_date + timedelta(days=1), today)
            )
        due = unbooked_interest(
            kind=situation.kind,
            principal=situation.principal,
            due_date=situation.due_date,
            booked_through=facts.interest_booked_through,
            as_of=today,
            rates=rates,
        )
    accrued = due.amount if due else ZERO
    return CollectionOutlook(
        next_step=_with_stop_notice(
            next_step_text(decide_next_step(situation, settings, today)), situation
        ),
        schedule=[ScheduleRow(d.on, step_label(d.step), d.fee) for d in steps],
        schedule_end=next_step_text(stop) if stop is not None and steps else "",
        accrued_interest=accrued,
        accrued_through=due.end if due else None,
        missing_rates=missing,
    )


@dataclass(frozen=True)
class ChargeRow:
    charge: Charge
    text: str  # explain_charge's line in the active language


def charge_rows(charges: list[Charge]) -> list[ChargeRow]:
    return [ChargeRow(charge, explain_charge(charge)) for charge in charges]


def invoice_detail_context(invoice: Invoice, today: date) -> dict[str, Any]:
    return {
        "charges": charge_rows(list(invoice.charges.all())),
        "letters": letters_for(invoice),
        "outlook": collection_outlook(invoice, today),
    }
