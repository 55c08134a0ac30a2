"""With the Celery broker really unreachable, a payment still succeeds and its receipt is kept
in PostgreSQL, then sent once when the broker answers again (issue 16, "Faults")."""

import pytest
from celery import Task
from django.core import mail
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerUnreachable

from myropo.models import PendingTask
from myropo.outbox import flush_pending_tasks
from payments.models import OrderState
from tests.payments.conftest import start_payment


@pytest.fixture
def broker_down(monkeypatch):
    """Celery's publishing refuses as it does when Redis, the broker, does not answer.

    Publishing is what fails (not the app's global broker settings, which other tests share
    in this process).
    """

    def refuse(*args, **kwargs):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return monkeypatch


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
    broker_down, alice_client, alice_invoice, django_capture_on_commit_callbacks
):
    _pay_in_the_sandbox(alice_client, alice_invoice, django_capture_on_commit_callbacks)
    assert mail.outbox == []

    broker_down.undo()  # the broker is back (in the test settings, sent tasks run at once)
    assert flush_pending_tasks() == 1
    assert len(mail.outbox) == 1
    assert alice_invoice.number in mail.outbox[0].body
    assert PendingTask.objects.get().sent_at is not None
    assert flush_pending_tasks() == 0
    assert len(mail.outbox) == 1
