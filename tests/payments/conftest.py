"""Helpers for the online payment tests: start a sandbox payment, sign returns."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from payments.models import PaymentOrder
from payments.providers import get_provider


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def start_payment(client, invoice, data: dict | None = None) -> tuple[PaymentOrder, str]:
    """POSTs the pay form; returns the order and the fake bank URL it redirected to."""
    response = client.post(f"{reverse('payments:pay')}?invoice={invoice.pk}", data or {})
    assert response.status_code == 302, response.content.decode()[:2000]
    return PaymentOrder.objects.latest("id"), response["Location"]


def signed(order: PaymentOrder, status: str = "ok", amount: Decimal | None = None) -> dict:
    """The return or callback parameters the sandbox bank sends for `order`."""
    provider = get_provider("sandbox")
    return provider.signed_return_params(
        order.transaction_id,
        str(order.stamp),
        "ref",
        order.amount if amount is None else amount,
        status,
    )


def callback_url(params: dict, which: str = "success") -> str:
    return f"{reverse(f'payments:callback_{which}', args=['sandbox'])}?{urlencode(params)}"


def return_url(params: dict, which: str = "success") -> str:
    return f"{reverse(f'payments:return_{which}', args=['sandbox'])}?{urlencode(params)}"


@pytest.fixture
def paid_order(alice, alice_invoice):
    # Its own client: alice_client and bob_client share pytest-django's `client`.
    client = Client()
    client.force_login(alice)
    order, _url = start_payment(client, alice_invoice)
    client.get(callback_url(signed(order)))
    order.refresh_from_db()
    return order
