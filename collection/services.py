"""What staff and the apps above record on the collection engine: stop requests and holds.

- `collection_stop_request`: a consumer's request to stop voluntary collection and move to
  legal collection (perintälaki 4 c §). From the request on, the engine charges no collection
  cost (4 c § 2 mom: the gate `collection.decision.admit_cost` refuses every step, plan and
  due-date fee), and every letter that still goes tells the debtor so (`collection.letters`).
- `collection_hold` / `collection_hold_release`: the next step waits while customer service
  looks into something the debtor reported (a payment report: our policy row
  "policy.payment_report_hold"). A hold only delays; it never makes a step earlier.

Each writes a timeline event. The message centre (messaging) calls these; collection never
imports it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from collection.models import (
    CollectionHold,
    CollectionRecall,
    HoldReason,
    StopRequest,
    StopRequestChannel,
)
from collection.rules import DebtorKind
from invoices.models import Charge, ChargeKind, EventKind, Invoice, Stage
from invoices.services import invoice_record_event

__all__ = [
    "CollectionError",
    "collection_hold",
    "collection_hold_release",
    "collection_pause",
    "collection_recall",
    "collection_resume",
    "collection_stop_request",
    "costs_charged_after",
]

CLOSED = (Stage.PAID, Stage.CREDITED)


class CollectionError(Exception):
    """A refused request, with a message fit to show the user or staff."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def collection_stop_request(
    *,
    invoice: Invoice,
    requested_at: datetime,
    channel: str,
    actor: User | None,
    on_behalf_of: User | None = None,
    on_behalf_of_organisation: str = "",
    source: str = "",
    note: str = "",
) -> StopRequest:
    """Record a consumer's request to stop voluntary collection (perintälaki 4 c §).

    Refused for a business debtor (4 c § is a consumer's right), for a paid or credited
    invoice, for a moment in the future and for a channel that is not written or durable
    (4 c § 1 mom). A second request on the same invoice changes nothing, unless it is dated
    earlier: the earliest request counts. Returns the invoice's request.
    """
    if channel not in StopRequestChannel.values:
        raise CollectionError(
            _(
                "A request to stop voluntary collection must be made in writing or in another "
                "durable form (Debt Collection Act 4 c §)."
            )
        )
    if timezone.is_naive(requested_at):
        raise CollectionError(_("Give the time of the request with its time zone."))
    if requested_at > timezone.now():
        raise CollectionError(_("The request cannot be dated in the future."))
    with transaction.atomic():
        invoice = _locked(invoice)
        if DebtorKind.from_debtor_type(invoice.debtor_type) is not DebtorKind.CONSUMER:
            raise CollectionError(
                _(
                    "Only a consumer may ask to stop voluntary collection (Debt Collection "
                    "Act 4 c §); this invoice is a company's."
                )
            )
        if invoice.stage in CLOSED:
            raise CollectionError(_("The invoice is closed: there is no collection to stop."))
        existing = StopRequest.objects.select_for_update().filter(invoice=invoice).first()
        if existing is not None:
            if requested_at < existing.requested_at:
                existing.requested_at = requested_at
                existing.save(update_fields=["requested_at"])
            return existing
        stop = StopRequest.objects.create(
            invoice=invoice,
            requested_at=requested_at,
            channel=channel,
            recorded_by=actor,
            source=source[:64],
            note=note,
        )
        day = date_format(timezone.localtime(requested_at).date(), "SHORT_DATE_FORMAT")
        invoice_record_event(
            invoice=invoice,
            kind=EventKind.NOTE,
            actor=actor,
            on_behalf_of=on_behalf_of,
            on_behalf_of_organisation=on_behalf_of_organisation,
            detail=_(
                "The debtor asked on %(day)s to stop voluntary collection (Debt Collection Act "
                "4 c §): no collection costs are charged after the request."
            )
            % {"day": day},
            data={
                "stop_request": True,
                "requested_at": requested_at.isoformat(),
                "channel": channel,
                "source": source[:64],
            },
        )
    return stop


def costs_charged_after(stop: StopRequest) -> list[Charge]:
    """Collection costs booked after the request: staff must credit them (4 c § 2 mom).

    Only a request recorded later than it was made (a letter read days after it came) can
    leave any: from the moment the request is recorded the engine charges none.
    """
    day = timezone.localtime(stop.requested_at).date()
    return list(
        Charge.objects.filter(invoice_id=stop.invoice_id)
        .filter(Q(booked_on__gt=day) | Q(booked_on=day, created_at__gt=stop.requested_at))
        .exclude(kind=ChargeKind.INTEREST)
        .order_by("booked_on", "id")
    )


