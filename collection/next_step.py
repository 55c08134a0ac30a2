"""The invoice page's "what happens next" line, in words of the active language.

`collection.decision.decide_next_step` explains itself in English for the admin and the
`Charge` rows; a debtor reads this instead: one whole sentence per step (with and without a
fee) and per reason for stopping, so translators never glue fragments together.
"""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from collection.decision import Decision, Reason
from collection.models import CollectionStepKind
from collection.rules import Step
from myropo.templatetags.money import format_euros

# (with a fee, without a fee): %(date)s is the step's date, %(fee)s its fee.
_STEP_SENTENCES: dict[Step, tuple[str, str]] = {
    Step.REMINDER_1: (
        gettext_noop(
            "If the invoice is not paid, a payment reminder is sent on %(date)s (fee %(fee)s)."
        ),
        gettext_noop(
            "If the invoice is not paid, a payment reminder is sent on %(date)s (no fee)."
        ),
    ),
    Step.REMINDER_2: (
        gettext_noop(
            "If the invoice is not paid, a second payment reminder is sent on %(date)s "
            "(fee %(fee)s)."
        ),
        gettext_noop(
            "If the invoice is not paid, a second payment reminder is sent on %(date)s (no fee)."
        ),
    ),
    Step.DEMAND_1: (
        gettext_noop(
            "If the invoice is not paid, it moves to collection and a payment demand is sent "
            "on %(date)s (fee %(fee)s)."
        ),
        gettext_noop(
            "If the invoice is not paid, it moves to collection and a payment demand is sent "
            "on %(date)s (no fee)."
        ),
    ),
    Step.DEMAND_2: (
        gettext_noop(
            "If the invoice is not paid, a second payment demand is sent on %(date)s (fee %(fee)s)."
        ),
        gettext_noop(
            "If the invoice is not paid, a second payment demand is sent on %(date)s (no fee)."
        ),
    ),
    Step.LEGAL_NOTICE: (
        gettext_noop(
            "If the invoice is not paid, a notice of legal collection is sent on %(date)s "
            "(fee %(fee)s)."
        ),
        gettext_noop(
            "If the invoice is not paid, a notice of legal collection is sent on %(date)s."
        ),
    ),
    Step.LEGAL: (
        gettext_noop(
            "If the invoice is not paid, it is handed over to legal collection on %(date)s "
            "(fee %(fee)s)."
        ),
        gettext_noop(
            "If the invoice is not paid, it is handed over to legal collection on %(date)s."
        ),
    ),
}

# Why nothing (more) happens. Every `Reason` without a step has its sentence here.
_STOP_SENTENCES: dict[Reason, str] = {
    Reason.PAID: gettext_noop("Nothing more happens: the invoice is paid."),
    Reason.CREDITED: gettext_noop("Nothing more happens: the invoice is credited."),
    Reason.NOTHING_UNPAID: gettext_noop(
        "No reminders or collection letters are sent: the invoice's capital is paid."
    ),
    Reason.DISPUTED: gettext_noop("Collection is paused while the invoice is disputed."),
    Reason.ACTIVE_PLAN: gettext_noop("Collection is paused while the payment plan is active."),
    Reason.TRANSFER: gettext_noop("Nothing happens before the moved due date."),
    Reason.HELD: gettext_noop(
        "Collection waits while customer service looks for the payment you reported."
    ),
    Reason.PAUSED: gettext_noop(
        "The creditor has paused collection of this invoice: no letters are sent and no fees "
        "are charged until it resumes."
    ),
    Reason.RECALLED: gettext_noop(
        "The creditor has recalled this invoice from collection: MyRopo sends no more letters "
        "and charges no more fees. Late-payment interest still runs until the invoice is paid. "
        "Ask the creditor about the invoice."
    ),
    Reason.STATUTE_BARRED: gettext_noop("The debt is statute-barred and is not collected."),
    Reason.NO_PRIOR_REMINDER: gettext_noop(
        "The creditor sends no payment reminders, and an invoice never moves to collection "
        "without one."
    ),
    Reason.HANDED_OVER: gettext_noop("The debt has been handed over to legal collection."),
}


def short_date(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def next_step_text(decision: Decision) -> str:
    """E.g. "If the invoice is not paid, a payment reminder is sent on 7.12.2026 (fee 5,00 €)."."""
    if decision.step is not None and decision.on is not None:
        with_fee, without_fee = _STEP_SENTENCES[decision.step]
        if decision.fee > 0:
            return gettext(with_fee) % {
                "date": short_date(decision.on),
                "fee": format_euros(decision.fee),
            }
        return gettext(without_fee) % {"date": short_date(decision.on)}
    return gettext(_STOP_SENTENCES[decision.reason_code])


def step_label(step: Step | str) -> str:
    """The step's name as on its letter, e.g. "Second payment reminder"."""
    return str(CollectionStepKind(Step(step).value).label)
