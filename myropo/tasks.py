from celery import shared_task

from myropo.outbox import flush_pending_tasks


@shared_task(keep_when_broker_down=False)
def send_pending_tasks() -> int:
    """Beat runs this every minute; when the broker was down, it is the first thing that runs."""
    return flush_pending_tasks()
