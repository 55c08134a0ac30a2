"""Collection statistics per creditor and overall, as in the seeds' figures.

Ropo's 2021 figures (DESIGN.md): ≈ 94 % paid without a reminder, ≈ 6 % reminded, < 3 % in
collection, ≈ 0.4 % in legal collection; average payment delay 1.8 days after the due date and
average payment time 19.3 days from the invoice date.

The population is every invoice whose due date has passed, credited ones left out. An invoice
counts as reminded (in collection, in legal collection) if it ever reached that stage: by its
timeline (the cycle and older imports both write the events) or by its current stage. The
payment date is the latest payment allocated to a paid invoice. One query per table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from collection import hooks
from invoices.models import EventKind, Invoice, InvoiceEvent, Stage


@dataclass(frozen=True)
class CollectionStatistics:
    creditor_id: int | None
    creditor_name: str
    invoices: int
    paid_before_reminder: int
    reminded: int
    in_collection: int
    in_legal: int
    average_delay_days: Decimal | None
    average_payment_days: Decimal | None

    def share(self, count: int) -> Decimal:
        if not self.invoices:
            return Decimal("0.0")
        return (Decimal(100) * count / self.invoices).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def paid_before_reminder_pct(self) -> Decimal:
        return self.share(self.paid_before_reminder)

    @property
    def reminded_pct(self) -> Decimal:
        return self.share(self.reminded)

    @property
    def in_collection_pct(self) -> Decimal:
        return self.share(self.in_collection)

    @property
    def in_legal_pct(self) -> Decimal:
        return self.share(self.in_legal)


def _ever(kind: EventKind) -> Exists:
    return Exists(InvoiceEvent.objects.filter(invoice=OuterRef("pk"), kind=kind))


def _annotated(today: date) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(due_date__lt=today)
        .exclude(stage=Stage.CREDITED)
        .annotate(
            ever_reminded=_ever(EventKind.REMINDER),
            ever_collection=_ever(EventKind.COLLECTION),
            ever_legal=_ever(EventKind.LEGAL),
            paid_on=hooks.last_paid_on(),
        )
    )


def _aggregates() -> dict:
    reminded = Q(ever_reminded=True) | Q(stage__in=(Stage.REMINDED, Stage.COLLECTION, Stage.LEGAL))
    collection = Q(ever_collection=True) | Q(stage__in=(Stage.COLLECTION, Stage.LEGAL))
    legal = Q(ever_legal=True) | Q(stage=Stage.LEGAL)
    paid = Q(stage=Stage.PAID, paid_on__isnull=False)
    return {
        "invoices": Count("pk"),
        "paid_before_reminder": Count("pk", filter=Q(stage=Stage.PAID) & ~reminded),
        "reminded": Count("pk", filter=reminded),
        "in_collection": Count("pk", filter=collection),
        "in_legal": Count("pk", filter=legal),
        "delay": Avg(
            ExpressionWrapper(F("paid_on") - F("due_date"), output_field=DurationField()),
            filter=paid,
        ),
        "payment_time": Avg(
            ExpressionWrapper(F("paid_on") - F("issue_date"), output_field=DurationField()),
            filter=paid,
        ),
    }


def _days(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / 86400).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _statistics(row: dict, creditor_id: int | None, name: str) -> CollectionStatistics:
    return CollectionStatistics(
        creditor_id=creditor_id,
        creditor_name=name,
        invoices=row["invoices"],
        paid_before_reminder=row["paid_before_reminder"],
        reminded=row["reminded"],
        in_collection=row["in_collection"],
        in_legal=row["in_legal"],
        average_delay_days=_days(row["delay"]),
        average_payment_days=_days(row["payment_time"]),
    )


def collection_statistics(today: date, *, creditor_id: int | None = None) -> CollectionStatistics:
    """The figures over all invoices, or one creditor's."""
    invoices = _annotated(today)
    if creditor_id is not None:
        invoices = invoices.filter(creditor_id=creditor_id)
    return _statistics(invoices.aggregate(**_aggregates()), creditor_id, "")


def collection_statistics_by_creditor(today: date) -> list[CollectionStatistics]:
    """The figures of each creditor with invoices past due, by creditor name."""
    rows = (
        _annotated(today)
        .order_by()
        .values("creditor_id", "creditor__name")
        .annotate(**_aggregates())
        .order_by("creditor__name")
    )
    return [_statistics(row, row["creditor_id"], row["creditor__name"]) for row in rows]
