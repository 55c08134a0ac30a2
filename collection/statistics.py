"""Collection statistics per creditor and overall, as in the seeds' figures; the one
implementation behind the staff admin's table and the creditor portal's statistics page.

Ropo's 2021 figures (DESIGN.md): ≈ 94 % paid without a reminder, ≈ 6 % reminded, < 3 % in
collection, ≈ 0.4 % in legal collection; average payment delay 1.8 days after the due date and
average payment time 19.3 days from the invoice date; e-invoices ≈ 90 % and paper ≈ 75 % paid
without a reminder.

The population is every invoice whose due date has passed (and, for a period, falls in it),
credited ones left out. An invoice counts as reminded (in collection, in legal collection) if
it ever reached that stage: by its timeline, through the flags the collection cycle keeps on
the invoice with each reminder, collection or legal event (`Invoice.ever_*`), or by its
current stage. The payment date is the latest payment allocated to a paid
invoice: `Invoice.last_payment_on`, which payments keeps with the allocations (read from the
row, not by joining every allocation and payment at query time).

Set-based: one pass over the population grouped by stage and delivery channel (creditor too
for the admin's table) with FILTER aggregates, the payment times included; the totals, the
stage table and the channel table are sums of those few groups, so the averages are carried
as sums and counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)

from collection import hooks
from invoices.models import DeliveryChannel, Invoice, Stage

ONE_DECIMAL = Decimal("0.1")


def share(count: int, total: int) -> Decimal:
    """`count` as a percentage of `total` to one decimal (0.0 of nothing)."""
    if not total:
        return Decimal("0.0")
    return (Decimal(100) * count / total).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _average_days(total: timedelta | None, count: int) -> Decimal | None:
    if total is None or not count:
        return None
    return (Decimal(total.total_seconds()) / 86400 / count).quantize(ONE_DECIMAL, ROUND_HALF_UP)


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
    # (stage, label, invoices) for every stage, and one row per delivery channel.
    by_stage: list[tuple[str, str, int]] = field(default_factory=list)
    by_channel: list[ChannelRow] = field(default_factory=list)

    def share(self, count: int) -> Decimal:
        return share(count, self.invoices)

    pct = share

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


@dataclass(frozen=True)
class PeriodStatistics(CollectionStatistics):
    """One creditor's figures over the invoices due in a period, with the money collected
    per month of payment in it."""

    start: date | None = None
    end: date | None = None
    collected_by_month: list[tuple[date, Decimal]] = field(default_factory=list)


def _lookups(
    today: date,
    *,
    creditor_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, object]:
    """The population as Invoice lookups (credited invoices are left out separately)."""
    lookups: dict[str, object] = {"due_date__lt": today}
    if creditor_id is not None:
        lookups["creditor_id"] = creditor_id
    if start is not None:
        lookups["due_date__gte"] = start
    if end is not None:
        lookups["due_date__lte"] = end
    return lookups


def _days(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _counts() -> dict:
    # The flags and the stage are both in the covering index: the pass reads nothing else.
    reminded = Q(ever_reminded=True) | Q(stage__in=(Stage.REMINDED, Stage.COLLECTION, Stage.LEGAL))
    collection = Q(ever_in_collection=True) | Q(stage__in=(Stage.COLLECTION, Stage.LEGAL))
    legal = Q(ever_in_legal=True) | Q(stage=Stage.LEGAL)
    paid = Q(stage=Stage.PAID, last_payment_on__isnull=False)
    return {
        "invoices": Count("pk"),
        "reminded": Count("pk", filter=reminded),
        "in_collection": Count("pk", filter=collection),
        "in_legal": Count("pk", filter=legal),
        # The payment times of the paid invoices that have payments (a paid invoice without
        # any was settled otherwise and has no payment day).
        "paid": Count("pk", filter=paid),
        "delay": Sum(_days("last_payment_on", "due_date"), filter=paid),
        "payment_time": Sum(_days("last_payment_on", "issue_date"), filter=paid),
    }


COUNTS = ("invoices", "reminded", "in_collection", "in_legal", "paid")


def _groups(lookups: dict[str, object], *keys: str) -> QuerySet:
    """One row per (keys…, stage, delivery channel) with the counts: the one pass."""
    return (
        Invoice.objects.filter(**lookups)
        .exclude(stage=Stage.CREDITED)
        .order_by()
        .values(*keys, "stage", "delivery_channel")
        .annotate(**_counts())
    )


def _fold(rows: Iterable[dict]) -> dict:
    total = dict.fromkeys(COUNTS, 0)
    sums: dict[str, timedelta | None] = {"delay": None, "payment_time": None}
    stages: dict[str, int] = defaultdict(int)
    channels: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    total["paid_before_reminder"] = 0
    for row in rows:
        for name in COUNTS:
            total[name] += row[name]
        # The groups are per stage: in the paid group, those not reminded were paid before a
        # reminder (a second reference to the reminder set would build and probe it again).
        clean = row["invoices"] - row["reminded"] if row["stage"] == Stage.PAID else 0
        total["paid_before_reminder"] += clean
        for name, value in sums.items():
            if row[name] is not None:
                sums[name] = row[name] if value is None else value + row[name]
        stages[row["stage"]] += row["invoices"]
        channel = channels[row["delivery_channel"]]
        channel[0] += row["invoices"]
        channel[1] += clean
    paid = total.pop("paid")
    return {
        **total,
        "average_delay_days": _average_days(sums["delay"], paid),
        "average_payment_days": _average_days(sums["payment_time"], paid),
        "by_stage": [(value, str(label), stages.get(value, 0)) for value, label in Stage.choices],
        "by_channel": [
            ChannelRow(value, str(label), *channels.get(value, (0, 0)))
            for value, label in DeliveryChannel.choices
        ],
    }


@contextmanager
def _reporting() -> Iterator[None]:
    """Settings for aggregates over up to a million rows, for this transaction only.

    JIT compilation of such a plan took 0.3–7 s in bench/creditor_stats.py, longer than the
    query it compiled; the per-invoice hash joins spill to disk with the default 4 MB.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        yield


