"""A stand-in payment provider for development (``make run``) and browser tests.

It opens no connection to anyone. ``create_payment`` sends the payer to a fake bank
page inside our own app (``/payments/sandbox/<transaction_id>/``, served by a view
that exists only when ``PAYMENTS_SANDBOX`` is on), and that page comes back through
the very same signed-return check as Paytrail: the parameters are Paytrail's, signed
with :func:`payments.providers.paytrail.calculate_hmac` and the sandbox's own secret,
and verified by :func:`payments.providers.paytrail.verify_signed_params`. A bug in
the verification path therefore shows up in development, not with real money.

The sandbox keeps no state. The order travels in the redirect URL's query string,
signed like a return, so the fake bank page can show it and build the return
parameters without a database row of its own, and nobody can alter the amount on
the way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from payments.providers.base import (
    CreatedPayment,
    PaymentProvider,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    SignatureMismatch,
    from_cents,
    to_cents,
)
from payments.providers.paytrail import calculate_hmac, signatures_equal, verify_signed_params

__all__ = ["SANDBOX_ACCOUNT", "SandboxOrder", "SandboxProvider"]

# Paytrail accounts are numeric; this one is not, so it cannot pass for a real one.
SANDBOX_ACCOUNT = "sandbox"
_ALGORITHM = "sha256"
# Keys of the order in the fake bank page's URL; "checkout-" so that the signature covers them.
_ORDER_URLS = {
    "success_url": "checkout-success-url",
    "cancel_url": "checkout-cancel-url",
    "callback_success_url": "checkout-callback-success-url",
    "callback_cancel_url": "checkout-callback-cancel-url",
}


@dataclass(frozen=True)
class SandboxOrder:
    """The order behind a sandbox payment, as the fake bank page needs it."""

    transaction_id: str
    stamp: str
    reference: str
    amount: Decimal
    success_url: str
    cancel_url: str
    callback_success_url: str
    callback_cancel_url: str


class SandboxProvider(PaymentProvider):
    """Implements :class:`PaymentProvider` with a local secret and a page in our app."""

    name = "sandbox"

    def __init__(self, secret: str, *, base_path: str = "/payments/sandbox/") -> None:
        if not secret:
            raise ValueError("The sandbox provider needs a secret.")
        self._secret = secret
        self.account = SANDBOX_ACCOUNT
        self.base_path = base_path if base_path.endswith("/") else base_path + "/"

    def __repr__(self) -> str:
        return f"SandboxProvider(base_path={self.base_path!r})"

    def _sign(self, params: dict[str, str]) -> dict[str, str]:
        params["signature"] = calculate_hmac(self._secret, params, "", _ALGORITHM)
        return params

    def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        transaction_id = str(uuid.uuid4())
        order = {
            "checkout-account": self.account,
            "checkout-algorithm": _ALGORITHM,
            "checkout-transaction-id": transaction_id,
            "checkout-stamp": request.stamp,
            "checkout-reference": request.reference,
            "checkout-amount": str(request.amount_cents),
        }
        for attribute, key in _ORDER_URLS.items():
            order[key] = getattr(request, attribute)
        query = urlencode(self._sign(order))
        return CreatedPayment(
            transaction_id=transaction_id,
            redirect_url=f"{self.base_path}{transaction_id}/?{query}",
            provider_reference=request.reference,
        )

    def read_order(self, transaction_id: str, params: Mapping[str, str]) -> SandboxOrder:
        """Verify the fake bank page's query string and return the order it describes.

        Raises :class:`SignatureMismatch` when it was altered or belongs to another
        transaction than the one in the page's path.
        """
        signature = params.get("signature", "")
        expected = calculate_hmac(self._secret, params, "", _ALGORITHM)
        if (
            not signature
            or params.get("checkout-algorithm") != _ALGORITHM
            or params.get("checkout-account") != self.account
            or not signatures_equal(expected, signature)
        ):
            raise SignatureMismatch("The sandbox order's signature does not match.")
        if params.get("checkout-transaction-id") != transaction_id:
            raise SignatureMismatch("The sandbox order is for another transaction.")
        try:
            amount = from_cents(int(params["checkout-amount"]))
            urls = {attribute: params[key] for attribute, key in _ORDER_URLS.items()}
            return SandboxOrder(
                transaction_id=transaction_id,
                stamp=params["checkout-stamp"],
                reference=params["checkout-reference"],
                amount=amount,
                **urls,
            )
        except (KeyError, ValueError):
            # Signed by us yet incomplete: a bug, but still nothing to show.
            raise SignatureMismatch("The sandbox order is incomplete.") from None

    def signed_return_params(
        self,
        transaction_id: str,
        stamp: str,
        reference: str,
        amount: Decimal,
        status: PaymentStatus,
        *,
        payment_method: str = "sandbox",
    ) -> dict[str, str]:
        """The query parameters the fake bank appends to the return and callback URLs.

        The same keys and signature Paytrail sends, so :meth:`verify_return` is
        Paytrail's check.
        """
        return self._sign(
            {
                "checkout-account": self.account,
                "checkout-algorithm": _ALGORITHM,
                "checkout-amount": str(to_cents(amount)),
                "checkout-stamp": stamp,
                "checkout-reference": reference,
                "checkout-transaction-id": transaction_id,
                "checkout-status": status,
                "checkout-provider": payment_method,
            }
        )

    def verify_return(self, params: Mapping[str, str]) -> PaymentResult:
        return verify_signed_params(
            params, secret=self._secret, account=self.account, algorithms=(_ALGORITHM,)
        )
