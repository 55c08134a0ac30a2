"""Reads for the collection engine: situations built from rows, in bulk, and what they mean.

`collection.decision.decide_next_step` is pure; this module turns database rows into its
`InvoiceSituation` and `CollectionSettings`, with a fixed number of queries for any number of
invoices (`situations_for`), so the daily cycle, the invoice page ("what happens next") and
the admin's simulation read an invoice the same way.

Steps taken are the `CollectionStep` rows; fee charges booked before the engine existed
(the demo data, imports) with the keys `reminder:1` / `demand:1` count as those steps too, so
an invoice is never reminded twice because its history predates the table.

Interest: each interest `Charge` covers `period_start`..`period_end`; the balance adds what
accrued after the last `period_end` on the unpaid capital (`accrued_interest`). Days without
a reference rate in the staff table accrue nothing until the half-year is added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Sum

from collection import hooks
from collection import interest as pure_interest
from collection.decision import (
    CollectionSettings,
    Decision,
    InvoiceSituation,
    TakenStep,
    decide_next_step,
    simulate_schedule,
)
from collection.models import (
    CollectionHold,
    CollectionRecall,
    CollectionStep,
    Letter,
    ReferenceRate,
    StopRequest,
)
from collection.rules import (
    MIN_LETTER_PAYMENT_DAYS,
    STEP_ORDER,
    Channel,
    DebtorKind,
    Step,
    interest_margin,
)
from invoices.credits import credited_of_rows
from invoices.models import Charge, ChargeKind, CreditorSettings, EventKind, Invoice, InvoiceEvent
from myropo.request_memo import request_memo

ZERO = Decimal("0.00")
HELSINKI = ZoneInfo("Europe/Helsinki")

# Fee keys: one per chargeable step, so the same fee can never be booked twice on an invoice.
FEE_KEY: dict[Step, str] = {
    Step.REMINDER_1: "reminder:1",
    Step.REMINDER_2: "reminder:2",
    Step.DEMAND_1: "demand:1",
    Step.DEMAND_2: "demand:2",
}
STANDARD_COMPENSATION_KEY = "standard_compensation"
STEP_OF_FEE_KEY = {key: step for step, key in FEE_KEY.items()}
# Debtor acts that renew the limitation period (728/2003 §11: an acknowledgement).
ACKNOWLEDGEMENTS = (EventKind.DUE_DATE_MOVED, EventKind.PLAN)
# Of those, only a granted due-date transfer and a plan made (728/2003 10 §): not a plan's
# lapse or cancellation, not a request that staff may still decline.
ACKNOWLEDGEMENT_SQL = (
    "((kind = 'due_date_moved' AND NOT (data ? 'request_id')) "
    "OR (kind = 'plan' AND data->>'state' = 'active' AND NOT (data ? 'request_id')))"
)


def interest_key(step: Step) -> str:
    return f"interest:{step.value}"


def payment_interest_key(payment_id: int) -> str:
    """The key of the interest booked when a payment is allocated: once per payment."""
    return f"interest:payment:{payment_id}"


def fee_key(step: Step, charge_kind: str) -> str:
    if charge_kind == ChargeKind.STANDARD_COMPENSATION:
        return STANDARD_COMPENSATION_KEY
    return FEE_KEY[step]


# --- Settings and rates --------------------------------------------------------------------


def collection_settings(settings: CreditorSettings | None, kind: DebtorKind) -> CollectionSettings:
    """The creditor's settings as the pure engine reads them, with the fees for this debtor."""
    if settings is None:
        settings = CreditorSettings()
    business = kind is DebtorKind.BUSINESS
    return CollectionSettings(
        reminder_count=settings.reminder_count,
        first_reminder_days=settings.first_reminder_days,
        reminder_interval_days=settings.reminder_interval_days,
        reminder_fee=settings.reminder_fee_business if business else settings.reminder_fee_consumer,
        use_standard_compensation=settings.use_standard_compensation,
        days_to_collection=settings.days_to_collection,
        demand_fee_first=(
            settings.demand_fee_first_business if business else settings.demand_fee_first_consumer
        ),
        demand_fee_second=(
            settings.demand_fee_second_business if business else settings.demand_fee_second_consumer
        ),
        demand_interval_days=settings.demand_interval_days,
        legal_notice_days=settings.legal_notice_days,
        legal_days=settings.legal_days,
        # Never below what the slowest delivery and 10 days need (Ombudsman 2024).
        letter_payment_days=max(settings.letter_payment_days, MIN_LETTER_PAYMENT_DAYS),
    )