def collection_hold(
    *,
    invoice: Invoice,
    until: date,
    reason: str,
    source: str,
    actor: User | None = None,
) -> CollectionHold:
    """Hold the next collection step of `invoice` through `until`; once per (invoice, source)."""
    if reason not in HoldReason.values:
        raise CollectionError(_("Unknown reason for holding collection."))
    if not source:
        raise CollectionError(_("A hold names what asked for it."))
    with transaction.atomic():
        invoice = _locked(invoice)
        hold, created = CollectionHold.objects.get_or_create(
            invoice=invoice,
            source=source[:64],
            defaults={"reason": reason, "until": until, "created_by": actor},
        )
        if created:
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.NOTE,
                actor=actor,
                detail=_("Collection waits until %(day)s: %(reason)s.")
                % {
                    "day": date_format(until, "SHORT_DATE_FORMAT"),
                    "reason": HoldReason(reason).label,
                },
                data={"hold": source[:64], "until": until.isoformat()},
            )
    return hold


def collection_hold_release(*, source: str, actor: User | None = None) -> int:
    """End every hold `source` asked for: collection resumes; how many were released."""
    with transaction.atomic():
        holds = list(
            CollectionHold.objects.select_for_update()
            .filter(source=source[:64], released_at__isnull=True)
            .select_related("invoice")
        )
        now = timezone.now()
        for hold in holds:
            hold.released_at = now
            hold.save(update_fields=["released_at"])
            invoice_record_event(
                invoice=hold.invoice,
                kind=EventKind.NOTE,
                actor=actor,
                detail=_("Collection continues: the hold (%(reason)s) has ended.")
                % {"reason": hold.get_reason_display()},
                data={"hold": hold.source, "released": True},
            )
    return len(holds)


# --- The creditor's pause and recall (Ropo One calls these) -----------------------------------

PAUSE_SOURCE = "creditor-pause"


def _active_pauses(invoice: Invoice):
    return CollectionHold.objects.filter(
        invoice=invoice, reason=HoldReason.CREDITOR_PAUSE, released_at__isnull=True
    )


def _collectable(invoice: Invoice, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CollectionError(_("Give the reason."))
    if invoice.stage in CLOSED:
        raise CollectionError(_("The invoice is closed: there is no collection to change."))
    if CollectionRecall.objects.filter(invoice=invoice).exists():
        raise CollectionError(_("The invoice has been recalled from collection."))
    return reason


def collection_pause(*, invoice: Invoice, reason: str, actor: User | None) -> CollectionHold:
    """The creditor pauses the collection of one invoice until it resumes it: the cycle takes
    no step (`decide_next_step` stops on `paused`). The reason stays with the creditor."""
    with transaction.atomic():
        invoice = _locked(invoice)
        reason = _collectable(invoice, reason)
        if _active_pauses(invoice).exists():
            raise CollectionError(_("Collection of this invoice is already paused."))
        count = CollectionHold.objects.filter(
            invoice=invoice, reason=HoldReason.CREDITOR_PAUSE
        ).count()
        hold = CollectionHold.objects.create(
            invoice=invoice,
            reason=HoldReason.CREDITOR_PAUSE,
            until=None,
            source=f"{PAUSE_SOURCE}:{invoice.pk}:{count + 1}",
            note=reason[:2000],
            created_by=actor,
        )
        invoice_record_event(
            invoice=invoice,
            kind=EventKind.NOTE,
            actor=actor,
            detail=_("The creditor paused collection."),
            data={"hold": hold.source, "paused": True, "reason": reason[:2000]},
        )
    return hold


def collection_resume(*, invoice: Invoice, reason: str, actor: User | None) -> int:
    """Ends the creditor's pause: the next cycle decides the invoice again."""
    with transaction.atomic():
        invoice = _locked(invoice)
        reason = _collectable(invoice, reason)
        holds = list(_active_pauses(invoice).select_for_update())
        if not holds:
            raise CollectionError(_("Collection of this invoice is not paused."))
        now = timezone.now()
        for hold in holds:
            hold.released_at = now
            hold.save(update_fields=["released_at"])
        invoice_record_event(
            invoice=invoice,
            kind=EventKind.NOTE,
            actor=actor,
            detail=_("The creditor resumed collection."),
            data={"hold": holds[0].source, "released": True, "reason": reason[:2000]},
        )
    return len(holds)


def collection_recall(*, invoice: Invoice, reason: str, actor: User | None) -> CollectionRecall:
    """The creditor takes the invoice back from collection, for good: the cycle never picks it
    again, no cost is admitted any more (`admit_cost`: no reminder, collection, plan or
    transfer fee), and the debtor's page says so. A pause in force ends with it.

    The late-payment interest goes on: it is the creditor's own claim on the debt (korkolaki
    633/1982 4 §), not a cost of collecting it, and a recall ends only our collecting. The
    payoff keeps accruing it from the last booking (`collection.payoff`), and a payment books
    it before the principal as on any invoice (tests/creditor/test_collection_acts.py)."""
    with transaction.atomic():
        invoice = _locked(invoice)
        reason = _collectable(invoice, reason)
        now = timezone.now()
        _active_pauses(invoice).update(released_at=now)
        recall = CollectionRecall.objects.create(invoice=invoice, recalled_by=actor, reason=reason)
        invoice_record_event(
            invoice=invoice,
            kind=EventKind.NOTE,
            actor=actor,
            detail=_(
                "The creditor recalled the invoice from collection: MyRopo sends no more "
                "letters and charges no more fees; late-payment interest still runs."
            ),
            data={"recalled": True, "reason": reason},
        )
    return recall
