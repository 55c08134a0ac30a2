"""Reads of the arrangements app: rules, what a user may arrange, plan progress."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Sum

from arrangements.models import (
    ArrangementRules,
    DueDateTransfer,
    Installment,
    PaymentPlan,
    PlanInvoice,
    PlanState,
)
from collection.payoff import payoffs_for
from invoices.models import (
    Charge,
    ChargeKind,
    Credit,
    Creditor,
    CreditorSettings,
    DebtorType,
    Invoice,
    InvoiceAccess,
)
from invoices.payment_codes import PaymentCodes, payment_codes_for
from invoices.selectors import invoices_visible_to, with_balance
from payments.models import Allocation, Component

ZERO = Decimal("0.00")


def rules_of(creditor: Creditor | int) -> ArrangementRules:
    """The creditor's arrangement rules, created with the defaults on first use."""
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    rules, _created = ArrangementRules.objects.get_or_create(creditor_id=creditor_id)
    return rules


def settings_of(creditor_id: int) -> CreditorSettings:
    settings, _created = CreditorSettings.objects.get_or_create(creditor_id=creditor_id)
    return settings


def transfer_limit(settings: CreditorSettings, debtor_type: str) -> tuple[int, int]:
    """(transfers allowed per invoice, longest single transfer in weeks) for the debtor type."""
    if debtor_type == DebtorType.COMPANY:
        return settings.company_transfer_limit, settings.company_transfer_max_weeks
    return settings.consumer_transfer_limit, settings.consumer_transfer_max_weeks


def transfers_used(invoice: Invoice) -> int:
    return DueDateTransfer.objects.filter(invoice=invoice).count()


def in_active_plan(invoice_ids) -> set[int]:
    return set(
        PlanInvoice.objects.filter(invoice_id__in=list(invoice_ids), active=True).values_list(
            "invoice_id", flat=True
        )
    )


def plans_already_charged(invoice_ids) -> int:
    """How many plans already charged a fee on any of these invoices (the legal count)."""
    return (
        Charge.objects.filter(invoice_id__in=list(invoice_ids), kind=ChargeKind.PLAN_FEE)
        .values("idempotency_key")
        .distinct()
        .count()
    )