REFERENCE_RATES_MEMO = "collection.reference_rates"


def reference_rates() -> tuple[pure_interest.ReferenceRate, ...]:
    """The staff-edited half-year table, as the interest calculator takes it (once a request:
    the invoice page's payoff and outlook both need it; `collection.apps` forgets it when this
    process writes a rate)."""
    return request_memo(REFERENCE_RATES_MEMO, _read_reference_rates)


def _read_reference_rates() -> tuple[pure_interest.ReferenceRate, ...]:
    return tuple(
        pure_interest.ReferenceRate(start, end, rate)
        for start, end, rate in ReferenceRate.objects.order_by("start").values_list(
            "start", "end", "rate"
        )
    )


def rated_stretches(
    rates: Sequence[pure_interest.ReferenceRate], first_day: date, as_of: date
) -> list[tuple[date, date]]:
    """The stretches of `first_day`..`as_of` that have a reference rate, oldest first.

    A half-year without a rate is left out, never guessed (Korkolaki §12: the rate is the one
    in force on the half-year's first day); the half-years on either side still accrue.
    """
    stretches: list[tuple[date, date]] = []
    for period in sorted(rates, key=lambda p: p.start):
        start, end = max(period.start, first_day), min(period.end, as_of)
        if start > end:
            continue
        if stretches and stretches[-1][1] + timedelta(days=1) == start:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
    return stretches


def rate_known_through(
    rates: Sequence[pure_interest.ReferenceRate], first_day: date, as_of: date
) -> date | None:
    """The last day from `first_day` up to `as_of` that has a reference rate, or None."""
    stretches = rated_stretches(rates, first_day, as_of)
    return stretches[-1][1] if stretches else None


@dataclass(frozen=True)
class InterestDue:
    """Interest not yet booked: `amount` for `start`..`end` on `principal`.

    When a half-year without a rate lies in between, `parts` holds one `InterestDue` per
    stretch that has a rate (each booked as its own row, so the days left out stay visible
    and are booked once staff enter the rate: `collection.rate_gaps`).
    """

    principal: Decimal
    start: date
    end: date
    amount: Decimal
    parts: tuple[InterestDue, ...] = ()


def unbooked_interest(
    *,
    kind: DebtorKind,
    principal: Decimal,
    due_date: date,
    booked_through: date | None,
    as_of: date,
    rates: Sequence[pure_interest.ReferenceRate],
) -> InterestDue | None:
    """Interest on the unpaid capital from the day after the last booking (or the due date)."""
    last_counted = max(due_date, booked_through) if booked_through else due_date
    first_day = last_counted + timedelta(days=1)
    if principal <= 0 or as_of < first_day:
        return None
    parts = []
    for start, end in rated_stretches(rates, first_day, as_of):
        amount = pure_interest.late_interest(principal, start - timedelta(days=1), end, kind, rates)
        if amount > 0:
            parts.append(InterestDue(principal, start, end, amount))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    total = sum((part.amount for part in parts), ZERO)
    return InterestDue(principal, parts[0].start, parts[-1].end, total, tuple(parts))


# The columns of `interest_charge_row`, in order (the cycle adds `created_at` to its rows).
INTEREST_CHARGE_COLUMNS = (
    "invoice_id",
    "kind",
    "amount",
    "booked_on",
    "rule",
    "creditor_setting",
    "legal_cap",
    "explanation",
    "period_start",
    "period_end",
    "idempotency_key",
)


