"""Writes of the message centre: contacts, replies, state changes, disputes, payment reports.

Every service locks the contact row before it changes its state, so that a customer's reply
and a staff answer (or two staff) arriving at once both see the other's result. Mails are
queued on commit and carry a link, never the message.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.context import Acting
from accounts.models import Organisation, User
from collection.models import HoldReason, StopRequestChannel
from collection.services import (
    CollectionError,
    collection_hold,
    collection_hold_release,
    collection_stop_request,
)
from invoices.models import DebtorType, EventKind, Invoice
from invoices.selectors import invoices_visible_to
from invoices.services import InvoiceError, invoice_credit, invoice_record_event
from messaging.attachments import MAX_FILES, AttachmentError, CleanFile, clean_upload
from messaging.mail import InboundMail, contact_id_from_address
from messaging.models import (
    Attachment,
    AuthorKind,
    Channel,
    Classification,
    Contact,
    ContactRead,
    ContactState,
    Dispute,
    DisputeState,
    Feedback,
    IllegalTransition,
    Message,
    Outcome,
    PaymentReport,
    PaymentReportState,
)
from myropo.ratelimit import rate_limit_exceeded
from myropo.service_hours import add_service_hours
from myropo.templatetags.money import format_euros

MAX_BODY = 5000


class MessagingError(Exception):
    """A refused action in the message centre, with a message fit to show the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Owner:
    """The party a new contact is for, and who acts for it."""

    acting: Acting
    user: User | None = None
    organisation: Organisation | None = None


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise MessagingError(_("Write a message."))
    if len(body) > MAX_BODY:
        raise MessagingError(
            _("A message can be at most %(count)s characters long.") % {"count": MAX_BODY}
        )
    return body


def _acting_fields(acting: Acting) -> dict:
    return {
        "actor": acting.actor,
        "on_behalf_of": acting.on_behalf_of,
        "on_behalf_of_organisation": acting.on_behalf_of_organisation,
    }


def _store_files(message: Message, files: Iterable[CleanFile]) -> None:
    stored: list[Attachment] = []
    try:
        for clean in files:
            attachment = Attachment(
                message=message,
                token=secrets.token_hex(16),
                original_name=clean.name,
                content_type=clean.content_type,
                size=len(clean.data),
                sha256=hashlib.sha256(clean.data).hexdigest(),
            )
            attachment.file.save(clean.name, ContentFile(clean.data), save=False)
            stored.append(attachment)
            attachment.save()
    except BaseException:
        # The rows roll back with the transaction; the files would stay behind without this.
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise


def _lock(contact: Contact) -> Contact:
    return Contact.objects.select_for_update().get(pk=contact.pk)


def _move(contact: Contact, state: str) -> None:
    try:
        contact.move_to(state)
    except IllegalTransition:
        raise MessagingError(_("This conversation cannot be changed that way now.")) from None


def _notify(contact: Contact, kind: str) -> None:
    from messaging.tasks import send_contact_notification

    contact_id = contact.pk
    transaction.on_commit(lambda: send_contact_notification.delay(contact_id, kind))


# --- The customer's side -------------------------------------------------------------------


