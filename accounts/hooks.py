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


@dataclass(frozen=True)
class InvitationTarget:
    """What an invitation of a higher app's kind means (creditor registers "creditor").

    `describe(invitation)` is the translated sentence the mail and the invitation page show;
    `accept(invitation=, user=)` gives the invited user what was offered and returns the URL to
    go to, or raises `refused` (an error with a translated `message`); `may_cancel(invitation,
    actor)` says whether `actor` may cancel it. Each runs inside accounts' transaction.
    """

    describe: Callable[[Any], str]
    accept: Callable[..., str]
    may_cancel: Callable[[Any, Any], bool]
    refused: type[Exception]


_invitation_targets: dict[str, InvitationTarget] = {}


def register_invitation_target(kind: str, target: InvitationTarget) -> None:
    _invitation_targets[kind] = target


def invitation_target(kind: str) -> InvitationTarget | None:
    return _invitation_targets.get(kind)
