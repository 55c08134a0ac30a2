"""The sandbox provider signs like Paytrail and is verified by Paytrail's own check."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments.providers import PaymentRequest, SandboxProvider, SignatureMismatch
from payments.providers.paytrail import calculate_hmac, verify_signed_params
from payments.providers.sandbox import SANDBOX_ACCOUNT

SECRET = "sandbox-test-secret"


@pytest.fixture
def sandbox() -> SandboxProvider:
    return SandboxProvider(SECRET)


def a_request(**overrides) -> PaymentRequest:
    values = {
        "stamp": "pay-42",
        "reference": "1234561",
        "amount": Decimal("75.25"),
        "customer_email": "alice@example.test",
        "success_url": "http://localhost:8000/payments/return/sandbox/success/",
        "cancel_url": "http://localhost:8000/payments/return/sandbox/cancel/",
        "callback_success_url": "http://localhost:8000/payments/callback/sandbox/success/",
        "callback_cancel_url": "http://localhost:8000/payments/callback/sandbox/cancel/",
    }
    values.update(overrides)
    return PaymentRequest(**values)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_sandbox_redirects_to_the_fake_bank_page_in_our_app(sandbox):
    created = sandbox.create_payment(a_request())

    path = urlsplit(created.redirect_url).path
    assert path == f"/payments/sandbox/{created.transaction_id}/"
    assert created.provider_reference == "1234561"


def test_each_sandbox_payment_gets_its_own_transaction_id(sandbox):
    first = sandbox.create_payment(a_request())
    second = sandbox.create_payment(a_request(stamp="pay-43"))
    assert first.transaction_id != second.transaction_id


def test_fake_bank_page_reads_the_signed_order(sandbox):
    created = sandbox.create_payment(a_request())

    order = sandbox.read_order(created.transaction_id, query_of(created.redirect_url))

    assert (order.stamp, order.reference, order.amount) == ("pay-42", "1234561", Decimal("75.25"))
    assert order.success_url.endswith("/return/sandbox/success/")
    assert order.callback_cancel_url.endswith("/callback/sandbox/cancel/")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("checkout-amount", "1"),
        ("checkout-success-url", "https://evil.example/"),
        ("checkout-stamp", "pay-41"),
        ("signature", ""),
    ],
)
def test_fake_bank_page_refuses_an_altered_order(sandbox, key, value):
    created = sandbox.create_payment(a_request())
    params = {**query_of(created.redirect_url), key: value}
    with pytest.raises(SignatureMismatch):
        sandbox.read_order(created.transaction_id, params)


def test_fake_bank_page_refuses_the_order_of_another_transaction(sandbox):
    first = sandbox.create_payment(a_request())
    second = sandbox.create_payment(a_request(stamp="pay-43"))
    with pytest.raises(SignatureMismatch, match="another transaction"):
        sandbox.read_order(second.transaction_id, query_of(first.redirect_url))


def test_signed_return_params_verify_through_paytrails_check(sandbox):
    params = sandbox.signed_return_params("tx-1", "pay-42", "1234561", Decimal("75.25"), "ok")

    assert params["signature"] == calculate_hmac(SECRET, params)
    result = verify_signed_params(params, secret=SECRET, account=SANDBOX_ACCOUNT)
    assert result == sandbox.verify_return(params)
    assert (result.transaction_id, result.amount, result.status) == (
        "tx-1",
        Decimal("75.25"),
        "ok",
    )
    assert result.provider == "sandbox"


def test_sandbox_round_trip_from_order_to_verified_fail(sandbox):
    created = sandbox.create_payment(a_request())
    order = sandbox.read_order(created.transaction_id, query_of(created.redirect_url))

    params = sandbox.signed_return_params(
        order.transaction_id, order.stamp, order.reference, order.amount, "fail"
    )
    result = sandbox.verify_return(params)

    assert result.transaction_id == created.transaction_id
    assert result.status == "fail"


@pytest.mark.parametrize(
    ("key", "value"),
    [("checkout-amount", "7526"), ("checkout-status", "ok"), ("checkout-transaction-id", "tx-2")],
)
def test_sandbox_return_refuses_tampering(sandbox, key, value):
    params = sandbox.signed_return_params("tx-1", "pay-42", "1234561", Decimal("75.25"), "fail")
    with pytest.raises(SignatureMismatch):
        sandbox.verify_return({**params, key: value})


def test_sandbox_return_is_refused_by_a_sandbox_with_another_secret(sandbox):
    params = sandbox.signed_return_params("tx-1", "pay-42", "1234561", Decimal("75.25"), "ok")
    with pytest.raises(SignatureMismatch):
        SandboxProvider("another-secret").verify_return(params)


def test_an_order_url_cannot_pass_for_a_return(sandbox):
    created = sandbox.create_payment(a_request())
    with pytest.raises(Exception, match="checkout-status"):
        sandbox.verify_return(query_of(created.redirect_url))


def test_sandbox_refuses_sub_cent_return_amounts(sandbox):
    with pytest.raises(ValueError, match="2 decimals"):
        sandbox.signed_return_params("tx-1", "pay-42", "1234561", Decimal("75.251"), "ok")


def test_sandbox_needs_a_secret():
    with pytest.raises(ValueError):
        SandboxProvider("")