def contact_create(
    *,
    owner: Owner,
    classification: str,
    body: str,
    invoices: list[Invoice] = (),  # type: ignore[assignment]
    files: list[CleanFile] = (),  # type: ignore[assignment]
    channel: str = Channel.PORTAL,
    language: str = "fi",
    paid_on: date | None = None,
    amount: Decimal | None = None,
    email: str = "",
    source: str = "",
) -> Contact:
    """Opens a contact. A dispute pauses collection of its invoices at once (perintälaki
    4 b §); a payment report holds the next step; a stop request is recorded (4 c §)."""
    body = _clean_body(body)
    invoices = list(invoices)
    actor = owner.acting.actor
    if (
        actor is not None
        and channel == Channel.PORTAL
        and rate_limit_exceeded(
            scope="contact-create",
            key=str(actor.pk),
            limit=settings.MESSAGING_CONTACTS_PER_HOUR,
            period_seconds=3600,
        )
    ):
        raise MessagingError(_("You have sent many messages in a short time. Try again later."))
    _check_classification(classification, invoices, paid_on=paid_on, amount=amount)
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.create(
            channel=channel,
            classification=classification,
            owner_user=owner.user,
            owner_organisation=owner.organisation,
            email=email,
            language=language,
            creditor_id=invoices[0].creditor_id if invoices else None,
            created_at=now,
            last_message_at=now,
            sla_due_at=add_service_hours(now, settings.MESSAGING_SLA_SERVICE_HOURS),
            source=source,
            **_acting_fields(owner.acting),
        )
        contact.invoices.set(invoices)
        message = Message.objects.create(
            contact=contact,
            author_kind=AuthorKind.CUSTOMER if actor else AuthorKind.SYSTEM,
            body=body,
            created_at=now,
            **_acting_fields(owner.acting),
        )
        _store_files(message, files)
        if actor is not None:
            ContactRead.objects.create(contact=contact, user=actor, read_at=now)
        label = Classification(classification).label
        for invoice in invoices:
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.MESSAGE,
                detail=_("Message to customer service: %(kind)s") % {"kind": label},
                data={"contact_id": contact.pk},
                **owner.acting.event_kwargs(),
            )
        _classification_effects(
            contact,
            classification,
            invoices,
            acting=owner.acting,
            reason=body,
            paid_on=paid_on,
            amount=amount,
            at=now,
        )
    return contact


# Classifications that do something to collection: a contact keeps them once given.
EFFECTIVE = frozenset(
    {Classification.DISPUTE, Classification.PAYMENT_REPORT, Classification.STOP_COLLECTION}
)


def _check_classification(
    classification: str,
    invoices: list[Invoice],
    *,
    paid_on: date | None,
    amount: Decimal | None,
) -> None:
    if classification not in Classification.values:
        raise MessagingError(_("Choose what the message is about."))
    if len({invoice.creditor_id for invoice in invoices}) > 1:
        raise MessagingError(_("Choose invoices of one creditor for one message."))
    if classification in EFFECTIVE and not invoices:
        raise MessagingError(_("Choose the invoice this message is about."))
    if classification == Classification.STOP_COLLECTION and any(
        invoice.debtor_type != DebtorType.CONSUMER for invoice in invoices
    ):
        raise MessagingError(
            _("Only a consumer can ask to stop voluntary collection (perintälaki 4 c §).")
        )
    if classification == Classification.PAYMENT_REPORT:
        if paid_on is None or amount is None or amount <= 0:
            raise MessagingError(_("Give the date and the amount of your payment."))
        if paid_on > timezone.localdate():
            raise MessagingError(_("The payment date cannot be in the future."))


def _classification_effects(
    contact: Contact,
    classification: str,
    invoices: list[Invoice],
    *,
    acting: Acting,
    reason: str,
    paid_on: date | None,
    amount: Decimal | None,
    at,
) -> None:
    """What a dispute, a payment report or a stop request does, from whichever side it came:
    a dispute pauses collection of its invoices at once (perintälaki 4 b §), a report holds
    the next step, a stop request is recorded (4 c §)."""
    if classification == Classification.DISPUTE:
        _dispute_open(contact=contact, invoices=invoices, reason=reason, acting=acting)
    elif classification == Classification.PAYMENT_REPORT:
        report = PaymentReport.objects.create(
            contact=contact,
            paid_on=paid_on,
            amount=amount,
            hold_until=timezone.localdate() + timedelta(days=settings.PAYMENT_REPORT_HOLD_DAYS),
        )
        # The collection cycle holds the next step of each invoice while staff look.
        for invoice in invoices:
            collection_hold(
                invoice=invoice,
                until=report.hold_until,
                reason=HoldReason.PAYMENT_REPORT,
                source=_hold_source(contact),
                actor=acting.actor,
            )
    elif classification == Classification.STOP_COLLECTION:
        _stop_request(
            contact=contact, invoices=invoices, acting=acting, channel=contact.channel, at=at
        )


