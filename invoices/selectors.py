"""Reads of invoices. `invoices_visible_to` is the one rule of who may see an invoice."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import verified_business_ids_of, verified_hetus_of
from invoices.models import (
    CLOSED_STAGES,
    Charge,
    ChargeKind,
    Creditor,
    CreditorUser,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
    InvoiceLine,
    Stage,
    normalize_myropo_id,
)
from payments.models import Allocation

MONEY = DecimalField(max_digits=12, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Every invoice this user may see; every view, PDF, action and socket goes through here.

    The ways to see an invoice (a claim, a creditor role, a verified identity) are combined as a
    UNION of invoice ids, not as OR-ed conditions: PostgreSQL cannot use an index for
    `id IN (subquery) OR creditor_id IN (…)` and would scan every invoice for every page.
    """
    if not user.is_authenticated or not user.is_active:
        return Invoice.objects.none()
    if user.is_staff:
        return Invoice.objects.all()
    ids = InvoiceAccess.objects.filter(user=user).values("invoice_id")
    branches = [
        Invoice.objects.filter(
            creditor_id__in=CreditorUser.objects.filter(user=user).values("creditor_id")
        ).values("id")
    ]
    hetus = verified_hetus_of(user)
    if hetus:
        branches.append(
            Invoice.objects.filter(debtor_type="consumer", debtor_hetu__in=hetus).values("id")
        )
    business_ids = verified_business_ids_of(user)
    if business_ids:
        branches.append(
            Invoice.objects.filter(
                debtor_type="company", debtor_business_id__in=business_ids
            ).values("id")
        )
    visible_ids = ids.order_by().union(*(branch.order_by() for branch in branches), all=True)
    return Invoice.objects.filter(pk__in=visible_ids)


def _debtor_rule(user: User) -> Q:
    """The invoices that are the user's own: claimed, or addressed to a verified identity."""
    rule = Q(pk__in=InvoiceAccess.objects.filter(user=user).values("invoice_id"))
    hetus = verified_hetus_of(user)
    if hetus:
        rule |= Q(debtor_type="consumer", debtor_hetu__in=hetus)
    business_ids = verified_business_ids_of(user)
    if business_ids:
        rule |= Q(debtor_type="company", debtor_business_id__in=business_ids)
    return rule


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


# --- The invoice list ----------------------------------------------------------------------


class ListState(TextChoices):
    ALL = "all", _("All invoices")
    OPEN = "open", _("Open")
    OVERDUE = "overdue", _("Overdue")
    COLLECTION = "collection", _("In collection")
    PAID = "paid", _("Paid or credited")


COLLECTION_STAGES = (Stage.COLLECTION, Stage.LEGAL)


def _normalized_search(text: str) -> str:
    return "".join(text.split()).upper()


def filter_invoices(
    invoices: QuerySet[Invoice],
    *,
    today: date,
    state: str = ListState.ALL,
    creditor_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
) -> QuerySet[Invoice]:
    """Narrows `invoices` (already those visible to the user) by the list page's filters."""
    if state == ListState.OPEN:
        invoices = open_invoices(invoices)
    elif state == ListState.OVERDUE:
        invoices = overdue_invoices(invoices, today=today)
    elif state == ListState.COLLECTION:
        invoices = invoices.filter(stage__in=COLLECTION_STAGES)
    elif state == ListState.PAID:
        invoices = invoices.filter(stage__in=CLOSED_STAGES)
    if creditor_id is not None:
        invoices = invoices.filter(creditor_id=creditor_id)
    if date_from is not None:
        invoices = invoices.filter(due_date__gte=date_from)
    if date_to is not None:
        invoices = invoices.filter(due_date__lte=date_to)
    search = search.strip()
    if search:
        compact = _normalized_search(search)
        invoices = invoices.filter(
            Q(number__icontains=search)
            | Q(reference__contains=compact)
            | Q(creditor__name__icontains=search)
            | Q(myropo_id=normalize_myropo_id(search))
        )
    return invoices


def invoice_list_rows(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The rows of the list page with their balances and creditors, in one query per page.

    Open invoices come first by due date (the next one to pay on top), then the closed
    ones, newest first.
    """
    closed = Q(stage__in=CLOSED_STAGES)
    return (
        with_balance(invoices)
        .select_related("creditor")
        .annotate(
            closed_rank=Case(When(closed, then=Value(1)), default=Value(0)),
            open_due=Case(When(~closed, then=F("due_date"))),
            closed_issued=Case(When(closed, then=F("issue_date"))),
        )
        .order_by("closed_rank", "open_due", F("closed_issued").desc(), "-id")
    )


@dataclass(frozen=True)
class ListSummary:
    count: int
    open_total: Decimal


def invoice_list_summary(invoices: QuerySet[Invoice]) -> ListSummary:
    """How many invoices there are and the open balance of the open ones, in one query.

    The count feeds the paginator, so that the list page stays within its query budget.
    """
    totals = with_balance(invoices).aggregate(
        count=Count("pk"),
        open_total=Sum("open_balance", filter=~Q(stage__in=CLOSED_STAGES)),
    )
    return ListSummary(totals["count"], totals["open_total"] or Decimal("0.00"))


def creditors_of(invoices: QuerySet[Invoice]) -> QuerySet[Creditor]:
    """The creditors of these invoices, for the list's filter: never one the user cannot see."""
    return Creditor.objects.filter(pk__in=invoices.order_by().values("creditor_id")).only(
        "pk", "name"
    )


# --- One invoice ---------------------------------------------------------------------------


def is_debtor_view(user: User, invoice: Invoice) -> bool:
    """True when the user sees this invoice as its debtor, not as creditor or customer service.

    Only such views leave a "viewed" event on the timeline: the creditor and staff reading an
    invoice must not make it look as if the customer had seen it.
    """
    if not user.is_authenticated or not user.is_active or user.is_staff:
        return False
    return Invoice.objects.filter(_debtor_rule(user), pk=invoice.pk).exists()


@dataclass(frozen=True)
class VatRow:
    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


def vat_summary(lines: Iterable[InvoiceLine]) -> list[VatRow]:
    """The invoice's lines summed per VAT rate, lowest rate first, as printed on the invoice."""
    totals: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        row = totals.setdefault(line.vat_rate, [Decimal("0.00")] * 3)
        row[0] += line.net_total
        row[1] += line.vat_total
        row[2] += line.gross_total
    return [VatRow(rate, *amounts) for rate, amounts in sorted(totals.items())]


def invoice_timeline(invoice: Invoice) -> QuerySet[InvoiceEvent]:
    return invoice.events.select_related("actor", "on_behalf_of").order_by("-created_at", "-id")
