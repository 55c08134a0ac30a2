"""Paytrail signatures: the documented vectors, our requests, and verified returns."""

import json
from decimal import Decimal

import pytest

from payments.providers import PaytrailProvider, ProviderError, SignatureMismatch
from payments.providers.paytrail import calculate_hmac, signed_headers

SECRET = "SAIPPUAKAUPPIAS"
ACCOUNT = "375917"

# The node.js and PHP examples of docs.paytrail.com ("HMAC calculation"), same inputs.
DOC_HEADERS = {
    "checkout-account": ACCOUNT,
    "checkout-algorithm": "sha256",
    "checkout-method": "POST",
    "checkout-nonce": "564635208570151",
    "checkout-timestamp": "2018-07-06T10:01:31.904Z",
}
DOC_BODY = {
    "stamp": "unique-identifier-for-merchant",
    "reference": "3759170",
    "amount": 1525,
    "currency": "EUR",
    "language": "FI",
    "items": [
        {
            "unitPrice": 1525,
            "units": 1,
            "vatPercentage": 24,
            "productCode": "#1234",
            "deliveryDate": "2018-09-01",
        }
    ],
    "customer": {"email": "test.customer@example.com"},
    "redirectUrls": {
        "success": "https://ecom.example.com/cart/success",
        "cancel": "https://ecom.example.com/cart/cancel",
    },
}
DOC_SIGNATURE = "3708f6497ae7cc55a2e6009fc90aa10c3ad0ef125260ee91b19168750f6d74f6"

# The redirect URL example of docs.paytrail.com ("Redirect and callback URL parameters").
DOC_RETURN = {
    "checkout-account": ACCOUNT,
    "checkout-algorithm": "sha256",
    "checkout-amount": "2964",
    "checkout-stamp": "15336332710015",
    "checkout-reference": "192387192837195",
    "checkout-transaction-id": "4b300af6-9a22-11e8-9184-abb6de7fd2d0",
    "checkout-status": "ok",
    "checkout-provider": "nordea",
    "signature": "b2d3ecdda2c04563a4638fcade3d4e77dfdc58829b429ad2c2cb422d0fc64080",
}

# The GET /payments/{id} example of docs.paytrail.com's examples page: a bodyless request.
DOC_GET_HEADERS = {
    "checkout-account": ACCOUNT,
    "checkout-algorithm": "sha256",
    "checkout-method": "GET",
    "checkout-timestamp": "2019-11-01T08:48:50.832Z",
    "checkout-transaction-id": "681538c4-fc84-11e9-83bc-2ffcef4c3453",
    "checkout-nonce": "87ac41e1-e6e6-4789-b8e0-c83930cfc447",
}
DOC_GET_SIGNATURE = "4d84e3aedaa847b23e672ff3bc9c57ae5d1c1e84aec251ce39914eaf250bb8b2"


def compact_json(body: object) -> str:
    # JSON.stringify and PHP's json_encode(..., JSON_UNESCAPED_SLASHES) write no spaces.
    return json.dumps(body, separators=(",", ":"))


@pytest.fixture
def provider() -> PaytrailProvider:
    return PaytrailProvider(account=ACCOUNT, secret=SECRET)


def test_hmac_matches_paytrails_documented_request_example():
    assert calculate_hmac(SECRET, DOC_HEADERS, compact_json(DOC_BODY)) == DOC_SIGNATURE


def test_hmac_matches_paytrails_documented_bodyless_get_example():
    assert calculate_hmac(SECRET, DOC_GET_HEADERS) == DOC_GET_SIGNATURE


def test_hmac_matches_paytrails_documented_redirect_example():
    assert calculate_hmac(SECRET, DOC_RETURN) == DOC_RETURN["signature"]


def test_empty_body_still_ends_the_payload_with_a_line_feed():
    # The documented rule joins the header lines and the (empty) body with "\n".
    import hashlib
    import hmac

    params = {"checkout-b": "2", "checkout-a": "1"}
    payload = b"checkout-a:1\ncheckout-b:2\n"
    expected = hmac.new(SECRET.encode(), payload, hashlib.sha256).hexdigest()
    assert calculate_hmac(SECRET, params) == expected


def test_hmac_ignores_keys_that_are_not_checkout_headers():
    noisy = {**DOC_HEADERS, "content-type": "application/json", "signature": "x", "platform": "y"}
    assert calculate_hmac(SECRET, noisy, compact_json(DOC_BODY)) == DOC_SIGNATURE


def test_hmac_does_not_depend_on_the_order_of_the_mapping():
    reversed_headers = dict(reversed(list(DOC_HEADERS.items())))
    assert calculate_hmac(SECRET, reversed_headers, compact_json(DOC_BODY)) == DOC_SIGNATURE


def test_hmac_supports_sha512():
    import hashlib
    import hmac

    params = {**DOC_HEADERS, "checkout-algorithm": "sha512"}
    lines = [f"{k}:{params[k]}" for k in sorted(params)] + ["{}"]
    expected = hmac.new(SECRET.encode(), "\n".join(lines).encode(), hashlib.sha512).hexdigest()
    assert calculate_hmac(SECRET, params, "{}", "sha512") == expected
    assert len(expected) == 128


def test_hmac_refuses_an_unknown_algorithm():
    with pytest.raises(ValueError, match="md5"):
        calculate_hmac(SECRET, DOC_HEADERS, "", "md5")


