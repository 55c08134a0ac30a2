"""Writes of the arrangements app: due-date transfers, payment plans and the staff queue.

Every service locks the invoices it changes (select_for_update, in id order) and checks the
rules again under the lock, so a double submission makes one transfer or one plan; unique
constraints back this up. The rules are read from `ArrangementRules` and `CreditorSettings`,
the fees from the legal table through `arrangements.schedule`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.context import Acting
from arrangements.models import (
    ArrangementRequest,
    ArrangementRules,
    DueDateTransfer,
    Installment,
    PaymentPlan,
    PlanInvoice,
    PlanState,
    RequestKind,
    RequestState,
)
from arrangements.schedule import (
    PlanTerms,
    Schedule,
    ScheduledInstallment,
    ScheduleError,
    ScheduleRefusal,
    TransferFee,
    TransferWindow,
    plan_schedule,
    transfer_fee,
    transfer_window,
)
from arrangements.selectors import (
    debtor_parties,
    in_active_plan,
    plan_progress,
    plans_already_charged,
    rules_of,
    settings_of,
    transfer_limit,
    unpaid_principal,
)
from collection.decision import CostVerdict, admit_cost, is_statute_barred
from collection.payoff import payoffs_for
from collection.rules import DebtorKind
from collection.selectors import facts_for
from invoices.models import (
    CLOSED_STAGES,
    Charge,
    ChargeKind,
    EventKind,
    Invoice,
    Stage,
)
from invoices.references import installment_reference
from invoices.selectors import with_balance
from invoices.services import invoice_record_event
from myropo import inbox
from myropo.templatetags.money import format_euros
from payments.allocation import allocate_payment
from payments.hooks import PayeeMatch
from payments.models import Payment

ZERO = Decimal("0.00")


class ArrangementError(Exception):
    """A refused arrangement, with a message fit to show the user.

    `requestable`: the arrangement is only outside the creditor's rules, so the user may
    send it to customer service as a request instead.
    """

    def __init__(self, message: str, *, requestable: bool = False):
        super().__init__(message)
        self.message = message
        self.requestable = requestable


class PlanStateError(ArrangementError):
    pass


def arrangement_refusal(invoice: Invoice) -> str | None:
    """Why nothing can be arranged on this invoice at all (no request either)."""
    if invoice.stage == Stage.PAID:
        return _("Invoice %(number)s is already paid.") % {"number": invoice.number}
    if invoice.stage == Stage.CREDITED:
        return _("Invoice %(number)s has been credited.") % {"number": invoice.number}
    if invoice.stage == Stage.LEGAL:
        return _(
            "Invoice %(number)s is in legal collection; arrangements are made with the "
            "enforcement authority."
        ) % {"number": invoice.number}
    if invoice.disputed:
        return _(
            "Invoice %(number)s is disputed; it waits for customer service to resolve the dispute."
        ) % {"number": invoice.number}
    return None


def _day(value: date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _barred_refusal(invoice: Invoice, today: date) -> str | None:
    """A statute-barred debt is never collected (perintälaki 4 § 3 mom, 728/2003 4 §)."""
    if is_statute_barred(facts_for(invoice).situation, today):
        return _(
            "Invoice %(number)s is statute-barred and is no longer collected, so nothing can "
            "be arranged on it (Act on the Collection of Receivables 513/1999, section 4)."
        ) % {"number": invoice.number}
    return None


def _admitted_fee(
    invoice: Invoice, *, wanted: Decimal, cap: Decimal | None, rule_code: str, today: date
) -> CostVerdict:
    """The one cost gate of the collection engine, for a plan or due-date fee on `invoice`."""
    return admit_cost(
        facts_for(invoice).situation, wanted=wanted, cap=cap, rule_code=rule_code, on=today
    )


# --- Due-date transfers --------------------------------------------------------------------


@dataclass(frozen=True)
class TransferOptions:
    invoice: Invoice
    window: TransferWindow | None
    limit: int
    used: int
    refusal: str | None  # nothing possible
    outside: str | None  # only outside the rules: a request is possible
    creditor_fee: Decimal

    @property
    def allowed(self) -> bool:
        return self.refusal is None and self.outside is None


def transfer_options(invoice: Invoice, *, today: date, used: int | None = None) -> TransferOptions:
    settings = settings_of(invoice.creditor_id)
    rules = rules_of(invoice.creditor_id)
    limit, weeks = transfer_limit(settings, invoice.debtor_type)
    if used is None:
        used = DueDateTransfer.objects.filter(invoice=invoice).count()
    refusal = arrangement_refusal(invoice) or _barred_refusal(invoice, today)
    if refusal is None and in_active_plan([invoice.pk]):
        refusal = _("Invoice %(number)s is in a payment plan; its installments set the dates.") % {
            "number": invoice.number
        }
    window = transfer_window(due_date=invoice.due_date, today=today, max_weeks=weeks)
    outside = None
    if refusal is None:
        if limit == 0:
            outside = _("%(creditor)s does not allow due-date transfers on its own.") % {
                "creditor": invoice.creditor.name
            }
        elif used >= limit:
            outside = _(
                "The due date of this invoice has already been moved %(used)s times, the most "
                "%(creditor)s allows."
            ) % {"used": used, "creditor": invoice.creditor.name}
        elif not rules.transfer_allowed_in(invoice.stage):
            outside = _("%(creditor)s does not allow due-date transfers at this stage.") % {
                "creditor": invoice.creditor.name
            }
        elif window.is_empty:
            outside = _("It is too late to move this due date within %(creditor)s's rules.") % {
                "creditor": invoice.creditor.name
            }
    return TransferOptions(
        invoice=invoice,
        window=window,
        limit=limit,
        used=used,
        refusal=refusal,
        outside=outside,
        creditor_fee=rules.transfer_fee_for(invoice.debtor_type),
    )


def transfer_fee_for(invoice: Invoice, to_date: date, *, today: date) -> TransferFee:
    """The transfer's own cap (10 a § 1 mom 6 k, 10 e § 1 mom 5 k), then the cost gate: the
    total cap (10 d §, 10 h §), the 10 i § offset and a 4 c § stop request refuse it."""
    fee = transfer_fee(
        kind=DebtorKind.from_debtor_type(invoice.debtor_type),
        due_date=invoice.due_date,
        new_due_date=to_date,
        original_due_date=invoice.original_due_date,
        today=today,
        creditor_fee=rules_of(invoice.creditor_id).transfer_fee_for(invoice.debtor_type),
    )
    if fee.amount <= 0:
        return fee
    verdict = _admitted_fee(
        invoice, wanted=fee.amount, cap=fee.cap, rule_code=fee.rule, today=today
    )
    return TransferFee(amount=verdict.amount, cap=fee.cap, rule=verdict.rule_code or fee.rule)


def transfer_check(options: TransferOptions, to_date: date) -> None:
    """Raises ArrangementError when `to_date` cannot be granted at once."""
    if options.refusal:
        raise ArrangementError(options.refusal)
    invoice = options.invoice
    if to_date <= invoice.due_date:
        raise ArrangementError(
            _("Choose a date after the current due date, %(date)s.")
            % {"date": _day(invoice.due_date)}
        )
    if options.outside:
        raise ArrangementError(options.outside, requestable=True)
    assert options.window is not None
    if to_date < options.window.earliest:
        raise ArrangementError(
            _("Choose a date from %(earliest)s on.") % {"earliest": _day(options.window.earliest)}
        )
    if to_date > options.window.latest:
        raise ArrangementError(
            _(
                "%(creditor)s allows moving the due date to %(latest)s at the latest. You can "
                "ask customer service for a later date."
            )
            % {"creditor": invoice.creditor.name, "latest": _day(options.window.latest)},
            requestable=True,
        )


def _lock_invoices(ids) -> list[Invoice]:
    return list(Invoice.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk"))


def due_date_transfer(
    *, invoice: Invoice, to_date: date, acting: Acting, today: date, approved: bool = False
) -> DueDateTransfer:
    """Moves the due date within the rules (or as staff approved): the original is kept, the
    fee is a `Charge` keyed `transfer:<n>`, the timeline records who did it."""
    with transaction.atomic():
        (locked,) = _lock_invoices([invoice.pk])
        existing = DueDateTransfer.objects.filter(invoice=locked, to_date=to_date).first()
        if existing is not None:
            return existing  # the same request again (a double click): already granted
        used = DueDateTransfer.objects.filter(invoice=locked).count()
        options = transfer_options(locked, today=today, used=used)
        if approved:
            if options.refusal:
                raise ArrangementError(options.refusal)
            if to_date <= locked.due_date:
                raise ArrangementError(_("The requested date is no longer after the due date."))
        else:
            transfer_check(options, to_date)
        fee = transfer_fee_for(locked, to_date, today=today)
        number = used + 1
        try:
            with transaction.atomic():
                transfer = DueDateTransfer.objects.create(
                    invoice=locked,
                    number=number,
                    from_date=locked.due_date,
                    to_date=to_date,
                    fee=fee.amount,
                    **acting_fields(acting),
                )
        except IntegrityError:
            raise ArrangementError(_("The due date was just moved; reload the page.")) from None
        if fee.amount > 0:
            Charge.objects.create(
                invoice=locked,
                kind=ChargeKind.TRANSFER_FEE,
                amount=fee.amount,
                booked_on=today,
                rule=fee.rule,
                creditor_setting=options.creditor_fee,
                legal_cap=fee.cap,
                explanation=f"{locked.due_date.isoformat()} → {to_date.isoformat()}",
                idempotency_key=f"transfer:{number}",
            )
        Invoice.objects.filter(pk=locked.pk).update(due_date=to_date)
        invoice_record_event(
            invoice=locked,
            kind=EventKind.DUE_DATE_MOVED,
            detail=f"{_day(locked.due_date)} → {_day(to_date)}",
            data={
                "transfer_id": transfer.pk,
                "from": locked.due_date.isoformat(),
                "to": to_date.isoformat(),
                "fee": str(fee.amount),
                "approved_by_staff": approved,
            },
            **acting.event_kwargs(),
        )
    invoice.due_date = to_date
    return transfer


def acting_fields(acting: Acting) -> dict:
    return {
        "actor": acting.actor,
        "on_behalf_of": acting.on_behalf_of,
        "on_behalf_of_organisation": acting.on_behalf_of_organisation,
    }


# --- Payment plans -------------------------------------------------------------------------


SCHEDULE_MESSAGES = {
    ScheduleRefusal.NOTHING_TO_PAY: lambda p: _("There is nothing left to pay."),
    ScheduleRefusal.TOO_MANY_INSTALLMENTS: lambda p: (
        _("At most %(maximum)s installments are possible.") % p
    ),
    ScheduleRefusal.TOO_FEW_INSTALLMENTS: lambda p: _("Choose at least one installment."),
    ScheduleRefusal.BELOW_MINIMUM: lambda p: (
        _(
            "An installment must be at least %(minimum)s. Choose fewer installments or a larger "
            "monthly amount."
        )
        % {"minimum": format_euros(p["minimum"])}
    ),
    ScheduleRefusal.TOO_LONG: lambda p: _("A plan may last at most %(months)s months.") % p,
    ScheduleRefusal.AMOUNT_TOO_SMALL: lambda p: _("Enter a monthly amount above zero."),
    ScheduleRefusal.CHOOSE_ONE: lambda p: _(
        "Choose either the number of installments or a monthly amount."
    ),
}
REQUESTABLE = {
    ScheduleRefusal.TOO_MANY_INSTALLMENTS,
    ScheduleRefusal.BELOW_MINIMUM,
    ScheduleRefusal.TOO_LONG,
}


@dataclass(frozen=True)
class PlanPreview:
    invoices: list[Invoice]
    schedule: Schedule
    rules: ArrangementRules
    # The installments as the plan page will show them once accepted: the last one asks for
    # what pays the invoices off on its date (the late-payment interest of the plan's months,
    # Korkolaki 4 §) less the earlier ones, so paying the accepted figures closes the invoices.
    rows: tuple[ScheduledInstallment, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def interest(self) -> Decimal:
        """The interest the plan's months add to the last installment, as projected."""
        return max(self.total - self.schedule.total, ZERO)


