"""The whole pay flow with the Paytrail provider, pointed at the local fake of its API."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from invoices.models import Stage
from payments.models import OrderState, Payment, PaymentOrder
from tests.payments.fake_paytrail import TEST_ACCOUNT, TEST_SECRET, running_fake


@pytest.fixture
def fake_paytrail(settings):
    with running_fake() as fake:
        settings.PAYMENTS_PROVIDER = "paytrail"
        settings.PAYTRAIL_ACCOUNT = TEST_ACCOUNT
        settings.PAYTRAIL_SECRET = TEST_SECRET
        settings.PAYTRAIL_API_URL = fake.url
        yield fake


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_paying_with_paytrail_redirects_to_it_and_books_the_signed_return(
    alice_client, alice_invoice, fake_paytrail
):
    response = alice_client.post(f"{reverse('payments:pay')}?invoice={alice_invoice.pk}")
    assert response.status_code == 302
    assert response["Location"].startswith(fake_paytrail.url)
    order = PaymentOrder.objects.get()
    assert order.provider == "paytrail" and order.state == OrderState.PENDING
    sent = fake_paytrail.transactions[order.transaction_id]
    assert sent.stamp == str(order.stamp) and sent.amount == 10000
    assert sent.body["callbackUrls"]["success"].endswith("/payments/callback/paytrail/success/")

    page = alice_client.get(local(fake_paytrail.redirect_url(order.transaction_id)), follow=True)
    assert 'data-state="paid"' in page.content.decode()
    alice_invoice.refresh_from_db()
    assert alice_invoice.stage == Stage.PAID
    # Paytrail's callback arriving after the return books nothing more.
    assert (
        alice_client.get(local(fake_paytrail.callback_url(order.transaction_id))).status_code == 200
    )
    assert Payment.objects.get().amount == Decimal("100.00")


def test_a_paytrail_return_signed_with_another_secret_is_refused(
    client, alice_client, alice_invoice, fake_paytrail
):
    alice_client.post(f"{reverse('payments:pay')}?invoice={alice_invoice.pk}")
    order = PaymentOrder.objects.get()
    fake_paytrail.accounts[TEST_ACCOUNT] = "not-the-secret"
    response = client.get(local(fake_paytrail.callback_url(order.transaction_id)))
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_paytrail_down_shows_a_message_and_marks_the_order_failed(
    alice_client, alice_invoice, settings
):
    with running_fake(server_error=True) as fake:
        settings.PAYMENTS_PROVIDER = "paytrail"
        settings.PAYTRAIL_ACCOUNT, settings.PAYTRAIL_SECRET = TEST_ACCOUNT, TEST_SECRET
        settings.PAYTRAIL_API_URL = fake.url
        response = alice_client.post(f"{reverse('payments:pay')}?invoice={alice_invoice.pk}")
    assert response.status_code == 400
    assert b"form-errors" in response.content
    assert PaymentOrder.objects.get().state == OrderState.FAILED