def customer_invoices(contact: Contact) -> QuerySet[Invoice]:
    """The invoices staff may name on a contact: those its customer sees (none until an
    email from an unknown address is linked to an account)."""
    if contact.owner_organisation_id is not None:
        return Invoice.objects.filter(
            debtor_type=DebtorType.COMPANY,
            debtor_business_id=contact.owner_organisation.business_id,
        )
    customer = contact.owner_user or contact.actor
    if customer is None:
        return Invoice.objects.none()
    return invoices_visible_to(customer)


def contact_log_phone(*, customer: User, staff: User, body: str) -> Contact:
    """Staff log a call: the customer's contact, channel phone, assigned to whoever took it.

    It starts as "other"; staff then classify it (a stop request needs writing, 4 c §, and
    is refused for a call by the engine)."""
    with transaction.atomic():
        contact = contact_create(
            owner=Owner(Acting(customer), user=customer),
            classification=Classification.OTHER,
            body=body,
            channel=Channel.PHONE,
            language=customer.preferred_language or "fi",
        )
        contact.assigned_to = staff
        contact.save(update_fields=["assigned_to"])
        _staff_note(contact, staff, _("Phone call logged by %(staff)s.") % {"staff": staff.email})
    return contact


def contact_classify(
    *,
    contact: Contact,
    staff: User,
    classification: str,
    invoices: list[Invoice],
    paid_on: date | None = None,
    amount: Decimal | None = None,
) -> Contact:
    """Staff classify a contact that came by email or phone, and name its invoices.

    A dispute, payment report or stop request then does what it does from the portal form, on
    behalf of the contact's customer (the customer's own words are its reason). Once a contact
    is one of those it keeps its classification: staff decide it instead.
    """
    invoices = list(invoices)
    _check_classification(classification, invoices, paid_on=paid_on, amount=amount)
    with transaction.atomic():
        contact = _lock(contact)
        if contact.is_resolved:
            raise MessagingError(_("This contact is already resolved."))
        if contact.classification in EFFECTIVE:
            raise MessagingError(_("Decide this contact instead of classifying it again."))
        creditors = {invoice.creditor_id for invoice in invoices}
        if contact.creditor_id is not None and contact.invoices.exists():
            creditors.add(contact.creditor_id)
        if len(creditors) > 1:
            # A contact is the creditor's to read (Ropo One): never another creditor's invoice.
            raise MessagingError(_("Choose invoices of one creditor for one contact."))
        if invoices and contact.owner_user_id is None and contact.owner_organisation_id is None:
            raise MessagingError(_("Link the contact to the customer's account first."))
        customer = contact.owner_user or contact.actor
        if not invoices:
            theirs = True
        elif contact.owner_organisation_id is not None:
            business_id = contact.owner_organisation.business_id
            theirs = all(invoice.debtor_business_id == business_id for invoice in invoices)
        else:
            visible = set(invoices_visible_to(customer).values_list("pk", flat=True))
            theirs = all(invoice.pk in visible for invoice in invoices)
        if not theirs:
            raise MessagingError(_("Choose invoices of this customer."))
        first = contact.messages.filter(internal=False).order_by("created_at", "pk").first()
        if classification == Classification.DISPUTE and not (first and first.body.strip()):
            raise MessagingError(_("A dispute needs the customer's reason in the thread."))
        now = timezone.now()
        previous = contact.get_classification_display()
        contact.classification = classification
        contact.creditor_id = invoices[0].creditor_id if invoices else contact.creditor_id
        contact.save(update_fields=["classification", "creditor"])
        contact.invoices.add(*invoices)
        _staff_note(
            contact,
            staff,
            _("Classified by %(staff)s: %(old)s → %(new)s.")
            % {"staff": staff.email, "old": previous, "new": contact.get_classification_display()},
        )
        acting = Acting(
            customer or staff,
            None,
            contact.on_behalf_of_organisation,
        )
        _classification_effects(
            contact,
            classification,
            invoices,
            acting=acting,
            reason=first.body if first is not None else "",
            paid_on=paid_on,
            amount=amount,
            at=now,
        )
    return contact


