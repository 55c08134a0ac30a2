"""Hooks that apps above accounts fill in from their `AppConfig.ready()`.

accounts never imports the apps built on it (STYLE.md "Layout"): where one of its pages starts
an act of a higher app (the company page claims an invoice for the organisation), it calls
what that app registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class OrganisationClaim:
    """Claims an invoice for an organisation by number and reference (invoices registers it).

    `claim(user=, organisation=, number=, reference=)` returns the invoice or raises `refused`,
    an error whose `message` is shown on the form.
    """

    claim: Callable[..., Any]
    refused: type[Exception]


_organisation_claim: list[OrganisationClaim] = []


def register_organisation_claim(claim: Callable[..., Any], *, refused: type[Exception]) -> None:
    _organisation_claim[:] = [OrganisationClaim(claim, refused)]


def organisation_claim() -> OrganisationClaim:
    if not _organisation_claim:
        raise ImproperlyConfigured("No organisation claim registered (accounts.hooks).")
    return _organisation_claim[0]