def _plan_invoices_check(invoices: list[Invoice], *, allow_outside: bool) -> ArrangementRules:
    if not invoices:
        raise ArrangementError(_("Choose at least one open invoice."))
    creditors = {invoice.creditor_id for invoice in invoices}
    if len(creditors) > 1:
        raise ArrangementError(
            _(
                "A payment plan covers the invoices of one creditor. Make a separate plan for "
                "the invoices of each creditor."
            )
        )
    if len(set(debtor_parties(invoices).values())) > 1:
        # One plan, one debtor: its page, PDF and cancel button show every invoice in it,
        # and its installments pay them in order, so another debtor's invoice would be
        # shown to, cancelled by and paid with the money of the wrong person.
        raise ArrangementError(
            _(
                "A payment plan covers the invoices of one debtor. Make a separate plan for "
                "the invoices of each person or company."
            )
        )
    for invoice in invoices:
        if refusal := arrangement_refusal(invoice):
            raise ArrangementError(refusal)
        if invoice.open_balance <= 0:
            raise ArrangementError(
                _("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number}
            )
    taken = in_active_plan(invoice.pk for invoice in invoices)
    if taken:
        numbers = ", ".join(invoice.number for invoice in invoices if invoice.pk in taken)
        raise ArrangementError(_("Already in a payment plan: %(numbers)s.") % {"numbers": numbers})
    rules = rules_of(invoices[0].creditor_id)
    if not allow_outside:
        name = invoices[0].creditor.name
        if not rules.plans_allowed:
            raise ArrangementError(
                _("%(creditor)s does not offer payment plans on its own.") % {"creditor": name},
                requestable=True,
            )
        for invoice in invoices:
            if not rules.plan_allowed_in(invoice.stage):
                raise ArrangementError(
                    _("%(creditor)s does not offer payment plans at this stage (%(number)s).")
                    % {"creditor": name, "number": invoice.number},
                    requestable=True,
                )
    return rules


def plan_preview(
    *,
    invoices: list[Invoice],
    start: date,
    installments: int | None = None,
    monthly_amount: Decimal | None = None,
    allow_outside: bool = False,
    today: date | None = None,
) -> PlanPreview:
    """The schedule the user would accept: the one pure function, fed with the rules.

    The fee is the legal cap's and the creditor's, then passes the collection engine's cost
    gate on the invoice that bears it (total cap, 10 i §, 4 c §): a refused fee is no fee,
    and the schedule is computed again without it.
    """
    today = today or timezone.localdate()
    rules = _plan_invoices_check(invoices, allow_outside=allow_outside)
    for invoice in invoices:
        if refusal := _barred_refusal(invoice, today):
            raise ArrangementError(refusal)
    debtor_type = invoices[0].debtor_type
    ids = [invoice.pk for invoice in invoices]
    # What pays the invoices off today, interest accrued so far included (collection.payoff):
    # the installments start from the same figure the pay page asks for.
    payoffs = payoffs_for(invoices, today)
    balance = sum((payoffs[invoice.pk].total for invoice in invoices), ZERO)
    if allow_outside:
        count = installments or 600
        terms = PlanTerms(
            max_installments=count,
            min_installment=ZERO,
            max_months=count,
            creditor_fee=rules.plan_fee_for(debtor_type),
        )
    else:
        terms = PlanTerms(
            max_installments=rules.plan_max_installments,
            min_installment=rules.plan_min_installment,
            max_months=rules.plan_max_months,
            creditor_fee=rules.plan_fee_for(debtor_type),
        )

    def schedule_for(terms: PlanTerms) -> Schedule:
        return plan_schedule(
            kind=DebtorKind.from_debtor_type(debtor_type),
            balance=balance,
            principal=unpaid_principal(ids) or balance,
            plans_already_charged=plans_already_charged(ids),
            terms=terms,
            start=start,
            installments=installments,
            monthly_amount=monthly_amount,
        )

    try:
        schedule = schedule_for(terms)
        if schedule.fee > 0:
            verdict = _admitted_fee(
                invoices[0],
                wanted=schedule.fee,
                cap=schedule.fee_cap,
                rule_code=schedule.fee_rule,
                today=today,
            )
            if verdict.amount < schedule.fee:
                schedule = schedule_for(replace(terms, creditor_fee=verdict.amount))
    except ScheduleError as error:
        raise ArrangementError(
            SCHEDULE_MESSAGES[error.code](error.params), requestable=error.code in REQUESTABLE
        ) from None
    return PlanPreview(
        invoices=invoices, schedule=schedule, rules=rules, rows=_projected_rows(invoices, schedule)
    )


def _projected_rows(
    invoices: list[Invoice], schedule: Schedule
) -> tuple[ScheduledInstallment, ...]:
    """`schedule`'s installments with the last one as `plan_progress` will ask for it on the
    day of acceptance: the payoff on its due date (interest accrued through it, the fee the
    plan books) less the earlier installments. Never less than scheduled."""
    *earlier, last = schedule.installments
    on_last_day = sum((p.total for p in payoffs_for(invoices, last.due_date).values()), ZERO)
    asked = on_last_day + schedule.fee - sum((row.amount for row in earlier), ZERO)
    return (*earlier, replace(last, amount=max(asked, last.amount)))


def _next_installment_reference() -> str:
    """A reference from the installments' own range (`invoices.references`), which invoice
    imports refuse; invoices saved before that rule are still stepped over."""
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('arrangements_installment_reference_seq')")
            (value,) = cursor.fetchone()
        reference = installment_reference(value)
        if not Invoice.objects.filter(reference=reference).exists():
            return reference


def plan_create(
    *,
    invoices: list[Invoice],
    start: date,
    acting: Acting,
    today: date,
    installments: int | None = None,
    monthly_amount: Decimal | None = None,
    language: str = "fi",
    approved: bool = False,
) -> PaymentPlan:
    """Accepts a plan: locks the invoices, computes the schedule again under the lock, saves
    the plan, its installments with their own references, the fee and the timeline events."""
    ids = [invoice.pk for invoice in invoices]
    with transaction.atomic():
        _lock_invoices(ids)
        current = list(with_balance(Invoice.objects.filter(pk__in=ids)).select_related("creditor"))
        if len(current) != len(set(ids)):
            raise ArrangementError(_("Choose at least one open invoice."))
        same = _same_active_plan(ids)
        if same is not None:
            return same  # a double submission: the plan already exists
        preview = plan_preview(
            invoices=current,
            start=start,
            installments=installments,
            monthly_amount=monthly_amount,
            allow_outside=approved,
            today=today,
        )
        schedule = preview.schedule
        first = current[0]
        plan = PaymentPlan.objects.create(
            creditor_id=first.creditor_id,
            debtor_type=first.debtor_type,
            start_date=start,
            balance=schedule.balance,
            fee=schedule.fee,
            grace_days=preview.rules.plan_grace_days,
            language=language,
            **acting_fields(acting),
        )
        payoffs = payoffs_for(current, today)
        try:
            with transaction.atomic():
                PlanInvoice.objects.bulk_create(
                    PlanInvoice(
                        plan=plan,
                        invoice=invoice,
                        position=index,
                        balance=payoffs[invoice.pk].total,
                    )
                    for index, invoice in enumerate(current, start=1)
                )
        except IntegrityError:
            raise ArrangementError(_("These invoices are already in a payment plan.")) from None
        Installment.objects.bulk_create(
            Installment(
                plan=plan,
                number=row.number,
                due_date=row.due_date,
                amount=row.amount,
                reference=_next_installment_reference(),
            )
            for row in schedule.installments
        )
        if schedule.fee > 0:
            Charge.objects.create(
                invoice=first,
                kind=ChargeKind.PLAN_FEE,
                amount=schedule.fee,
                booked_on=today,
                rule=schedule.fee_rule,
                creditor_setting=preview.rules.plan_fee_for(first.debtor_type),
                legal_cap=schedule.fee_cap,
                explanation=_("Payment plan %(id)s") % {"id": plan.pk},
                idempotency_key=f"plan:{plan.pk}",
            )
        for invoice in current:
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.PLAN,
                detail=_("Payment plan made: %(count)s installments from %(start)s")
                % {"count": schedule.count, "start": _day(start)},
                data={"plan_id": plan.pk, "state": PlanState.ACTIVE, "approved": approved},
                **acting.event_kwargs(),
            )
    from arrangements.tasks import send_plan_confirmation

    transaction.on_commit(lambda: send_plan_confirmation.delay(plan.pk), robust=True)
    return plan


