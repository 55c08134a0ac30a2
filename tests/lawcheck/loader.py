"""Reads invoices' histories from the database into the checker's plain data.

Only data plumbing lives here: which table holds which fact and how its keys are spelled.
No rule of law and no engine constant: the models are found by name through the app registry
(the collection engine moves from `invoices` to `collection`), and fields that the engine
does not have yet (the invoice's sent date, its delivery channel, stop requests) are read when
they exist and default to the debtor-friendliest reading otherwise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from tests.lawcheck.history import (
    Allocation,
    Fee,
    Interval,
    InvoiceHistory,
    Plan,
    Rate,
    Step,
    Transfer,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
_STEP_OF_KEY = {
    "reminder:1": "reminder_1",
    "reminder:2": "reminder_2",
    "demand:1": "demand_1",
    "demand:2": "demand_2",
}
_PLAN_KEY = re.compile(r"^plan:(\d+)$")
_STEP_KEY = re.compile(r"^(?:fee:)?(reminder_[12]|demand_[12]|legal_notice|legal)(?::.*)?$")


def model(name: str, *labels: str):
    """The model `name` from the first app label that has it."""
    for label in (*labels, "collection", "invoices", "arrangements", "payments"):
        try:
            return apps.get_model(label, name)
        except LookupError:
            continue
    return None


def _has_field(model_class, name: str) -> bool:
    try:
        model_class._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _day(at: datetime):
    return at.astimezone(HELSINKI).date()


def _step_of(key: str) -> str | None:
    if key in _STEP_OF_KEY:
        return _STEP_OF_KEY[key]
    match = _STEP_KEY.match(key)
    return match.group(1) if match else None


def _channel(invoice) -> str:
    for name in ("delivery_channel", "channel", "delivery_method"):
        value = getattr(invoice, name, None)
        if value:
            value = str(value).lower()
            if "mail" in value and "e" in value[:2]:
                return "email"
            if "invoice" in value or value.startswith("e-") or value == "finvoice":
                return "einvoice"
            return "letter" if "letter" in value or "post" in value or "paper" in value else value
    return "letter"


def histories(invoice_ids: Iterable[int] | None = None) -> list[InvoiceHistory]:
    Invoice = model("Invoice", "invoices")
    Charge = model("Charge")
    CollectionStep = model("CollectionStep")
    Letter = model("Letter")
    ReferenceRate = model("ReferenceRate")
    AllocationModel = model("Allocation", "payments")
    DueDateTransfer = model("DueDateTransfer", "arrangements")
    PlanInvoice = model("PlanInvoice", "arrangements")
    InvoiceEvent = model("InvoiceEvent", "invoices")

    invoices = Invoice.objects.all().order_by("id")
    if invoice_ids is not None:
        invoices = invoices.filter(id__in=list(invoice_ids))
    ids = list(invoices.values_list("id", flat=True))
    rates = [Rate(r.start, r.end, r.rate) for r in ReferenceRate.objects.order_by("start")]

    fees = defaultdict(list)
    for c in Charge.objects.filter(invoice_id__in=ids).order_by("created_at", "id"):
        key = c.idempotency_key or ""
        plan = _PLAN_KEY.match(key)
        period = (c.period_start, c.period_end) if c.period_start and c.period_end else None
        fees[c.invoice_id].append(
            Fee(
                kind=c.kind,
                amount=c.amount,
                on=c.booked_on,
                at=c.created_at,
                step=_step_of(key),
                period=period,
                plan_id=int(plan.group(1)) if plan else None,
                ref=f"charge {c.pk} {key}",
            )
        )

    pay_by = {
        (letter.invoice_id, letter.step): letter.due_date
        for letter in Letter.objects.filter(invoice_id__in=ids).only(
            "invoice_id", "step", "due_date"
        )
    }
    steps = defaultdict(list)
    for s in CollectionStep.objects.filter(invoice_id__in=ids).order_by("created_at", "id"):
        steps[s.invoice_id].append(
            Step(s.step, s.taken_on, s.created_at, pay_by.get((s.invoice_id, s.step)))
        )

    allocations = defaultdict(list)
    for a in (
        AllocationModel.objects.filter(invoice_id__in=ids)
        .select_related("payment")
        .order_by("created_at", "id")
    ):
        allocations[a.invoice_id].append(
            Allocation(a.payment_id, a.component, a.amount, a.payment.paid_on, a.created_at, a.pk)
        )

    transfers = defaultdict(list)
    for t in DueDateTransfer.objects.filter(invoice_id__in=ids).order_by("created_at", "id"):
        transfers[t.invoice_id].append(
            Transfer(_day(t.created_at), t.created_at, t.from_date, t.to_date)
        )

    plans = defaultdict(list)
    for entry in PlanInvoice.objects.filter(invoice_id__in=ids).select_related("plan"):
        plan = entry.plan
        plans[entry.invoice_id].append(
            Plan(plan.pk, _day(plan.created_at), plan.created_at, plan.installments.count())
        )

    disputes = _disputes(ids, InvoiceEvent)
    stops = _stop_requests(ids, InvoiceEvent)

    result = []
    sent_field = next(
        (name for name in ("sent_on", "sent_date", "sent_at") if _has_field(Invoice, name)), None
    )
    for invoice in invoices:
        sent = getattr(invoice, sent_field) if sent_field else None
        if isinstance(sent, datetime):
            sent = _day(sent)
        result.append(
            InvoiceHistory(
                id=invoice.pk,
                kind="consumer" if invoice.debtor_type == "consumer" else "business",
                principal=invoice.principal,
                issue_date=invoice.issue_date,
                original_due_date=invoice.original_due_date,
                sent_on=sent,
                channel=_channel(invoice),
                fees=fees[invoice.pk],
                steps=steps[invoice.pk],
                allocations=allocations[invoice.pk],
                transfers=transfers[invoice.pk],
                plans=plans[invoice.pk],
                disputes=disputes.get(invoice.pk, []),
                stop_requests=stops.get(invoice.pk, []),
                rates=rates,
            )
        )
    return result


def _disputes(ids: list[int], InvoiceEvent) -> dict[int, list[Interval]]:
    """Dispute intervals: a Dispute model when the engine has one, else the timeline's
    dispute events (data {"disputed": true} opens one, {"disputed": false} closes it)."""
    Dispute = model("Dispute")
    result: dict[int, list[Interval]] = defaultdict(list)
    if Dispute is not None and _has_field(Dispute, "invoice"):
        start = next(n for n in ("opened_at", "created_at", "started_at") if _has_field(Dispute, n))
        end = next(
            (n for n in ("resolved_at", "closed_at", "ended_at") if _has_field(Dispute, n)), None
        )
        for d in Dispute.objects.filter(invoice_id__in=ids):
            result[d.invoice_id].append(
                Interval(getattr(d, start), getattr(d, end) if end else None)
            )
        return result
    open_since: dict[int, datetime] = {}
    for event in InvoiceEvent.objects.filter(invoice_id__in=ids, kind="dispute").order_by(
        "created_at", "id"
    ):
        data = event.data or {}
        # {"disputed": true/false} (staff's own record) or the message centre's
        # {"state": "open"} opening and "accepted" / "rejected" closing it.
        disputed = data["disputed"] if "disputed" in data else data.get("state", "open") == "open"
        if disputed and event.invoice_id not in open_since:
            open_since[event.invoice_id] = event.created_at
        elif not disputed and event.invoice_id in open_since:
            result[event.invoice_id].append(
                Interval(open_since.pop(event.invoice_id), event.created_at)
            )
    for invoice_id, since in open_since.items():
        result[invoice_id].append(Interval(since))
    return result


def _stop_requests(ids: list[int], InvoiceEvent) -> dict[int, list[datetime]]:
    """4 c § requests: the rows of a model of their own when the engine has one, and the
    timeline events whose data says {"stop_request": true} (a request written down either
    way counts: the checker takes the earliest)."""
    result: dict[int, list[datetime]] = defaultdict(list)
    for name in ("StopRequest", "CollectionStopRequest", "StopCollectionRequest"):
        Stop = model(name)
        if Stop is not None and _has_field(Stop, "invoice"):
            at = next(n for n in ("requested_at", "created_at") if _has_field(Stop, n))
            for s in Stop.objects.filter(invoice_id__in=ids):
                result[s.invoice_id].append(getattr(s, at))
            break
    for event in InvoiceEvent.objects.filter(invoice_id__in=ids, data__stop_request=True):
        requested = (event.data or {}).get("requested_at")
        result[event.invoice_id].append(
            datetime.fromisoformat(requested) if requested else event.created_at
        )
    return result