def contact_reply(
    *,
    contact: Contact,
    acting: Acting,
    body: str,
    files: list[CleanFile] = (),  # type: ignore[assignment]
) -> Message:
    """The customer answers. A resolved contact reopens within REOPEN_DAYS, not later."""
    body = _clean_body(body)
    now = timezone.now()
    with transaction.atomic():
        contact = _lock(contact)
        if contact.is_resolved and not contact.may_reopen(now=now):
            raise MessagingError(
                _("This conversation was closed more than two weeks ago. Send a new message.")
            )
        _move(contact, ContactState.OPEN if contact.state != ContactState.NEW else ContactState.NEW)
        contact.last_message_at = now
        contact.save()
        message = Message.objects.create(
            contact=contact,
            author_kind=AuthorKind.CUSTOMER,
            body=body,
            created_at=now,
            **_acting_fields(acting),
        )
        _store_files(message, files)
        ContactRead.objects.update_or_create(
            contact=contact, user=acting.actor, defaults={"read_at": now}
        )
    return message


def contact_mark_read(*, contact: Contact, user: User) -> None:
    if contact.last_staff_message_at is None:
        return
    ContactRead.objects.update_or_create(
        contact=contact, user=user, defaults={"read_at": timezone.now()}
    )


# --- Customer service ----------------------------------------------------------------------


def staff_reply(
    *,
    contact: Contact,
    staff: User,
    body: str,
    internal: bool = False,
    files: list[CleanFile] = (),  # type: ignore[assignment]
    waiting_for_customer: bool = True,
) -> Message:
    """An answer to the customer (mailed as a link), or an internal note nobody else sees."""
    body = _clean_body(body)
    now = timezone.now()
    with transaction.atomic():
        contact = _lock(contact)
        message = Message.objects.create(
            contact=contact,
            author_kind=AuthorKind.STAFF,
            internal=internal,
            body=body,
            created_at=now,
            actor=staff,
        )
        _store_files(message, files)
        if not internal:
            if contact.first_response_at is None:
                contact.first_response_at = now
            contact.staff_answer_count += 1
            contact.last_staff_message_at = now
            contact.last_message_at = now
            if contact.is_resolved:
                pass  # an answer after resolving (e.g. the dispute decision) keeps it resolved
            elif waiting_for_customer:
                _move(contact, ContactState.WAITING)
            else:
                _move(contact, ContactState.OPEN)
            if contact.assigned_to_id is None:
                contact.assigned_to = staff
            contact.save()
            _notify(contact, "answer")
    return message


def contact_assign(*, contact: Contact, assignee: User | None) -> Contact:
    if assignee is not None and not assignee.is_staff:
        raise MessagingError(_("Only customer-service staff can be assigned."))
    with transaction.atomic():
        contact = _lock(contact)
        contact.assigned_to = assignee
        contact.save(update_fields=["assigned_to"])
    return contact


def contact_resolve(*, contact: Contact, staff: User, outcome: str, note: str = "") -> Contact:
    if outcome not in Outcome.values:
        raise MessagingError(_("Choose the outcome."))
    with transaction.atomic():
        contact = _lock(contact)
        if contact.is_resolved:
            raise MessagingError(_("This contact is already resolved."))
        if contact.classification == Classification.DISPUTE and _open_dispute(contact):
            raise MessagingError(_("Accept or reject the dispute first."))
        if PaymentReport.objects.filter(contact=contact, state=PaymentReportState.WAITING).exists():
            # Else collection would stay held and the customer never hear the answer.
            raise MessagingError(_("Say first whether the reported payment was found."))
        _move(contact, ContactState.RESOLVED)
        contact.outcome = outcome
        contact.resolution_note = note
        if contact.assigned_to_id is None:
            contact.assigned_to = staff
        contact.save()
        _notify(contact, "resolved")
    return contact


def contact_reopen(*, contact: Contact) -> Contact:
    with transaction.atomic():
        contact = _lock(contact)
        _move(contact, ContactState.OPEN)
        contact.save()
    return contact


def _staff_note(contact: Contact, staff: User, text: str) -> Message:
    """What staff did to the contact (logged a call, classified it, linked it), as an internal
    note: the staff's record, never shown to the customer."""
    return Message.objects.create(
        contact=contact,
        author_kind=AuthorKind.SYSTEM,
        internal=True,
        body=text,
        created_at=timezone.now(),
        actor=staff,
    )


