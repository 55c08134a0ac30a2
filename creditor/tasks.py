"""The creditor portal's Celery tasks. They take ids and skip what is already done."""

import logging
import threading
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from creditor.models import CreditorAuditAction, InvoiceUpload, UploadState, upload_storage

log = logging.getLogger(__name__)

# What the report says when the import broke on our side: the file changed nothing (the import
# is all or nothing) and the upload does not hang as "running".
UNEXPECTED_FAILURE = gettext_noop(
    "The file could not be imported because of an error on our side; nothing was saved. "
    "Upload it again, and if it fails again, tell customer service."
)


# The bar's share before the first row is written (the file read, parsed and checked), and
# after the last (the report saved): the batches fill the rest.
STARTED, WRITTEN = 10, 95
PROGRESS_TTL = 6 * 3600
# Seconds an import waits for its progress to be saved (it never needs the answer).
PROGRESS_SAVE_WAIT = 2
# Seconds past the task's time limit before a running upload counts as dead.
STALE_MARGIN = 5 * 60


def progress_report(upload_id: int, *, done: int, total: int) -> None:
    """What the upload's page shows while the import runs. The rows are written in one
    transaction that nobody else sees until it commits, so the figure goes to the cache
    (Redis, which every web process reads) and to the upload's row through a connection of
    its own (a short thread): the page shows the higher of the two, so the bar never falls
    back when the cache entry is gone (Redis away, the web process on its own memory)."""
    percent = WRITTEN if total == 0 else STARTED + (WRITTEN - STARTED) * done // total
    cache.set(
        InvoiceUpload.progress_cache_key(upload_id),
        {"percent": percent, "done": done, "total": total},
        PROGRESS_TTL,
    )
    _save_progress_outside_the_import(upload_id, percent)


def _save_progress_outside_the_import(upload_id: int, percent: int) -> None:
    def save() -> None:
        try:
            InvoiceUpload.objects.filter(
                pk=upload_id, state=UploadState.RUNNING, progress__lt=percent
            ).update(progress=percent)
        except DatabaseError:  # the bar only: the import goes on
            log.warning("creditor upload %s: its progress could not be saved", upload_id)
        finally:
            connection.close()  # the thread's own connection, back to the pool

    thread = threading.Thread(target=save, name=f"upload-{upload_id}-progress")
    thread.start()
    thread.join(timeout=PROGRESS_SAVE_WAIT)


def _problem(problem) -> dict:
    # Kept untranslated with its parameters: the report is rendered in the reader's language.
    return {
        "position": problem.position,
        "message": problem.message,
        "params": {key: str(value) for key, value in dict(problem.params).items()},
    }


@shared_task(name="creditor.tasks.import_upload")
def import_upload(upload_id: int) -> str:
    """Imports one uploaded file with the invoice importer (all or nothing) and keeps the
    report on the upload; the file is removed from the `imports` storage once the report is
    saved."""
    from creditor.services import audit
    from invoices.importing.records import ImportFailed
    from invoices.importing.service import invoices_import

    with transaction.atomic():
        upload = InvoiceUpload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.state != UploadState.QUEUED:
            return "skipped"
        upload.state = UploadState.RUNNING
        upload.progress = STARTED
        upload.started_at = timezone.now()
        upload.save(update_fields=["state", "progress", "started_at"])
    try:
        with upload.file.open("rb") as file:
            data = file.read()
        result = invoices_import(
            creditor=upload.creditor,
            data=data,
            filename=upload.filename,
            actor=upload.uploaded_by,
            on_progress=lambda done, total: progress_report(upload.pk, done=done, total=total),
        )
    except ImportFailed as failed:
        upload.state = UploadState.FAILED
        upload.problems = [_problem(problem) for problem in failed.problems]
    except Exception:
        log.exception("creditor upload %s: the import failed unexpectedly", upload.pk)
        upload.state = UploadState.FAILED
        upload.problems = [{"position": "file", "message": UNEXPECTED_FAILURE, "params": {}}]
    else:
        upload.state = UploadState.DONE
        upload.created_count = len(result.created)
        upload.skipped = list(result.skipped)
        upload.problems = [_problem(notice) for notice in result.notices]
        audit(
            creditor=upload.creditor,
            actor=upload.uploaded_by,
            action=CreditorAuditAction.INVOICES_UPLOADED,
            data={
                "upload_id": upload.pk,
                "filename": upload.filename,
                "created": upload.created_count,
                "skipped": len(upload.skipped),
            },
        )
    upload.progress = 100
    stored = upload.file.name
    upload.file = ""
    upload.finished_at = timezone.now()
    upload.save(
        update_fields=[
            "state",
            "progress",
            "created_count",
            "skipped",
            "problems",
            "file",
            "finished_at",
        ]
    )
    cache.delete(InvoiceUpload.progress_cache_key(upload.pk))
    # The file is dropped once the report is saved. A task that dies before leaves the upload
    # running (a redelivery skips it: the first run may still be writing); end_stale_uploads
    # ends it and drops its file.
    if stored:
        upload_storage().delete(stored)
    return upload.state


def stale_upload_cutoff():
    # Past the hard time limit the run is dead for sure (Celery killed it, or its worker
    # died): its transaction rolled back and wrote nothing.
    limit = import_upload.time_limit or settings.CELERY_TASK_TIME_LIMIT
    return timezone.now() - timedelta(seconds=limit + STALE_MARGIN)


@shared_task(name="creditor.tasks.end_stale_uploads")
def end_stale_uploads() -> int:
    """Ends the uploads whose import died with its worker: refused with the report of an
    error on our side (nothing was saved, upload again), their file dropped. Returns how
    many."""
    ended = 0
    stale = InvoiceUpload.objects.filter(
        state=UploadState.RUNNING, started_at__lt=stale_upload_cutoff()
    )
    for upload_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            upload = (
                InvoiceUpload.objects.select_for_update(skip_locked=True)
                .filter(pk=upload_id, state=UploadState.RUNNING)
                .first()
            )
            if upload is None:
                continue
            stored = upload.file.name
            upload.state = UploadState.FAILED
            upload.problems = [{"position": "file", "message": UNEXPECTED_FAILURE, "params": {}}]
            upload.progress = 100
            upload.file = ""
            upload.finished_at = timezone.now()
            upload.save(update_fields=["state", "problems", "progress", "file", "finished_at"])
            if stored:
                transaction.on_commit(lambda name=stored: upload_storage().delete(name))
        cache.delete(InvoiceUpload.progress_cache_key(upload_id))
        log.warning("creditor upload %s: its import died; ended as failed", upload_id)
        ended += 1
    return ended
