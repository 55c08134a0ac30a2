"""How a payment covers an invoice: the one allocation rule.

A payment to an invoice covers its components in the order the law allows for its debtor
(`allocation_order_for`, the rows `consumer.allocation` / `business.allocation` of the rule
table): a consumer's payment goes to **interest → principal → costs** — in consumer
collection money may go to the costs only after the principal and its interest are paid
(perintälaki 513/1999 11 a § 2 mom) — and a creditor's setting that would put costs earlier
is never applied to a consumer. A business's payment follows the creditor's
`allocation_order` (11 a § 1 mom), by default costs → interest → principal. Statements
print the order.

What a payment covers is the invoice's payoff on the payment date
(`collection.payoff.payoff_for`, the figure the invoice page, the pay page, the payment codes
and the letters ask for): costs, interest and principal still owed as booked (charges −
allocations − credit notes, derived, never stored), plus the late-payment interest accrued
since the last interest booking through the payment date. That accrued interest is booked
first as an interest `Charge` (key `interest:payment:<payment id>`, so a retry books it once),
built like the cycle's (`collection_selectors.interest_charge_row`). So a payment of exactly
the payoff on its day leaves nothing open and marks the invoice paid. Each part of a payment
is an immutable `Allocation` row; what is left over once the invoice is covered (or all of it,
when the invoice is already paid or credited) becomes an `Overpayment` that we owe back.

`allocate_payment` books one payment to one invoice under a row lock. `allocate_payments`
books a whole bank file with the same rule (`split_amount`) over the same payoff
(`collection.payoff.owed_by_id` and `accrue`, the two steps of `payoff_for`), set-based: one
lock query, three aggregate queries and one COPY per table, so that 100,000 reference
payments do not take 100,000 round trips each.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Protocol

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collection.interest import ReferenceRate as Rate
from collection.payoff import INTEREST, Owed, Payoff, accrue, owed_by_id, payoff_for
from collection.payoff import outstanding_by_id as _outstanding_by_id
from collection.rules import DebtorKind, allocation_order_refusal, default_allocation_order
from collection.selectors import (
    INTEREST_CHARGE_COLUMNS,
    InterestDue,
    interest_charge_rows,
    payment_interest_key,
    reference_rates,
)
from invoices.models import (
    CLOSED_STAGES,
    Charge,
    CreditorSettings,
    DebtorType,
    EventKind,
    Invoice,
    InvoiceEvent,
    Stage,
)
from myropo.sqlarrays import int_array
from myropo.templatetags.money import format_euros
from payments.bulkcopy import copy_rows, reserve_ids
from payments.hooks import invoices_allocated
from payments.models import Allocation, Component, Overpayment, Payment

ZERO = Decimal("0.00")
DEFAULT_ORDER: tuple[str, ...] = (Component.COSTS, Component.INTEREST, Component.PRINCIPAL)
CONSUMER_ORDER: tuple[str, ...] = default_allocation_order(DebtorKind.CONSUMER)


class AllocationError(Exception):
    """A refused allocation, with a message fit to show staff."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_allocation_order(setting: str | None) -> tuple[str, ...]:
    """`"costs,interest,principal"` → the components in order; a broken setting → the default.

    A setting that is not a permutation of the three components is ignored rather than
    trusted: a missing component would leave money unallocated.
    """
    if not setting:
        return DEFAULT_ORDER
    parts = tuple(part.strip() for part in setting.split(","))
    if sorted(parts) != sorted(DEFAULT_ORDER):
        return DEFAULT_ORDER
    return parts


def allocation_order_for(debtor_type: str, setting: str | None) -> tuple[str, ...]:
    """The order for this debtor: the creditor's when the law allows it, else the law's default.

    11 a § 2 mom is checked here, at the one place every allocation asks, so no setting,
    old or new, can make a consumer pay costs before the principal and its interest.
    """
    kind = DebtorKind.from_debtor_type(debtor_type)
    order = parse_allocation_order(setting) if setting else default_allocation_order(kind)
    if allocation_order_refusal(kind, order) is not None:
        return default_allocation_order(kind)
    return order


