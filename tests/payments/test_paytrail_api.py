"""The Paytrail provider against the local fake of Paytrail's API (tests/payments/fake_paytrail)."""

import json
import socket
import urllib.request
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments.providers import (
    PaymentItem,
    PaymentRequest,
    PaytrailProvider,
    ProviderError,
    SignatureMismatch,
)
from payments.providers.paytrail import payment_body, signed_headers
from tests.payments.fake_paytrail import TEST_ACCOUNT, TEST_SECRET, running_fake
from tests.payments.test_paytrail_signing import DOC_BODY, DOC_SIGNATURE, compact_json


@pytest.fixture
def fake():
    with running_fake() as served:
        yield served


@pytest.fixture
def provider(fake) -> PaytrailProvider:
    return PaytrailProvider(account=TEST_ACCOUNT, secret=TEST_SECRET, api_url=fake.url, timeout=5)


def a_request(**overrides) -> PaymentRequest:
    values = {
        "stamp": "pay-0001",
        "reference": "1234561",
        "amount": Decimal("150.40"),
        "language": "FI",
        "items": (
            PaymentItem(
                product_code="INV-1", description="Invoice 1", unit_price=Decimal("100.40")
            ),
            PaymentItem(product_code="INV-2", description="Invoice 2", unit_price=Decimal("50.00")),
        ),
        "customer_email": "alice@example.test",
        "success_url": "https://myropo.test/payments/return/paytrail/success/",
        "cancel_url": "https://myropo.test/payments/return/paytrail/cancel/",
        "callback_success_url": "https://myropo.test/payments/callback/paytrail/success/",
        "callback_cancel_url": "https://myropo.test/payments/callback/paytrail/cancel/",
    }
    values.update(overrides)
    return PaymentRequest(**values)


def post(fake, headers: dict[str, str], body: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        fake.url + "/payments", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_provider_creates_a_payment_at_the_fake(fake, provider):
    created = provider.create_payment(a_request())

    tx = fake.transactions[created.transaction_id]
    assert created.redirect_url == f"{fake.url}/pay/{created.transaction_id}"
    assert created.provider_reference == tx.bank_reference
    assert created.request_id
    assert tx.amount == 15040
    assert tx.body["items"][0] == {
        "unitPrice": 10040,
        "units": 1,
        "vatPercentage": 0,
        "productCode": "INV-1",
        "description": "Invoice 1",
    }
    assert tx.body["callbackUrls"]["success"].endswith("/callback/paytrail/success/")


def test_provider_sends_every_header_paytrail_requires(fake, provider):
    provider.create_payment(a_request())

    sent = fake.requests[-1]
    assert sent["checkout-account"] == TEST_ACCOUNT
    assert sent["checkout-algorithm"] == "sha256"
    assert sent["checkout-method"] == "POST"
    assert sent["checkout-nonce"]
    assert sent["checkout-timestamp"].endswith("Z")
    assert sent["content-type"] == "application/json; charset=utf-8"


def test_redirect_url_of_the_fake_pay_page_opens(fake, provider):
    created = provider.create_payment(a_request())
    with urllib.request.urlopen(created.redirect_url, timeout=5) as page:
        assert b"Choose your bank" in page.read()


def test_fake_accepts_paytrails_documented_example_request(fake):
    headers = {
        "checkout-account": TEST_ACCOUNT,
        "checkout-algorithm": "sha256",
        "checkout-method": "POST",
        "checkout-nonce": "564635208570151",
        "checkout-timestamp": "2018-07-06T10:01:31.904Z",
        "content-type": "application/json; charset=utf-8",
        "signature": DOC_SIGNATURE,
    }
    status, body = post(fake, headers, compact_json(DOC_BODY))
    assert status == 201
    assert body["href"].endswith(body["transactionId"])


def test_fake_refuses_a_request_signed_with_another_secret(fake):
    provider = PaytrailProvider(account=TEST_ACCOUNT, secret="WRONG", api_url=fake.url)
    with pytest.raises(ProviderError) as refused:
        provider.create_payment(a_request())
    assert refused.value.status == 401
    assert "signature" in str(refused.value).lower()
    assert fake.transactions == {}


def test_fake_refuses_a_body_changed_after_signing(fake):
    body = compact_json(payment_body(a_request()))
    headers = signed_headers(account=TEST_ACCOUNT, secret=TEST_SECRET, method="POST", body=body)
    headers["content-type"] = "application/json; charset=utf-8"
    status, answer = post(fake, headers, body.replace("15040", "1"))
    assert (status, answer["message"]) == (401, "HMAC signature mismatch")


def test_fake_refuses_a_replayed_nonce(fake):
    body = compact_json(payment_body(a_request()))
    headers = signed_headers(account=TEST_ACCOUNT, secret=TEST_SECRET, method="POST", body=body)
    headers["content-type"] = "application/json; charset=utf-8"
    assert post(fake, headers, body)[0] == 201
    assert post(fake, headers, body) == (401, {"status": "error", "message": "Duplicate nonce"})


def test_fake_refuses_missing_headers(fake):
    status, answer = post(fake, {"content-type": "application/json"}, "{}")
    assert status == 401
    assert "checkout-account" in answer["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": 15041}, "Amount doesn't match total of items"),
        ({"amount": 0}, "amount must be a positive integer of cents"),
        ({"amount": "150.40"}, "amount must be a positive integer of cents"),
        ({"currency": "SEK"}, "currency must be EUR"),
        ({"customer": {}}, "customer.email is required"),
    ],
)
def test_fake_refuses_a_properly_signed_bad_payment_with_400(fake, change, message):
    body = compact_json({**payment_body(a_request()), **change})
    headers = signed_headers(account=TEST_ACCOUNT, secret=TEST_SECRET, method="POST", body=body)
    headers["content-type"] = "application/json; charset=utf-8"
    assert post(fake, headers, body) == (400, {"status": "error", "message": message})