def _same_active_plan(ids: list[int]) -> PaymentPlan | None:
    plan_ids = set(
        PlanInvoice.objects.filter(invoice_id__in=ids, active=True).values_list(
            "plan_id", flat=True
        )
    )
    if len(plan_ids) != 1:
        return None
    plan = PaymentPlan.objects.get(pk=plan_ids.pop())
    if set(plan.plan_invoices.values_list("invoice_id", flat=True)) == set(ids):
        return plan
    return None


def plan_transition(
    *, plan: PaymentPlan, to: str, reason: str = "", acting: Acting | None = None
) -> PaymentPlan:
    """Moves an active plan to completed, lapsed or cancelled; anything else is refused."""
    with transaction.atomic():
        locked = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
        if not locked.can_move_to(to):
            raise PlanStateError(
                _("A %(state)s payment plan cannot become %(new)s.")
                % {"state": locked.get_state_display(), "new": PlanState(to).label}
            )
        locked.state = to
        locked.ended_at = timezone.now()
        locked.end_reason = reason[:300]
        locked.save(update_fields=["state", "ended_at", "end_reason"])
        PlanInvoice.objects.filter(plan=locked).update(active=False)
        for entry in locked.plan_invoices.select_related("invoice"):
            invoice_record_event(
                invoice=entry.invoice,
                kind=EventKind.PLAN,
                detail=_("Payment plan %(state)s") % {"state": PlanState(to).label.lower()},
                data={"plan_id": locked.pk, "state": to, "reason": reason[:300]},
                **(acting.event_kwargs() if acting else {}),
            )
    plan.state, plan.ended_at, plan.end_reason = locked.state, locked.ended_at, locked.end_reason
    return plan


