import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")

# Tasks the broker refuses are kept in PostgreSQL and sent later (myropo/outbox.py).
app = Celery("myropo", task_cls="myropo.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _queues(option: str | list[str] | None) -> set[str]:
    if isinstance(option, str):
        return {name.strip() for name in option.split(",") if name.strip()}
    return set(option or ())


@signals.celeryd_init.connect
def letters_worker_concurrency(sender=None, conf=None, options=None, **kwargs) -> None:
    """A worker started for the letters queue alone (`-Q letters`) takes its concurrency from
    settings.LETTER_WORKER_CONCURRENCY; a --concurrency given on its command line still wins."""
    from django.conf import settings

    if conf is not None and _queues((options or {}).get("queues")) == {"letters"}:
        conf.worker_concurrency = settings.LETTER_WORKER_CONCURRENCY
