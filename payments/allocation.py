"""How a payment covers an invoice: the one allocation rule.

A payment to an invoice covers its components in the order the law allows for its debtor
(`allocation_order_for`, the rows `consumer.allocation` / `business.allocation` of the rule
table): a consumer's payment goes to **interest → principal → costs** — in consumer
collection money may go to the costs only after the principal and its interest are paid
(perintälaki 513/1999 11 a § 2 mom) — and a creditor's setting that would put costs earlier
is never applied to a consumer. A business's payment follows the creditor's
`allocation_order` (11 a § 1 mom), by default costs → interest → principal. Statements
print the order.

What a component still owes is derived, never stored: costs = non-interest `Charge` rows −
earlier cost allocations, interest = interest `Charge` rows − earlier interest allocations,
principal = `Invoice.principal` − earlier principal allocations; credit notes then lower
them, principal first (`invoices.credits.subtract_credits`). Each part of a payment is an
immutable `Allocation` row; what is left over once the invoice is covered (or all of it, when
the invoice is already paid or credited) becomes an `Overpayment` that we owe back.

On an overdue invoice, the late-payment interest accrued up to the payment date is booked
first as an interest `Charge` (key `interest:payment:<payment id>`, so a retry books it once),
built like the cycle's (`collection_selectors.interest_charge_row`): the payment covers it
before the principal.

`allocate_payment` books one payment to one invoice under a row lock. `allocate_payments`
books a whole bank file with the same rule (`split_amount`) and the same outstanding
computation (`outstanding_by_id`), set-based: one lock query, two aggregate queries and one
COPY per table, so that 100,000 reference payments do not take 100,000 round trips each.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collection.decision import is_statute_barred
from collection.interest import ReferenceRate as Rate
from collection.rules import DebtorKind, allocation_order_refusal, default_allocation_order
from collection.selectors import (
    INTEREST_CHARGE_COLUMNS,
    INVOICE_FIELDS,
    InvoiceFacts,
    facts_for,
    facts_for_rows,
    interest_charge_rows,
    payment_interest_key,
    reference_rates,
    unbooked_interest,
)
from invoices.credits import subtract_credits
from invoices.models import (
    CLOSED_STAGES,
    Charge,
    ChargeKind,
    CreditorSettings,
    DebtorType,
    EventKind,
    Invoice,
    InvoiceEvent,
    Stage,
)
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
    """What each component of these invoices still owes, in two aggregate queries."""
    return outstanding_by_id({invoice.pk: invoice.principal for invoice in invoices})


def outstanding_by_id(principals: Mapping[int, Decimal]) -> dict[int, dict[str, Decimal]]:
    """`outstanding_by_invoice` from (invoice id → principal): costs, interest, principal owed.

    Plain SQL with `= ANY(array)`: a bank file asks this for tens of thousands of invoices,
    where an ORM `IN (…)` list of as many parameters costs more than the aggregates.
    """
    result = {
        invoice_id: {
            Component.COSTS: ZERO,
            Component.INTEREST: ZERO,
            Component.PRINCIPAL: principal,
        }
        for invoice_id, principal in principals.items()
    }
    if not result:
        return result
    ids = list(result)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT invoice_id, SUM(amount) FILTER (WHERE kind <> %s), "
            "SUM(amount) FILTER (WHERE kind = %s) FROM invoices_charge "
            "WHERE invoice_id = ANY(%s) GROUP BY invoice_id",
            [ChargeKind.INTEREST.value, ChargeKind.INTEREST.value, ids],
        )
        for invoice_id, costs, interest in cursor.fetchall():
            result[invoice_id][Component.COSTS] += costs or ZERO
            result[invoice_id][Component.INTEREST] += interest or ZERO
        cursor.execute(
            "SELECT invoice_id, component, SUM(amount) FROM payments_allocation "
            "WHERE invoice_id = ANY(%s) GROUP BY invoice_id, component",
            [ids],
        )
        for invoice_id, component, total in cursor.fetchall():
            result[invoice_id][component] -= total
    subtract_credits(result)
    return result


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


def _interest_on_payment_rows(
    facts: InvoiceFacts,
    *,
    principal: Decimal,
    booked_through: date | None,
    payment_id: int,
    paid_on: date,
    rates: Sequence[Rate],
) -> list[tuple]:
    """The interest `Charge` rows accrued on `principal` up to `paid_on` (one per stretch
    that has a reference rate; none if nothing accrued). None on a statute-barred debt:
    booking its interest would be collecting it (perintälaki 4 § 3 mom, 728/2003 4 §)."""
    s = facts.situation
    if is_statute_barred(s, paid_on):
        return []
    due = unbooked_interest(
        kind=s.kind,
        principal=principal,
        due_date=s.due_date,
        booked_through=booked_through,
        as_of=paid_on,
        rates=rates,
    )
    if due is None:
        return []
    return interest_charge_rows(facts.id, s.kind, due, paid_on, payment_interest_key(payment_id))


def _book_interest_on_payment(invoice: Invoice, payment: Payment) -> None:
    """Book the interest accrued up to the payment date, once per payment (its key)."""
    if invoice.stage in CLOSED_STAGES or payment.paid_on <= invoice.due_date:
        return
    facts = facts_for(invoice)
    rows = _interest_on_payment_rows(
        facts,
        principal=facts.situation.principal,
        booked_through=facts.interest_booked_through,
        payment_id=payment.pk,
        paid_on=payment.paid_on,
        rates=reference_rates(),
    )
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
            _book_interest_on_payment(invoice, payment)
            order = allocation_order_for(
                invoice.debtor_type,
                _orders_by_creditor([invoice.creditor_id]).get(
                    (invoice.creditor_id, invoice.debtor_type)
                ),
            )
            outstanding = outstanding_by_invoice([invoice])[invoice.pk]
            parts, over = split_amount(amount, outstanding, order)
            left = sum(outstanding.values(), ZERO) - (amount - over)
            result.paid = left <= 0
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


def _lock_invoices(ids: list[int]) -> dict[int, tuple[int, Decimal, str, str, date, str]]:
    """(creditor, principal, stage, language, due date, debtor type) per invoice id, locked in
    id order.

    Id order, so that two imports (or an import and an online payment) cannot deadlock.
    Tuples rather than model instances: a file locks up to one invoice per entry.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, creditor_id, principal, stage, language, due_date, debtor_type "
            "FROM invoices_invoice "
            "WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [ids],
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