def interest_charge_row(
    invoice_id: int, kind: DebtorKind, due: InterestDue, booked_on: date, key: str
) -> tuple:
    """The interest `Charge` row for `due`, as the cycle and the payment allocation book it."""
    margin = interest_margin(kind)
    explanation = (
        f"Late-payment interest on {due.principal} € for {due.start.isoformat()}–"
        f"{due.end.isoformat()}: reference rate + {margin} pp "
        f"({'consumer' if kind is DebtorKind.CONSUMER else 'business'}, Korkolaki §4)."
    )
    return (
        invoice_id,
        ChargeKind.INTEREST.value,
        due.amount,
        booked_on,
        f"{kind.value}.interest_margin",
        None,
        None,
        explanation[:300],
        due.start,
        due.end,
        key,
    )


def interest_charge_rows(
    invoice_id: int, kind: DebtorKind, due: InterestDue, booked_on: date, key: str
) -> list[tuple]:
    """`interest_charge_row` for each stretch of `due` that has a rate; the first keeps `key`."""
    return [
        interest_charge_row(
            invoice_id, kind, part, booked_on, key if n == 0 else f"{key}@{part.start.isoformat()}"
        )
        for n, part in enumerate(due.parts or (due,))
    ]


# --- Situations in bulk --------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFacts:
    """One invoice as the engine sees it, plus what the cycle needs to book a step."""

    id: int
    creditor_id: int
    language: str
    situation: InvoiceSituation
    interest_booked_through: date | None


INVOICE_FIELDS = (
    "id",
    "creditor_id",
    "debtor_type",
    "principal",
    "due_date",
    "original_due_date",
    "stage",
    "disputed",
    "language",
    "issue_date",
    "sent_on",
    "delivery_channel",
)


def active_plan_invoice_ids(ids: Iterable[int]) -> set[int]:
    """Invoices in an active payment plan: they do not advance while the plan is on track."""
    return hooks.active_plans(list(ids))


