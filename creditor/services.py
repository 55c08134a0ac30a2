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


# --- Acts on one invoice -------------------------------------------------------------------


def _mine(creditor: Creditor, invoice: Invoice) -> Invoice:
    if invoice.creditor_id != creditor.pk:
        raise CreditorPortalError(_("This invoice is not this creditor's."))
    return invoice


def creditor_invoice_credit(
    *, creditor: Creditor, actor: User, invoice: Invoice, amount: Decimal | None, reason: str
):
    """A credit note of `amount` (None: the whole open balance), through the credit notes of
    `invoices.services.invoice_credit` (which puts it on the timeline)."""
    from invoices.services import InvoiceError, invoice_credit

    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        _mine(creditor, invoice)
        try:
            credit = invoice_credit(invoice=invoice, amount=amount, reason=reason, actor=actor)
        except InvoiceError as error:
            raise CreditorPortalError(str(error.message)) from None
        audit(
            creditor=creditor,
            actor=actor,
            action=CreditorAuditAction.INVOICE_CREDITED,
            invoice=invoice,
            data={"amount": str(credit.amount), "reason": credit.reason, "full": amount is None},
        )
    return credit


def open_dispute_contact(invoice: Invoice):
    """The contact whose dispute about this invoice is still open, or None."""
    from messaging.models import Contact, DisputeState

    return (
        Contact.objects.filter(invoices=invoice, dispute__state=DisputeState.OPEN)
        .select_related("dispute")
        .order_by("created_at", "pk")
        .first()
    )


def creditor_dispute_decide(
    *, creditor: Creditor, actor: User, invoice: Invoice, accept: bool, reason: str
):
    """Accepts (credits the invoice) or rejects (collection resumes) the open dispute; the
    reason goes to the debtor in the contact's thread, in the debtor's language."""
    from messaging.services import MessagingError, dispute_accept, dispute_reject

    reason = (reason or "").strip()
    if not reason:
        raise CreditorPortalError(_("Give the reason for the decision: the debtor is told it."))
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        _mine(creditor, invoice)
        contact = open_dispute_contact(invoice)
        if contact is None:
            raise CreditorPortalError(_("This invoice has no open dispute."))
        try:
            if accept:
                dispute = dispute_accept(contact=contact, staff=actor, reason=reason, amounts={})
            else:
                dispute = dispute_reject(contact=contact, staff=actor, reason=reason)
        except MessagingError as error:
            raise CreditorPortalError(str(error.message)) from None
        audit(
            creditor=creditor,
            actor=actor,
            action=(
                CreditorAuditAction.DISPUTE_ACCEPTED
                if accept
                else CreditorAuditAction.DISPUTE_REJECTED
            ),
            invoice=invoice,
            data={"contact_id": contact.pk, "dispute_id": dispute.pk, "reason": reason},
        )
    return dispute


def creditor_note_add(*, creditor: Creditor, actor: User, invoice: Invoice, body: str):
    """The creditor's own note on an invoice: customer service reads it (the admin, and the
    invoice's timeline); the debtor never does."""
    from creditor.models import CreditorNote

    body = (body or "").strip()
    if not body:
        raise CreditorPortalError(_("Write the note first."))
    if len(body) > 2000:
        raise CreditorPortalError(_("Keep the note under 2,000 characters."))
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        _mine(creditor, invoice)
        note = CreditorNote.objects.create(invoice=invoice, author=actor, body=body)
        audit(
            creditor=creditor,
            actor=actor,
            action=CreditorAuditAction.NOTE_ADDED,
            invoice=invoice,
            data={"note_id": note.pk},
        )
    return note


# --- Invoice uploads ------------------------------------------------------------------------

UPLOAD_SUFFIXES = (".xml", ".csv")


def invoice_upload_start(*, creditor: Creditor, actor: User, filename: str, data: bytes):
    """Keeps the file and queues its import (after the commit); the page follows its state."""
    from creditor.models import InvoiceUpload
    from creditor.tasks import import_upload
    from invoices.importing.records import MAX_IMPORT_BYTES

    if not filename.lower().endswith(UPLOAD_SUFFIXES):
        raise CreditorPortalError(
            _("Upload a Finvoice XML file (.xml) or a CSV file in our format (.csv).")
        )
    if not data:
        raise CreditorPortalError(_("The file is empty."))
    if len(data) > MAX_IMPORT_BYTES:
        raise CreditorPortalError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 2**20}
        )
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        upload = InvoiceUpload.objects.create(
            creditor=creditor,
            uploaded_by=actor,
            filename=filename[:200],
            data=data,
            size=len(data),
        )
        transaction.on_commit(lambda: import_upload.delay(upload.pk))
    return upload