def split_amount(
    amount: Decimal, outstanding: Mapping[str, Decimal], order: Sequence[str]
) -> tuple[list[tuple[str, Decimal]], Decimal]:
    """The rule itself: `amount` over `outstanding` in `order` → (parts, remainder)."""
    parts: list[tuple[str, Decimal]] = []
    left = amount
    for component in order:
        if left <= 0:
            break
        take = min(left, max(outstanding.get(component, ZERO), ZERO))
        if take > 0:
            parts.append((component, take))
            left -= take
    return parts, left


def outstanding_by_invoice(invoices: Iterable[Invoice]) -> dict[int, dict[str, Decimal]]:
    """What each component of these invoices still owes as booked, in three queries."""
    return outstanding_by_id({invoice.pk: invoice.principal for invoice in invoices})


def outstanding_by_id(principals: Mapping[int, Decimal]) -> dict[int, dict[str, Decimal]]:
    """`collection.payoff.outstanding_by_id`: costs, interest, principal owed as booked."""
    return _outstanding_by_id(principals)


# --- What is kept from the allocations (derived, exact, in the booking's transaction) ------

_LAST_PAYMENT_SQL = """
    UPDATE invoices_invoice i SET last_payment_on = latest.paid_on
    FROM (SELECT a.invoice_id, max(p.paid_on) AS paid_on
          FROM payments_allocation a JOIN payments_payment p ON p.id = a.payment_id
          {where} GROUP BY a.invoice_id) latest
    WHERE i.id = latest.invoice_id AND i.last_payment_on IS DISTINCT FROM latest.paid_on
"""
_LAST_PAYMENT_OF = _LAST_PAYMENT_SQL.format(where="WHERE a.invoice_id = ANY(%s::bigint[])")
_LAST_PAYMENT_ALL = _LAST_PAYMENT_SQL.format(where="")
# Appended, never updated: a row's lock held to the end of a booking that goes on to lock more
# invoices (an online order's lines, a bank file's plan instalments) deadlocked two bookings
# of the same days, and a running total would be a balance kept instead of derived.
_COLLECTED_ADD = """
    INSERT INTO payments_collectedday (creditor_id, day, amount)
    SELECT creditor_id, day, sum(amount)
    FROM unnest(%s::bigint[], %s::date[], %s::numeric[]) AS booked(creditor_id, day, amount)
    GROUP BY creditor_id, day
"""
_COLLECTED_REBUILD = """
    INSERT INTO payments_collectedday (creditor_id, day, amount)
    SELECT i.creditor_id, p.paid_on, sum(a.amount)
    FROM payments_allocation a
    JOIN payments_payment p ON p.id = a.payment_id
    JOIN invoices_invoice i ON i.id = a.invoice_id
    GROUP BY i.creditor_id, p.paid_on
"""


class Booked(NamedTuple):
    """One allocation row as the derived figures need it."""

    invoice_id: int
    creditor_id: int
    paid_on: date
    amount: Decimal


def last_payment_on_refresh(invoice_ids: Iterable[int] | None) -> None:
    """Set `Invoice.last_payment_on` of these invoices (all, for None) from their allocations.

    Recomputed from the immutable rows rather than moved forward, so a payment dated before
    the latest one (a bank file that arrived late) leaves the latest in place, and calling it
    twice changes nothing. Allocations are never removed (a credit note or a refund appends
    its own rows), so the day never has to go back.
    """
    with connection.cursor() as cursor:
        if invoice_ids is None:
            cursor.execute(_LAST_PAYMENT_ALL)
            return
        ids = sorted(set(invoice_ids))
        if ids:
            cursor.execute(_LAST_PAYMENT_OF, [int_array(ids)])