class _InterestOnPayments:
    """Interest to book on a bank file's payments to overdue invoices, as `allocate_payment` does.

    Only invoices still open with a payment dated after their due date are read (their facts
    in a fixed number of queries, and the rate table once); the others cost nothing. Each
    payment books the interest since the previous booking, the file's own included.
    """

    def __init__(
        self,
        items: Sequence[tuple[_NewPayment, int]],
        invoices: Mapping[int, tuple[int, Decimal, str, str, date, str]],
    ):
        overdue = sorted(
            {
                invoice_id
                for payment, invoice_id in items
                if invoices[invoice_id][2] not in CLOSED_STAGES
                and payment.paid_on > invoices[invoice_id][4]
            }
        )
        self.facts: dict[int, InvoiceFacts] = {}
        self.booked_through: dict[int, date | None] = {}
        self.rates: tuple[Rate, ...] = ()
        if overdue:
            rows = list(Invoice.objects.filter(pk__in=overdue).values(*INVOICE_FIELDS))
            self.facts = facts_for_rows(rows)
            self.booked_through = {
                pk: facts.interest_booked_through for pk, facts in self.facts.items()
            }
            self.rates = reference_rates()

    def rows(self, payment: _NewPayment, invoice_id: int, principal: Decimal) -> list[tuple]:
        facts = self.facts.get(invoice_id)
        if facts is None:
            return []
        rows = _interest_on_payment_rows(
            facts,
            principal=max(principal, ZERO),
            booked_through=self.booked_through[invoice_id],
            payment_id=payment.pk,
            paid_on=payment.paid_on,
            rates=self.rates,
        )
        if rows:
            self.booked_through[invoice_id] = rows[-1][9]
        return rows


def allocate_payments(*, items: Sequence[tuple[_NewPayment, int]]) -> BulkResult:
    """Books each payment's whole amount to its invoice id, in order: a bank file at once.

    Same rule (`split_amount`) and same outstanding computation (`outstanding_by_id`) as
    `allocate_payment`. The payments are new (created in the caller's transaction), so only
    the invoices need locking; they are locked in id order so that two imports cannot
    deadlock. Rows are written with COPY (`payments.bulkcopy`): a file writes up to four
    rows per payment, and model instances for them cost far more than the database does.
    """
    result = BulkResult()
    if not items:
        return result
    with transaction.atomic():
        invoices = _lock_invoices(sorted({invoice_id for _payment, invoice_id in items}))
        orders = _orders_by_creditor(creditor_id for creditor_id, *_rest in invoices.values())
        # Paid and credited invoices take nothing: only the others need their balances.
        outstanding = outstanding_by_id(
            {
                invoice_id: principal
                for invoice_id, (_creditor, principal, stage, *_rest) in invoices.items()
                if stage not in CLOSED_STAGES
            }
        )
        interest = _InterestOnPayments(items, invoices)
        now = timezone.now()
        allocations: list[tuple] = []
        events: list[tuple] = []
        overpayments: list[tuple] = []
        paid: set[int] = set()
        charges: list[tuple] = []
        for payment, invoice_id in items:
            creditor_id, _principal, stage, language, _due_date, debtor_type = invoices[invoice_id]
            amount = payment.amount
            now_paid = False
            if stage in CLOSED_STAGES or invoice_id in paid:
                parts, over = [], amount
            else:
                owed = outstanding[invoice_id]
                for row in interest.rows(payment, invoice_id, owed[Component.PRINCIPAL]):
                    charges.append(row)
                    owed[Component.INTEREST] += row[2]
                order = allocation_order_for(debtor_type, orders.get((creditor_id, debtor_type)))
                parts, over = split_amount(amount, owed, order)
                for component, part in parts:
                    owed[component] -= part
                now_paid = sum(owed.values(), ZERO) <= 0
            allocations.extend(
                (payment.pk, invoice_id, component, part) for component, part in parts
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
                    "UPDATE invoices_invoice SET stage = %s WHERE id = ANY(%s)",
                    [Stage.PAID.value, sorted(paid)],
                )
        _notify_overpayment_ids(overpayment_ids)
        invoices_allocated({invoice_id for _payment, invoice_id, _c, _a in allocations})
        result.allocations = len(allocations)
        result.overpayments = len(overpayments)
        result.paid_invoices = len(paid)
    return result