def _system_message(contact: Contact, staff: User, text: str) -> Message:
    """A message to the customer written in the customer's language (reasons, decisions)."""
    now = timezone.now()
    message = Message.objects.create(
        contact=contact, author_kind=AuthorKind.STAFF, body=text, created_at=now, actor=staff
    )
    if contact.first_response_at is None:
        contact.first_response_at = now
    contact.staff_answer_count += 1
    contact.last_staff_message_at = now
    contact.last_message_at = now
    return message


# --- Disputes (perintälaki 4 b §) ----------------------------------------------------------


def _lock_invoices(invoices: Iterable[Invoice]) -> list[Invoice]:
    ids = sorted(invoice.pk for invoice in invoices)
    return list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _dispute_open(*, contact: Contact, invoices: list[Invoice], reason: str, acting: Acting):
    locked = _lock_invoices(invoices)
    dispute = Dispute.objects.create(contact=contact, reason=reason)
    Invoice.objects.filter(pk__in=[invoice.pk for invoice in locked]).update(disputed=True)
    for invoice in locked:
        invoice_record_event(
            invoice=invoice,
            kind=EventKind.DISPUTE,
            detail=reason[:500],
            data={"contact_id": contact.pk, "dispute_id": dispute.pk, "state": "open"},
            **acting.event_kwargs(),
        )
    return dispute


def _open_dispute(contact: Contact) -> Dispute | None:
    return Dispute.objects.filter(contact=contact, state=DisputeState.OPEN).first()


def _undispute(invoices: list[Invoice], *, except_dispute: Dispute) -> None:
    """Clears `disputed` on the invoices no other open dispute still covers."""
    still = set(
        Dispute.objects.filter(state=DisputeState.OPEN, contact__invoices__in=invoices)
        .exclude(pk=except_dispute.pk)
        .values_list("contact__invoices", flat=True)
    )
    free = [invoice.pk for invoice in invoices if invoice.pk not in still]
    Invoice.objects.filter(pk__in=free).update(disputed=False)


def _decide_dispute(contact: Contact, staff: User) -> tuple[Contact, Dispute, list[Invoice]]:
    contact = _lock(contact)
    dispute = Dispute.objects.select_for_update().filter(contact=contact).first()
    if dispute is None or dispute.state != DisputeState.OPEN:
        raise MessagingError(_("This dispute has already been decided."))
    invoices = _lock_invoices(contact.invoices.all())
    dispute.decided_by = staff
    dispute.decided_at = timezone.now()
    return contact, dispute, invoices


def dispute_accept(
    *, contact: Contact, staff: User, reason: str, amounts: dict[int, Decimal | None]
) -> Dispute:
    """Accepts the dispute: a credit note (the whole balance, or `amounts[invoice id]`) on each
    invoice through `invoices.services.invoice_credit`; a partly credited invoice is no longer
    disputed and collection goes on with what is left."""
    reason = (reason or "").strip()
    if not reason:
        raise MessagingError(_("Give the reason for the decision."))
    with transaction.atomic():
        contact, dispute, invoices = _decide_dispute(contact, staff)
        for invoice in invoices:
            try:
                invoice_credit(
                    invoice=invoice, amount=amounts.get(invoice.pk), reason=reason, actor=staff
                )
            except InvoiceError as error:
                raise MessagingError(f"{invoice.number}: {error.message}") from None
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.DISPUTE,
                actor=staff,
                detail=(_("Dispute accepted: %(reason)s") % {"reason": reason})[:500],
                data={"contact_id": contact.pk, "dispute_id": dispute.pk, "state": "accepted"},
            )
        dispute.state = DisputeState.ACCEPTED
        dispute.decision_reason = reason
        dispute.save()
        _undispute(invoices, except_dispute=dispute)
        with translation.override(contact.language):
            _system_message(
                contact,
                staff,
                _("Your dispute was accepted and the invoice was credited: %(reason)s")
                % {"reason": reason},
            )
        _move(contact, ContactState.RESOLVED)
        contact.outcome = Outcome.DISPUTE_ACCEPTED
        contact.resolution_note = reason
        contact.save()
        _notify(contact, "resolved")
    return dispute


