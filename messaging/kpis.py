"""The service KPIs of the message centre, computed set-based in PostgreSQL.

Definitions (a period is [start, end) in Europe/Helsinki):

- NPS: feedback given in the period; % promoters (9–10) − % detractors (0–6), rounded.
- FCR (first-contact resolution): contacts first resolved in the period, and at least
  FCR_WINDOW_DAYS ago (younger ones are not judged yet), that had exactly one staff answer the
  customer saw before that resolution and were not reopened within FCR_WINDOW_DAYS of it.
  A chat is one answer however many lines the agent wrote.
- First-response time per channel: created in the period and answered; median and 90th
  percentile of first answer − creation, wall-clock hours (`percentile_cont`).
- Answer rate: contacts created in the period that have a first answer.
- Portal share ("e-ratio"): contacts created in the period as MyRopo messages.
- Contacts per month by channel and by classification.

The targets are the seed's figures (seed 004: NPS 49, FCR 80 %, email answer time 69 h,
answer rate 78 %, portal share 15 %).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from messaging.models import (
    AuthorKind,
    Channel,
    Classification,
    Contact,
    Feedback,
    Message,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
FCR_WINDOW_DAYS = 7

TARGETS = {
    "nps": Decimal(49),
    "fcr": Decimal(80),
    "email_response_hours": Decimal(69),
    "answer_rate": Decimal(78),
    "portal_share": Decimal(15),
}


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: percentile_cont(f) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _hours(delta: timedelta | None) -> Decimal | None:
    if delta is None:
        return None
    return (Decimal(delta.total_seconds()) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class ChannelTimes:
    channel: str
    label: str
    answered: int
    median_hours: Decimal | None
    p90_hours: Decimal | None


@dataclass
class Kpis:
    start: date
    end: date  # inclusive, as shown
    nps: int | None
    nps_answers: int
    fcr: Decimal | None
    fcr_resolved: int
    fcr_first_contact: int
    contacts: int
    answered: int
    answer_rate: Decimal | None
    portal: int
    portal_share: Decimal | None
    response_times: list[ChannelTimes]
    months: list[date]
    by_channel: list[tuple[str, str, list[int]]]  # (value, label, count per month)
    by_classification: list[tuple[str, str, list[int]]]
    targets: dict = field(default_factory=lambda: dict(TARGETS))

    @property
    def email_median_hours(self) -> Decimal | None:
        for row in self.response_times:
            if row.channel == Channel.EMAIL:
                return row.median_hours
        return None


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=HELSINKI),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=HELSINKI),
    )


def _monthly(created, dimension: str) -> dict[tuple[date, str], int]:
    rows = (
        created.annotate(month=TruncMonth("created_at", tzinfo=HELSINKI))
        .values("month", dimension)
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(row["month"].date(), row[dimension]): row["n"] for row in rows}
    return counts


def _months(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def compute(start: date, end: date, *, now: datetime | None = None) -> Kpis:
    """Every KPI of the period [start, end] (dates in Helsinki, both included)."""
    now = now or timezone.now()
    since, until = _bounds(start, end)

    scores = Feedback.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        total=Count("pk"),
        promoters=Count("pk", filter=Q(nps__gte=9)),
        detractors=Count("pk", filter=Q(nps__lte=6)),
    )
    nps = None
    if scores["total"]:
        net = Decimal(100) * (scores["promoters"] - scores["detractors"]) / scores["total"]
        nps = int(net.quantize(Decimal(1), ROUND_HALF_UP))

    staff_before = (
        Message.objects.filter(
            contact=OuterRef("pk"),
            author_kind=AuthorKind.STAFF,
            internal=False,
            created_at__lte=OuterRef("first_resolved_at"),
        )
        .order_by()
        .values("contact")
        .annotate(n=Count("pk"))
        .values("n")
    )
    judged = Contact.objects.filter(
        first_resolved_at__gte=since,
        first_resolved_at__lt=until,
        first_resolved_at__lte=now - timedelta(days=FCR_WINDOW_DAYS),
    ).annotate(
        answers=Coalesce(Subquery(staff_before, output_field=IntegerField()), Value(0)),
        one_answer=Case(
            When(channel=Channel.CHAT, answers__gte=1, then=Value(1)),
            When(answers=1, then=Value(1)),
            default=Value(0),
        ),
    )
    fcr_counts = judged.aggregate(
        resolved=Count("pk"),
        first=Count(
            "pk",
            filter=Q(one_answer=1)
            & (
                Q(first_reopened_at__isnull=True)
                | Q(first_reopened_at__gt=F("first_resolved_at") + timedelta(days=FCR_WINDOW_DAYS))
            ),
        ),
    )

    created = Contact.objects.filter(created_at__gte=since, created_at__lt=until)
    totals = created.aggregate(
        contacts=Count("pk"),
        answered=Count("pk", filter=Q(first_response_at__isnull=False)),
        portal=Count("pk", filter=Q(channel=Channel.PORTAL)),
    )
    wait = ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())
    times = {
        row["channel"]: row
        for row in created.filter(first_response_at__isnull=False)
        .values("channel")
        .annotate(
            n=Count("pk"),
            median=PercentileCont(wait, 0.5, output_field=DurationField()),
            p90=PercentileCont(wait, 0.9, output_field=DurationField()),
        )
        .order_by()
    }
    response_times = [
        ChannelTimes(
            channel.value,
            str(channel.label),
            times[channel.value]["n"],
            _hours(times[channel.value]["median"]),
            _hours(times[channel.value]["p90"]),
        )
        for channel in Channel
        if channel.value in times
    ]

    months = _months(start, end)
    per_channel = _monthly(created, "channel")
    per_class = _monthly(created, "classification")

    def series(counts, choices):
        return [
            (choice.value, str(choice.label), [counts.get((m, choice.value), 0) for m in months])
            for choice in choices
            if any(counts.get((m, choice.value)) for m in months)
        ]

    return Kpis(
        start=start,
        end=end,
        nps=nps,
        nps_answers=scores["total"],
        fcr=_percent(fcr_counts["first"], fcr_counts["resolved"]),
        fcr_resolved=fcr_counts["resolved"],
        fcr_first_contact=fcr_counts["first"],
        contacts=totals["contacts"],
        answered=totals["answered"],
        answer_rate=_percent(totals["answered"], totals["contacts"]),
        portal=totals["portal"],
        portal_share=_percent(totals["portal"], totals["contacts"]),
        response_times=response_times,
        months=months,
        by_channel=series(per_channel, Channel),
        by_classification=series(per_class, Classification),
    )


def as_csv(kpis: Kpis) -> str:
    """One tidy table: table, row, column, value (opens in any spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "row", "column", "value"])
    summary = [
        ("nps", kpis.nps, TARGETS["nps"]),
        ("fcr_percent", kpis.fcr, TARGETS["fcr"]),
        ("email_median_response_hours", kpis.email_median_hours, TARGETS["email_response_hours"]),
        ("answer_rate_percent", kpis.answer_rate, TARGETS["answer_rate"]),
        ("portal_share_percent", kpis.portal_share, TARGETS["portal_share"]),
    ]
    for name, value, target in summary:
        writer.writerow(["summary", name, "value", "" if value is None else value])
        writer.writerow(["summary", name, "target", target])
    for row in kpis.response_times:
        writer.writerow(["response_time", row.channel, "answered", row.answered])
        writer.writerow(["response_time", row.channel, "median_hours", row.median_hours])
        writer.writerow(["response_time", row.channel, "p90_hours", row.p90_hours])
    for table, series in (("channel", kpis.by_channel), ("classification", kpis.by_classification)):
        for value, _label, counts in series:
            for month, count in zip(kpis.months, counts, strict=True):
                writer.writerow([f"contacts_by_{table}", f"{month:%Y-%m}", value, count])
    return out.getvalue()
