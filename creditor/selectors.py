"""Reads of the creditor portal. Every object is loaded for one creditor: another creditor's
invoice, contact, upload or user is not found (404), whoever asks."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from collection.statistics import PeriodStatistics, period_statistics
from creditor.models import CreditorAuditEvent, CreditorNote, InvoiceUpload, UploadState
from invoices.models import Creditor, CreditorUser, Invoice, Stage
from invoices.selectors import with_balance
from messaging.models import Contact, Message


def creditor_statistics(
    creditor: Creditor, *, start: date, end: date, today: date
) -> PeriodStatistics:
    """The statistics page's figures: collection's one implementation, for this creditor."""
    return period_statistics(creditor.pk, start=start, end=end, today=today)


def creditor_invoices(creditor: Creditor) -> QuerySet[Invoice]:
    return Invoice.objects.filter(creditor=creditor)


@dataclass(frozen=True)
class InvoiceSearch:
    q: str = ""
    stage: str = ""
    disputed: bool | None = None
    due_from: date | None = None
    due_to: date | None = None
    issued_from: date | None = None
    issued_to: date | None = None


def search_invoices(creditor: Creditor, search: InvoiceSearch) -> QuerySet[Invoice]:
    """The creditor's invoices by number, reference, debtor name, stage, dates and dispute."""
    invoices = creditor_invoices(creditor)
    text = search.q.strip()
    if text:
        compact = "".join(text.split()).upper()
        invoices = invoices.filter(
            Q(number__icontains=text) | Q(reference=compact) | Q(debtor_name__icontains=text)
        )
    if search.stage in Stage.values:
        invoices = invoices.filter(stage=search.stage)
    if search.disputed is not None:
        invoices = invoices.filter(disputed=search.disputed)
    if search.due_from:
        invoices = invoices.filter(due_date__gte=search.due_from)
    if search.due_to:
        invoices = invoices.filter(due_date__lte=search.due_to)
    if search.issued_from:
        invoices = invoices.filter(issue_date__gte=search.issued_from)
    if search.issued_to:
        invoices = invoices.filter(issue_date__lte=search.issued_to)
    return with_balance(invoices).order_by("-issue_date", "-id")


def creditor_invoice(creditor: Creditor, pk: int) -> Invoice | None:
    return (
        with_balance(creditor_invoices(creditor)).select_related("creditor").filter(pk=pk).first()
    )


def creditor_contacts(creditor: Creditor) -> QuerySet[Contact]:
    """The customer-service contacts about the creditor's invoices ("Merkinnät ja
    asiakaspalveluviestit"): those opened for the creditor or naming one of its invoices."""
    return (
        Contact.objects.filter(Q(creditor=creditor) | Q(invoices__creditor=creditor))
        .distinct()
        .order_by("-created_at", "-id")
    )


def contact_thread(contact: Contact) -> QuerySet[Message]:
    """The messages a creditor may read: never customer service's internal notes."""
    return (
        contact.messages.filter(internal=False)
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def invoice_notes(invoice: Invoice) -> QuerySet[CreditorNote]:
    return invoice.creditor_notes.select_related("author")


def creditor_members(creditor: Creditor) -> QuerySet[CreditorUser]:
    return (
        CreditorUser.objects.filter(creditor=creditor)
        .select_related("user")
        .order_by("user__email")
    )


USER_ACTIONS = (
    "user_invited",
    "user_joined",
    "role_changed",
    "user_removed",
    "invitation_cancelled",
)


def users_history(creditor: Creditor, *, limit: int = 20) -> list[CreditorAuditEvent]:
    return list(
        CreditorAuditEvent.objects.filter(
            creditor=creditor, action__in=USER_ACTIONS
        ).select_related("actor")[:limit]
    )


def creditor_invitations(creditor: Creditor):
    """The creditor's invitations not yet answered (accounts keeps them)."""
    from accounts.services import open_invitations_for

    return open_invitations_for("creditor", creditor.pk).select_related("invited_by")


def creditor_uploads(creditor: Creditor) -> QuerySet[InvoiceUpload]:
    return InvoiceUpload.objects.filter(creditor=creditor)


@dataclass(frozen=True)
class UploadProgress:
    percent: int
    done: int | None = None
    total: int | None = None


def upload_progress(upload: InvoiceUpload) -> UploadProgress:
    """The bar of an upload: the running import's latest batch (creditor.tasks), else the
    row's own figure."""
    if upload.state != UploadState.RUNNING:
        return UploadProgress(upload.progress)
    from django.core.cache import cache

    reported = cache.get(InvoiceUpload.progress_cache_key(upload.pk)) or {}
    percent = max(upload.progress, int(reported.get("percent") or 0))
    return UploadProgress(percent, reported.get("done"), reported.get("total"))


def settings_history(creditor: Creditor, *, limit: int = 20) -> list[CreditorAuditEvent]:
    return list(
        CreditorAuditEvent.objects.filter(
            creditor=creditor, action="settings_changed"
        ).select_related("actor")[:limit]
    )


def stage_counts(creditor: Creditor) -> list[tuple[str, str, int]]:
    """(stage, label, count) for every stage, in the lifecycle's order, in one query."""
    from django.db.models import Count

    counts = dict(
        creditor_invoices(creditor)
        .order_by()
        .values_list("stage")
        .annotate(count=Count("pk"))
        .values_list("stage", "count")
    )
    return [(value, label, counts.get(value, 0)) for value, label in Stage.choices]