def dispute_reject(*, contact: Contact, staff: User, reason: str) -> Dispute:
    """Rejects the dispute: collection resumes, and the customer is told why in their language."""
    reason = (reason or "").strip()
    if not reason:
        raise MessagingError(_("Give the reason for the decision."))
    with transaction.atomic():
        contact, dispute, invoices = _decide_dispute(contact, staff)
        dispute.state = DisputeState.REJECTED
        dispute.decision_reason = reason
        dispute.save()
        _undispute(invoices, except_dispute=dispute)
        for invoice in invoices:
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.DISPUTE,
                actor=staff,
                detail=(
                    _("Dispute rejected, collection continues: %(reason)s") % {"reason": reason}
                )[:500],
                data={"contact_id": contact.pk, "dispute_id": dispute.pk, "state": "rejected"},
            )
        with translation.override(contact.language):
            _system_message(
                contact,
                staff,
                _(
                    "Your dispute was not accepted, and collection of the invoice continues. "
                    "The reason: %(reason)s"
                )
                % {"reason": reason},
            )
        _move(contact, ContactState.RESOLVED)
        contact.outcome = Outcome.DISPUTE_REJECTED
        contact.resolution_note = reason
        contact.save()
        _notify(contact, "resolved")
    return dispute


# --- Payment reports ("Maksusta ilmoittaminen") ---------------------------------------------


def payment_report_decide(*, contact: Contact, staff: User, found: bool, note: str = "") -> None:
    """Found: the contact closes. Not found: the customer is told and collection resumes."""
    with transaction.atomic():
        contact = _lock(contact)
        report = PaymentReport.objects.select_for_update().filter(contact=contact).first()
        if report is None or report.state != PaymentReportState.WAITING:
            raise MessagingError(_("This payment report has already been decided."))
        report.state = PaymentReportState.FOUND if found else PaymentReportState.NOT_FOUND
        report.decided_at = timezone.now()
        report.save()
        # Found or not, the hold ends: a paid invoice is closed anyway, and collection of
        # what is still unpaid resumes.
        collection_hold_release(source=_hold_source(contact), actor=staff)
        with translation.override(contact.language):
            if found:
                text = _("We found your payment of %(amount)s. Thank you.") % {
                    "amount": format_euros(report.amount, contact.language)
                }
            else:
                text = _(
                    "We could not find your payment of %(amount)s paid on %(day)s. Collection of "
                    "the invoice continues; if you have a receipt, please send it here."
                ) % {
                    "amount": format_euros(report.amount, contact.language),
                    "day": report.paid_on.strftime("%d.%m.%Y"),
                }
            _system_message(contact, staff, text + (f"\n\n{note}" if note else ""))
        for invoice in contact.invoices.all():
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.NOTE,
                actor=staff,
                detail=_("Payment report: payment found")
                if found
                else _("Payment report: payment not found, collection continues"),
                data={"contact_id": contact.pk},
            )
        _move(contact, ContactState.RESOLVED)
        contact.outcome = Outcome.PAYMENT_FOUND if found else Outcome.PAYMENT_NOT_FOUND
        contact.save()
        _notify(contact, "resolved")


# --- Stop voluntary collection (perintälaki 4 c §) ------------------------------------------


def _stop_request(
    *, contact: Contact, invoices: list[Invoice], acting: Acting, channel: str, at
) -> None:
    """The collection engine records the request on each invoice (with its timeline event):
    from then on it charges nothing more and its letters say so."""
    # 4 c § 1 mom: in writing or another durable form; a phone call is neither (the service
    # refuses the channel it does not know).
    durable = {
        Channel.PORTAL: StopRequestChannel.MESSAGE,
        Channel.EMAIL: StopRequestChannel.EMAIL,
        Channel.CHAT: StopRequestChannel.OTHER_DURABLE,
    }.get(channel, channel)
    for invoice in invoices:
        try:
            collection_stop_request(
                invoice=invoice,
                requested_at=at,
                channel=durable,
                source=f"contact:{contact.pk}",
                **acting.event_kwargs(),
            )
        except CollectionError as error:
            raise MessagingError(error.message) from None