def _figures(lookups: dict[str, object]) -> dict:
    return _fold(_groups(lookups))


def collection_statistics(today: date, *, creditor_id: int | None = None) -> CollectionStatistics:
    """The figures over all invoices, or one creditor's."""
    lookups = _lookups(today, creditor_id=creditor_id)
    with _reporting():
        figures = _figures(lookups)
    return CollectionStatistics(creditor_id=creditor_id, creditor_name="", **figures)


def collection_statistics_by_creditor(today: date) -> list[CollectionStatistics]:
    """The figures of each creditor with invoices past due, by creditor name."""
    lookups = _lookups(today)
    per_creditor: dict[tuple[int, str], list[dict]] = defaultdict(list)
    with _reporting():
        rows = _groups(lookups, "creditor_id", "creditor__name")
        # The database's collation orders the names; the dict keeps that order.
        for row in rows.order_by("creditor__name", "creditor_id"):
            per_creditor[row["creditor_id"], row["creditor__name"]].append(row)
        return [
            CollectionStatistics(creditor_id=creditor_id, creditor_name=name, **_fold(rows))
            for (creditor_id, name), rows in per_creditor.items()
        ]


def period_statistics(creditor_id: int, *, start: date, end: date, today: date) -> PeriodStatistics:
    """One creditor's figures over the invoices due from `start` to `end` (and before today),
    and the money allocated to its invoices per month of payment in the period."""
    lookups = _lookups(today, creditor_id=creditor_id, start=start, end=end)
    with _reporting():
        figures = _figures(lookups)
        collected_by_month = hooks.collected_by_month(creditor_id, start, end)
    return PeriodStatistics(
        creditor_id=creditor_id,
        creditor_name="",
        start=start,
        end=end,
        collected_by_month=collected_by_month,
        **figures,
    )
