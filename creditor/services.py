"""Writes of the creditor portal. Each one checks the role again, runs in one transaction and
leaves an immutable `CreditorAuditEvent` (who, when, old → new); acts on an invoice are also
on its timeline."""

from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.forms import ModelForm
from django.utils.translation import gettext as _

from accounts.models import User
from arrangements.models import ArrangementRules
from creditor.models import CreditorAuditAction, CreditorAuditEvent
from invoices.models import (
    Creditor,
    CreditorRole,
    CreditorSettings,
    CreditorUser,
    Invoice,
    ReminderLayout,
)


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
    if isinstance(value, list):
        # The enabled languages: "fi, sv" reads as it is in the changes table.
        return ", ".join(str(item) for item in value)
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


def _display_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:100].strip() or "logo"


def creditor_letterhead_set(
    *, creditor: Creditor, actor: User, filename: str, data: bytes | None
) -> CreditorSettings:
    """Stores the checked logo of the "own template" layout (data None: removes it); audited
    as a settings change, the file's name old → new. The replaced file is deleted after the
    commit: letters already sent keep their own rendered PDFs."""
    from django.core.files.base import ContentFile

    from creditor.letterhead import LetterheadError, clean_letterhead_logo

    try:
        png = clean_letterhead_logo(data) if data is not None else None
    except LetterheadError as error:
        raise CreditorPortalError(error.message) from None
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        settings_objects(creditor)
        locked = CreditorSettings.objects.select_for_update().get(creditor=creditor)
        old_file, old_name = locked.letterhead_logo.name, locked.letterhead_logo_name
        if png is None and not old_file:
            return locked
        own_layout_left_empty = (
            png is None
            and locked.reminder_layout == ReminderLayout.OWN
            and not locked.letterhead_text.strip()
        )
        if own_layout_left_empty:
            # The settings' own rule (CreditorSettings.clean): the removal would leave an own
            # layout with nothing of its own, and its letters quietly standard.
            raise CreditorPortalError(
                _(
                    "Your own layout shows your logo or a letterhead text: write the text or "
                    "choose the standard layout before removing the logo."
                )
            )
        field = CreditorSettings._meta.get_field("letterhead_logo")
        if png is None:
            locked.letterhead_logo, locked.letterhead_logo_name = "", ""
        else:
            # Saved through the storage API before the row names it; a rollback leaves an
            # unnamed file, never a row naming a missing one.
            locked.letterhead_logo = field.storage.save(
                field.generate_filename(locked, "logo.png"), ContentFile(png)
            )
            locked.letterhead_logo_name = _display_name(filename)
        locked.save(update_fields=["letterhead_logo", "letterhead_logo_name"])
        audit(
            creditor=creditor,
            actor=actor,
            action=CreditorAuditAction.SETTINGS_CHANGED,
            data={"changes": {"letterhead_logo": [old_name, locked.letterhead_logo_name]}},
        )
        if old_file:
            transaction.on_commit(lambda: field.storage.delete(old_file))
    return locked


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
    """The creditor's own note on an invoice: customer service reads it on the invoice's admin
    page (creditor.admin.CreditorNoteInline); the debtor never does."""
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
        upload = InvoiceUpload(
            creditor=creditor, uploaded_by=actor, filename=filename[:200], size=len(data)
        )
        # The bytes go to the `imports` storage (not the database) before the row that names
        # them, so that the worker finds them when the task runs; a failed insert removes
        # its file again.
        upload.file.save(filename, ContentFile(data), save=False)
        name = upload.file.name
        try:
            upload.save()
        except Exception:
            upload.file.storage.delete(name)
            raise
        transaction.on_commit(lambda: import_upload.delay(upload.pk))
    return upload


# --- Users ------------------------------------------------------------------------------------


def _lock_admins(creditor: Creditor) -> list[CreditorUser]:
    # Every admin row of the creditor, locked: two admins demoting or removing each other at
    # the same moment cannot both succeed and leave the creditor without an admin.
    return list(
        CreditorUser.objects.select_for_update()
        .filter(creditor=creditor, role=CreditorRole.ADMIN)
        .order_by("pk")
    )


def _locked_membership(
    creditor: Creditor, membership: CreditorUser
) -> tuple[CreditorUser, list[CreditorUser]]:
    """The member's row as it is now, locked after every admin row of the creditor (the one
    order of both locks, so a role change and a removal cannot deadlock), with those admins;
    refused if they no longer work for this creditor. Only the membership row is locked, not
    the user joined for the audit's email."""
    admins = _lock_admins(creditor)
    locked = (
        CreditorUser.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=membership.pk, creditor=creditor)
        .first()
    )
    if locked is None:
        raise CreditorPortalError(_("This person does not work for this creditor."))
    return locked, admins


def _last_admin_refusal() -> CreditorPortalError:
    return CreditorPortalError(
        _("The creditor needs at least one administrator. Make someone else one first.")
    )


