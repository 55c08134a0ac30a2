"""Tasks survive a broker outage: what the broker refuses is kept in PostgreSQL and sent later.

Every task of the project is an `OutboxTask` (the Celery app's task class), so the call sites
stay `transaction.on_commit(lambda: task.delay(pk))`. Tasks are idempotent (they take ids and
skip what is done), so sending one again after an outage is safe.
"""

import logging

from celery import Task
from celery.utils import uuid
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

logger = logging.getLogger(__name__)

FLUSH_BATCH = 500


class OutboxTask(Task):
    # The outbox's own sender is not kept: beat asks for it again every minute anyway.
    keep_when_broker_down = True

    def apply_async(
        self,
        args=None,
        kwargs=None,
        task_id=None,
        producer=None,
        link=None,
        link_error=None,
        shadow=None,
        **options,
    ):
        try:
            # retry=False: kombu would otherwise keep the request waiting while it retries.
            return super().apply_async(
                args,
                kwargs,
                task_id,
                producer,
                link,
                link_error,
                shadow,
                **{"retry": False, **options},
            )
        except BrokerUnreachable as error:
            if not self.keep_when_broker_down:
                raise
            task_id = task_id or uuid()
            keep_for_later(name=self.name, args=args, kwargs=kwargs, error=error)
            # Callers (and beat, which logs the id) get a result as if the task had been sent.
            return self.AsyncResult(task_id)


def keep_for_later(*, name: str, args, kwargs, error: Exception) -> None:
    from myropo.models import PendingTask

    PendingTask.objects.create(
        task_name=name,
        args=list(args or ()),
        kwargs=dict(kwargs or {}),
        attempts=1,
        last_error=type(error).__name__,
    )
    logger.warning(
        "Celery broker unreachable (%s): %s kept in the outbox", type(error).__name__, name
    )


def flush_pending_tasks() -> int:
    """Hands the kept tasks to the broker, oldest first; returns how many went. Safe to run twice
    at once: each row is locked while it is sent and skipped by the other run."""
    from celery import current_app

    from myropo.models import PendingTask

    sent = 0
    with transaction.atomic():
        rows = list(
            PendingTask.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .order_by("created_at")[:FLUSH_BATCH]
        )
        for row in rows:
            task = current_app.tasks[row.task_name]
            try:
                Task.apply_async(task, row.args, row.kwargs, retry=False)
            except BrokerUnreachable as error:
                row.attempts += 1
                row.last_error = type(error).__name__
                row.save(update_fields=["attempts", "last_error"])
                break
            row.sent_at = timezone.now()
            row.save(update_fields=["sent_at"])
            sent += 1
    return sent
