"""Paytrail's payment API (https://docs.paytrail.com): signing, creating payments, returns.

Every request, every response and every redirect or callback is signed with an HMAC
over the ``checkout-*`` headers (or query parameters) and the body. The rule, from
Paytrail's documentation and verified against its published examples in the tests:

* take every key that starts with ``checkout-`` (lower case), sorted;
* write each as ``key:value``;
* append the body exactly as sent, or the empty string when there is none
  (redirects, callbacks, GET requests);
* join all of it with ``\\n`` (so a bodyless payload ends in ``\\n``) and take the
  hex HMAC with the merchant secret, SHA-256 or SHA-512 as ``checkout-algorithm`` says.

The HTTP client is ``urllib.request``: one POST per payment does not justify a new
dependency, and the tests run it against a faithful fake of the API on loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.message import Message
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from payments.providers.base import (
    PAYMENT_STATUSES,
    CreatedPayment,
    InvalidPaymentRequest,
    PaymentProvider,
    PaymentRequest,
    PaymentResult,
    ProviderError,
    SignatureMismatch,
    from_cents,
    to_cents,
)

__all__ = [
    "ALGORITHMS",
    "PAYTRAIL_API_URL",
    "PaytrailProvider",
    "calculate_hmac",
    "payment_body",
    "signatures_equal",
    "signed_headers",
    "verify_signed_params",
]

PAYTRAIL_API_URL = "https://services.paytrail.com"
ALGORITHMS: Mapping[str, Callable[..., Any]] = {
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}
_PREFIX = "checkout-"
# A create-payment response is a few kilobytes; anything far larger is not Paytrail.
_MAX_RESPONSE_BYTES = 1024 * 1024
_CENTS = re.compile(r"[0-9]{1,9}")


def calculate_hmac(
    secret: str, params: Mapping[str, str], body: str = "", algorithm: str = "sha256"
) -> str:
    """The hex signature of ``params`` (headers or query parameters) and ``body``.

    Keys not starting with ``checkout-`` are left out, so a whole header or query
    mapping can be passed, including ``signature`` itself. The keys of headers must
    already be lower case.
    """
    try:
        digest = ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(f"Unsupported signature algorithm {algorithm!r}.") from None
    lines = [f"{key}:{params[key]}" for key in sorted(k for k in params if k.startswith(_PREFIX))]
    lines.append(body)
    payload = "\n".join(lines).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), payload, digest).hexdigest()


def signatures_equal(expected: str, given: str) -> bool:
    """Compare signatures in constant time, so that timing reveals nothing of ours."""
    # compare_digest on str refuses non-ASCII text; bytes are compared in constant time.
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace"))


def verify_signed_params(
    params: Mapping[str, str],
    *,
    secret: str,
    account: str,
    algorithms: tuple[str, ...] = ("sha256", "sha512"),
) -> PaymentResult:
    """Verify and read Paytrail-style return or callback query parameters.

    Shared by the Paytrail and sandbox providers so that development and browser
    tests go through exactly the check that guards real money.
    """
    signature = params.get("signature")
    algorithm = params.get("checkout-algorithm")
    if not signature or algorithm not in algorithms:
        raise SignatureMismatch("The return has no signature or an unsupported algorithm.")
    if not signatures_equal(calculate_hmac(secret, params, "", algorithm), signature):
        raise SignatureMismatch("The return's signature does not match.")
    # Correctly signed with our secret yet for another account would mean a shared
    # secret between accounts; refuse rather than book someone else's payment.
    if params.get("checkout-account") != account:
        raise SignatureMismatch("The return is for another merchant account.")

    def required(key: str) -> str:
        value = params.get(key)
        if not value:
            raise ProviderError(f"The signed return lacks {key}.")
        return value

    status = required("checkout-status")
    if status not in PAYMENT_STATUSES:
        raise ProviderError(f"Unknown payment status {status!r}.")
    cents = required("checkout-amount")
    if not _CENTS.fullmatch(cents):
        raise ProviderError(f"checkout-amount is not a number of cents: {cents!r}.")
    known = {
        "checkout-account",
        "checkout-algorithm",
        "checkout-amount",
        "checkout-stamp",
        "checkout-reference",
        "checkout-transaction-id",
        "checkout-status",
        "checkout-provider",
    }
    return PaymentResult(
        transaction_id=required("checkout-transaction-id"),
        stamp=required("checkout-stamp"),
        reference=required("checkout-reference"),
        status=status,  # type: ignore[arg-type]  # checked against PAYMENT_STATUSES
        amount=from_cents(int(cents)),
        provider=params.get("checkout-provider", ""),
        extra={k: v for k, v in params.items() if k.startswith(_PREFIX) and k not in known},
    )


def payment_body(request: PaymentRequest) -> dict[str, Any]:
    """The JSON body of ``POST /payments`` for ``request``, amounts in cents."""
    body: dict[str, Any] = {
        "stamp": request.stamp,
        "reference": request.reference,
        "amount": request.amount_cents,
        "currency": request.currency,
        "language": request.language,
        "customer": {"email": request.customer_email},
        "redirectUrls": {"success": request.success_url, "cancel": request.cancel_url},
        "callbackUrls": {
            "success": request.callback_success_url,
            "cancel": request.callback_cancel_url,
        },
    }
    if request.items:
        items = []
        for item in request.items:
            line: dict[str, Any] = {
                "unitPrice": to_cents(item.unit_price),
                "units": item.units,
                # Paytrail takes a number with at most one decimal, e.g. 25.5.
                "vatPercentage": _vat_number(item.vat_percentage),
                "productCode": item.product_code,
                "description": item.description[:1000],
            }
            if item.stamp:
                line["stamp"] = item.stamp
            items.append(line)
        body["items"] = items
    return body


def _vat_number(percentage: Decimal) -> int | float:
    if percentage != percentage.quantize(Decimal("0.1")):
        raise InvalidPaymentRequest(f"Paytrail takes VAT with one decimal, got {percentage}.")
    return int(percentage) if percentage == percentage.to_integral_value() else float(percentage)


def _timestamp() -> str:
    # ISO 8601 in UTC with milliseconds, as in Paytrail's examples: 2018-07-06T10:01:31.904Z
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def signed_headers(
    *,
    account: str,
    secret: str,
    method: str,
    body: str = "",
    algorithm: str = "sha256",
    transaction_id: str | None = None,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> dict[str, str]:
    """The ``checkout-*`` headers and ``signature`` of one API request.

    A fresh nonce and the current time are used unless given (tests give them to
    reproduce the documented example).
    """
    headers = {
        "checkout-account": account,
        "checkout-algorithm": algorithm,
        "checkout-method": method,
        "checkout-nonce": nonce or str(uuid.uuid4()),
        "checkout-timestamp": timestamp or _timestamp(),
    }
    if transaction_id:
        headers["checkout-transaction-id"] = transaction_id
    headers["signature"] = calculate_hmac(secret, headers, body, algorithm)
    return headers


def _lower_headers(message: Message) -> dict[str, str]:
    return {key.lower(): value for key, value in message.items()}


def _error_message(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"][:500]
    return ""


class PaytrailProvider(PaymentProvider):
    """Paytrail's payment API for one merchant account.

    ``algorithm`` signs our requests; returns and responses may use any of
    ``algorithms``, since Paytrail signs a return with the algorithm of the request.
    """

    name = "paytrail"

    def __init__(
        self,
        account: str,
        secret: str,
        api_url: str = PAYTRAIL_API_URL,
        timeout: float = 10,
        *,
        algorithm: str = "sha256",
        algorithms: tuple[str, ...] = ("sha256", "sha512"),
    ) -> None:
        if not account or not secret:
            raise ValueError("A Paytrail provider needs an account and a secret.")
        if algorithm not in ALGORITHMS or not set(algorithms) <= ALGORITHMS.keys():
            raise ValueError("Paytrail signs with sha256 or sha512 only.")
        self.account = account
        self._secret = secret
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.algorithm = algorithm
        self.algorithms = algorithms

    def __repr__(self) -> str:
        # Never the secret: providers end up in tracebacks and logs.
        return f"PaytrailProvider(account={self.account!r}, api_url={self.api_url!r})"

    def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        body = json.dumps(payment_body(request), separators=(",", ":"))
        headers = signed_headers(
            account=self.account,
            secret=self._secret,
            method="POST",
            body=body,
            algorithm=self.algorithm,
        )
        headers["content-type"] = "application/json; charset=utf-8"
        status, response_headers, raw = self._send("POST", "/payments", headers, body)
        request_id = response_headers.get("request-id") or response_headers.get("cof-request-id")
        self._verify_response(response_headers, raw)
        try:
            data = json.loads(raw)
        except ValueError:
            raise ProviderError(
                "Paytrail answered with invalid JSON.", status=status, request_id=request_id
            ) from None
        if not isinstance(data, dict):
            raise ProviderError("Paytrail's answer is not an object.", request_id=request_id)
        transaction_id, href = data.get("transactionId"), data.get("href")
        if not isinstance(transaction_id, str) or not transaction_id:
            raise ProviderError("Paytrail's answer has no transactionId.", request_id=request_id)
        if not isinstance(href, str) or urlsplit(href).scheme not in ("https", "http"):
            # The payer's browser is sent here: never a javascript: or relative URL.
            raise ProviderError("Paytrail's answer has no usable href.", request_id=request_id)
        if urlsplit(href).scheme == "http" and urlsplit(self.api_url).scheme == "https":
            raise ProviderError("Paytrail's href is not HTTPS.", request_id=request_id)
        reference = data.get("reference")
        return CreatedPayment(
            transaction_id=transaction_id,
            redirect_url=href,
            provider_reference=reference if isinstance(reference, str) else "",
            request_id=request_id,
        )

    def verify_return(self, params: Mapping[str, str]) -> PaymentResult:
        return verify_signed_params(
            params, secret=self._secret, account=self.account, algorithms=self.algorithms
        )

    def _send(
        self, method: str, path: str, headers: dict[str, str], body: str
    ) -> tuple[int, dict[str, str], bytes]:
        http_request = Request(  # noqa: S310  # the URL is our configured https API
            self.api_url + path, data=body.encode("utf-8"), headers=headers, method=method
        )
        try:
            with urlopen(http_request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read(_MAX_RESPONSE_BYTES + 1)
                response_headers = _lower_headers(response.headers)
        except HTTPError as error:
            raw = error.read(_MAX_RESPONSE_BYTES) if error.fp else b""
            request_id = error.headers.get("request-id") if error.headers else None
            detail = _error_message(raw)
            raise ProviderError(
                f"Paytrail refused the request with HTTP {error.code}"
                + (f": {detail}" if detail else "."),
                status=error.code,
                request_id=request_id,
            ) from None
        except (URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ProviderError(f"Paytrail could not be reached: {reason}") from None
        request_id = response_headers.get("request-id")
        if status not in (200, 201):
            raise ProviderError(
                f"Paytrail answered with HTTP {status}.", status=status, request_id=request_id
            )
        if len(raw) > _MAX_RESPONSE_BYTES:
            raise ProviderError("Paytrail's answer is too large.", request_id=request_id)
        return status, response_headers, raw

    def _verify_response(self, headers: Mapping[str, str], raw: bytes) -> None:
        """Check the response signature before reading a byte of the body."""
        signature = headers.get("signature")
        algorithm = headers.get("checkout-algorithm")
        if not signature or algorithm not in self.algorithms:
            raise SignatureMismatch("Paytrail's response is not signed.")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureMismatch("Paytrail's response body is not UTF-8.") from None
        expected = calculate_hmac(self._secret, headers, body, algorithm)
        if not signatures_equal(expected, signature):
            raise SignatureMismatch("Paytrail's response signature does not match.")