def creditor_user_invite(*, creditor: Creditor, actor: User, email: str, role: str):
    """Invites `email` to work for the creditor with `role`, through accounts' invitations
    (one signed link, single use, mailed in the invitee's language); accepting it is
    `creditor_invitation_accept`."""
    from accounts.services import AccountsError, invitation_send, user_with_email

    email = (email or "").strip().lower()
    if role not in CreditorRole.values:
        raise CreditorPortalError(_("Choose a role."))
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        existing = user_with_email(email)
        if existing and CreditorUser.objects.filter(creditor=creditor, user=existing).exists():
            raise CreditorPortalError(_("This person already works for this creditor."))
        try:
            invitation = invitation_send(
                kind="creditor", target_id=creditor.pk, email=email, role=role, invited_by=actor
            )
        except AccountsError as error:
            raise CreditorPortalError(str(error.message)) from None
        audit(
            creditor=creditor,
            actor=actor,
            action=CreditorAuditAction.USER_INVITED,
            data={"email": email, "role": role, "invitation_id": invitation.pk},
        )
    return invitation


def creditor_invitation_accept(*, invitation, user: User) -> str:
    """accounts' hook for a "creditor" invitation: the invited user joins with the role."""
    creditor = Creditor.objects.filter(pk=invitation.target_id).first()
    if creditor is None:
        raise CreditorPortalError(_("This invitation has been cancelled."))
    if CreditorUser.objects.filter(creditor=creditor, user=user).exists():
        raise CreditorPortalError(_("You already work for this creditor."))
    role = invitation.role if invitation.role in CreditorRole.values else CreditorRole.VIEWER
    CreditorUser.objects.create(creditor=creditor, user=user, role=role)
    audit(
        creditor=creditor,
        actor=user,
        action=CreditorAuditAction.USER_JOINED,
        data={"email": user.email, "role": role, "invitation_id": invitation.pk},
    )
    from django.urls import reverse

    return reverse("creditor:home")


def creditor_invitation_cancel(*, creditor: Creditor, actor: User, invitation) -> None:
    from accounts.services import invitation_cancel

    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        if invitation.kind != "creditor" or invitation.target_id != creditor.pk:
            raise CreditorPortalError(_("This invitation is not this creditor's."))
        invitation_cancel(actor=actor, invitation=invitation)
        audit(
            creditor=creditor,
            actor=actor,
            action=CreditorAuditAction.INVITATION_CANCELLED,
            data={"email": invitation.email, "invitation_id": invitation.pk},
        )


def creditor_user_set_role(
    *, creditor: Creditor, actor: User, membership: CreditorUser, role: str
) -> CreditorUser:
    """Admin or viewer; the last admin is never demoted. Audited old → new."""
    if role not in CreditorRole.values:
        raise CreditorPortalError(_("Choose a role."))
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        membership, admins = _locked_membership(creditor, membership)
        if membership.role == role:
            return membership
        if membership.role == CreditorRole.ADMIN and len(admins) <= 1:
            raise _last_admin_refusal()
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit(
            creditor=creditor,
            actor=actor,
            action=CreditorAuditAction.ROLE_CHANGED,
            data={"email": membership.user.email, "changes": {"role": [old, role]}},
        )
    return membership


def creditor_user_remove(*, creditor: Creditor, actor: User, membership: CreditorUser) -> None:
    """The user no longer works for the creditor (their account stays); never the last admin."""
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        membership, admins = _locked_membership(creditor, membership)
        if membership.role == CreditorRole.ADMIN and len(admins) <= 1:
            raise _last_admin_refusal()
        email, role = membership.user.email, membership.role
        membership.delete()
        audit(
            creditor=creditor,
            actor=actor,
            action=CreditorAuditAction.USER_REMOVED,
            data={"email": email, "changes": {"role": [role, None]}},
        )


# --- Pause, resume, recall ------------------------------------------------------------------


def _collection_act(
    *, creditor: Creditor, actor: User, invoice: Invoice, reason: str, act: str
) -> None:
    from collection.services import (
        CollectionError,
        collection_pause,
        collection_recall,
        collection_resume,
    )

    do, action = {
        "pause": (collection_pause, CreditorAuditAction.COLLECTION_PAUSED),
        "resume": (collection_resume, CreditorAuditAction.COLLECTION_RESUMED),
        "recall": (collection_recall, CreditorAuditAction.RECALLED),
    }[act]
    reason = (reason or "").strip()
    with transaction.atomic():
        require_admin(creditor=creditor, actor=actor)
        _mine(creditor, invoice)
        try:
            do(invoice=invoice, reason=reason, actor=actor)
        except CollectionError as error:
            raise CreditorPortalError(str(error.message)) from None
        audit(
            creditor=creditor,
            actor=actor,
            action=action,
            invoice=invoice,
            data={"reason": reason, "stage": invoice.stage},
        )


def creditor_collection_pause(*, creditor: Creditor, actor: User, invoice: Invoice, reason: str):
    _collection_act(creditor=creditor, actor=actor, invoice=invoice, reason=reason, act="pause")


def creditor_collection_resume(*, creditor: Creditor, actor: User, invoice: Invoice, reason: str):
    _collection_act(creditor=creditor, actor=actor, invoice=invoice, reason=reason, act="resume")


def creditor_recall(*, creditor: Creditor, actor: User, invoice: Invoice, reason: str):
    _collection_act(creditor=creditor, actor=actor, invoice=invoice, reason=reason, act="recall")


def collection_state(invoice: Invoice) -> dict:
    """Whether the creditor has paused or recalled the invoice's collection (for its page)."""
    from collection.models import CollectionHold, CollectionRecall, HoldReason

    return {
        "recall": CollectionRecall.objects.filter(invoice=invoice).first(),
        "pause": CollectionHold.objects.filter(
            invoice=invoice, reason=HoldReason.CREDITOR_PAUSE, released_at__isnull=True
        ).first(),
    }
