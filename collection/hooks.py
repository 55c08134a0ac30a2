"""What the engine reads from the apps built on it, registered from their `AppConfig.ready()`.

collection depends on invoices and accounts only: the money paid (payments) and the payment
plans (arrangements) come through these providers, so that no import points upwards. An
unregistered provider is a configuration error, never "nothing paid" or "no plan": guessing
would charge fees on paid invoices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Expression

# Principal paid per invoice id, for a batch of ids (invoices without payments left out).
PrincipalPaid = Callable[[Sequence[int]], dict[int, Decimal]]
# The ids of those invoices that are in an active payment plan.
ActivePlans = Callable[[Sequence[int]], set[int]]
# An expression for the date of the last payment on the invoice `OuterRef("pk")`.
LastPaidOn = Callable[[], Expression]


@dataclass
class _Providers:
    principal_paid: PrincipalPaid | None = None
    active_plans: ActivePlans | None = None
    last_paid_on: LastPaidOn | None = None


_providers = _Providers()


def register_principal_paid(provider: PrincipalPaid) -> None:
    _providers.principal_paid = provider


def register_active_plans(provider: ActivePlans) -> None:
    _providers.active_plans = provider


def register_last_paid_on(provider: LastPaidOn) -> None:
    _providers.last_paid_on = provider


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


def last_paid_on() -> Expression:
    if _providers.last_paid_on is None:
        raise _missing("the last payment date")
    return _providers.last_paid_on()


__all__ = [
    "active_plans",
    "last_paid_on",
    "principal_paid",
    "register_active_plans",
    "register_last_paid_on",
    "register_principal_paid",
]
