"""The law checker: every unlawful act in one invoice's history, with its date and section.

`check(history)` reads an `InvoiceHistory` (tests.lawcheck.history) and lists each
`Violation`. The rules are the statute's, encoded in `tests.lawcheck.statute` from the texts;
nothing here reads the engine's own table. What is checked, section by section:

- the cap of every fee (10 a, 10 e), its count (10 c, 10 g), the total of collection costs
  with plan and extension fees (10 d, 10 h), the 40 € standard compensation and "other costs only
  beyond 40" (10 i, 10 h § 3 mom), an extension fee only for ≥ 14 days (10 b § 3, 10 f § 2);
- the time limits: the invoice sent ≥ 14 days before due and ≥ 14 days since due for a consumer
  reminder fee (10 b § 1), 14 days between a consumer's fee-bearing letters (10 b § 2) and
  the Ombudsman's day 15, 10 days for a business (10 f § 1), no demand without a reminder and
  not before reminder + 14 days (5 §), ≥ 10 days to pay counted from the latest day of receipt
  (Ombudsman), legal handover only after the last demand's deadlines (6 §);
- the allocation of a consumer's money to costs only after capital and interest (11 a § 2);
- limitation (728/2003): nothing charged or sent once the debt is barred, interruptions only
  while it is not; nothing while disputed (4 b §); no costs after a stop request (4 c §);
- late-payment interest: reference rate + 7 / 8 pp on the unpaid capital for the days of delay
  only, actual/actual, never for a day twice, never at an invented rate (Korkolaki 4, 4 a, 12 §).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from tests.lawcheck import statute as law
from tests.lawcheck.history import (
    DEMAND_FEE,
    DEMANDS,
    INTEREST,
    LEGAL,
    LEGAL_NOTICE,
    PLAN_FEE,
    REMINDER_FEE,
    REMINDERS,
    STANDARD_COMPENSATION,
    TRANSFER_FEE,
    Fee,
    InvoiceHistory,
    Step,
    Violation,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
COST_KINDS = (REMINDER_FEE, DEMAND_FEE, STANDARD_COMPENSATION, TRANSFER_FEE, PLAN_FEE)
LETTER_FEE_KINDS = (REMINDER_FEE, DEMAND_FEE, STANDARD_COMPENSATION)


class _Report:
    def __init__(self, history: InvoiceHistory) -> None:
        self.history = history
        self.found: list[Violation] = []

    def __call__(self, on: date, rule: str, section: str, detail: str) -> None:
        self.found.append(Violation(self.history.id, on, rule, section, detail))


def check_all(histories: Iterable[InvoiceHistory]) -> list[Violation]:
    found: list[Violation] = []
    for history in histories:
        found.extend(check(history))
    return sorted(found)


def check(h: InvoiceHistory) -> list[Violation]:
    report = _Report(h)
    costs = sorted((f for f in h.fees if f.kind != INTEREST), key=lambda f: f.at)
    steps = sorted(h.steps, key=lambda s: s.at)
    _fee_caps_and_counts(h, costs, steps, report)
    _totals(h, costs, steps, report)
    _letters(h, costs, steps, report)
    _legal_handover(h, steps, report)
    _allocation_order(h, report)
    _limitation(h, costs, steps, report)
    _dispute_and_stop(h, costs, steps, report)
    _nothing_owed(h, steps, report)
    _interest(h, report)
    return sorted(report.found)


# --- Helpers -----------------------------------------------------------------------------


def due_date_at(h: InvoiceHistory, at: datetime) -> date:
    """The due date in force at `at`: the original one, or the last extension granted by then."""
    due = h.original_due_date
    for transfer in sorted(h.transfers, key=lambda t: t.at):
        if transfer.at <= at:
            due = transfer.to_date
    return due


def due_date_on_day(h: InvoiceHistory, day: date) -> date:
    due = h.original_due_date
    for transfer in sorted(h.transfers, key=lambda t: t.at):
        if transfer.on <= day:
            due = transfer.to_date
    return due


def _letter_steps(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s.step in REMINDERS or s.step in DEMANDS]


def _fees_of_step(step: Step, costs: list[Fee]) -> list[Fee]:
    linked = [f for f in costs if f.step == step.step]
    if linked:
        return linked
    # Data without the link: a letter's fee is booked with it, the same day.
    kinds = (REMINDER_FEE, STANDARD_COMPENSATION) if step.step in REMINDERS else (DEMAND_FEE,)
    return [f for f in costs if f.step is None and f.kind in kinds and f.on == step.on]


def _fee_bearing(step: Step, costs: list[Fee]) -> bool:
    return any(f.amount > 0 for f in _fees_of_step(step, costs))


def _euros(amount: Decimal) -> str:
    return f"{amount:.2f} €"


# --- Caps and counts of each fee ---------------------------------------------------------


def _fee_caps_and_counts(h: InvoiceHistory, costs: list[Fee], steps: list[Step], report) -> None:
    kind, principal = h.kind, h.principal
    demand_fees = [f for f in costs if f.kind == DEMAND_FEE]
    plan_fees = [f for f in costs if f.kind == PLAN_FEE]
    compensations = [f for f in costs if f.kind == STANDARD_COMPENSATION]
    for fee in costs:
        if fee.kind not in COST_KINDS:
            report(
                fee.on,
                "fee_without_basis",
                f"{law.PERINTALAKI} 10 a / 10 e §",
                f"a {fee.kind} of {_euros(fee.amount)} is no collection cost the act names",
            )
        if fee.step == LEGAL_NOTICE or fee.step == LEGAL:
            report(
                fee.on,
                "fee_without_basis",
                f"{law.PERINTALAKI} 10 a / 10 e §",
                f"{_euros(fee.amount)} for the {fee.step} step, which the act prices nowhere",
            )
        if fee.kind == REMINDER_FEE:
            cap = law.reminder_fee_cap(kind)
            if fee.amount > cap.amount:
                report(
                    fee.on,
                    "reminder_fee_cap",
                    cap.section,
                    f"reminder fee {_euros(fee.amount)} > {_euros(cap.amount)}",
                )
        if fee.kind == TRANSFER_FEE:
            cap = law.transfer_fee_cap(kind)
            if fee.amount > cap.amount:
                report(
                    fee.on,
                    "transfer_fee_cap",
                    cap.section,
                    f"due-date extension fee {_euros(fee.amount)} > {_euros(cap.amount)}",
                )
            transfer = _transfer_for(h, fee)
            min_days, section = law.TRANSFER_MIN_DAYS[kind]
            if transfer is None:
                report(fee.on, "transfer_fee_without_transfer", section, "no extension that day")
            elif (transfer.to_date - transfer.from_date).days < min_days:
                days = (transfer.to_date - transfer.from_date).days
                report(
                    fee.on,
                    "transfer_fee_short_extension",
                    section,
                    f"fee {_euros(fee.amount)} for an extension of {days} days "
                    f"({transfer.from_date} → {transfer.to_date}); at least {min_days} earn one",
                )
    for number, fee in enumerate(demand_fees, start=1):
        if fee.step in DEMANDS:
            number = DEMANDS.index(fee.step) + 1
        allowed, section = law.demand_fee_count(kind)
        if number > allowed:
            report(
                fee.on,
                "demand_fee_count",
                section,
                f"demand fee number {number}; fees for at most {allowed}",
            )
            continue
        cap = law.demand_fee_cap(kind, principal, number)
        if fee.amount > cap.amount:
            report(
                fee.on,
                "demand_fee_cap",
                cap.section,
                f"demand {number} fee {_euros(fee.amount)} > {_euros(cap.amount)} "
                f"(principal {_euros(principal)})",
            )
    allowed, section = law.plan_fee_count(kind, principal)
    for number, fee in enumerate(plan_fees, start=1):
        if number > allowed:
            report(
                fee.on,
                "plan_fee_count",
                section,
                f"plan fee number {number}; at most {allowed} for principal {_euros(principal)}",
            )
        plan = _plan_for(h, fee)
        if plan is None:
            report(fee.on, "plan_fee_without_plan", section, "no payment plan for this fee")
            continue
        cap = law.plan_fee_cap(kind, principal, plan.installments)
        if fee.amount > cap.amount:
            report(
                fee.on,
                "plan_fee_cap",
                cap.section,
                f"plan fee {_euros(fee.amount)} > {_euros(cap.amount)} "
                f"({plan.installments} instalments, principal {_euros(principal)})",
            )
    sc = law.STANDARD_COMPENSATION
    for number, fee in enumerate(compensations, start=1):
        if kind == law.CONSUMER:
            report(
                fee.on,
                "standard_compensation_consumer",
                sc.section,
                "standard compensation is for commercial payments (30/2013 1 §), not a consumer",
            )
            continue
        if number > 1:
            report(fee.on, "standard_compensation_twice", sc.section, "charged more than once")
        if fee.amount > sc.amount:
            report(
                fee.on,
                "standard_compensation_cap",
                sc.section,
                f"{_euros(fee.amount)} > {_euros(sc.amount)}",
            )
        if fee.on <= due_date_at(h, fee.at):
            report(
                fee.on,
                "standard_compensation_before_delay",
                sc.section,
                "charged before any late-payment interest was due",
            )


def _transfer_for(h: InvoiceHistory, fee: Fee):
    same_day = [t for t in h.transfers if t.on == fee.on and t.at <= fee.at + timedelta(hours=1)]
    return max(same_day, key=lambda t: t.at) if same_day else None


def _plan_for(h: InvoiceHistory, fee: Fee):
    if fee.plan_id is not None:
        return next((p for p in h.plans if p.id == fee.plan_id), None)
    before = [p for p in h.plans if p.on <= fee.on]
    return max(before, key=lambda p: p.at) if before else None


# --- Total caps and the standard compensation --------------------------------------------


def _totals(h: InvoiceHistory, costs: list[Fee], steps: list[Step], report) -> None:
    cap = law.total_cost_cap(h.kind, h.principal)
    running = ZERO
    for fee in costs:
        if h.kind == law.BUSINESS and fee.kind == STANDARD_COMPENSATION:
            continue  # 10 h § 3 mom: the total cap does not limit the 40 €
        running += fee.amount
        if running > cap.amount:
            report(
                fee.on,
                "total_cost_cap",
                cap.section,
                f"{fee.kind} {_euros(fee.amount)} brings the collection costs to "
                f"{_euros(running)} > {_euros(cap.amount)} (principal {_euros(h.principal)})",
            )
    compensations = [f for f in costs if f.kind == STANDARD_COMPENSATION]
    if h.kind != law.BUSINESS or not compensations:
        return
    # 10 i §: besides the 40 €, other costs only as far as they exceed 40 €. The others'
    # own amounts are at most their caps, so the lawful whole is at most max(40, their caps).
    others_cap = ZERO
    counted_demands = 0
    for step in steps:
        if step.step in REMINDERS:
            others_cap += law.reminder_fee_cap(h.kind).amount
        elif step.step in DEMANDS and counted_demands < 2:
            counted_demands += 1
            others_cap += law.demand_fee_cap(h.kind, h.principal, counted_demands).amount
    # Plan and extension fees are 10 § costs too, counted like the letters at the most the
    # act allows for them (10 e § 1 mom 5–6 k, 10 g § 2 mom), not at what was charged: the
    # charged amount is what is left after the offset, so counting it would offset them twice
    # ("vain siltä osin kuin niiden määrä ylittää vakiokorvauksen määrän", 10 i §).
    allowed_plans, _ = law.plan_fee_count(h.kind, h.principal)
    plans = 0
    for fee in costs:
        if fee.kind == PLAN_FEE:
            plan = _plan_for(h, fee)
            plans += 1
            if plan is None or plans > allowed_plans:
                others_cap += fee.amount
            else:
                others_cap += law.plan_fee_cap(h.kind, h.principal, plan.installments).amount
        elif fee.kind == TRANSFER_FEE:
            transfer = _transfer_for(h, fee)
            min_days, _ = law.TRANSFER_MIN_DAYS[h.kind]
            if transfer is not None and (transfer.to_date - transfer.from_date).days >= min_days:
                others_cap += law.transfer_fee_cap(h.kind).amount
            else:
                others_cap += fee.amount
    running = ZERO
    allowed = max(law.STANDARD_COMPENSATION.amount, others_cap)
    for fee in costs:
        running += fee.amount
        if running > allowed and any(c.at <= fee.at for c in compensations):
            report(
                fee.on,
                "standard_compensation_offset",
                law.STANDARD_COMPENSATION.section,
                f"40 € standard compensation plus other costs come to {_euros(running)}; "
                f"other costs count only beyond 40 € (at most {_euros(allowed)} in all)",
            )
            break


# --- Letters and their time limits -------------------------------------------------------


def _letters(h: InvoiceHistory, costs: list[Fee], steps: list[Step], report) -> None:
    letters = _letter_steps(steps)
    consumer = h.kind == law.CONSUMER
    sent_on = h.sent_on or h.issue_date
    reminders_before: list[Step] = []
    previous: Step | None = None
    for letter in letters:
        due = due_date_at(h, letter.at)
        fee_bearing = _fee_bearing(letter, costs)
        if letter.on <= due:
            report(
                letter.on,
                "letter_before_delay",
                law.DEMAND_SECTION if letter.step in DEMANDS else law.REMINDER_FEE_SECTION,
                f"{letter.step} on {letter.on}, the due date {due} had not passed",
            )
        if letter.step in DEMANDS:
            after_due = [r for r in reminders_before if r.on > h.original_due_date]
            if not after_due:
                report(
                    letter.on,
                    "demand_without_reminder",
                    law.DEMAND_SECTION if consumer else f"{law.DEMAND_SECTION}; DESIGN.md: B2B too",
                    f"{letter.step} with no payment reminder after the due date before it",
                )
            elif consumer and (letter.on - after_due[0].on).days < law.DEMAND_AFTER_REMINDER_DAYS:
                report(
                    letter.on,
                    "demand_too_soon_after_reminder",
                    law.DEMAND_SECTION,
                    f"{letter.step} {(letter.on - after_due[0].on).days} days after the "
                    f"reminder of {after_due[0].on}; at least {law.DEMAND_AFTER_REMINDER_DAYS}",
                )
        if fee_bearing and consumer:
            if letter.step in REMINDERS and previous is None:
                if (h.original_due_date - sent_on).days < law.INVOICE_SENT_BEFORE_DUE_DAYS:
                    report(
                        letter.on,
                        "reminder_fee_invoice_sent_late",
                        law.REMINDER_FEE_SECTION,
                        f"reminder fee though the invoice was sent {sent_on}, "
                        f"{(h.original_due_date - sent_on).days} days before its due date "
                        f"{h.original_due_date}; at least {law.INVOICE_SENT_BEFORE_DUE_DAYS}",
                    )
                if (letter.on - due).days < law.REMINDER_FEE_AFTER_DUE_DAYS:
                    report(
                        letter.on,
                        "reminder_fee_too_soon",
                        law.REMINDER_FEE_SECTION,
                        f"reminder fee {(letter.on - due).days} days after the due date {due}",
                    )
            if previous is not None and (
                (letter.on - previous.on).days < law.CONSUMER_NEW_LETTER_DAYS
            ):
                report(
                    letter.on,
                    "new_letter_fee_too_soon",
                    law.CONSUMER_NEW_LETTER_SECTION,
                    f"{letter.step} fee {(letter.on - previous.on).days} days after the "
                    f"{previous.step} of {previous.on}",
                )
            base = max(previous.on, due) if previous is not None else due
            since = previous.step if previous and previous.on >= due else "due date"
            if (letter.on - base).days < law.OMBUDSMAN_EARLIEST_DAY:
                report(
                    letter.on,
                    "ombudsman_day_15",
                    law.OMBUDSMAN,
                    f"fee-bearing {letter.step} on day {(letter.on - base).days} after "
                    f"the {since} "
                    f"({base}); the earliest is day {law.OMBUDSMAN_EARLIEST_DAY}",
                )
        if (
            fee_bearing
            and not consumer
            and previous is not None
            and (letter.on - previous.on).days < law.BUSINESS_NEW_LETTER_DAYS
        ):
            report(
                letter.on,
                "business_new_letter_fee_too_soon",
                law.BUSINESS_NEW_LETTER_SECTION,
                f"{letter.step} fee {(letter.on - previous.on).days} days after the "
                f"{previous.step} of {previous.on}; at least {law.BUSINESS_NEW_LETTER_DAYS}",
            )
        if letter.step in REMINDERS:
            reminders_before.append(letter)
        previous = letter
    if not consumer:
        return
    slowest = max(law.RECEIVED_AT_THE_LATEST_DAYS.values())
    received = law.RECEIVED_AT_THE_LATEST_DAYS.get(h.channel, slowest)
    for letter in steps:
        if letter.step == LEGAL:
            continue
        if letter.pay_by is None:
            report(letter.on, "letter_without_payment_time", law.OMBUDSMAN, f"{letter.step}")
            continue
        received_on = letter.on + timedelta(days=received)
        if (letter.pay_by - received_on).days < law.OMBUDSMAN_PAYMENT_DAYS:
            report(
                letter.on,
                "ombudsman_payment_time",
                f"{law.OMBUDSMAN}; {law.RECEIVED_SOURCE}",
                f"{letter.step} sent {letter.on} by {h.channel}, received by {received_on} at "
                f"the latest, pay by {letter.pay_by}: {(letter.pay_by - received_on).days} days "
                f"to pay and object; at least {law.OMBUDSMAN_PAYMENT_DAYS}",
            )


def _legal_handover(h: InvoiceHistory, steps: list[Step], report) -> None:
    if h.kind != law.CONSUMER:
        return
    for legal in (s for s in steps if s.step == LEGAL):
        # 6 § 2 mom 2 k: after a dispute or a stop request the creditor may go to court at once.
        if any(d.start <= legal.at for d in h.disputes) or any(
            t <= legal.at for t in h.stop_requests
        ):
            continue
        demands = [s for s in steps if s.step in DEMANDS and s.at < legal.at]
        if not demands:
            report(legal.on, "legal_without_demand", law.LEGAL_SECTION, "no payment demand before")
            continue
        last = demands[-1]
        if last.pay_by is None or legal.on <= last.pay_by:
            report(
                legal.on,
                "legal_before_demand_deadline",
                law.LEGAL_SECTION,
                f"handed over {legal.on}; the {last.step} of {last.on} gave until {last.pay_by}",
            )


# --- 11 a § 2 mom -------------------------------------------------------------------------


def _allocation_order(h: InvoiceHistory, report) -> None:
    if h.kind != law.CONSUMER:
        return
    interest = [f for f in h.fees if f.kind == INTEREST]
    paid = {"principal": ZERO, "interest": ZERO, "costs": ZERO}
    for part in sorted(h.allocations, key=lambda a: (a.at, a.payment, a.seq)):
        if part.component == "costs":
            principal_left = h.principal - paid["principal"]
            booked = sum((f.amount for f in interest if f.at <= part.at), ZERO)
            interest_left = booked - paid["interest"]
            if principal_left > 0 or interest_left > 0:
                report(
                    part.paid_on,
                    "allocation_costs_first",
                    f"{law.PERINTALAKI} 11 a § 2 mom (31/2013)",
                    f"payment {part.payment}: {_euros(part.amount)} to costs while "
                    f"{_euros(max(principal_left, ZERO))} of capital and "
                    f"{_euros(max(interest_left, ZERO))} of interest were unpaid",
                )
        paid[part.component] = paid.get(part.component, ZERO) + part.amount


# --- Limitation ---------------------------------------------------------------------------


def _limitation(h: InvoiceHistory, costs: list[Fee], steps: list[Step], report) -> None:
    # (moment, day, what, interrupts, is a collection act)
    acts: list[tuple[datetime, date, str, bool, bool]] = []
    for step in steps:
        acts.append((step.at, step.on, step.step, step.step != LEGAL, True))
    for fee in h.fees:
        acts.append((fee.at, fee.on, f"{fee.kind} {_euros(fee.amount)}", False, True))
    for plan in h.plans:
        acts.append((plan.at, plan.on, "payment plan", True, True))
    for transfer in h.transfers:
        acts.append((transfer.at, transfer.on, "due-date extension", True, False))
    payments: dict[int, tuple[datetime, date]] = {}
    for part in h.allocations:
        if part.payment not in payments or part.at < payments[part.payment][0]:
            payments[part.payment] = (part.at, part.paid_on)
    for payment, (at, paid_on) in payments.items():
        acts.append((at, paid_on, f"payment {payment}", True, False))
    acts.sort(key=lambda act: act[0])
    barred = law.barred_from(h.original_due_date)
    for at, on, what, interrupts, collects in acts:
        if on >= barred:
            if collects:
                report(
                    on,
                    "statute_barred",
                    law.LIMITATION_SECTION,
                    f"{what} on a debt barred from {barred}",
                )
            continue
        if interrupts:
            barred = max(barred, law.barred_from(on))
        if what == "due-date extension":
            barred = max(barred, law.barred_from(due_date_at(h, at)))


# --- 4 b § and 4 c § ----------------------------------------------------------------------


def _dispute_and_stop(h: InvoiceHistory, costs: list[Fee], steps: list[Step], report) -> None:
    for step in steps:
        if step.step == LEGAL:
            continue  # 6 § 2 mom 2 k: a disputed debt may go to court
        if any(d.covers(step.at) for d in h.disputes):
            report(
                step.on,
                "collection_while_disputed",
                f"{law.PERINTALAKI} 4 b § 1 mom",
                f"{step.step} while the debtor disputed the debt",
            )
    for fee in costs:
        if any(d.covers(fee.at) for d in h.disputes):
            report(
                fee.on,
                "cost_while_disputed",
                f"{law.PERINTALAKI} 4 b §, 10 § 3 mom",
                f"{fee.kind} {_euros(fee.amount)} while the debtor disputed the debt",
            )
    if h.kind != law.CONSUMER or not h.stop_requests:
        return
    stopped = min(h.stop_requests)
    for fee in costs:
        if fee.at > stopped:
            report(
                fee.on,
                "cost_after_stop_request",
                f"{law.PERINTALAKI} 4 c § 2 mom",
                f"{fee.kind} {_euros(fee.amount)} after the debtor asked on "
                f"{stopped.date()} to stop voluntary collection",
            )


def _nothing_owed(h: InvoiceHistory, steps: list[Step], report) -> None:
    for step in steps:
        booked = sum((f.amount for f in h.fees if f.at < step.at), ZERO)
        paid = sum((a.amount for a in h.allocations if a.at < step.at), ZERO)
        if h.principal + booked - paid <= 0:
            report(
                step.on,
                "collection_of_nothing",
                f"{law.PERINTALAKI} 4 § 2 mom 1–2 k",
                f"{step.step} though nothing was owed",
            )


# --- Interest -----------------------------------------------------------------------------


def _rate_on(h: InvoiceHistory, day: date) -> Decimal | None:
    for rate in h.rates:
        if rate.start <= day <= rate.end:
            return rate.rate
    return None


def expected_interest(h: InvoiceHistory, first: date, last: date) -> tuple[Decimal, list[str]]:
    """The statute's interest for `first`..`last`, and why any of those days earns none."""
    margin, _section = law.INTEREST_MARGIN[h.kind]
    principal_parts = sorted(
        (a.paid_on, a.amount) for a in h.allocations if a.component == "principal"
    )
    problems: list[str] = []
    with localcontext() as ctx:
        ctx.prec = 34
        total = Decimal(0)
        for day in law.each_day(first, last):
            unpaid = h.principal - sum((amt for on, amt in principal_parts if on < day), ZERO)
            if unpaid <= 0:
                problems.append(f"{day}: no unpaid capital")
                continue
            due = due_date_on_day(h, day)
            if day <= due:
                problems.append(f"{day}: not a day of delay (due {due})")
                continue
            rate = _rate_on(h, day)
            if rate is None:
                problems.append(f"{day}: no reference rate entered")
                continue
            total += unpaid * (rate + margin) / Decimal(100) / Decimal(law.days_in_year(day))
    return total.quantize(CENT, rounding=ROUND_HALF_UP), problems


def _interest(h: InvoiceHistory, report) -> None:
    margin, section = law.INTEREST_MARGIN[h.kind]
    section = f"{section}, 12 § (reference rate + {margin} pp, actual/actual)"
    covered: dict[date, Fee] = {}
    for fee in sorted((f for f in h.fees if f.kind == INTEREST), key=lambda f: f.at):
        if fee.period is None:
            report(fee.on, "interest_without_period", section, f"{_euros(fee.amount)}")
            continue
        first, last = fee.period
        if last > fee.on:
            report(fee.on, "interest_in_advance", section, f"booked {fee.on} through {last}")
        twice = [day for day in law.each_day(first, last) if day in covered]
        if twice:
            report(
                fee.on,
                "interest_twice",
                section,
                f"{len(twice)} days from {twice[0]} were charged already",
            )
        for day in law.each_day(first, last):
            covered.setdefault(day, fee)
        expected, problems = expected_interest(h, first, last)
        if abs(fee.amount - expected) > CENT:
            why = f"; {problems[0]} (+{len(problems) - 1} more days)" if problems else ""
            report(
                fee.on,
                "interest_amount",
                section,
                f"{_euros(fee.amount)} for {first}–{last}, the statute gives {_euros(expected)}"
                f"{why}",
            )