def allocations_booked(rows: Iterable[Booked]) -> None:
    """Keep what is derived from allocations up to date with these newly appended ones: each
    invoice's latest payment day and the money collected per creditor and payment day.

    The one writer of both, called in the transaction that appends the rows while their
    invoices are locked (`allocate_payment`, `allocate_payments`): the figures commit, or roll
    back, with the rows. Each booking appends its own row per creditor and day (no lock on
    another booking's row), and the statistics add them up.
    """
    rows = list(rows)
    if not rows:
        return
    last_payment_on_refresh(row.invoice_id for row in rows)
    with connection.cursor() as cursor:
        cursor.execute(
            _COLLECTED_ADD,
            [
                [row.creditor_id for row in rows],
                [row.paid_on for row in rows],
                [row.amount for row in rows],
            ],
        )


def allocations_derived_rebuild() -> None:
    """Recompute everything `allocations_booked` keeps, from all allocations: for rows written
    past the services (the benchmarks' COPY loaders). Locks the whole day table."""
    with transaction.atomic():
        last_payment_on_refresh(None)
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE payments_collectedday IN EXCLUSIVE MODE")
            cursor.execute("DELETE FROM payments_collectedday")
            cursor.execute(_COLLECTED_REBUILD)


@dataclass
class AllocationResult:
    allocations: list[Allocation] = field(default_factory=list)
    overpayment: Overpayment | None = None
    paid: bool = False