def test_fake_refuses_invalid_json_with_400(fake):
    body = '{"stamp": '
    headers = signed_headers(account=TEST_ACCOUNT, secret=TEST_SECRET, method="POST", body=body)
    headers["content-type"] = "application/json; charset=utf-8"
    assert post(fake, headers, body) == (400, {"status": "error", "message": "Invalid JSON"})


def test_provider_reports_a_duplicate_stamp_as_provider_error(provider):
    provider.create_payment(a_request())
    with pytest.raises(ProviderError, match="Duplicate stamp") as refused:
        provider.create_payment(a_request())
    assert refused.value.status == 400


def test_provider_refuses_a_response_with_a_bad_signature(fake, provider):
    fake.bad_response_signature = True
    with pytest.raises(SignatureMismatch):
        provider.create_payment(a_request())


def test_provider_refuses_an_unsigned_response(fake, provider):
    fake.unsigned_response = True
    with pytest.raises(SignatureMismatch):
        provider.create_payment(a_request())


def test_provider_maps_a_server_error(fake, provider):
    fake.server_error = True
    with pytest.raises(ProviderError) as failed:
        provider.create_payment(a_request())
    assert failed.value.status == 500


def test_provider_refuses_a_signed_body_that_is_not_json(fake, provider):
    fake.invalid_json = True
    with pytest.raises(ProviderError, match="JSON"):
        provider.create_payment(a_request())


def test_provider_maps_a_timeout(fake):
    fake.delay = 1.0
    slow = PaytrailProvider(account=TEST_ACCOUNT, secret=TEST_SECRET, api_url=fake.url, timeout=0.2)
    with pytest.raises(ProviderError, match="could not be reached"):
        slow.create_payment(a_request())


def test_provider_maps_a_refused_connection():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = PaytrailProvider(
        account=TEST_ACCOUNT, secret=TEST_SECRET, api_url=f"http://127.0.0.1:{port}", timeout=2
    )
    with pytest.raises(ProviderError) as failed:
        closed.create_payment(a_request())
    assert failed.value.status is None


def test_round_trip_of_a_successful_payment_verifies(fake, provider):
    created = provider.create_payment(a_request())

    redirect = fake.redirect_url(created.transaction_id, "ok")
    assert redirect.startswith("https://myropo.test/payments/return/paytrail/success/?")
    result = provider.verify_return(dict(parse_qsl(urlsplit(redirect).query)))

    assert result.transaction_id == created.transaction_id
    assert (result.stamp, result.reference) == ("pay-0001", "1234561")
    assert result.amount == Decimal("150.40")
    assert result.status == "ok"


def test_round_trip_of_a_cancelled_payment_verifies_as_fail(fake, provider):
    created = provider.create_payment(a_request())

    callback = fake.callback_url(created.transaction_id, "fail")
    assert callback.startswith("https://myropo.test/payments/callback/paytrail/cancel/?")
    result = provider.verify_return(dict(parse_qsl(urlsplit(callback).query)))

    assert result.status == "fail"
    assert not result.is_paid


def test_round_trip_with_sha512_requests(fake):
    provider = PaytrailProvider(
        account=TEST_ACCOUNT, secret=TEST_SECRET, api_url=fake.url, algorithm="sha512"
    )
    created = provider.create_payment(a_request())
    params = fake.return_params(created.transaction_id, "pending")
    assert params["checkout-algorithm"] == "sha512"
    assert provider.verify_return(params).status == "pending"


def test_callback_from_another_merchant_account_is_refused(fake, provider):
    fake.accounts["695861"] = TEST_SECRET  # a second account sharing the secret
    other = PaytrailProvider(account="695861", secret=TEST_SECRET, api_url=fake.url)
    created = other.create_payment(a_request())
    with pytest.raises(SignatureMismatch, match="another merchant"):
        provider.verify_return(fake.return_params(created.transaction_id))


def test_tampered_round_trip_amount_is_refused(fake, provider):
    created = provider.create_payment(a_request())
    params = fake.return_params(created.transaction_id)
    params["checkout-amount"] = "1"
    with pytest.raises(SignatureMismatch):
        provider.verify_return(params)
