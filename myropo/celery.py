import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")

# Tasks the broker refuses are kept in PostgreSQL and sent later (myropo/outbox.py).
app = Celery("myropo", task_cls="myropo.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
