"""A faithful local fake of Paytrail's payment API, on loopback, for the provider's tests.

It behaves as https://docs.paytrail.com describes the real service:

* every request must carry ``checkout-account``, ``checkout-algorithm`` (sha256 or
  sha512), ``checkout-method`` (matching the HTTP verb), ``checkout-nonce``,
  ``checkout-timestamp`` (ISO 8601) and a ``signature`` over the ``checkout-*``
  headers and the raw body; anything wrong there is ``401``, and so is a nonce
  seen before (the docs allow rejecting duplicate nonces);
* a body must be JSON with ``content-type: application/json``; a missing field,
  an amount that is not a positive integer of cents, a currency other than EUR,
  items that do not add up to the amount or a stamp used before are ``400``;
* ``POST /payments`` answers ``201`` with a signed JSON body: ``transactionId``,
  ``href`` (to the fake's own pay page), ``reference``, ``terms``, ``groups`` and
  ``providers``;
* :meth:`FakePaytrail.return_params` produces the signed query parameters of a
  redirect or callback for a transaction, as the real service appends them.

Modes break one thing on purpose: ``bad_response_signature``,
``unsigned_response``, ``invalid_json``, ``server_error`` and ``delay`` (seconds).

Run ``python -m tests.payments.fake_paytrail`` to serve it by hand.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

from invoices.references import national_reference_from_base
from payments.providers.paytrail import calculate_hmac, signatures_equal

TEST_ACCOUNT = "375917"
TEST_SECRET = "SAIPPUAKAUPPIAS"
_SIGNED_REQUEST_HEADERS = (
    "checkout-account",
    "checkout-algorithm",
    "checkout-method",
    "checkout-nonce",
    "checkout-timestamp",
)
_MAX_BODY = 100_000
_MAX_AMOUNT = 99_999_998


@dataclass
class FakeTransaction:
    transaction_id: str
    account: str
    algorithm: str
    stamp: str
    reference: str
    amount: int
    body: dict[str, Any]
    bank_reference: str


@dataclass
class FakePaytrail:
    """The fake service; use :func:`running_fake` (or ``start``/``stop``) around tests."""

    accounts: dict[str, str] = field(default_factory=lambda: {TEST_ACCOUNT: TEST_SECRET})
    bad_response_signature: bool = False
    unsigned_response: bool = False
    invalid_json: bool = False
    server_error: bool = False
    delay: float = 0.0
    transactions: dict[str, FakeTransaction] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    _nonces: set[str] = field(default_factory=set)
    _stamps: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _url: str = ""
    _counter: int = 1000

    # --- lifecycle ---------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:40123``; kept after ``stop`` for late handlers."""
        assert self._url, "the fake has not been started"
        return self._url

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self._url = f"http://{host}:{port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- what the real service sends back to the merchant -----------------------------

    def return_params(
        self, transaction_id: str, status: str = "ok", provider: str = "nordea"
    ) -> dict[str, str]:
        """Signed query parameters of the redirect or callback for a transaction."""
        tx = self.transactions[transaction_id]
        params = {
            "checkout-account": tx.account,
            "checkout-algorithm": tx.algorithm,
            "checkout-amount": str(tx.amount),
            "checkout-stamp": tx.stamp,
            "checkout-reference": tx.reference,
            "checkout-transaction-id": tx.transaction_id,
            "checkout-status": status,
            "checkout-provider": provider,
        }
        params["signature"] = calculate_hmac(self.accounts[tx.account], params, "", tx.algorithm)
        return params

    def redirect_url(self, transaction_id: str, status: str = "ok") -> str:
        """Where the payer's browser is sent after paying (``ok``) or cancelling."""
        tx = self.transactions[transaction_id]
        which = "success" if status in ("ok", "pending", "delayed") else "cancel"
        query = urlencode(self.return_params(transaction_id, status))
        return f"{tx.body['redirectUrls'][which]}?{query}"

    def callback_url(self, transaction_id: str, status: str = "ok") -> str | None:
        """The server-to-server callback the real service would GET, if one was given."""
        tx = self.transactions[transaction_id]
        urls = tx.body.get("callbackUrls")
        if not urls:
            return None
        which = "success" if status in ("ok", "pending", "delayed") else "cancel"
        return f"{urls[which]}?{urlencode(self.return_params(transaction_id, status))}"

    # --- request handling -----------------------------------------------------------

    def _check_signature(self, method: str, headers: dict[str, str], body: str) -> str | None:
        """``None`` when the request is properly signed, else why not (for a 401)."""
        missing = [name for name in (*_SIGNED_REQUEST_HEADERS, "signature") if name not in headers]
        if missing:
            return f"Missing headers: {', '.join(missing)}"
        secret = self.accounts.get(headers["checkout-account"])
        if secret is None:
            return "Unknown merchant account"
        algorithm = headers["checkout-algorithm"]
        if algorithm not in ("sha256", "sha512"):
            return "Unsupported algorithm"
        if headers["checkout-method"] != method:
            return "checkout-method does not match the HTTP method"
        try:
            datetime.fromisoformat(headers["checkout-timestamp"])
        except ValueError:
            return "checkout-timestamp is not ISO 8601"
        expected = calculate_hmac(secret, headers, body, algorithm)
        if not signatures_equal(expected, headers["signature"]):
            return "HMAC signature mismatch"
        with self._lock:
            if headers["checkout-nonce"] in self._nonces:
                return "Duplicate nonce"
            self._nonces.add(headers["checkout-nonce"])
        return None

    def _create_payment(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        problem = _payment_problem(body)
        if problem:
            return 400, {"status": "error", "message": problem}
        account = headers["checkout-account"]
        with self._lock:
            if (account, body["stamp"]) in self._stamps:
                return 400, {"status": "error", "message": "Duplicate stamp"}
            self._stamps.add((account, body["stamp"]))
            self._counter += 1
            bank_reference = national_reference_from_base(str(self._counter))
        transaction_id = str(uuid.uuid4())
        self.transactions[transaction_id] = FakeTransaction(
            transaction_id=transaction_id,
            account=account,
            algorithm=headers["checkout-algorithm"],
            stamp=body["stamp"],
            reference=body["reference"],
            amount=body["amount"],
            body=body,
            bank_reference=bank_reference,
        )
        href = f"{self.url}/pay/{transaction_id}"
        return 201, {
            "transactionId": transaction_id,
            "href": href,
            "reference": bank_reference,
            "terms": "By continuing with your payment, you agree to the payment terms.",
            "groups": [{"id": "bank", "name": "Bank payment methods"}],
            "providers": [
                {
                    "url": f"{self.url}/pay/{transaction_id}/nordea",
                    "name": "Nordea",
                    "group": "bank",
                    "id": "nordea",
                    "parameters": [{"name": "amount", "value": str(body["amount"])}],
                }
            ],
        }


def _payment_problem(body: Any) -> str | None:
    """Why Paytrail would refuse this create-payment body with a 400, or ``None``."""
    if not isinstance(body, dict):
        return "Body must be a JSON object"
    for key in ("stamp", "reference", "currency", "language"):
        if not isinstance(body.get(key), str) or not body[key]:
            return f"{key} is required"
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= _MAX_AMOUNT:
        return "amount must be a positive integer of cents"
    if body["currency"] != "EUR":
        return "currency must be EUR"
    if body["language"] not in ("FI", "SV", "EN"):
        return "language must be FI, SV or EN"
    customer = body.get("customer")
    if not isinstance(customer, dict) or not customer.get("email"):
        return "customer.email is required"
    redirect = body.get("redirectUrls")
    if not isinstance(redirect, dict) or not redirect.get("success") or not redirect.get("cancel"):
        return "redirectUrls.success and redirectUrls.cancel are required"
    items = body.get("items")
    if items is not None:
        if not isinstance(items, list) or not items:
            return "items must be a non-empty array"
        total = 0
        for item in items:
            if not isinstance(item, dict):
                return "items must be objects"
            price, units = item.get("unitPrice"), item.get("units")
            if not isinstance(price, int) or not isinstance(units, int) or units < 0:
                return "item unitPrice and units must be integers"
            vat = item.get("vatPercentage")
            if not isinstance(vat, int | float) or not 0 <= vat <= 100:
                return "item vatPercentage must be 0-100"
            if not item.get("productCode"):
                return "item productCode is required"
            total += price * units
        if total != amount:
            return "Amount doesn't match total of items"
    return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (the timeout tests) leaves a broken pipe behind: expected.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakePaytrail
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests

    def _headers(self) -> dict[str, str]:
        return {key.lower(): value for key, value in self.headers.items()}

    def _answer(self, status: int, payload: Any, *, sign: bool = True) -> None:
        fake = self.fake
        if fake.invalid_json:
            raw = b"<html>not json</html>"
        else:
            raw = json.dumps(payload, separators=(",", ":")).encode()
        request_headers = self._headers()
        account = request_headers.get("checkout-account", "")
        algorithm = request_headers.get("checkout-algorithm", "sha256")
        if algorithm not in ("sha256", "sha512"):
            algorithm = "sha256"
        headers = {
            "checkout-account": account,
            "checkout-algorithm": algorithm,
            "checkout-method": self.command,
            "checkout-nonce": str(uuid.uuid4()),
            "checkout-timestamp": datetime.now().astimezone().isoformat(timespec="milliseconds"),
            "request-id": str(uuid.uuid4()),
        }
        secret = fake.accounts.get(account)
        if sign and secret and not fake.unsigned_response:
            signature = calculate_hmac(secret, headers, raw.decode(), algorithm)
            if fake.bad_response_signature:
                signature = ("0" if signature[0] != "0" else "1") + signature[1:]
            headers["signature"] = signature
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(raw)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        fake = self.fake
        length = int(self.headers.get("content-length") or 0)
        if length > _MAX_BODY:
            self._answer(400, {"status": "error", "message": "Body too large"}, sign=False)
            return
        raw = self.rfile.read(length)
        headers = self._headers()
        fake.requests.append(headers)
        if fake.delay:
            time.sleep(fake.delay)
        if fake.server_error:
            self._answer(500, {"status": "error", "message": "Internal error"}, sign=False)
            return
        try:
            body_text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._answer(400, {"status": "error", "message": "Body is not UTF-8"}, sign=False)
            return
        refusal = fake._check_signature("POST", headers, body_text)
        if refusal:
            self._answer(401, {"status": "error", "message": refusal}, sign=False)
            return
        if not headers.get("content-type", "").startswith("application/json"):
            self._answer(400, {"status": "error", "message": "content-type must be JSON"})
            return
        try:
            body = json.loads(body_text)
        except ValueError:
            self._answer(400, {"status": "error", "message": "Invalid JSON"})
            return
        if self.path.rstrip("/") != "/payments":
            self._answer(404, {"status": "error", "message": "Not found"})
            return
        status, payload = fake._create_payment(headers, body)
        self._answer(status, payload)

    def do_GET(self) -> None:
        # The hosted payment page the payer is redirected to: enough to follow a link.
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "pay" and parts[1] in self.fake.transactions:
            raw = b"<!doctype html><title>Fake Paytrail</title><p>Choose your bank.</p>"
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        self._answer(404, {"status": "error", "message": "Not found"}, sign=False)


@contextmanager
def running_fake(**options: Any) -> Iterator[FakePaytrail]:
    """A started fake, stopped afterwards."""
    fake = FakePaytrail(**options)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover - manual use
    with running_fake() as served:
        print(f"Fake Paytrail at {served.url} (account {TEST_ACCOUNT}); Ctrl-C stops it.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
