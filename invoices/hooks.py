"""Hooks that apps above invoices fill in from their `AppConfig.ready()`.

invoices never imports the apps built on it (collection, payments, …); where one of its pages
shows what a higher app knows, it asks the providers registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from invoices.models import Invoice

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
