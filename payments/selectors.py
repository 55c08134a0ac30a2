"""Reads of the payments app; every view loads its object through one of these."""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.staff import has_staff_powers
from invoices.models import Creditor, CreditorSettings, DebtorType, Invoice
from invoices.permissions import can
from invoices.selectors import invoices_visible_to, sum_per_invoice, with_balance
from myropo.sqlarrays import int_array
from payments.allocation import allocation_order_for
from payments.models import (
    Allocation,
    BankAccountNotice,
    CollectedDay,
    Component,
    NoticeStatus,
    OrderState,
    Overpayment,
    OverpaymentState,
    Payment,
    PaymentOrder,
)


def payable_invoices(user: User, ids: Iterable[int]) -> QuerySet[Invoice]:
    """The given invoices among those the user sees, with balances (visibility, not permission)."""
    return (
        with_balance(invoices_visible_to(user))
        .filter(pk__in=list(ids))
        .select_related("creditor", "creditor__settings")
        .order_by("due_date", "pk")
    )


def orders_visible_to(user: User) -> QuerySet[PaymentOrder]:
    """A payment order is seen by whoever started it, and by customer service."""
    if not user.is_authenticated or not user.is_active:
        return PaymentOrder.objects.none()
    if has_staff_powers(user):
        return PaymentOrder.objects.all()
    return PaymentOrder.objects.filter(user=user)


def overpayments_visible_to(user: User) -> QuerySet[Overpayment]:
    """The overpayments of payments the user made online, and of bank payments to invoices
    the user sees. An online payment's refund belongs to whoever paid: others who see the
    invoice do not see it (nor give its account)."""
    if not user.is_authenticated or not user.is_active:
        return Overpayment.objects.none()
    if has_staff_powers(user):
        return Overpayment.objects.all()
    return _overpayments_seen(user, Q(invoice__in=invoices_visible_to(user)))


def _overpayments_seen(user: User, invoices: Q) -> QuerySet[Overpayment]:
    """`overpayments_visible_to` with the invoices the user sees given as `invoices`."""
    return Overpayment.objects.filter(
        Q(payment__order__user=user) | Q(Q(payment__order__isnull=True) & invoices)
    )


def may_give_refund_account(user: User, overpayment: Overpayment) -> bool:
    """Who may say where an overpayment goes: online, the paying user; a bank payment's payer
    is not a user we know, so anyone who may pay the invoice proposes and staff decide."""
    if not user.is_authenticated or not user.is_active:
        return False
    if has_staff_powers(user):
        return True
    order = overpayment.payment.order
    if order is not None:
        return order.user_id == user.pk
    return overpayment.invoice is not None and can(user, "pay", overpayment.invoice)


def notice_shown_to(user: User, overpayment: Overpayment) -> tuple[BankAccountNotice | None, bool]:
    """(the current notice if the user may see it, whether someone else's notice waits).

    A notice's account and holder are the submitter's personal data: only they and staff
    see them; another payer of the invoice learns only that an account was given.
    """
    notice = current_notice(overpayment)
    if notice is None or has_staff_powers(user) or notice.submitted_by_id == user.pk:
        return notice, False
    return None, True


# An overpayment still waiting for the payer's bank account.
OPEN_STATES = (OverpaymentState.OPEN, OverpaymentState.NOTICE_RECEIVED)


def open_overpayments_for(user: User, *, invoice: Invoice | None = None):
    """Overpayments still waiting for the payer's bank account (for notices on pages)."""
    overpayments = overpayments_visible_to(user).filter(state__in=OPEN_STATES)
    if invoice is not None:
        overpayments = overpayments.filter(invoice=invoice)
    return overpayments.select_related("invoice__creditor").order_by("-created_at")


def invoice_page_context(invoice: Invoice, user: User) -> dict:
    """The invoice page's refund notices (registered with `invoices.hooks`).

    The page loaded `invoice` through `invoices_visible_to(user)`, so of that rule only "this
    invoice" is left to ask: building and planning the whole rule again cost the page a tenth
    of its time (bench/README.md, load.py).
    """
    if not user.is_authenticated or not user.is_active:
        return {"open_overpayments": []}
    overpayments = Overpayment.objects.filter(invoice=invoice)
    if not has_staff_powers(user):
        # The rule's online half names no invoice: without the filter above, the user's
        # online overpayments of every other invoice would show on this one's page.
        overpayments = overpayments & _overpayments_seen(user, Q(invoice=invoice))
    return {
        "open_overpayments": list(
            overpayments.filter(state__in=OPEN_STATES)
            .select_related("invoice__creditor")
            .order_by("-created_at")
        )
    }