def _hold_source(contact: Contact) -> str:
    return f"contact:{contact.pk}"


# --- Feedback --------------------------------------------------------------------------------


def feedback_give(
    *, contact: Contact, user: User | None, csat: int, nps: int, comment: str = ""
) -> Feedback:
    if not contact.is_resolved:
        raise MessagingError(_("Feedback can be given once the contact is resolved."))
    if not (1 <= csat <= 5 and 0 <= nps <= 10):
        raise MessagingError(_("Choose a value on each scale."))
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                contact=contact, given_by=user, csat=csat, nps=nps, comment=comment.strip()[:2000]
            )
    except IntegrityError:
        raise MessagingError(_("Thank you: feedback on this contact was already given.")) from None


# --- Conversations held on another channel (live chat) --------------------------------------


@dataclass(frozen=True)
class TranscriptLine:
    author_kind: str  # AuthorKind
    body: str
    created_at: datetime
    actor: User | None = None
    internal: bool = False


def contact_record_transcript(
    *,
    owner: Owner,
    channel: str,
    classification: str,
    language: str,
    lines: list[TranscriptLine],
    invoices: list[Invoice] = (),  # type: ignore[assignment]
    agent: User | None = None,
    started_at: datetime,
    ended_at: datetime,
    source: str = "",
) -> Contact:
    """A conversation held elsewhere (a chat) as a contact of the message centre.

    Answered by an agent: a resolved contact (outcome "answered"), ready for feedback. Never
    answered (the customer left the queue): a new contact with its answer time, so that the
    customer's words wait for an answer like any message.
    """
    if classification not in Classification.values:
        raise MessagingError(_("Choose the classification."))
    answered = [
        line for line in lines if line.author_kind == AuthorKind.STAFF and not line.internal
    ]
    invoices = list(invoices)
    with transaction.atomic():
        contact = Contact.objects.create(
            channel=channel,
            classification=classification,
            owner_user=owner.user,
            owner_organisation=owner.organisation,
            language=language,
            creditor_id=invoices[0].creditor_id if invoices else None,
            created_at=started_at,
            last_message_at=lines[-1].created_at if lines else ended_at,
            assigned_to=agent,
            first_response_at=answered[0].created_at if answered else None,
            last_staff_message_at=answered[-1].created_at if answered else None,
            staff_answer_count=len(answered),
            sla_due_at=None
            if answered
            else add_service_hours(ended_at, settings.MESSAGING_SLA_SERVICE_HOURS),
            source=source,
            **_acting_fields(owner.acting),
        )
        contact.invoices.set(invoices)
        Message.objects.bulk_create(
            Message(
                contact=contact,
                author_kind=line.author_kind,
                internal=line.internal,
                body=line.body[:MAX_BODY],
                created_at=line.created_at,
                actor=line.actor,
            )
            for line in lines
        )
        if answered:
            _move(contact, ContactState.RESOLVED)
            contact.resolved_at = contact.first_resolved_at = ended_at
            contact.outcome = Outcome.ANSWERED
            contact.save()
        if owner.acting.actor is not None:
            ContactRead.objects.create(contact=contact, user=owner.acting.actor, read_at=ended_at)
        label = Channel(channel).label
        for invoice in invoices:
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.MESSAGE,
                detail=_("Customer-service conversation: %(channel)s") % {"channel": label},
                data={"contact_id": contact.pk},
                **owner.acting.event_kwargs(),
            )
    return contact


# --- The email channel (messaging.mail) -------------------------------------------------------


class MailResult:
    REPLY = "reply"
    NEW = "new"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"


def _mail_files(mail: InboundMail) -> tuple[list[CleanFile], list[str]]:
    """The attachments that pass the upload checks, and why the others did not."""
    kept: list[CleanFile] = []
    refused: list[str] = []
    for name, data in mail.files:
        if len(kept) >= MAX_FILES:
            refused.append(
                _("%(name)s: at most %(count)s files are kept.")
                % {"name": name, "count": MAX_FILES}
            )
            continue
        try:
            kept.append(clean_upload(name=name, data=data))
        except AttachmentError as error:
            refused.append(error.message)
    return kept, refused


