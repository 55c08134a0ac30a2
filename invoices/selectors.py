"""Reads of invoices. `invoices_visible_to` is the one rule of who may see an invoice."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Expression,
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
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.context import Acting, acting_state, acting_through
from accounts.models import Membership, Organisation, OrganisationInvoice, User
from accounts.selectors import (
    MYSELF,
    ActingContext,
    acting_contexts_of,
    active_authorizations_to,
    organisations_authorizing,
    persons_authorizing,
    verified_hetus_of,
)
from accounts.staff import has_staff_powers
from invoices import hooks
from invoices.models import (
    CLOSED_STAGES,
    Charge,
    ChargeKind,
    Credit,
    Creditor,
    DebtorType,
    EventKind,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
    InvoiceLine,
    Stage,
    normalize_myropo_id,
)

MONEY = DecimalField(max_digits=12, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def _own_branches(users: User | QuerySet) -> list[QuerySet]:
    """A person's own invoices: claimed by them, or addressed to their verified HETU.

    `users` is one user or a subquery of user ids (the persons who authorized someone).
    """
    accesses = (
        InvoiceAccess.objects.filter(user__in=users)
        if isinstance(users, QuerySet)
        else InvoiceAccess.objects.filter(user=users)
    )
    return [
        accesses.values("invoice_id"),
        Invoice.objects.filter(
            debtor_type=DebtorType.CONSUMER, debtor_hetu__in=verified_hetus_of(users)
        ).values("id"),
    ]


def _organisation_branches(organisation_ids: QuerySet) -> list[QuerySet]:
    """An organisation's invoices: claimed for it, and, once staff verified it, its Y-tunnus's."""
    return [
        OrganisationInvoice.objects.filter(organisation__in=organisation_ids).values("invoice_id"),
        Invoice.objects.filter(
            debtor_type=DebtorType.COMPANY,
            debtor_business_id__in=Organisation.objects.filter(
                pk__in=organisation_ids, verified=True
            ).values("business_id"),
        ).values("id"),
    ]


def _union(branches: list[QuerySet]) -> QuerySet[Invoice]:
    first, *rest = (branch.order_by() for branch in branches)
    return Invoice.objects.filter(pk__in=first.union(*rest, all=True))


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Every invoice this user may see; every view, PDF, action and socket goes through here.

    The ways to see an invoice (a claim, a verified identity, an organisation, an authorization)
    are combined as a UNION of invoice ids, not as OR-ed conditions:
    PostgreSQL cannot use an index for `id IN (subquery) OR creditor_id IN (…)` and would scan
    every invoice for every page. Each branch is a subquery, so this is still one query.

    A creditor's users are not debtors: they see their creditor's invoices in the creditor
    portal (`creditor.selectors`, behind its second-factor check), never here with the
    debtor's actions (issue 15, item 1).
    """
    if not user.is_authenticated or not user.is_active:
        return Invoice.objects.none()
    if has_staff_powers(user):
        return Invoice.objects.all()
    return _union(_debtor_branches(user))


@dataclass(frozen=True)
class ContextInvoices:
    context: ActingContext
    count: int


def contexts_with_invoices(user: User, *, exclude: ActingContext) -> list[ContextInvoices]:
    """The user's other contexts (myself, companies, principals) that hold invoices, with how
    many: where to look when the current list is empty. One count a context; a user has few."""
    if not user.is_authenticated:
        return []
    found = []
    for context in [MYSELF, *acting_contexts_of(user)]:
        if context.key == exclude.key:
            continue
        count = invoices_in_context(user, context).count()
        if count:
            found.append(ContextInvoices(context, count))
    return found


