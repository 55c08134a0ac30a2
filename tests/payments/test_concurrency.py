"""Exactly once under load: simultaneous identical callbacks against real PostgreSQL."""

import threading
from urllib.parse import urlencode

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from invoices.models import EventKind, InvoiceAccess
from payments.models import Allocation, OrderState, Payment, PaymentOrder
from tests.factories import CreditorFactory, InvoiceFactory, UserFactory
from tests.payments.conftest import signed, start_payment

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 50


def test_fifty_simultaneous_identical_callbacks_make_one_payment():
    alice = UserFactory()
    invoice = InvoiceFactory(creditor=CreditorFactory())
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    browser = Client()
    browser.force_login(alice)
    order, _url = start_payment(browser, invoice)
    url = reverse("payments:callback_success", args=["sandbox"]) + "?" + urlencode(signed(order))
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def call_back() -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            statuses.append(client.get(url).status_code)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call_back) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert statuses == [200] * THREADS
    connection.close()
    order = PaymentOrder.objects.get(pk=order.pk)
    assert order.state == OrderState.PAID
    assert Payment.objects.count() == 1
    assert Allocation.objects.count() == 1
    assert invoice.events.filter(kind=EventKind.PAYMENT).count() == 1
