"""The interface every online-payment provider implements, and the records it speaks in.

Views and services talk to a :class:`PaymentProvider` only, so that the real
provider (Paytrail) and the sandbox used in development and browser tests are
interchangeable and the sandbox exercises the same verification path.

No Django imports: providers take and return the frozen dataclasses below, and the
services translate them to and from models. Money is a ``Decimal`` of euros in our
code and integer cents on the wire; :func:`to_cents` and :func:`from_cents` are the
only crossings, and they refuse anything that is not an exact number of cents
rather than rounding, because rounding is the money helper's job, not a transport's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal, get_args

__all__ = [
    "MAX_AMOUNT",
    "CreatedPayment",
    "InvalidPaymentRequest",
    "Language",
    "PaymentItem",
    "PaymentProvider",
    "PaymentProviderError",
    "PaymentRequest",
    "PaymentResult",
    "PaymentStatus",
    "ProviderError",
    "SignatureMismatch",
    "from_cents",
    "to_cents",
]

Language = Literal["FI", "SV", "EN"]
# Paytrail's result statuses. "new" exists only in its status query, never in a return.
PaymentStatus = Literal["ok", "fail", "pending", "delayed"]
PAYMENT_STATUSES: frozenset[str] = frozenset(get_args(PaymentStatus))
LANGUAGES: frozenset[str] = frozenset(get_args(Language))

# Paytrail's ceiling for a payment amount, 99,999,998 cents.
MAX_AMOUNT = Decimal("999999.98")
_CENTS_PER_EURO = 100


class PaymentProviderError(Exception):
    """Base of everything a provider raises about the outside world."""


class SignatureMismatch(PaymentProviderError):
    """A return, callback or API response whose signature is missing or wrong.

    Nothing in such a message may be trusted, not even to look up an order: the
    caller answers 400 and logs the attempt, without the parameters' values.
    """


class ProviderError(PaymentProviderError):
    """The provider could not be reached, refused the request or answered nonsense.

    ``status`` is the HTTP status when there was one; ``request_id`` is the
    provider's id of the request, worth logging for its customer service.
    """

    def __init__(
        self, message: str, *, status: int | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id


class InvalidPaymentRequest(ValueError):
    """A payment request we built wrongly (a bug on our side, never the payer's input)."""


def to_cents(amount: Decimal) -> int:
    """Euros to integer cents, exactly: ``Decimal("12.30")`` -> ``1230``.

    Refuses floats (most cent amounts have no exact float), non-finite values and
    sub-cent amounts such as ``Decimal("0.005")``.
    """
    if not isinstance(amount, Decimal):
        raise InvalidPaymentRequest(f"An amount must be a Decimal, got {type(amount).__name__}.")
    if not amount.is_finite():
        raise InvalidPaymentRequest(f"An amount must be a finite number, got {amount}.")
    cents = amount * _CENTS_PER_EURO
    if cents != cents.to_integral_value():
        raise InvalidPaymentRequest(f"An amount has at most 2 decimals, got {amount}.")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents to euros with exactly two decimals: ``1230`` -> ``Decimal("12.30")``."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise InvalidPaymentRequest(f"Cents must be an int, got {type(cents).__name__}.")
    return (Decimal(cents) / _CENTS_PER_EURO).quantize(Decimal("0.01"))


def _check_amount(amount: Decimal, what: str, *, allow_zero: bool = False) -> None:
    to_cents(amount)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidPaymentRequest(f"{what} must be positive, got {amount}.")
    if amount > MAX_AMOUNT:
        raise InvalidPaymentRequest(f"{what} is at most {MAX_AMOUNT} euros, got {amount}.")


@dataclass(frozen=True, kw_only=True)
class PaymentItem:
    """One line of an order, typically one invoice's share of the payment.

    The VAT of a paid invoice was charged by its creditor, not by us, so the
    default VAT percentage is 0: the provider's settlement report must not show
    VAT we do not owe.
    """

    product_code: str  # the invoice number
    description: str
    unit_price: Decimal
    units: int = 1
    vat_percentage: Decimal = Decimal(0)
    stamp: str | None = None  # our id of the line, needed for partial refunds of one item

    def __post_init__(self) -> None:
        _check_amount(self.unit_price, "An item's unit price")
        if self.units < 1:
            raise InvalidPaymentRequest(f"An item has at least one unit, got {self.units}.")
        if not Decimal(0) <= self.vat_percentage <= Decimal(100):
            raise InvalidPaymentRequest(f"VAT percentage is 0-100, got {self.vat_percentage}.")
        if not self.product_code:
            raise InvalidPaymentRequest("An item needs a product code.")

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.units


@dataclass(frozen=True, kw_only=True)
class PaymentRequest:
    """What we ask a provider to collect.

    ``stamp`` is our unique id of this payment attempt: a provider refuses a stamp
    it has seen, so a retry after a failure needs a new stamp. ``reference`` is the
    order reference shown to the payer (for one invoice, its reference number).
    When ``items`` are given their total must equal ``amount``, as Paytrail checks.
    """

    stamp: str
    reference: str
    amount: Decimal
    currency: str = "EUR"
    language: Language = "FI"
    items: tuple[PaymentItem, ...] = ()
    customer_email: str
    success_url: str
    cancel_url: str
    callback_success_url: str
    callback_cancel_url: str

    def __post_init__(self) -> None:
        if not self.stamp or len(self.stamp) > 200:
            raise InvalidPaymentRequest("A stamp has 1-200 characters.")
        if not self.reference or len(self.reference) > 200:
            raise InvalidPaymentRequest("A reference has 1-200 characters.")
        _check_amount(self.amount, "A payment amount")
        if self.currency != "EUR":
            raise InvalidPaymentRequest(f"Only EUR payments are supported, got {self.currency}.")
        if self.language not in LANGUAGES:
            raise InvalidPaymentRequest(f"Language is FI, SV or EN, got {self.language!r}.")
        if self.items and sum(item.total for item in self.items) != self.amount:
            raise InvalidPaymentRequest(
                f"The items add up to {sum(item.total for item in self.items)}, "
                f"not to the amount {self.amount}."
            )
        if not self.customer_email:
            raise InvalidPaymentRequest("A payment needs the payer's email address.")

    @property
    def amount_cents(self) -> int:
        return to_cents(self.amount)


@dataclass(frozen=True)
class CreatedPayment:
    """A payment the provider has opened: send the payer's browser to ``redirect_url``.

    ``provider_reference`` is the provider's own reference for the payment (Paytrail
    calls it the bank reference); ``request_id`` is worth logging for support.
    """

    transaction_id: str
    redirect_url: str
    provider_reference: str
    request_id: str | None = None


@dataclass(frozen=True)
class PaymentResult:
    """A verified return or callback.

    Only a ``PaymentResult`` may be trusted, and only as far as it goes: the
    service still compares ``stamp``, ``amount`` and ``transaction_id`` with the
    order it created before booking anything. ``provider`` is the payment method
    the payer chose as the provider reports it (for Paytrail e.g. ``"nordea"``),
    for receipts and support; it is empty when the provider does not say.
    """

    transaction_id: str
    stamp: str
    reference: str
    status: PaymentStatus
    amount: Decimal
    provider: str
    extra: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_paid(self) -> bool:
        return self.status == "ok"

    @property
    def is_final(self) -> bool:
        """``pending`` and ``delayed`` may still turn into ``ok`` or ``fail``."""
        return self.status in ("ok", "fail")


class PaymentProvider(ABC):
    """An online-payment provider.

    ``name`` identifies the provider in stored payments (with the transaction id it
    makes the idempotency key of an online payment) and in callback URLs.
    """

    name: ClassVar[str]

    @abstractmethod
    def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        """Open a payment; raise :class:`ProviderError` or :class:`SignatureMismatch`."""

    @abstractmethod
    def verify_return(self, params: Mapping[str, str]) -> PaymentResult:
        """Check and read the query parameters of a redirect or callback.

        Raises :class:`SignatureMismatch` when the signature is missing or wrong
        and :class:`ProviderError` when a correctly signed message makes no sense.
        """
