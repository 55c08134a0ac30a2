"""Online-payment providers behind one interface (see :mod:`payments.providers.base`).

:func:`get_provider` is the only place that reads Django settings; the provider
modules themselves are plain Python and are configured through their constructors.
The settings it reads (added to ``myropo/settings.py`` with the payment views):

``PAYMENTS_PROVIDER``
    ``"paytrail"`` (default) or ``"sandbox"``.
``PAYMENTS_SANDBOX``
    The sandbox provider and its fake bank page exist only when this is true.
``PAYTRAIL_ACCOUNT``, ``PAYTRAIL_SECRET``, ``PAYTRAIL_API_URL``
    Paytrail merchant credentials; the public test merchant (375917,
    ``SAIPPUAKAUPPIAS``) in development.
``PAYMENTS_SANDBOX_SECRET``
    Optional; by default derived from ``SECRET_KEY``, so that sandbox signatures
    differ between deployments without another variable to set.
"""

from __future__ import annotations

import hashlib
import hmac

from payments.providers.base import (
    CreatedPayment,
    InvalidPaymentRequest,
    PaymentItem,
    PaymentProvider,
    PaymentProviderError,
    PaymentRequest,
    PaymentResult,
    ProviderError,
    SignatureMismatch,
)
from payments.providers.paytrail import PAYTRAIL_API_URL, PaytrailProvider
from payments.providers.sandbox import SandboxProvider

__all__ = [
    "CreatedPayment",
    "InvalidPaymentRequest",
    "PaymentItem",
    "PaymentProvider",
    "PaymentProviderError",
    "PaymentRequest",
    "PaymentResult",
    "PaytrailProvider",
    "ProviderError",
    "ProviderNotAvailable",
    "SandboxProvider",
    "SignatureMismatch",
    "get_provider",
]

PROVIDER_NAMES = ("paytrail", "sandbox")


class ProviderNotAvailable(LookupError):
    """A provider name that is unknown, or the sandbox while it is switched off."""


def _sandbox_secret(secret_key: str) -> str:
    return hmac.new(secret_key.encode(), b"myropo.payments.sandbox", hashlib.sha256).hexdigest()


def get_provider(name: str | None = None) -> PaymentProvider:
    """The configured provider, or the one called ``name`` (from a return URL).

    Raises :class:`ProviderNotAvailable` for an unknown name and for the sandbox
    when ``PAYMENTS_SANDBOX`` is off: a sandbox return reaching production must not
    be verified, let alone booked.
    """
    from django.conf import settings

    name = name or getattr(settings, "PAYMENTS_PROVIDER", "paytrail")
    if name == "paytrail":
        account = getattr(settings, "PAYTRAIL_ACCOUNT", "")
        secret = getattr(settings, "PAYTRAIL_SECRET", "")
        if not account or not secret:
            raise ProviderNotAvailable("PAYTRAIL_ACCOUNT and PAYTRAIL_SECRET are not set.")
        return PaytrailProvider(
            account=account,
            secret=secret,
            api_url=getattr(settings, "PAYTRAIL_API_URL", PAYTRAIL_API_URL),
        )
    if name == "sandbox":
        if not getattr(settings, "PAYMENTS_SANDBOX", False):
            raise ProviderNotAvailable("The sandbox provider is switched off.")
        secret = getattr(settings, "PAYMENTS_SANDBOX_SECRET", "") or _sandbox_secret(
            settings.SECRET_KEY
        )
        return SandboxProvider(secret)
    raise ProviderNotAvailable(f"Unknown payment provider {name!r}.")