def plan_cancel(*, plan: PaymentPlan, acting: Acting) -> PaymentPlan:
    return plan_transition(
        plan=plan, to=PlanState.CANCELLED, reason=_("Cancelled by the customer"), acting=acting
    )


def plan_check(*, plan: PaymentPlan, today: date) -> str:
    """The daily look at one active plan: completed, a missed installment's notice, or lapsed.
    Idempotent: a notice is sent once per installment, a plan leaves `active` once."""
    if plan.state != PlanState.ACTIVE:
        return plan.state
    invoices = Invoice.objects.filter(plan_entries__plan=plan)
    progress = plan_progress(plan, today=today)
    # Complete only when every invoice is closed: installments paid in full can still leave
    # the late-payment interest of the plan's months open, and the last installment covers
    # it (`plan_progress`), so a plan never "completes" while its invoice is open.
    if not invoices.exclude(stage__in=CLOSED_STAGES).exists():
        plan_transition(plan=plan, to=PlanState.COMPLETED, reason=_("All installments paid"))
        return PlanState.COMPLETED
    for row in progress.missed:
        if row.lapses_on < today:
            plan_transition(
                plan=plan,
                to=PlanState.LAPSED,
                reason=_("Installment %(number)s was not paid by %(date)s")
                % {"number": row.installment.number, "date": _day(row.lapses_on)},
            )
            return PlanState.LAPSED
    from arrangements.tasks import send_missed_installment_notice

    for row in progress.missed:
        sent = Installment.objects.filter(
            pk=row.installment.pk, notice_sent_at__isnull=True
        ).update(notice_sent_at=timezone.now())
        if sent:
            transaction.on_commit(
                lambda pk=row.installment.pk: send_missed_installment_notice.delay(pk), robust=True
            )
    return PlanState.ACTIVE


