"""What the engine reads from the apps built on it, registered from their `AppConfig.ready()`.

collection depends on invoices and accounts only: the money paid (payments) and the payment
plans (arrangements) come through these providers, so that no import points upwards. An
unregistered provider is a configuration error, never "nothing paid" or "no plan": guessing
would charge fees on paid invoices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

# Principal paid per invoice id, for a batch of ids (invoices without payments left out).
PrincipalPaid = Callable[[Sequence[int]], dict[int, Decimal]]
# The ids of those invoices that are in an active payment plan.
ActivePlans = Callable[[Sequence[int]], set[int]]
# The days on which a payment was allocated to each invoice (728/2003 10 §: a payment
# interrupts limitation), for a batch of ids (invoices without payments left out).
PaymentDays = Callable[[Sequence[int]], dict[int, set[date]]]
# What was paid per invoice id and component ("costs", "interest", "principal"), for a batch
# of ids (invoices without payments left out): the payoff's booked components.
PaidByComponent = Callable[[Sequence[int]], dict[int, dict[str, Decimal]]]
# The money allocated to a creditor's invoices per month of payment from start to end, as
# (first day of the month, amount) in month order (the statistics' "collected per month").
CollectedByMonth = Callable[[int, date, date], list[tuple[date, Decimal]]]


@dataclass
class _Providers:
    principal_paid: PrincipalPaid | None = None
    active_plans: ActivePlans | None = None
    payment_days: PaymentDays | None = None
    paid_by_component: PaidByComponent | None = None
    collected_by_month: CollectedByMonth | None = None


_providers = _Providers()


def register_principal_paid(provider: PrincipalPaid) -> None:
    _providers.principal_paid = provider


def register_active_plans(provider: ActivePlans) -> None:
    _providers.active_plans = provider


def register_payment_days(provider: PaymentDays) -> None:
    _providers.payment_days = provider


def register_paid_by_component(provider: PaidByComponent) -> None:
    _providers.paid_by_component = provider


def register_collected_by_month(provider: CollectedByMonth) -> None:
    _providers.collected_by_month = provider


def _missing(what: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"No provider registered for {what} (collection.hooks).")


def principal_paid(ids: Sequence[int]) -> dict[int, Decimal]:
    if _providers.principal_paid is None:
        raise _missing("the principal paid")
    return _providers.principal_paid(ids)


def active_plans(ids: Sequence[int]) -> set[int]:
    if _providers.active_plans is None:
        raise _missing("the active payment plans")
    return _providers.active_plans(ids)


def payment_days(ids: Sequence[int]) -> dict[int, set[date]]:
    if _providers.payment_days is None:
        raise _missing("the payment days")
    return _providers.payment_days(ids)


def paid_by_component(ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    if _providers.paid_by_component is None:
        raise _missing("the amounts paid per component")
    return _providers.paid_by_component(ids)


def collected_by_month(creditor_id: int, start: date, end: date) -> list[tuple[date, Decimal]]:
    if _providers.collected_by_month is None:
        raise _missing("the money collected per month")
    return _providers.collected_by_month(creditor_id, start, end)


__all__ = [
    "active_plans",
    "collected_by_month",
    "paid_by_component",
    "payment_days",
    "principal_paid",
    "register_active_plans",
    "register_collected_by_month",
    "register_paid_by_component",
    "register_payment_days",
    "register_principal_paid",
]