def current_notice(overpayment: Overpayment) -> BankAccountNotice | None:
    return (
        overpayment.notices.filter(
            status__in=[NoticeStatus.RECEIVED, NoticeStatus.APPROVED, NoticeStatus.REFUNDED]
        )
        .order_by("-created_at")
        .first()
    )


def recent_orders(user: User, limit: int = 20) -> QuerySet[PaymentOrder]:
    return (
        orders_visible_to(user)
        .exclude(state=OrderState.CREATED)
        .prefetch_related("lines__invoice__creditor")
        .order_by("-created_at")[:limit]
    )


_COMPONENT_LABELS = {
    Component.COSTS: _("costs"),
    Component.INTEREST: _("interest"),
    Component.PRINCIPAL: _("the invoice amount"),
}


def allocation_order_of(creditor: Creditor, debtor_type: str) -> tuple[str, ...]:
    """The order a payment of this debtor covers its invoice (11 a § for consumers)."""
    try:
        settings = creditor.settings
    except CreditorSettings.DoesNotExist:
        return allocation_order_for(debtor_type, None)
    consumer = debtor_type == DebtorType.CONSUMER
    setting = settings.allocation_order_consumer if consumer else settings.allocation_order
    return allocation_order_for(debtor_type, setting)


def allocation_order_text(creditor: Creditor, debtor_type: str):
    """ "Payments cover first costs, then interest, then the invoice amount." for the statement."""
    order = allocation_order_of(creditor, debtor_type)
    first, second, third = (_COMPONENT_LABELS[c] for c in order)
    return format_lazy(
        _("A payment covers first {first}, then {second}, and last {third}."),
        first=first,
        second=second,
        third=third,
    )


# --- What the collection engine reads of payments (registered in PaymentsConfig.ready) ------


def principal_paid_by_invoice(ids: Sequence[int]) -> dict[int, Decimal]:
    """Principal paid per invoice, as one `= ANY(array)` query for a batch of the daily cycle.

    Plain SQL: the cycle asks for thousands of ids at a time, and the ORM's `IN (%s, …)` of a
    batch cost more than the query (bench/collection_cycle.py).
    """
    table = connection.ops.quote_name(Allocation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT invoice_id, SUM(amount) FROM {table} "  # noqa: S608
            "WHERE invoice_id = ANY(%s::bigint[]) AND component = %s GROUP BY invoice_id",
            [int_array(ids), Component.PRINCIPAL.value],
        )
        return dict(cursor.fetchall())


def paid_by_component(ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """What was paid per invoice and component, for the payoff (`collection.payoff`), in one
    `= ANY(array)` query for a bank file's or a cycle batch's invoices."""
    table = connection.ops.quote_name(Allocation._meta.db_table)
    paid: dict[int, dict[str, Decimal]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT invoice_id, component, SUM(amount) FROM {table} "  # noqa: S608
            "WHERE invoice_id = ANY(%s::bigint[]) GROUP BY invoice_id, component",
            [int_array(ids)],
        )
        for invoice_id, component, total in cursor.fetchall():
            paid.setdefault(invoice_id, {})[component] = total
    return paid


def payment_days_by_invoice(ids: Sequence[int]) -> dict[int, set[date]]:
    """The days payments were made to each invoice: they interrupt limitation (728/2003 10 §)."""
    allocation = connection.ops.quote_name(Allocation._meta.db_table)
    payment = connection.ops.quote_name(Payment._meta.db_table)
    days: dict[int, set[date]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT a.invoice_id, p.paid_on FROM {allocation} a "  # noqa: S608
            f"JOIN {payment} p ON p.id = a.payment_id WHERE a.invoice_id = ANY(%s::bigint[])",
            [int_array(ids)],
        )
        for invoice_id, paid_on in cursor.fetchall():
            days.setdefault(invoice_id, set()).add(paid_on)
    return days


def paid_total() -> Coalesce:
    """The money allocated to the invoice `OuterRef("pk")` (0.00 without payments)."""
    return sum_per_invoice(Allocation)


def collected_by_month(creditor_id: int, start: date, end: date) -> list[tuple[date, Decimal]]:
    """The money allocated to the creditor's invoices per month of payment, start to end:
    the sums per payment day that the allocations keep (`CollectedDay`), a few hundred rows
    for a year instead of every allocation of it."""
    rows = (
        CollectedDay.objects.filter(creditor_id=creditor_id, day__gte=start, day__lte=end)
        .annotate(month=TruncMonth("day"))
        .order_by("month")
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    return list(rows)