def installment_payment_allocate(*, payment: Payment, installment_id: int, actor=None) -> None:
    """A payment with an installment's reference covers the plan's invoices in their order;
    what is left when all are covered becomes an overpayment on the last one."""
    installment = Installment.objects.select_related("plan").get(pk=installment_id)
    plan = installment.plan
    entries = list(plan.plan_invoices.select_related("invoice").order_by("position"))
    # Each invoice takes its payoff on the payment day (interest through it) before the next.
    payoffs = payoffs_for([entry.invoice for entry in entries], payment.paid_on)
    left = payment.amount
    for index, entry in enumerate(entries):
        if left <= 0:
            break
        last = index == len(entries) - 1
        owed = ZERO if entry.invoice.is_closed else payoffs[entry.invoice.pk].total
        amount = left if last else min(left, owed)
        if amount > 0:
            allocate_payment(payment=payment, invoice=entry.invoice, amount=amount, actor=actor)
            left -= amount


def plans_check_after_allocation(invoice_ids: Iterable[int]) -> None:
    """The allocation listener (registered in `ArrangementsConfig.ready`): a payment to an
    invoice in an active plan may have completed the plan."""
    # `= ANY(array)`: a bank file allocates to tens of thousands of invoices at once.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT plan_id FROM arrangements_planinvoice "
            "WHERE active AND invoice_id = ANY(%s) ORDER BY plan_id",
            [list(invoice_ids)],
        )
        plan_ids = [row[0] for row in cursor.fetchall()]
    today = timezone.localdate()
    for plan in PaymentPlan.objects.filter(pk__in=plan_ids, state=PlanState.ACTIVE):
        plan_check(plan=plan, today=today)


