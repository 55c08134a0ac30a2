"""A creditor's statistics over a chosen period, as in the seeds' figures (DESIGN.md): invoices
by stage, the share paid before a reminder / reminded / in collection / in legal collection,
the average payment delay and payment time, e-invoice vs paper paid without a reminder, and
the money collected per month.

Set-based: one aggregate query per figure group, whatever the number of invoices. The
population and its definitions are those of `collection.statistics`: invoices due in the
period and before today, credited ones left out; "reminded" (in collection, in legal) means
ever reached that stage, by the timeline or the current stage.
"""

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
    Sum,
)
from django.db.models.functions import TruncMonth

from collection import hooks
from invoices.models import (
    Creditor,
    DeliveryChannel,
    EventKind,
    Invoice,
    InvoiceEvent,
    Stage,
)
from payments.models import Allocation

ONE_DECIMAL = Decimal("0.1")


def share(count: int, total: int) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (Decimal(100) * count / total).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _days(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / 86400).quantize(ONE_DECIMAL, ROUND_HALF_UP)


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    label: str
    invoices: int
    paid_without_reminder: int

    @property
    def pct(self) -> Decimal:
        return share(self.paid_without_reminder, self.invoices)


@dataclass(frozen=True)
class Statistics:
    start: date
    end: date
    invoices: int
    paid_before_reminder: int
    reminded: int
    in_collection: int
    in_legal: int
    average_delay_days: Decimal | None
    average_payment_days: Decimal | None
    by_stage: list[tuple[str, str, int]]
    by_channel: list[ChannelRow]
    collected_by_month: list[tuple[date, Decimal]]

    def pct(self, count: int) -> Decimal:
        return share(count, self.invoices)

    @property
    def paid_before_reminder_pct(self) -> Decimal:
        return self.pct(self.paid_before_reminder)

    @property
    def reminded_pct(self) -> Decimal:
        return self.pct(self.reminded)

    @property
    def in_collection_pct(self) -> Decimal:
        return self.pct(self.in_collection)

    @property
    def in_legal_pct(self) -> Decimal:
        return self.pct(self.in_legal)


def _ever(kind: str) -> Exists:
    return Exists(InvoiceEvent.objects.filter(invoice=OuterRef("pk"), kind=kind))


def _population(creditor: Creditor, start: date, end: date, today: date) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(
            creditor=creditor, due_date__gte=start, due_date__lte=end, due_date__lt=today
        )
        .exclude(stage=Stage.CREDITED)
        .annotate(
            ever_reminded=_ever(EventKind.REMINDER),
            ever_collection=_ever(EventKind.COLLECTION),
            ever_legal=_ever(EventKind.LEGAL),
            paid_on=hooks.last_paid_on(),
        )
    )


REMINDED = Q(ever_reminded=True) | Q(stage__in=(Stage.REMINDED, Stage.COLLECTION, Stage.LEGAL))
COLLECTION = Q(ever_collection=True) | Q(stage__in=(Stage.COLLECTION, Stage.LEGAL))
LEGAL = Q(ever_legal=True) | Q(stage=Stage.LEGAL)
PAID_WITHOUT_REMINDER = Q(stage=Stage.PAID) & ~REMINDED


def creditor_statistics(creditor: Creditor, *, start: date, end: date, today: date) -> Statistics:
    population = _population(creditor, start, end, today)
    paid = Q(stage=Stage.PAID, paid_on__isnull=False)
    row = population.aggregate(
        invoices=Count("pk"),
        paid_before_reminder=Count("pk", filter=PAID_WITHOUT_REMINDER),
        reminded=Count("pk", filter=REMINDED),
        in_collection=Count("pk", filter=COLLECTION),
        in_legal=Count("pk", filter=LEGAL),
        delay=Avg(
            ExpressionWrapper(F("paid_on") - F("due_date"), output_field=DurationField()),
            filter=paid,
        ),
        payment_time=Avg(
            ExpressionWrapper(F("paid_on") - F("issue_date"), output_field=DurationField()),
            filter=paid,
        ),
    )
    stage_counts = dict(
        population.order_by().values_list("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    channels = {
        r["delivery_channel"]: r
        for r in population.order_by()
        .values("delivery_channel")
        .annotate(n=Count("pk"), clean=Count("pk", filter=PAID_WITHOUT_REMINDER))
    }
    monthly = (
        Allocation.objects.filter(
            invoice__creditor=creditor,
            payment__paid_on__gte=start,
            payment__paid_on__lte=end,
        )
        .annotate(month=TruncMonth("payment__paid_on"))
        .order_by("month")
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    return Statistics(
        start=start,
        end=end,
        invoices=row["invoices"],
        paid_before_reminder=row["paid_before_reminder"],
        reminded=row["reminded"],
        in_collection=row["in_collection"],
        in_legal=row["in_legal"],
        average_delay_days=_days(row["delay"]),
        average_payment_days=_days(row["payment_time"]),
        by_stage=[(value, label, stage_counts.get(value, 0)) for value, label in Stage.choices],
        by_channel=[
            ChannelRow(
                value,
                str(label),
                channels.get(value, {}).get("n", 0),
                channels.get(value, {}).get("clean", 0),
            )
            for value, label in DeliveryChannel.choices
        ],
        collected_by_month=[(month, total) for month, total in monthly],
    )