def test_hmac_changes_with_any_byte_of_the_body():
    tampered = compact_json({**DOC_BODY, "amount": 1526})
    assert calculate_hmac(SECRET, DOC_HEADERS, tampered) != DOC_SIGNATURE


def test_signed_headers_reproduce_the_documented_signature():
    headers = signed_headers(
        account=ACCOUNT,
        secret=SECRET,
        method="POST",
        body=compact_json(DOC_BODY),
        nonce="564635208570151",
        timestamp="2018-07-06T10:01:31.904Z",
    )
    assert headers["signature"] == DOC_SIGNATURE


def test_signed_headers_use_a_fresh_nonce_and_a_utc_timestamp():
    first = signed_headers(account=ACCOUNT, secret=SECRET, method="POST")
    second = signed_headers(account=ACCOUNT, secret=SECRET, method="POST")
    assert first["checkout-nonce"] != second["checkout-nonce"]
    assert first["checkout-timestamp"].endswith("Z")
    assert len(first["checkout-timestamp"]) == len("2018-07-06T10:01:31.904Z")


def test_verify_return_accepts_paytrails_documented_redirect(provider):
    result = provider.verify_return(DOC_RETURN)

    assert result.transaction_id == "4b300af6-9a22-11e8-9184-abb6de7fd2d0"
    assert result.stamp == "15336332710015"
    assert result.reference == "192387192837195"
    assert result.status == "ok"
    assert result.amount == Decimal("29.64")
    assert result.provider == "nordea"
    assert result.is_paid and result.is_final


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("checkout-amount", "2965"),
        ("checkout-amount", "296400"),
        ("checkout-status", "fail"),
        ("checkout-status", "pending"),
        ("checkout-transaction-id", "4b300af6-9a22-11e8-9184-abb6de7fd2d1"),
        ("checkout-stamp", "15336332710016"),
        ("checkout-reference", "192387192837196"),
        ("checkout-provider", "osuuspankki"),
        ("checkout-account", "375918"),
    ],
)
def test_verify_return_refuses_a_tampered_value(provider, key, value):
    with pytest.raises(SignatureMismatch):
        provider.verify_return({**DOC_RETURN, key: value})


def test_verify_return_refuses_an_added_checkout_parameter(provider):
    with pytest.raises(SignatureMismatch):
        provider.verify_return({**DOC_RETURN, "checkout-status-override": "ok"})


def test_verify_return_ignores_added_parameters_outside_the_signature(provider):
    # Paytrail signs only checkout-* keys; our own query parameters may ride along.
    assert provider.verify_return({**DOC_RETURN, "lang": "fi"}).status == "ok"


def test_verify_return_refuses_a_missing_signature(provider):
    params = {k: v for k, v in DOC_RETURN.items() if k != "signature"}
    with pytest.raises(SignatureMismatch):
        provider.verify_return(params)


def test_verify_return_refuses_an_empty_or_garbage_signature(provider):
    for signature in ("", "0" * 64, "ä" * 64, DOC_RETURN["signature"].upper()):
        with pytest.raises(SignatureMismatch):
            provider.verify_return({**DOC_RETURN, "signature": signature})


def test_verify_return_refuses_a_signature_made_with_another_secret():
    other = PaytrailProvider(account=ACCOUNT, secret="NOT-THE-SECRET")
    with pytest.raises(SignatureMismatch):
        other.verify_return(DOC_RETURN)


def test_verify_return_refuses_an_algorithm_not_allowed(provider):
    params = {**DOC_RETURN, "checkout-algorithm": "md5"}
    with pytest.raises(SignatureMismatch):
        provider.verify_return(params)
    strict = PaytrailProvider(account=ACCOUNT, secret=SECRET, algorithms=("sha512",))
    with pytest.raises(SignatureMismatch):
        strict.verify_return(DOC_RETURN)


def test_verify_return_accepts_a_sha512_return(provider):
    params = {k: v for k, v in DOC_RETURN.items() if k != "signature"}
    params["checkout-algorithm"] = "sha512"
    params["signature"] = calculate_hmac(SECRET, params, "", "sha512")
    assert provider.verify_return(params).amount == Decimal("29.64")


def sign(params: dict[str, str]) -> dict[str, str]:
    unsigned = {k: v for k, v in params.items() if k != "signature"}
    return {**unsigned, "signature": calculate_hmac(SECRET, unsigned)}


@pytest.mark.parametrize("amount", ["-2964", "29.64", "1e3", "", " 2964", "١٢"])
def test_verify_return_refuses_a_signed_amount_that_is_not_cents(provider, amount):
    with pytest.raises(ProviderError):
        provider.verify_return(sign({**DOC_RETURN, "checkout-amount": amount}))


def test_verify_return_refuses_a_signed_unknown_status(provider):
    with pytest.raises(ProviderError, match="status"):
        provider.verify_return(sign({**DOC_RETURN, "checkout-status": "new"}))


def test_verify_return_refuses_a_signed_return_without_transaction_id(provider):
    params = {k: v for k, v in DOC_RETURN.items() if k != "checkout-transaction-id"}
    with pytest.raises(ProviderError, match="transaction-id"):
        provider.verify_return(sign(params))


def test_verify_return_keeps_other_signed_checkout_parameters(provider):
    params = sign({**DOC_RETURN, "checkout-settlement-reference": "1234"})
    assert provider.verify_return(params).extra == {"checkout-settlement-reference": "1234"}


def test_provider_repr_hides_the_secret(provider):
    assert SECRET not in repr(provider)