class InstallmentPayee:
    """The reference payee (registered in `ArrangementsConfig.ready`) for installment
    references: the money must reach the plan creditor's account."""

    def match(self, references: Sequence[str]) -> dict[str, PayeeMatch]:
        rows = Installment.objects.filter(reference__in=list(references)).values_list(
            "reference", "pk", "plan__creditor__iban"
        )
        return {reference: PayeeMatch(pk, iban) for reference, pk, iban in rows}

    def allocate(self, *, payment: Payment, target_id: int) -> None:
        installment_payment_allocate(payment=payment, installment_id=target_id)


def installment_order_lines(plan: PaymentPlan, amount: Decimal) -> list[tuple[Invoice, Decimal]]:
    """How an online payment of `amount` to the plan splits over its invoices, in order."""
    ids = list(plan.plan_invoices.order_by("position").values_list("invoice_id", flat=True))
    by_id = {
        invoice.pk: invoice
        for invoice in Invoice.objects.filter(pk__in=ids).select_related("creditor")
    }
    payoffs = payoffs_for(list(by_id.values()), timezone.localdate())
    lines: list[tuple[Invoice, Decimal]] = []
    left = amount
    for invoice_id in ids:
        invoice = by_id[invoice_id]
        owed = ZERO if invoice.is_closed else payoffs[invoice_id].total
        take = min(left, owed)
        if take > 0:
            lines.append((invoice, take))
            left -= take
    return lines


