"""Retention: a resolved contact's messages and attachments are deleted after
MESSAGING_RETENTION_DAYS (personal data in a collection service is not kept for ever).

The contact row stays, emptied (subject, email, resolution note and the feedback comment are
blanked, `purged_at` is set): its channel, classification, times and scores still count in the
KPIs. Contacts are emptied in batches, each batch one transaction; the files go from the
storage after their rows are gone, so a crash leaves at worst an orphaned file, never a row
pointing at nothing. Running again deletes nothing twice: it is idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging.models import (
    Attachment,
    Contact,
    ContactState,
    Dispute,
    DisputeState,
    Feedback,
    Message,
    PaymentReportState,
    RetentionRun,
    attachment_storage,
)

BATCH = 500


def expired_contacts(now: datetime | None = None):
    """Resolved before the cut-off, not emptied yet, and nothing still pending on them."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MESSAGING_RETENTION_DAYS)
    return Contact.objects.filter(
        state=ContactState.RESOLVED, resolved_at__lt=cutoff, purged_at__isnull=True
    ).exclude(
        Q(dispute__state=DisputeState.OPEN) | Q(payment_report__state=PaymentReportState.WAITING)
    )


def apply_retention(*, now: datetime | None = None) -> RetentionRun:
    """Empties every expired contact and records what was deleted in a RetentionRun row."""
    now = now or timezone.now()
    totals = {"contacts": 0, "messages": 0, "attachments": 0}
    storage = attachment_storage()
    while True:
        with transaction.atomic():
            ids = list(
                expired_contacts(now)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            files = list(
                Attachment.objects.filter(message__contact_id__in=ids).values_list(
                    "file", flat=True
                )
            )
            # Attachments go with their messages (on_delete=CASCADE), counted first.
            totals["attachments"] += len(files)
            _count, per_model = Message.objects.filter(contact_id__in=ids).delete()
            totals["messages"] += per_model.get(Message._meta.label, 0)
            Feedback.objects.filter(contact_id__in=ids).update(comment="")
            # The customer's reason is a copy of their message, the decision's answers it.
            Dispute.objects.filter(contact_id__in=ids).update(reason="", decision_reason="")
            totals["contacts"] += Contact.objects.filter(pk__in=ids).update(
                purged_at=now, subject="", email="", resolution_note=""
            )
        for name in files:
            if name:
                storage.delete(name)
    return RetentionRun.objects.create(**totals)
