"""Hooks that apps above invoices fill in from their `AppConfig.ready()`.

invoices never imports the apps built on it (collection, payments, …); where one of its pages
shows what a higher app knows, it asks the providers registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Expression

if TYPE_CHECKING:
    from invoices.models import Charge, Invoice

# Each provider returns context for the invoice page (e.g. collection: the charges explained,
# the letters and the collection outlook), given the invoice (with its balance) and today.
InvoiceDetailContext = Callable[["Invoice", date], dict[str, Any]]

_invoice_detail_contexts: list[InvoiceDetailContext] = []


def register_invoice_detail_context(provider: InvoiceDetailContext) -> None:
    if provider not in _invoice_detail_contexts:
        _invoice_detail_contexts.append(provider)


def invoice_detail_context(invoice: Invoice, today: date) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _invoice_detail_contexts:
        context.update(provider(invoice, today))
    return context


# Each provider returns what a higher app shows this user on the invoice page (e.g.
# payments: the user's overpayments on it waiting for a refund account).
InvoiceViewerContext = Callable[["Invoice", Any], dict[str, Any]]

_invoice_viewer_contexts: list[InvoiceViewerContext] = []


def register_invoice_viewer_context(provider: InvoiceViewerContext) -> None:
    if provider not in _invoice_viewer_contexts:
        _invoice_viewer_contexts.append(provider)


def invoice_viewer_context(invoice: Invoice, user: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _invoice_viewer_contexts:
        context.update(provider(invoice, user))
    return context


class Payoff(Protocol):
    """The amount that pays an invoice off on `as_of`, broken down (collection.payoff)."""

    as_of: date
    principal: Decimal
    costs: Decimal
    interest_booked: Decimal
    interest_accrued: Decimal

    @property
    def interest(self) -> Decimal: ...

    @property
    def total(self) -> Decimal: ...

    @property
    def accrued_through(self) -> date | None: ...


# The payoffs of invoices on a Helsinki day, by invoice id, in a fixed number of queries for
# any number of invoices: the one figure every page, list, code and letter asks for
# (registered by the collection app, which computes interest).
PayoffsProvider = Callable[[Sequence["Invoice"], date], Mapping[int, Payoff]]

_payoffs: list[PayoffsProvider] = []

# The fields of an invoice a payoff provider reads (an invoice loaded with `.only()` of these
# is enough).
PAYOFF_FIELDS = ("id", "principal", "due_date", "original_due_date", "debtor_type", "stage")


def register_payoffs(provider: PayoffsProvider) -> None:
    _payoffs[:] = [provider]


def payoffs(invoices: Sequence[Invoice], as_of: date) -> Mapping[int, Payoff]:
    if not _payoffs:
        # Never "nothing accrued": a page would ask for less than closes the invoice.
        raise ImproperlyConfigured("No payoff provider registered (invoices.hooks).")
    return _payoffs[0](invoices, as_of)


def payoff(invoice: Invoice, as_of: date) -> Payoff:
    return payoffs([invoice], as_of)[invoice.pk]


# The money allocated to the invoice `OuterRef("pk")`, as one expression (registered by the
# payments app, which holds the allocations): the "paid" term of every open balance.
PaidTotal = Callable[[], Expression]

_paid_total: list[PaidTotal] = []
# The provider's expression, built once: a query resolves a copy of an expression it is given
# and never changes the expression itself, so one serves every query of the process.
_paid_total_expression: list[Expression] = []


def register_paid_total(provider: PaidTotal) -> None:
    _paid_total[:] = [provider]
    _paid_total_expression.clear()


def paid_total() -> Expression:
    if not _paid_total:
        # Never "nothing paid": every paid invoice would show its whole balance again.
        raise ImproperlyConfigured("No paid-total provider registered (invoices.hooks).")
    if not _paid_total_expression:
        _paid_total_expression.append(_paid_total[0]())
    return _paid_total_expression[0]


# A charge in words of the active language, rendered from its rule code and its parameters
# (amount, creditor's fee, legal maximum, period), never from the text stored with it, which
# is an audit note in the language of the moment it was booked (registered by collection,
# which holds the rule table).
ChargeExplainer = Callable[["Charge"], str]

_charge_explainer: list[ChargeExplainer] = []


def register_charge_explainer(provider: ChargeExplainer) -> None:
    _charge_explainer[:] = [provider]


def explain_charge(charge: Charge) -> str:
    if not _charge_explainer:
        from myropo.templatetags.money import format_euros

        return f"{charge.get_kind_display()} {format_euros(charge.amount)}"
    return _charge_explainer[0](charge)


# The day an invoice's payment codes (barcode, giro) ask to be paid by as of `today`, or None
# for codes without a date. Registered by collection: an invoice with letters carries its
# latest letter's pay-by date, or none once that has passed, never its long-past own due date
# (issue 12 item 16). Without a provider: its due date, or today once that has passed.
CodesDueDate = Callable[["Invoice", date], date | None]

_codes_due_date: list[CodesDueDate] = []


def register_codes_due_date(provider: CodesDueDate) -> None:
    _codes_due_date[:] = [provider]


def codes_due_date(invoice: Invoice, today: date) -> date | None:
    if not _codes_due_date:
        return max(invoice.due_date, today)
    return _codes_due_date[0](invoice, today)