# --- Requests outside the rules ------------------------------------------------------------


def arrangement_request_create(
    *,
    kind: str,
    invoices: list[Invoice],
    terms: dict,
    why_outside: str,
    acting: Acting,
    message: str = "",
) -> ArrangementRequest:
    if not invoices:
        raise ArrangementError(_("Choose at least one open invoice."))
    if len({invoice.creditor_id for invoice in invoices}) > 1:
        raise ArrangementError(_("A request concerns the invoices of one creditor."))
    if len(set(debtor_parties(invoices).values())) > 1:
        # What staff approve becomes one plan or transfer: one debtor's, as `plan_preview`.
        raise ArrangementError(
            _(
                "A payment plan covers the invoices of one debtor. Make a separate plan for "
                "the invoices of each person or company."
            )
        )
    for invoice in invoices:
        if refusal := arrangement_refusal(invoice):
            raise ArrangementError(refusal)
    with transaction.atomic():
        _lock_invoices([invoice.pk for invoice in invoices])
        pending = ArrangementRequest.objects.filter(
            kind=kind, state=RequestState.REQUESTED, invoices__in=invoices, terms=terms
        ).first()
        if pending is not None:
            return pending
        request = ArrangementRequest.objects.create(
            kind=kind,
            creditor_id=invoices[0].creditor_id,
            terms=terms,
            why_outside=why_outside[:300],
            message=message,
            **acting_fields(acting),
        )
        request.invoices.set(invoices)
        label = RequestKind(kind).label
        for invoice in invoices:
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.REQUEST,
                detail=_("%(kind)s requested from customer service") % {"kind": label},
                data={"request_id": request.pk, "state": RequestState.REQUESTED},
                **acting.event_kwargs(),
            )
        # One inbox: the request reaches customer service as a contact (messaging).
        inbox.request_opened(
            inbox.StaffRequest(
                source=f"arrangements.ArrangementRequest:{request.pk}",
                classification="due_date" if kind == RequestKind.TRANSFER else "payment_plan",
                summary="\n\n".join(
                    part
                    for part in (
                        _("%(kind)s requested from customer service") % {"kind": label},
                        why_outside,
                        message,
                    )
                    if part
                ),
                actor=acting.actor,
                on_behalf_of=acting.on_behalf_of,
                on_behalf_of_organisation=acting.on_behalf_of_organisation,
                invoices=list(invoices),
            )
        )
    return request