def invoices_in_context(user: User, context: ActingContext) -> QuerySet[Invoice]:
    """The invoices of the party the user is acting for: the invoice list's rows.

    "Myself" is the user's own invoices (staff who signed in with a second factor see all,
    accounts.staff; a creditor's users see its invoices in the creditor portal). An
    organisation or an authorization is checked again inside the query, so a membership removed
    or an authorization revoked or expired a moment ago shows nothing, without an extra query.
    Always a subset of `invoices_visible_to(user)`.
    """
    if not user.is_authenticated or not user.is_active:
        return Invoice.objects.none()
    if context.is_organisation:
        member_of = Membership.objects.filter(user=user, organisation_id=context.id).values(
            "organisation_id"
        )
        return _union(_organisation_branches(member_of))
    if context.is_authorization:
        granted = active_authorizations_to(user).filter(pk=context.id)
        return _union(
            [
                *_own_branches(
                    granted.filter(grantor_user__isnull=False).values("grantor_user_id")
                ),
                *_organisation_branches(
                    granted.filter(grantor_organisation__isnull=False).values(
                        "grantor_organisation_id"
                    )
                ),
            ]
        )
    if has_staff_powers(user):
        return Invoice.objects.all()
    return _union(_own_branches(user))


def acting_for(request: HttpRequest, invoice: Invoice) -> Acting:
    """Who acts on `invoice` and on whose behalf, for the timeline ("by X on behalf of Y").

    The current context wins when the invoice belongs to it; otherwise the user's own invoice
    is theirs, and an invoice reached through an organisation or an authorization names it.
    """
    user = request.user
    state = acting_state(request)
    seen: set[str] = set()
    for context in [state.current, MYSELF, *state.options]:
        if context.key in seen:
            continue
        seen.add(context.key)
        if invoices_in_context(user, context).filter(pk=invoice.pk).exists():
            return acting_through(user, context)
    return Acting(user)


def _debtor_branches(user: User) -> list[QuerySet]:
    """The ways to reach an invoice as (or for) its debtor: the whole visibility rule for
    everyone but customer service (`invoices_visible_to`), and nothing else."""
    member_of = Membership.objects.filter(user=user).values("organisation_id")
    return [
        *_own_branches(user),
        *_organisation_branches(member_of),
        *_own_branches(persons_authorizing(user)),
        *_organisation_branches(organisations_authorizing(user)),
    ]


def _debtor_rule(user: User) -> Q:
    """Invoices the user sees as (or for) the debtor, not as creditor or customer service."""
    first, *rest = (branch.order_by() for branch in _debtor_branches(user))
    return Q(pk__in=first.union(*rest, all=True))


def sum_per_invoice(model, *, filters: Q | None = None) -> Coalesce:
    """The sum of `model.amount` over the rows of the invoice `OuterRef("pk")`, 0.00 if none."""
    rows = model.objects.filter(invoice=OuterRef("pk"))
    if filters is not None:
        rows = rows.filter(filters)
    total = rows.order_by().values("invoice").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), ZERO)


# with_balance's terms, built once per paid-total provider: a query resolves a copy of each
# expression and never changes the one it is given, so one set serves every query. Building
# the four subqueries of chained querysets cost the list page ~1 ms each time, twice a page
# (bench/README.md, load.py).
_balance_terms: list[tuple[Expression, dict[str, Expression], Expression]] = []


def _terms() -> tuple[dict[str, Expression], Expression]:
    paid = hooks.paid_total()
    if not _balance_terms or _balance_terms[0][0] is not paid:
        sums = {
            "fees_total": sum_per_invoice(Charge, filters=~Q(kind=ChargeKind.INTEREST)),
            "interest_total": sum_per_invoice(Charge, filters=Q(kind=ChargeKind.INTEREST)),
            "paid_total": paid,
            "credited_total": sum_per_invoice(Credit),
        }
        balance = (
            F("principal")
            + F("fees_total")
            + F("interest_total")
            - F("paid_total")
            - F("credited_total")
        )
        _balance_terms[:] = [(paid, sums, balance)]
    _, sums, balance = _balance_terms[0]
    return sums, balance


