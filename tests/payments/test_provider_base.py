"""The provider records: exact euro/cent conversion and requests that cannot be built wrong."""

from decimal import Decimal

import pytest
from django.test import override_settings

from payments.providers import (
    InvalidPaymentRequest,
    PaymentItem,
    PaymentRequest,
    PaytrailProvider,
    SandboxProvider,
    get_provider,
)
from payments.providers import ProviderNotAvailable as NotAvailable
from payments.providers.base import from_cents, to_cents
from payments.providers.paytrail import payment_body


def a_request(**overrides) -> PaymentRequest:
    values = {
        "stamp": "s-1",
        "reference": "1234561",
        "amount": Decimal("10.00"),
        "customer_email": "alice@example.test",
        "success_url": "https://myropo.test/ok/",
        "cancel_url": "https://myropo.test/cancel/",
        "callback_success_url": "https://myropo.test/cb/ok/",
        "callback_cancel_url": "https://myropo.test/cb/cancel/",
    }
    values.update(overrides)
    return PaymentRequest(**values)


@pytest.mark.parametrize(
    ("euros", "cents"),
    [("0.01", 1), ("12.30", 1230), ("12.3", 1230), ("999999.98", 99999998), ("7", 700)],
)
def test_to_cents_is_exact(euros, cents):
    assert to_cents(Decimal(euros)) == cents


@pytest.mark.parametrize("euros", ["0.005", "12.301", "1E-3"])
def test_to_cents_refuses_sub_cent_amounts(euros):
    with pytest.raises(InvalidPaymentRequest, match="2 decimals"):
        to_cents(Decimal(euros))


@pytest.mark.parametrize("value", [12.3, 12, "12.30", Decimal("NaN"), Decimal("Infinity")])
def test_to_cents_refuses_what_is_not_a_finite_decimal(value):
    with pytest.raises(InvalidPaymentRequest):
        to_cents(value)


def test_from_cents_gives_two_decimals():
    assert str(from_cents(1230)) == "12.30"
    assert str(from_cents(1)) == "0.01"
    with pytest.raises(InvalidPaymentRequest):
        from_cents(True)


def test_cents_round_trip_for_every_amount_up_to_ten_euros():
    assert all(to_cents(from_cents(cents)) == cents for cents in range(1001))


@pytest.mark.parametrize("amount", ["0", "-1.00", "999999.99", "0.001"])
def test_request_refuses_an_impossible_amount(amount):
    with pytest.raises(InvalidPaymentRequest):
        a_request(amount=Decimal(amount))


def test_request_refuses_items_that_do_not_add_up():
    items = (PaymentItem(product_code="A", description="A", unit_price=Decimal("9.99")),)
    with pytest.raises(InvalidPaymentRequest, match="add up"):
        a_request(items=items)


def test_request_accepts_items_that_add_up():
    items = (
        PaymentItem(product_code="A", description="A", unit_price=Decimal("2.50"), units=2),
        PaymentItem(product_code="B", description="B", unit_price=Decimal("5.00")),
    )
    assert a_request(items=items).amount_cents == 1000


@pytest.mark.parametrize(
    "change",
    [{"currency": "SEK"}, {"language": "DE"}, {"stamp": ""}, {"customer_email": ""}],
)
def test_request_refuses_what_paytrail_would_refuse(change):
    with pytest.raises(InvalidPaymentRequest):
        a_request(**change)


def test_payment_body_has_cents_and_vat_as_paytrail_expects():
    items = (
        PaymentItem(
            product_code="A",
            description="A",
            unit_price=Decimal("10.00"),
            vat_percentage=Decimal("25.5"),
        ),
    )
    body = payment_body(a_request(items=items))
    assert body["amount"] == 1000
    assert body["items"][0]["unitPrice"] == 1000
    assert body["items"][0]["vatPercentage"] == 25.5
    assert body["redirectUrls"] == {
        "success": "https://myropo.test/ok/",
        "cancel": "https://myropo.test/cancel/",
    }


def test_payment_body_refuses_vat_with_two_decimals():
    items = (
        PaymentItem(
            product_code="A",
            description="A",
            unit_price=Decimal("10.00"),
            vat_percentage=Decimal("25.55"),
        ),
    )
    with pytest.raises(InvalidPaymentRequest, match="one decimal"):
        payment_body(a_request(items=items))


@override_settings(
    PAYMENTS_PROVIDER="paytrail", PAYTRAIL_ACCOUNT="375917", PAYTRAIL_SECRET="SAIPPUAKAUPPIAS"
)
def test_get_provider_builds_paytrail_from_settings():
    provider = get_provider()
    assert isinstance(provider, PaytrailProvider)
    assert provider.account == "375917"


@override_settings(PAYMENTS_SANDBOX=True)
def test_get_provider_builds_the_sandbox_when_switched_on():
    assert isinstance(get_provider("sandbox"), SandboxProvider)


@override_settings(PAYMENTS_SANDBOX=False)
def test_get_provider_refuses_the_sandbox_when_switched_off():
    with pytest.raises(NotAvailable):
        get_provider("sandbox")


@override_settings(PAYTRAIL_ACCOUNT="", PAYTRAIL_SECRET="")
def test_get_provider_refuses_paytrail_without_credentials_and_unknown_names():
    with pytest.raises(NotAvailable):
        get_provider("paytrail")
    with pytest.raises(NotAvailable):
        get_provider("bitcoin")