def _mail_body(mail: InboundMail) -> str:
    body = mail.text.strip()
    if mail.subject and not body:
        body = mail.subject
    return (body or _("(The email had no text.)"))[:MAX_BODY]


def _known_senders(contact: Contact) -> set[str]:
    people = [contact.actor, contact.owner_user]
    known = {p.email.lower() for p in people if p is not None and p.email}
    if contact.email:
        known.add(contact.email.lower())
    return known


def _mail_reply_contact(mail: InboundMail) -> Contact | None:
    """The contact a genuine reply belongs to: a valid signature AND a sender it knows."""
    for address in mail.recipients:
        contact_id = contact_id_from_address(address)
        if contact_id is None:
            continue
        contact = (
            Contact.objects.select_related("actor", "owner_user").filter(pk=contact_id).first()
        )
        if (
            contact is not None
            and not mail.sender_failed_auth
            and mail.sender in _known_senders(contact)
        ):
            return contact
    return None


def _refused_note(message: Message, refused: list[str]) -> None:
    if refused:
        Message.objects.create(
            contact=message.contact,
            author_kind=AuthorKind.SYSTEM,
            internal=True,
            body=_("Attachments of the email that were not kept:")
            + "\n"
            + "\n".join(f"- {reason}" for reason in refused),
            created_at=message.created_at,
        )


def mail_receive(mail: InboundMail) -> str:
    """One incoming mail: a reply into its contact, or a new email contact (MailResult)."""
    if mail.automatic:
        return MailResult.IGNORED
    if mail.message_id and Message.objects.filter(email_message_id=mail.message_id).exists():
        return MailResult.DUPLICATE
    files, refused = _mail_files(mail)
    body = _mail_body(mail)
    user = (
        User.objects.filter(email__iexact=mail.sender, is_active=True, is_staff=False).first()
        if mail.sender and not mail.sender_failed_auth
        else None
    )
    now = timezone.now()
    contact = _mail_reply_contact(mail)
    with transaction.atomic():
        if contact is not None:
            contact = _lock(contact)
            if not contact.is_resolved or contact.may_reopen(now=now):
                if contact.is_resolved or contact.state == ContactState.WAITING:
                    _move(contact, ContactState.OPEN)
                contact.last_message_at = now
                contact.save()
                message = Message.objects.create(
                    contact=contact,
                    author_kind=AuthorKind.CUSTOMER,
                    body=body,
                    created_at=now,
                    email_message_id=mail.message_id,
                    actor=user,
                )
                _store_files(message, files)
                _refused_note(message, refused)
                return MailResult.REPLY
            # Too late to reopen: the reply starts a new contact, like a new message would.
        language = (user.preferred_language if user else "") or "fi"
        contact = Contact.objects.create(
            channel=Channel.EMAIL,
            classification=Classification.OTHER,
            owner_user=user,
            email=mail.sender,
            language=language,
            subject=mail.subject,
            created_at=now,
            last_message_at=now,
            sla_due_at=add_service_hours(now, settings.MESSAGING_SLA_SERVICE_HOURS),
            actor=user,
        )
        message = Message.objects.create(
            contact=contact,
            author_kind=AuthorKind.CUSTOMER,
            body=body,
            created_at=now,
            email_message_id=mail.message_id,
            actor=user,
        )
        _store_files(message, files)
        _refused_note(message, refused)
    return MailResult.NEW


def contact_link_owner(*, contact: Contact, user: User, staff: User) -> Contact:
    """Staff link an unidentified email contact to the customer's account."""
    if not user.is_active or user.is_staff:
        raise MessagingError(_("Choose an active customer account."))
    with transaction.atomic():
        contact = _lock(contact)
        if contact.owner_user_id is not None or contact.owner_organisation_id is not None:
            raise MessagingError(_("This contact already belongs to a customer."))
        contact.owner_user = user
        contact.actor = contact.actor or user
        contact.save(update_fields=["owner_user", "actor"])
        _staff_note(
            contact,
            staff,
            _("Linked to the customer's account by %(staff)s.") % {"staff": staff.email},
        )
    return contact
