"""What higher apps plug into the payments app, so that payments never imports them.

Apps depend one way (accounts ← invoices ← payments ← arrangements, STYLE.md "Layout"): a
payment plan's installment is paid through payments, but payments does not know plans. It
offers two hooks instead, which a higher app registers in its `AppConfig.ready()`:

- a **reference payee** owns bank references that are not invoice references (a plan's
  installment references) and books a bank payment made to one of them;
- an **allocation listener** hears, inside the booking transaction, which invoices a
  payment was just allocated to (a plan may now be complete).

The money path then reads top-down: callback → order → payment → allocation → listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from payments.models import Payment


@dataclass(frozen=True)
class PayeeMatch:
    """A reference a payee owns: its own id for it, and the account the money must reach."""

    target_id: int
    account_iban: str


class ReferencePayee(Protocol):
    def match(self, references: Sequence[str]) -> Mapping[str, PayeeMatch]:
        """The references among `references` this payee owns (one query for all)."""
        ...

    def allocate(self, *, payment: Payment, target_id: int) -> None:
        """Book all of `payment`, a bank payment to one of its references."""
        ...


AllocationListener = Callable[[Iterable[int]], None]

_payees: list[ReferencePayee] = []
_listeners: list[AllocationListener] = []


def register_reference_payee(payee: ReferencePayee) -> None:
    if not any(type(known) is type(payee) for known in _payees):
        _payees.append(payee)


def register_allocation_listener(listener: AllocationListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def reference_payees() -> tuple[ReferencePayee, ...]:
    return tuple(_payees)


def invoices_allocated(invoice_ids: Iterable[int]) -> None:
    """Tell the listeners that payments were just allocated to these invoices."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return
    for listener in _listeners:
        listener(ids)
