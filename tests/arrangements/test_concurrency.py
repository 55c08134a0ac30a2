"""Double submission against real PostgreSQL: two threads, one transfer and one plan."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from arrangements.models import DueDateTransfer, PaymentPlan
from arrangements.services import ArrangementError, due_date_transfer, plan_create
from invoices.models import Charge, Invoice
from invoices.selectors import with_balance

pytestmark = pytest.mark.django_db(transaction=True)


def _twice(action) -> list:
    barrier = threading.Barrier(2)
    results: list = []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except ArrangementError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_double_submitted_transfer_is_granted_once(own_invoice, acting, today):
    invoice = own_invoice(issue_date=today - timedelta(days=30), due_date=today - timedelta(days=1))
    to_date = today + timedelta(days=13)
    _twice(lambda: due_date_transfer(invoice=invoice, to_date=to_date, acting=acting, today=today))
    assert DueDateTransfer.objects.filter(invoice=invoice).count() == 1
    assert Charge.objects.filter(invoice=invoice).count() == 1


def test_a_double_submitted_plan_is_made_once(own_invoice, acting, today):
    invoice = own_invoice()

    def make():
        rows = list(with_balance(Invoice.objects.filter(pk=invoice.pk)).select_related("creditor"))
        return plan_create(
            invoices=rows,
            start=today + timedelta(days=7),
            installments=3,
            acting=acting,
            today=today,
        )

    results = _twice(make)
    assert PaymentPlan.objects.count() == 1
    plans = [r for r in results if isinstance(r, PaymentPlan)]
    assert plans and all(p.pk == plans[0].pk for p in plans)
