"""Reads of invoices. `invoices_visible_to` is the one rule of who may see an invoice."""

from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.selectors import verified_business_ids_of, verified_hetus_of
from invoices.models import CLOSED_STAGES, Charge, ChargeKind, CreditorUser, Invoice, InvoiceAccess
from payments.models import Allocation

MONEY = DecimalField(max_digits=12, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Every invoice this user may see; every view, PDF, action and socket goes through here."""
    if not user.is_authenticated or not user.is_active:
        return Invoice.objects.none()
    if user.is_staff:
        return Invoice.objects.all()
    rule = Q(pk__in=InvoiceAccess.objects.filter(user=user).values("invoice_id"))
    rule |= Q(creditor_id__in=CreditorUser.objects.filter(user=user).values("creditor_id"))
    hetus = verified_hetus_of(user)
    if hetus:
        rule |= Q(debtor_type="consumer", debtor_hetu__in=hetus)
    business_ids = verified_business_ids_of(user)
    if business_ids:
        rule |= Q(debtor_type="company", debtor_business_id__in=business_ids)
    return Invoice.objects.filter(rule)


def _sum_of(model, *, filters: Q | None = None) -> Subquery:
    rows = model.objects.filter(invoice=OuterRef("pk"))
    if filters is not None:
        rows = rows.filter(filters)
    total = rows.order_by().values("invoice").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), ZERO)


def with_balance(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotates fees, interest, paid and the open balance = principal + charges − allocations."""
    return invoices.annotate(
        fees_total=_sum_of(Charge, filters=~Q(kind=ChargeKind.INTEREST)),
        interest_total=_sum_of(Charge, filters=Q(kind=ChargeKind.INTEREST)),
        paid_total=_sum_of(Allocation),
    ).annotate(
        open_balance=F("principal") + F("fees_total") + F("interest_total") - F("paid_total")
    )


def open_invoices(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.exclude(stage__in=CLOSED_STAGES)


def overdue_invoices(invoices: QuerySet[Invoice], *, today: date) -> QuerySet[Invoice]:
    return open_invoices(invoices).filter(due_date__lt=today)