def with_balance(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotates fees, interest, paid, credited and the open balance
    = principal + charges − allocations − credits."""
    sums, balance = _terms()
    return invoices.annotate(**sums).annotate(open_balance=balance)


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


# What a row of the list shows and what its payoff reads: 12 columns instead of 37 (the
# debtor's identity and address stay in the database), ~1 ms less per page to load the rows.
LIST_ROW_FIELDS = (
    *hooks.PAYOFF_FIELDS,
    "number",
    "issue_date",
    "disputed",
    "creditor__name",
)


def invoice_list_rows(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The rows of the list page with their balances and creditors, in one query per page.

    Open invoices come first by due date (the next one to pay on top), then the closed
    ones, newest first.
    """
    closed = Q(stage__in=CLOSED_STAGES)
    return (
        with_balance(invoices)
        .select_related("creditor")
        .only(*LIST_ROW_FIELDS)
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
    # The open invoices past their due date: the only ones whose payoff differs from their
    # booked balance (interest accrues), so the only ones the list computes a payoff for.
    overdue_ids: tuple[int, ...] = ()


def invoice_list_summary(invoices: QuerySet[Invoice], *, today: date) -> ListSummary:
    """How many invoices there are, the booked open balance of the open ones and which are
    overdue, in one query.

    The count feeds the paginator, so that the list page stays within its query budget.
    """
    open_ = ~Q(stage__in=CLOSED_STAGES)
    totals = with_balance(invoices).aggregate(
        count=Count("pk"),
        open_total=Sum("open_balance", filter=open_),
        overdue_ids=ArrayAgg("pk", filter=open_ & Q(due_date__lt=today), default=Value([])),
    )
    return ListSummary(
        totals["count"], totals["open_total"] or Decimal("0.00"), tuple(totals["overdue_ids"])
    )


def balance_shown(invoice: Invoice, payoff: hooks.Payoff) -> Decimal:
    """The balance a page shows: what pays the invoice off today (interest through today
    included) while it is payable, the booked balance otherwise (as the invoice page)."""
    if not invoice.is_closed and payoff.total > 0:
        return payoff.total
    return invoice.open_balance


def list_amounts_due(rows: Sequence[Invoice], summary: ListSummary, *, today: date) -> Decimal:
    """Sets each row's `amount_due` (`balance_shown`, the invoice page's figure) and returns the
    open total with the interest accrued through today on every overdue invoice of the list.

    Only an overdue invoice accrues interest, so a list without one costs no query more;
    otherwise one payoff computation for all the list's overdue invoices together, a fixed
    number of queries whatever the page size or the number overdue.
    """
    for row in rows:
        row.amount_due = row.open_balance
    if not summary.overdue_ids:
        return summary.open_total
    on_page = {row.pk: row for row in rows if row.pk in set(summary.overdue_ids)}
    elsewhere = [pk for pk in summary.overdue_ids if pk not in on_page]
    overdue = list(on_page.values()) + list(
        Invoice.objects.filter(pk__in=elsewhere).only(*hooks.PAYOFF_FIELDS) if elsewhere else []
    )
    payoffs = hooks.payoffs(overdue, today)
    for row in on_page.values():
        row.amount_due = balance_shown(row, payoffs[row.pk])
    accrued = sum((payoffs[pk].interest_accrued for pk in summary.overdue_ids), Decimal("0.00"))
    return summary.open_total + accrued


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
    if not sees_visible_invoices_as_debtor(user):
        return False
    return Invoice.objects.filter(_debtor_rule(user), pk=invoice.pk).exists()


def sees_visible_invoices_as_debtor(user: User) -> bool:
    """`is_debtor_view` of an invoice already loaded through `invoices_visible_to(user)`,
    without a query: for everyone but customer service that rule is the debtor rule itself
    (`_debtor_branches`; a creditor's users see its invoices only in the creditor portal)."""
    return user.is_authenticated and user.is_active and not has_staff_powers(user)


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


def open_dispute_event(invoice: Invoice) -> InvoiceEvent | None:
    """The event that disputed the invoice (its detail is the customer's reason), while it is.

    The message centre records every dispute step on the timeline, so the invoice page can say
    why collection is paused without knowing about the messaging app.
    """
    if not invoice.disputed:
        return None
    return (
        invoice.events.filter(kind=EventKind.DISPUTE, data__state="open")
        .order_by("-created_at", "-id")
        .first()
    )