def unpaid_principal(invoice_ids) -> Decimal:
    ids = list(invoice_ids)
    principal = Invoice.objects.filter(pk__in=ids).aggregate(s=Sum("principal"))["s"] or ZERO
    paid = (
        Allocation.objects.filter(invoice_id__in=ids, component=Component.PRINCIPAL).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    credited = Credit.objects.filter(invoice_id__in=ids).aggregate(s=Sum("amount"))["s"] or ZERO
    return max(principal - paid - credited, ZERO)


def arrangeable_invoices(user, ids=None) -> QuerySet[Invoice]:
    invoices = with_balance(invoices_visible_to(user)).select_related("creditor")
    if ids is not None:
        invoices = invoices.filter(pk__in=list(ids))
    return invoices


def plans_visible_to(user) -> QuerySet[PaymentPlan]:
    """Plans all of whose invoices the user sees (the same rule as the invoices).

    All, not any: a plan shows and cancels every invoice in it, so seeing one of them is not
    enough (a plan made before plans were limited to one debtor may hold another's).
    """
    visible = invoices_visible_to(user).values("pk")
    hidden = PlanInvoice.objects.filter(plan=OuterRef("pk")).exclude(invoice__in=visible)
    return (
        PaymentPlan.objects.filter(plan_invoices__invoice__in=visible)
        .exclude(Exists(hidden))
        .distinct()
    )


DebtorParty = tuple[str, ...]


def debtor_parties(invoices: Iterable[Invoice]) -> dict[int, DebtorParty]:
    """Who owes each invoice, as a key: equal keys are one debtor party.

    A person by their HETU, a company by its Y-tunnus; an invoice that names neither (a
    consumer invoice without a HETU) by the users who claimed it in MyRopo, the only
    identity it has here. One query, for the invoices without an identity only.
    """
    invoices = list(invoices)
    anonymous = [
        invoice.pk
        for invoice in invoices
        if not (invoice.debtor_business_id if _is_company(invoice) else invoice.debtor_hetu)
    ]
    claimants: dict[int, set[int]] = {pk: set() for pk in anonymous}
    for invoice_id, user_id in InvoiceAccess.objects.filter(invoice_id__in=anonymous).values_list(
        "invoice_id", "user_id"
    ):
        claimants[invoice_id].add(user_id)
    parties: dict[int, DebtorParty] = {}
    for invoice in invoices:
        if invoice.pk in claimants:
            parties[invoice.pk] = ("claimed by", *map(str, sorted(claimants[invoice.pk])))
        elif _is_company(invoice):
            parties[invoice.pk] = ("company", invoice.debtor_business_id)
        else:
            parties[invoice.pk] = ("person", invoice.debtor_hetu.upper())
    return parties


def _is_company(invoice: Invoice) -> bool:
    return invoice.debtor_type == DebtorType.COMPANY


# --- Progress ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallmentStatus:
    installment: Installment
    # What the installment really charges: its scheduled amount, and for the last one what
    # pays the plan's invoices off on its date (the interest of the plan's months included).
    amount: Decimal
    paid: bool
    missed: bool
    lapses_on: date
    codes: PaymentCodes | None


@dataclass(frozen=True)
class PlanProgress:
    plan: PaymentPlan
    paid_total: Decimal
    rows: list[InstallmentStatus]

    @property
    def left(self) -> Decimal:
        return max(self.plan.total - self.paid_total, ZERO)

    @property
    def fully_paid(self) -> bool:
        return self.paid_total >= self.plan.total

    @property
    def missed(self) -> list[InstallmentStatus]:
        return [row for row in self.rows if row.missed]

    @property
    def next_due(self) -> InstallmentStatus | None:
        return next((row for row in self.rows if not row.paid), None)


def plan_paid_total(plan: PaymentPlan) -> Decimal:
    """What was paid to the plan's invoices since the plan began (online, bank or booked by
    staff): installments are paid in order, so this one sum says which ones are paid."""
    return (
        Allocation.objects.filter(
            invoice__plan_entries__plan=plan, created_at__gte=plan.created_at
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )


def installment_codes(plan: PaymentPlan, installment: Installment, amount: Decimal) -> PaymentCodes:
    """The installment's own reference, barcode and QR, built by the invoices' code helpers."""
    target = SimpleNamespace(
        creditor=plan.creditor, reference=installment.reference, due_date=installment.due_date
    )
    return payment_codes_for(target, amount=amount)  # type: ignore[arg-type]


def _left_on(plan: PaymentPlan, on: date) -> Decimal:
    """What pays the plan's open invoices off on `on` (collection.payoff), interest included."""
    invoices = [entry.invoice for entry in plan.plan_invoices.select_related("invoice")]
    open_ones = [invoice for invoice in invoices if not invoice.is_closed]
    if not open_ones:
        return ZERO
    return sum((p.total for p in payoffs_for(open_ones, on).values()), ZERO)


def plan_progress(plan: PaymentPlan, *, today: date, with_codes: bool = False) -> PlanProgress:
    """Which installments are paid, in order, and what each still asks for.

    The last installment absorbs the late-payment interest that accrues during the plan
    (Korkolaki 4 §: it runs on the unpaid principal until paid): it is paid only once the
    plan's invoices are closed, and it asks for what pays them off on its date (today once
    that has passed), less what the earlier installments still ask for.
    """
    paid_total = plan_paid_total(plan)
    installments = list(plan.installments.all())
    rows = []
    cumulative = ZERO
    earlier_unpaid = ZERO
    for index, installment in enumerate(installments):
        cumulative += installment.amount
        last = index == len(installments) - 1
        due = min(installment.amount, max(cumulative - paid_total, ZERO))
        amount = installment.amount
        if last:
            due = max(_left_on(plan, max(today, installment.due_date)) - earlier_unpaid, ZERO)
            # What is still due plus what was already paid towards this last installment.
            amount = due + max(paid_total - (cumulative - installment.amount), ZERO)
        else:
            earlier_unpaid += due
        paid = due <= 0
        rows.append(
            InstallmentStatus(
                installment=installment,
                amount=amount,
                paid=paid,
                missed=not paid and installment.due_date < today,
                lapses_on=installment.due_date + timedelta(days=plan.grace_days),
                codes=installment_codes(plan, installment, due)
                if with_codes and not paid
                else None,
            )
        )
    return PlanProgress(plan=plan, paid_total=paid_total, rows=rows)


def active_plans() -> QuerySet[PaymentPlan]:
    return PaymentPlan.objects.filter(state=PlanState.ACTIVE)


def installment_by_reference(references) -> dict[str, int]:
    return dict(
        Installment.objects.filter(reference__in=list(references)).values_list("reference", "pk")
    )


def active_plan_invoice_ids(ids: Sequence[int]) -> set[int]:
    """`in_active_plan` for a batch of the daily cycle (registered in ArrangementsConfig.ready).

    One `= ANY(array)` query: the cycle asks for a whole batch at a time, and the ORM's
    `IN (%s, …)` of a batch cost more than the query.
    """
    table = connection.ops.quote_name(PlanInvoice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT invoice_id FROM {table} "  # noqa: S608
            "WHERE invoice_id = ANY(%s::bigint[]) AND active",
            [list(ids)],
        )
        return {invoice_id for (invoice_id,) in cursor.fetchall()}


def invoice_plan_context(invoice: Invoice, today: date) -> dict:
    """The invoice page of an invoice in an active plan shows the plan and its next
    installment's codes instead of the invoice's full amount (issue 12 item 13); registered
    with `invoices.hooks` in ArrangementsConfig.ready()."""
    plan = (
        PaymentPlan.objects.filter(state=PlanState.ACTIVE, plan_invoices__invoice=invoice)
        .select_related("creditor")
        .first()
    )
    if plan is None:
        return {}
    progress = plan_progress(plan, today=today, with_codes=True)
    return {"active_plan": plan, "plan_next": progress.next_due}
