"""With the Celery broker really unreachable, a payment still succeeds and its receipt is kept
in PostgreSQL, then sent once when the broker answers again (issue 16, "Faults")."""

import socket

import pytest
from django.core import mail
from django.urls import reverse

from myropo.celery import app
from myropo.models import PendingTask
from myropo.outbox import flush_pending_tasks
from payments.models import OrderState
from tests.payments.conftest import start_payment


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down():
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.pool.force_close_all()
    app.conf.update(broker_url=f"redis://127.0.0.1:{_closed_port()}/0", task_always_eager=False)
    app._pool = None
    yield
    app.conf.update(**saved)
    app._pool = None


def _pay_in_the_sandbox(client, invoice, capture):
    order, bank_url = start_payment(client, invoice)
    decide = reverse("payments:sandbox_decide", args=[order.transaction_id])
    with capture(execute=True):
        back = client.post(f"{decide}?{bank_url.split('?', 1)[1]}", {"decision": "pay"})
    return order, back


def test_a_payment_succeeds_and_its_receipt_waits_while_the_broker_is_down(
    broker_down, alice_client, alice_invoice, django_capture_on_commit_callbacks
):
    order, back = _pay_in_the_sandbox(
        alice_client, alice_invoice, django_capture_on_commit_callbacks
    )
    assert back.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert mail.outbox == []
    kept = PendingTask.objects.get()
    assert kept.task_name == "payments.tasks.send_payment_receipt"
    assert kept.args == [order.pk] and kept.sent_at is None
    assert kept.last_error == "OperationalError"

    # Still down: the sender tries, counts the attempt and keeps the task.
    assert flush_pending_tasks() == 0
    kept.refresh_from_db()
    assert kept.attempts == 2 and kept.sent_at is None


def test_the_kept_receipt_is_sent_once_when_the_broker_is_back(
    alice_client, alice_invoice, django_capture_on_commit_callbacks
):
    saved = app.conf.broker_url
    app.conf.update(broker_url=f"redis://127.0.0.1:{_closed_port()}/0", task_always_eager=False)
    app._pool = None
    try:
        _pay_in_the_sandbox(alice_client, alice_invoice, django_capture_on_commit_callbacks)
    finally:
        # The broker is back (in the test settings, tasks run at once when sent).
        app.conf.update(broker_url=saved, task_always_eager=True)
        app._pool = None
    assert mail.outbox == []

    assert flush_pending_tasks() == 1
    assert len(mail.outbox) == 1
    assert alice_invoice.number in mail.outbox[0].body
    assert PendingTask.objects.get().sent_at is not None
    assert flush_pending_tasks() == 0
    assert len(mail.outbox) == 1
