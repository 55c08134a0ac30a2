"""Writes of the creditor portal. Each one checks the role again, runs in one transaction and
leaves an immutable `CreditorAuditEvent` (who, when, old → new); acts on an invoice are also
on its timeline."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.forms import ModelForm
from django.utils.translation import gettext as _

from accounts.models import User
from arrangements.models import ArrangementRules
from creditor.models import CreditorAuditAction, CreditorAuditEvent
from invoices.models import Creditor, CreditorRole, CreditorSettings, CreditorUser, Invoice


class CreditorPortalError(Exception):
    """A refused act, with a translated message for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def require_admin(*, creditor: Creditor, actor: User) -> None:
    if not CreditorUser.objects.filter(
        creditor=creditor, user=actor, role=CreditorRole.ADMIN
    ).exists():
        raise CreditorPortalError(_("Only the creditor's administrators can do this."))


def audit(
    *,
    creditor: Creditor,
    actor: User | None,
    action: str,
    invoice: Invoice | None = None,
    data: dict | None = None,
) -> CreditorAuditEvent:
    return CreditorAuditEvent.objects.create(
        creditor=creditor, actor=actor, action=action, invoice=invoice, data=data or {}
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def settings_objects(creditor: Creditor) -> tuple[CreditorSettings, ArrangementRules]:
    settings, _created = CreditorSettings.objects.get_or_create(creditor=creditor)
    rules, _created = ArrangementRules.objects.get_or_create(creditor=creditor)
    return settings, rules


def creditor_settings_update(
    *, creditor: Creditor, actor: User, forms: list[ModelForm]
) -> dict[str, list]:
    """Saves the validated settings forms; returns and audits {field: [old, new]}.

    The rows are locked and their old values read under the lock, so two admins saving at
    once each record what they really changed. The collection cycle reads the settings
    afresh, so a change applies from the next cycle on.
    """
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        changes: dict[str, list] = {}
        for form in forms:
            model = type(form.instance)
            locked = model.objects.select_for_update().get(pk=form.instance.pk)
            for name in form.fields:
                old, new = getattr(locked, name), form.cleaned_data[name]
                if _plain(old) != _plain(new):
                    changes[name] = [_plain(old), _plain(new)]
                    setattr(locked, name, new)
            if changes:
                locked.full_clean()
                locked.save()
        if changes:
            audit(
                creditor=creditor,
                actor=actor,
                action=CreditorAuditAction.SETTINGS_CHANGED,
                data={"changes": changes},
            )
    return changes
