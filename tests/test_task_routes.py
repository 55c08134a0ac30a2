"""Each kind of work has its Celery queue, from settings (issue 16 item 7).

A worker per queue (README "Running at scale") keeps the day's cycle, 35,000 letters and a
large import from holding up a receipt mail, and lets each be scaled on its own.
"""

import pytest
from django.conf import settings

from myropo.celery import app

EXPECTED = {
    "invoices.tasks.run_collection_cycle": "cycle",
    "arrangements.tasks.check_plans": "cycle",
    "invoices.tasks.render_letter": "letters",
    "arrangements.tasks.send_missed_installment_notice": "mail",
    "arrangements.tasks.send_plan_confirmation": "mail",
    "chat.tasks.send_chat_transcript": "mail",
    "messaging.tasks.send_contact_notification": "mail",
    "messaging.tasks.poll_mailbox": "mail",
    "payments.tasks.send_payment_receipt": "mail",
    "payments.tasks.send_overpayment_notice": "mail",
    "payments.tasks.send_bank_account_notice_received": "mail",
    "creditor.tasks.import_upload": "imports",
    "creditor.tasks.end_stale_uploads": "imports",
    "payments.tasks.import_bank_drop_folder": "imports",
    "myropo.tasks.send_pending_tasks": "default",
    "chat.tasks.end_silent_chats": "default",
    "messaging.tasks.apply_retention": "default",
}


def project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(("task", "queue"), sorted(EXPECTED.items()))
def test_each_task_type_is_routed_to_its_queue(task, queue):
    assert queue_of(task) == queue


def test_every_task_of_the_project_has_a_stated_queue():
    # A new task must be placed on purpose: add it here (and to TASKS_BY_QUEUE if not default).
    assert project_tasks() == set(EXPECTED)


def test_the_routes_name_only_tasks_that_exist():
    assert set(settings.CELERY_TASK_ROUTES) <= project_tasks()


def test_the_five_queues_are_the_ones_the_workers_serve():
    assert set(EXPECTED.values()) == {"cycle", "letters", "mail", "imports", "default"}