def _orders_by_creditor(creditor_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """Each creditor's raw order settings by (creditor, debtor type), for `allocation_order_for`."""
    rows = CreditorSettings.objects.filter(creditor_id__in=set(creditor_ids)).values_list(
        "creditor_id", "allocation_order", "allocation_order_consumer"
    )
    orders: dict[tuple[int, str], str] = {}
    for creditor_id, company, consumer in rows:
        orders[creditor_id, DebtorType.COMPANY] = company
        orders[creditor_id, DebtorType.CONSUMER] = consumer
    return orders


def _payment_event(
    invoice: Invoice, payment: Payment, amount: Decimal, parts, over: Decimal, actor
) -> InvoiceEvent:
    return InvoiceEvent(
        invoice=invoice,
        kind=EventKind.PAYMENT,
        actor=actor,
        detail=format_euros(amount, invoice.language),
        data={
            "payment_id": payment.pk,
            "amount": str(amount),
            "allocated": {component: str(part) for component, part in parts},
            "overpaid": str(over),
        },
    )


def _notify_overpayments(overpayments: Sequence[Overpayment]) -> None:
    _notify_overpayment_ids([overpayment.pk for overpayment in overpayments])


def _notify_overpayment_ids(ids: Sequence[int]) -> None:
    from payments.tasks import send_overpayment_notice

    for pk in ids:
        transaction.on_commit(lambda pk=pk: send_overpayment_notice.delay(pk), robust=True)


def _used_of(payment: Payment) -> Decimal:
    allocated = payment.allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    over = payment.overpayments.aggregate(total=Sum("amount"))["total"] or ZERO
    return allocated + over


def _interest_rows(invoice_id: int, kind: DebtorKind, due: InterestDue | None, payment) -> list:
    """The interest `Charge` rows of `due` booked by `payment` (none if nothing accrued)."""
    if due is None:
        return []
    return interest_charge_rows(
        invoice_id, kind, due, payment.paid_on, payment_interest_key(payment.pk)
    )


def _book_interest_on_payment(invoice: Invoice, payment: Payment, payoff: Payoff) -> None:
    """Book the payoff's accrued interest, once per payment (its key)."""
    kind = DebtorKind.from_debtor_type(invoice.debtor_type)
    rows = _interest_rows(invoice.pk, kind, payoff.due, payment)
    if rows:
        Charge.objects.bulk_create(
            [Charge(**dict(zip(INTEREST_CHARGE_COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
        )


def allocate_payment(
    *, payment: Payment, invoice: Invoice, amount: Decimal, actor=None
) -> AllocationResult:
    """Books `amount` of `payment` to `invoice` by the rule above; marks the invoice paid at zero.

    The payment row is locked first and the invoice second (the order every caller uses), so
    two allocations of one payment cannot spend it twice and two payments to one invoice
    cannot both cover the same euro.
    """
    if amount <= 0:
        raise AllocationError(_("The amount to allocate must be positive."))
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if amount > payment.amount - _used_of(payment):
            raise AllocationError(_("The amount is more than what is left of this payment."))
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        result = AllocationResult()
        if invoice.stage in CLOSED_STAGES:
            parts, over = [], amount
        else:
            payoff = payoff_for(invoice, payment.paid_on)
            _book_interest_on_payment(invoice, payment, payoff)
            order = allocation_order_for(
                invoice.debtor_type,
                _orders_by_creditor([invoice.creditor_id]).get(
                    (invoice.creditor_id, invoice.debtor_type)
                ),
            )
            parts, over = split_amount(amount, payoff.components(), order)
            result.paid = payoff.total - (amount - over) <= 0
        result.allocations = Allocation.objects.bulk_create(
            Allocation(payment=payment, invoice=invoice, component=component, amount=part)
            for component, part in parts
        )
        events = [_payment_event(invoice, payment, amount, parts, over, actor)]
        if result.paid:
            invoice.stage = Stage.PAID
            invoice.save(update_fields=["stage"])
            events.append(InvoiceEvent(invoice=invoice, kind=EventKind.PAID, actor=actor))
        InvoiceEvent.objects.bulk_create(events)
        if over > 0:
            result.overpayment = Overpayment.objects.create(
                payment=payment, invoice=invoice, amount=over
            )
            _notify_overpayments([result.overpayment])
        if parts:
            allocations_booked(
                Booked(invoice.pk, invoice.creditor_id, payment.paid_on, part)
                for _component, part in parts
            )
            invoices_allocated([invoice.pk])
    return result


@dataclass
class BulkResult:
    allocations: int = 0
    overpayments: int = 0
    paid_invoices: int = 0


class _NewPayment(Protocol):
    pk: int
    amount: Decimal
    paid_on: date


def _lock_invoices(
    ids: list[int],
) -> dict[int, tuple[int, Decimal, str, str, date, str, date]]:
    """(creditor, principal, stage, language, due date, debtor type, original due date) per
    invoice id, locked in id order.

    Id order, so that two imports (or an import and an online payment) cannot deadlock.
    Tuples rather than model instances: a file locks up to one invoice per entry.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, creditor_id, principal, stage, language, due_date, debtor_type, "
            "original_due_date "
            "FROM invoices_invoice "
            "WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [int_array(ids)],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _payment_event_row(
    invoice_id: int, language: str, payment_id: int, amount: Decimal, parts, over: Decimal
) -> tuple:
    """The PAYMENT event of `_payment_event` as a row for COPY (invoice, kind, detail, data)."""
    data = {
        "payment_id": payment_id,
        "amount": str(amount),
        "allocated": {component: str(part) for component, part in parts},
        "overpaid": str(over),
    }
    return (invoice_id, EventKind.PAYMENT.value, format_euros(amount, language), json.dumps(data))


def allocate_payments(*, items: Sequence[tuple[_NewPayment, int]]) -> BulkResult:
    """Books each payment's whole amount to its invoice id, in order: a bank file at once.

    Same rule (`split_amount`) over the same payoff as `allocate_payment`: each payment first
    books the interest accrued since the previous booking (the file's own included) through
    its own date, exactly as `payoff_for` on that date. The payments are new (created in the
    caller's transaction), so only the invoices need locking; they are locked in id order so
    that two imports cannot deadlock. Rows are written with COPY (`payments.bulkcopy`): a
    file writes up to four rows per payment, and model instances for them cost far more than
    the database does.
    """
    result = BulkResult()
    if not items:
        return result
    with transaction.atomic():
        invoices = _lock_invoices(sorted({invoice_id for _payment, invoice_id in items}))
        orders = _orders_by_creditor(creditor_id for creditor_id, *_rest in invoices.values())
        # Paid and credited invoices take nothing: only the others need their balances.
        owed: dict[int, Owed] = owed_by_id(
            [
                {
                    "id": invoice_id,
                    "principal": principal,
                    "due_date": due_date,
                    "original_due_date": original_due_date,
                    "debtor_type": debtor_type,
                    "stage": stage,
                }
                for invoice_id, (
                    _creditor,
                    principal,
                    stage,
                    _language,
                    due_date,
                    debtor_type,
                    original_due_date,
                ) in invoices.items()
                if stage not in CLOSED_STAGES
            ],
            latest=max(payment.paid_on for payment, _invoice_id in items),
        )
        # The rate table only when some payment is late for its invoice.
        rates: tuple[Rate, ...] = (
            reference_rates()
            if any(
                invoice_id in owed and payment.paid_on > owed[invoice_id].due_date
                for payment, invoice_id in items
            )
            else ()
        )
        now = timezone.now()
        allocations: list[tuple] = []
        events: list[tuple] = []
        overpayments: list[tuple] = []
        paid: set[int] = set()
        charges: list[tuple] = []
        booked: list[Booked] = []
        for payment, invoice_id in items:
            creditor_id, _principal, stage, language, _due, debtor_type, _original = invoices[
                invoice_id
            ]
            amount = payment.amount
            now_paid = False
            if stage in CLOSED_STAGES or invoice_id in paid:
                parts, over = [], amount
            else:
                one = owed[invoice_id]
                due = accrue(one, payment.paid_on, rates)
                if due is not None:
                    charges.extend(_interest_rows(invoice_id, one.kind, due, payment))
                    one.components[INTEREST] += due.amount
                    one.interest_booked_through = due.end
                order = allocation_order_for(debtor_type, orders.get((creditor_id, debtor_type)))
                parts, over = split_amount(amount, one.components, order)
                for component, part in parts:
                    one.components[component] -= part
                now_paid = sum(one.components.values(), ZERO) <= 0
            allocations.extend(
                (payment.pk, invoice_id, component, part) for component, part in parts
            )
            booked.extend(
                Booked(invoice_id, creditor_id, payment.paid_on, part) for _c, part in parts
            )
            events.append(_payment_event_row(invoice_id, language, payment.pk, amount, parts, over))
            if now_paid:
                paid.add(invoice_id)
                events.append((invoice_id, EventKind.PAID.value, "", "{}"))
            if over > 0:
                overpayments.append((payment.pk, invoice_id, over))
        # Keys name payments created in this transaction: no earlier row can hold them.
        copy_rows(Charge, INTEREST_CHARGE_COLUMNS, charges, now=now)
        columns = ("payment_id", "invoice_id", "component", "amount")
        copy_rows(Allocation, columns, allocations, now=now)
        copy_rows(InvoiceEvent, ("invoice_id", "kind", "detail", "data"), events, now=now)
        overpayment_ids = reserve_ids(Overpayment, len(overpayments))
        copy_rows(
            Overpayment,
            ("id", "payment_id", "invoice_id", "amount"),
            ((pk, *row) for pk, row in zip(overpayment_ids, overpayments, strict=True)),
            now=now,
        )
        if paid:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE invoices_invoice SET stage = %s WHERE id = ANY(%s::bigint[])",
                    [Stage.PAID.value, int_array(sorted(paid))],
                )
        _notify_overpayment_ids(overpayment_ids)
        allocations_booked(booked)
        invoices_allocated({invoice_id for _payment, invoice_id, _c, _a in allocations})
        result.allocations = len(allocations)
        result.overpayments = len(overpayments)
        result.paid_invoices = len(paid)
    return result