def arrangement_request_decide(
    *, request: ArrangementRequest, approve: bool, reason: str, staff, today: date
) -> ArrangementRequest:
    """Staff approve (the arrangement is made as asked) or decline, always with a reason."""
    if not reason.strip():
        raise ArrangementError(_("Give a reason for the decision."))
    with transaction.atomic():
        locked = ArrangementRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != RequestState.REQUESTED:
            raise ArrangementError(_("This request has already been decided."))
        acting = Acting(
            locked.actor or staff, locked.on_behalf_of, locked.on_behalf_of_organisation
        )
        invoices = list(
            with_balance(locked.invoices.all()).select_related("creditor").order_by("pk")
        )
        if approve:
            if locked.kind == RequestKind.TRANSFER:
                locked.transfer = due_date_transfer(
                    invoice=invoices[0],
                    to_date=date.fromisoformat(locked.terms["to_date"]),
                    acting=acting,
                    today=today,
                    approved=True,
                )
            else:
                monthly = locked.terms.get("monthly_amount")
                locked.plan = plan_create(
                    invoices=invoices,
                    start=date.fromisoformat(locked.terms["start"]),
                    installments=locked.terms.get("installments"),
                    monthly_amount=Decimal(monthly) if monthly else None,
                    acting=acting,
                    today=today,
                    approved=True,
                )
        locked.state = RequestState.APPROVED if approve else RequestState.DECLINED
        locked.decided_by = staff
        locked.decided_at = timezone.now()
        locked.decision_reason = reason.strip()[:500]
        locked.save()
        for invoice in invoices:
            invoice_record_event(
                invoice=invoice,
                kind=EventKind.REQUEST,
                actor=staff,
                detail=(
                    _("Request approved: %(reason)s")
                    if approve
                    else _("Request declined: %(reason)s")
                )
                % {"reason": locked.decision_reason},
                data={"request_id": locked.pk, "state": locked.state},
            )
        inbox.request_decided(
            inbox.StaffDecision(
                source=f"arrangements.ArrangementRequest:{locked.pk}",
                approved=approve,
                reason=locked.decision_reason,
                staff=staff,
            )
        )
    return locked