def _rows_for(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def facts_for_rows(rows: Sequence[dict]) -> dict[int, InvoiceFacts]:
    """`InvoiceFacts` for invoice rows (dicts of `INVOICE_FIELDS`), in a fixed number of queries.

    Plain SQL with one `= ANY(array)` parameter instead of the ORM's `IN (%s, …)`: the daily
    cycle calls this for every batch, and building and binding thousands of placeholders
    cost more than the queries themselves.
    """
    ids = [row["id"] for row in rows]
    if not ids:
        return {}
    # Table names come from the models' metadata and are quoted; values are parameters.
    steps: dict[int, dict[Step, TakenStep]] = defaultdict(dict)
    for invoice_id, step, taken_on, fee, pay_by in _rows_for(
        "SELECT s.invoice_id, s.step, s.taken_on, s.fee, l.due_date "  # noqa: S608
        f"FROM {_table(CollectionStep)} s LEFT JOIN {_table(Letter)} l "
        "ON l.invoice_id = s.invoice_id AND l.step = s.step "
        "WHERE s.invoice_id = ANY(%s::bigint[])",
        [ids],
    ):
        steps[invoice_id][Step(step)] = TakenStep(Step(step), taken_on, fee, pay_by)

    fees: dict[int, Decimal] = defaultdict(lambda: ZERO)
    compensation: dict[int, Decimal] = defaultdict(lambda: ZERO)
    interest_through: dict[int, date] = {}
    for invoice_id, kind, amount, booked_on, key, period_end in _rows_for(
        "SELECT invoice_id, kind, amount, booked_on, idempotency_key, period_end "  # noqa: S608
        f"FROM {_table(Charge)} WHERE invoice_id = ANY(%s::bigint[])",
        [ids],
    ):
        if kind == ChargeKind.INTEREST:
            end = period_end or booked_on
            if invoice_id not in interest_through or end > interest_through[invoice_id]:
                interest_through[invoice_id] = end
            continue
        fees[invoice_id] += amount
        if kind == ChargeKind.STANDARD_COMPENSATION:
            compensation[invoice_id] += amount
        legacy_step = STEP_OF_FEE_KEY.get(key)
        if legacy_step is not None and legacy_step not in steps[invoice_id]:
            steps[invoice_id][legacy_step] = TakenStep(legacy_step, booked_on, amount)

    principal_paid = dict(hooks.principal_paid(ids))
    # Credit notes lower the unpaid capital first (invoices.credits.CREDIT_ORDER), so they
    # count with the principal paid: unpaid = max(principal − paid − credited, 0).
    for invoice_id, credited in credited_of_rows(rows).items():
        principal_paid[invoice_id] = principal_paid.get(invoice_id, ZERO) + credited
    # 728/2003 10 §: the debtor's payments and acknowledgements interrupt limitation.
    interruptions: dict[int, set[date]] = defaultdict(set)
    for invoice_id, days in hooks.payment_days(ids).items():
        interruptions[invoice_id].update(days)
    # In the same query: 4 c § stop requests, the holds not released (payment reports, with an
    # end; a creditor's pause, without one) and the creditor's recall.
    stop_on: dict[int, date] = {}
    held_until: dict[int, date] = {}
    paused: set[int] = set()
    recalled_on: dict[int, date] = {}
    for invoice_id, what, at, until in _rows_for(
        f"SELECT invoice_id, 'ack', created_at, NULL::date FROM {_table(InvoiceEvent)} "  # noqa: S608
        "WHERE invoice_id = ANY(%s::bigint[]) AND kind = ANY(%s::varchar[]) AND "
        f"{ACKNOWLEDGEMENT_SQL} UNION ALL "
        f"SELECT invoice_id, 'stop', requested_at, NULL FROM {_table(StopRequest)} "
        "WHERE invoice_id = ANY(%s::bigint[]) UNION ALL "
        f"SELECT invoice_id, 'hold', NULL, MAX(until) FROM {_table(CollectionHold)} "
        "WHERE invoice_id = ANY(%s::bigint[]) AND released_at IS NULL AND until IS NOT NULL "
        "GROUP BY invoice_id UNION ALL "
        "SELECT DISTINCT invoice_id, 'pause', NULL::timestamptz, NULL::date "
        f"FROM {_table(CollectionHold)} "
        "WHERE invoice_id = ANY(%s::bigint[]) AND released_at IS NULL AND until IS NULL "
        "UNION ALL "
        f"SELECT invoice_id, 'recall', recalled_at, NULL::date FROM {_table(CollectionRecall)} "
        "WHERE invoice_id = ANY(%s::bigint[])",
        [ids, [kind.value for kind in ACKNOWLEDGEMENTS], ids, ids, ids, ids],
    ):
        if what == "ack":
            interruptions[invoice_id].add(at.astimezone(HELSINKI).date())
        elif what == "stop":
            stop_on[invoice_id] = at.astimezone(HELSINKI).date()
        elif what == "pause":
            paused.add(invoice_id)
        elif what == "recall":
            recalled_on[invoice_id] = at.astimezone(HELSINKI).date()
        else:
            held_until[invoice_id] = until
    in_plan = active_plan_invoice_ids(ids)

    result = {}
    for row in rows:
        invoice_id = row["id"]
        taken = tuple(sorted(steps[invoice_id].values(), key=lambda t: STEP_ORDER.index(t.step)))
        # A due date later than the original one is a granted transfer: nothing happens before.
        transfer_until = row["due_date"] if row["due_date"] > row["original_due_date"] else None
        unpaid = max(row["principal"] - principal_paid.get(invoice_id, ZERO), ZERO)
        situation = InvoiceSituation(
            kind=DebtorKind.from_debtor_type(row["debtor_type"]),
            principal=unpaid,
            # The current due date (a granted transfer moved it): interest and the reminder
            # fee's 14 days count from it, the debtor-friendly reading.
            due_date=row["due_date"],
            original_due_date=row["original_due_date"],
            stage=row["stage"],
            disputed=row["disputed"],
            in_active_plan=invoice_id in in_plan,
            transfer_until=transfer_until,
            steps_taken=taken,
            charges_total=fees[invoice_id],
            standard_compensation_charged=invoice_id in compensation,
            compensation_total=compensation.get(invoice_id, ZERO),
            interruptions=tuple(sorted(interruptions.get(invoice_id, ()))),
            # Rows read elsewhere may lack these: no date means no reminder fee (10 b § 1 mom)
            # and the slowest channel, the strict side of each.
            sent_on=row.get("sent_on") or row.get("issue_date"),
            channel=row.get("delivery_channel") or Channel.LETTER_POST,
            stop_requested_on=stop_on.get(invoice_id),
            held_until=held_until.get(invoice_id),
            paused=invoice_id in paused,
            recalled_on=recalled_on.get(invoice_id),
        )
        result[invoice_id] = InvoiceFacts(
            id=invoice_id,
            creditor_id=row["creditor_id"],
            language=row["language"],
            situation=situation,
            interest_booked_through=interest_through.get(invoice_id),
        )
    return result


def facts_for(invoice: Invoice) -> InvoiceFacts:
    row = {name: getattr(invoice, name) for name in INVOICE_FIELDS}
    # Read through `with_balance`, the invoice carries its credits' total (summed once).
    row["credited_total"] = getattr(invoice, "credited_total", None)
    return facts_for_rows([row])[invoice.pk]


def _settings_of(invoice: Invoice) -> CreditorSettings | None:
    return CreditorSettings.objects.filter(creditor_id=invoice.creditor_id).first()


# --- What the invoice page and the admin show ----------------------------------------------


def next_step_for(invoice: Invoice, today: date) -> Decision:
    """What happens next to this invoice and when, with its fee and why (or why nothing)."""
    facts = facts_for(invoice)
    settings = collection_settings(_settings_of(invoice), facts.situation.kind)
    return decide_next_step(facts.situation, settings, today)


def simulate_for(invoice: Invoice, today: date) -> list[Decision]:
    """If nothing is paid from `today` on: every future step under today's rules and settings."""
    facts = facts_for(invoice)
    settings = collection_settings(_settings_of(invoice), facts.situation.kind)
    return simulate_schedule(facts.situation, settings, today)


def accrued_interest(
    invoice: Invoice,
    as_of: date,
    *,
    rates: Sequence[pure_interest.ReferenceRate] | None = None,
) -> Decimal:
    """Late-payment interest accrued after the last interest booking, up to `as_of`.

    The balance to pay on `as_of` is the open balance (principal + charges − allocations,
    which includes interest already booked) plus this amount.
    """
    if invoice.is_closed:
        return ZERO
    facts = facts_for(invoice)
    due = unbooked_interest(
        kind=facts.situation.kind,
        principal=facts.situation.principal,
        due_date=facts.situation.due_date,
        booked_through=facts.interest_booked_through,
        as_of=as_of,
        rates=reference_rates() if rates is None else rates,
    )
    return due.amount if due else ZERO


def interest_total(invoice: Invoice, as_of: date) -> Decimal:
    """Interest booked plus interest accrued since: the interest line of the balance."""
    booked = Charge.objects.filter(invoice=invoice, kind=ChargeKind.INTEREST).aggregate(
        total=Sum("amount")
    )["total"]
    return (booked or ZERO) + accrued_interest(invoice, as_of)


def letters_for(invoice: Invoice) -> list[Letter]:
    """The invoice's rendered reminder and collection letters, oldest first."""
    return list(
        Letter.objects.filter(invoice=invoice).exclude(pdf="").order_by("letter_date", "id")
    )
