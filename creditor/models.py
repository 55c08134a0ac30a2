"""The creditor portal's own records: its audit trail, the creditor's notes on invoices, and
invoice uploads run as tasks.

Who works for a creditor, and with which role, is `invoices.CreditorUser` (the creditor's
membership); the settings themselves are `invoices.CreditorSettings` and
`arrangements.ArrangementRules`.
"""

import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.models import Creditor, CreditorRole, Invoice


def role_label(code: str | None) -> str | None:
    """The label of a role code kept in an audit event; a code no longer known stays as it
    was written (the record is immutable, the roles may change)."""
    if not code:
        return None
    try:
        return CreditorRole(code).label
    except ValueError:
        return code


class CreditorAuditAction(models.TextChoices):
    SETTINGS_CHANGED = "settings_changed", _("Settings changed")
    INVOICES_UPLOADED = "invoices_uploaded", _("Invoices uploaded")
    INVOICE_CREDITED = "invoice_credited", _("Invoice credited")
    DISPUTE_ACCEPTED = "dispute_accepted", _("Dispute accepted")
    DISPUTE_REJECTED = "dispute_rejected", _("Dispute rejected")
    COLLECTION_PAUSED = "collection_paused", _("Collection paused")
    COLLECTION_RESUMED = "collection_resumed", _("Collection resumed")
    RECALLED = "recalled", _("Recalled from collection")
    NOTE_ADDED = "note_added", _("Note added")
    USER_INVITED = "user_invited", _("User invited")
    USER_JOINED = "user_joined", _("User joined")
    ROLE_CHANGED = "role_changed", _("Role changed")
    USER_REMOVED = "user_removed", _("User removed")
    INVITATION_CANCELLED = "invitation_cancelled", _("Invitation cancelled")
    API_KEY_CREATED = "api_key_created", _("API key created")
    API_KEY_REVOKED = "api_key_revoked", _("API key revoked")


class CreditorAuditEvent(models.Model):
    """An immutable record of what a creditor's user did: who, when, and old → new."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="audit_events", verbose_name=_("creditor")
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=30, choices=CreditorAuditAction.choices)
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invoice"),
    )
    # For a settings change: {"changes": {field: [old, new]}}; never an identity code.
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("creditor audit event")
        verbose_name_plural = _("creditor audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["creditor", "-created_at"], name="creditor_audit_recent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are immutable.")

    @property
    def role_change(self) -> tuple[str | None, str | None] | None:
        """A user event's (old, new) role as labels in the active language, None for none."""
        change = (self.data.get("changes") or {}).get("role")
        if not change:
            return None
        old, new = [*change, None, None][:2]
        return role_label(old), role_label(new)

    @property
    def invited_role(self) -> str | None:
        """An invitation's or a joining user's role as a label in the active language."""
        return role_label(self.data.get("role"))


class CreditorNote(models.Model):
    """A creditor's own note ("merkintä") on one of its invoices; customer service reads it."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="creditor_notes", verbose_name=_("invoice")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    body = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("creditor's note")
        verbose_name_plural = _("creditor's notes")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="creditor_note_body")]

    def __str__(self) -> str:
        return self.body[:60]


class UploadState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Refused")


def upload_storage():
    """The private `imports` storage (settings.STORAGES): no URL; only the import task reads it."""
    return storages["imports"]


def upload_path(upload: "InvoiceUpload", filename: str) -> str:
    # Named by us, never by the uploader's file name (kept on the row for the page): the month,
    # the creditor and a random token, so that no two uploads share a key in a bucket.
    suffix = ".csv" if filename.lower().endswith(".csv") else ".xml"
    return f"{timezone.now():%Y/%m}/{upload.creditor_id}-{secrets.token_hex(8)}{suffix}"


class InvoiceUpload(models.Model):
    """One Finvoice or CSV file a creditor's user uploaded, imported by a Celery task.

    The report (created, skipped, each problem with its position) stays on the upload's page.
    The file is kept in the `imports` storage (a private folder, or a private bucket with
    FILE_STORAGE=s3, so that a worker on another machine reads it) only until the task has
    read it.
    """

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("creditor")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    filename = models.CharField(_("file"), max_length=200)
    file = models.FileField(
        _("file"),
        storage=upload_storage,
        upload_to=upload_path,
        max_length=200,
        blank=True,
        editable=False,
    )
    size = models.PositiveIntegerField(_("size (bytes)"))
    state = models.CharField(
        _("state"), max_length=10, choices=UploadState.choices, default=UploadState.QUEUED
    )
    # What the task has done so far (0–100), for the progress bar.
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    skipped = models.JSONField(_("skipped"), default=list, blank=True)
    # [{"position": "line 7", "message": "…"}]: problems (state failed) or notices (done).
    problems = models.JSONField(_("problems"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # When the import began: a run older than the task's time limit died with its worker
    # (creditor.tasks.end_stale_uploads).
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice upload")
        verbose_name_plural = _("invoice uploads")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.state in (UploadState.DONE, UploadState.FAILED)

    @staticmethod
    def progress_cache_key(upload_id: int) -> str:
        # Written by creditor.tasks.progress_report while the import runs.
        return f"creditor-upload-progress:{upload_id}"


# The creditor API's keys live with the API (creditor/api/keys.py); imported here for Django.
from creditor.api.keys import CreditorApiKey  # noqa: E402, F401
