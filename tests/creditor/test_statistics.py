"""Statistics on a fixture whose answers are known by hand (issue 15, item 7)."""

import csv
import importlib
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.test import Client
from django.urls import reverse

from collection.cycle import ever_flags_rebuild
from creditor.selectors import creditor_statistics
from invoices.models import EventKind, Invoice, InvoiceEvent, Stage
from invoices.services import invoice_credit
from payments.allocation import (
    Booked,
    allocate_payment,
    allocate_payments,
    allocations_booked,
)
from payments.models import Allocation, CollectedDay, Payment, PaymentSource
from tests.factories import InvoiceFactory
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 13)
DUE = date(2026, 3, 2)
D100, D30 = Decimal("100.00"), Decimal("30.00")


def _invoice(creditor, number, stage, channel="letter_post", events=(), due=DUE):
    invoice = InvoiceFactory(
        creditor=creditor,
        number=number,
        stage=stage,
        delivery_channel=channel,
        issue_date=due - timedelta(days=14),
        due_date=due,
        original_due_date=due,
    )
    for kind in events:
        InvoiceEvent.objects.create(invoice=invoice, kind=kind)
    # What the collection cycle keeps with the events it writes.
    ever_flags_rebuild()
    return invoice


def _paid(invoice, days_after_due: int, amount: str) -> None:
    paid_on = invoice.due_date + timedelta(days=days_after_due)
    payment = Payment.objects.create(
        source=PaymentSource.MANUAL,
        external_id=f"P-{invoice.number}",
        amount=Decimal(amount),
        paid_on=paid_on,
    )
    Allocation.objects.create(
        payment=payment, invoice=invoice, component="principal", amount=Decimal(amount)
    )
    # Booked past the services, so what they derive is kept as they keep it.
    allocations_booked([Booked(invoice.pk, invoice.creditor_id, payment.paid_on, Decimal(amount))])


@pytest.fixture
def known(creditor, other_creditor):
    # Four invoices count: due before today, not credited.
    paid_on_time = _invoice(creditor, "S-1", Stage.PAID, channel="e_invoice")
    _paid(paid_on_time, 2, "100.00")  # delay 2 d, payment time 16 d, paid 4.3.
    paid_after_reminder = _invoice(creditor, "S-2", Stage.PAID, events=[EventKind.REMINDER])
    _paid(paid_after_reminder, 20, "60.00")  # delay 20 d, payment time 34 d, paid 22.3.
    _invoice(creditor, "S-3", Stage.COLLECTION, events=[EventKind.REMINDER])
    _invoice(creditor, "S-4", Stage.LEGAL)
    # Left out: credited, not yet due, another creditor's.
    _invoice(creditor, "S-5", Stage.CREDITED)
    _invoice(creditor, "S-6", Stage.OPEN, due=TODAY + timedelta(days=3))
    _paid(_invoice(other_creditor, "X-1", Stage.PAID, channel="e_invoice"), 1, "999.00")
    return creditor


def test_the_figures_are_the_ones_counted_by_hand(known):
    stats = creditor_statistics(known, start=date(2026, 1, 1), end=TODAY, today=TODAY)
    assert stats.invoices == 4
    assert (stats.paid_before_reminder, stats.paid_before_reminder_pct) == (1, Decimal("25.0"))
    assert (stats.reminded, stats.reminded_pct) == (3, Decimal("75.0"))  # S-2, S-3, S-4
    assert (stats.in_collection, stats.in_collection_pct) == (2, Decimal("50.0"))  # S-3, S-4
    assert (stats.in_legal, stats.in_legal_pct) == (1, Decimal("25.0"))
    assert stats.average_delay_days == Decimal("11.0")  # (2 + 20) / 2
    assert stats.average_payment_days == Decimal("25.0")  # (16 + 34) / 2
    channels = {row.channel: (row.invoices, row.paid_without_reminder) for row in stats.by_channel}
    assert channels == {"e_invoice": (1, 1), "letter_post": (3, 0), "email": (0, 0)}
    assert stats.collected_by_month == [(date(2026, 3, 1), Decimal("160.00"))]


def test_a_period_outside_the_due_dates_counts_nothing(known):
    stats = creditor_statistics(known, start=date(2025, 1, 1), end=date(2025, 12, 31), today=TODAY)
    assert stats.invoices == 0 and stats.collected_by_month == []
    assert stats.paid_before_reminder_pct == Decimal("0.0")


def test_the_page_shows_each_figure_in_a_table_and_exports_csv(admin_client, known):
    url = reverse("creditor:statistics")
    html = admin_client.get(url, {"start": "2026-01-01", "end": "2026-05-13"}).content.decode()
    for table in ("table-lifecycle", "table-stages", "table-channels", "table-monthly"):
        assert f'id="{table}"' in html
    assert "75.0" in html and "11.0" in html
    response = admin_client.get(url, {"start": "2026-01-01", "end": "2026-05-13", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    figures = {row[0]: row[1:] for row in rows}
    assert figures["Reminded"] == ["3", "75.0"]
    assert figures["Collected 2026-03"] == ["160.00", ""]


def test_another_creditors_money_never_shows(other_client, known):
    html = other_client.get(
        reverse("creditor:statistics"), {"start": "2026-01-01", "end": "2026-05-13"}
    ).content.decode()
    assert "160" not in html


def test_each_chart_is_drawn_by_the_vendored_library_under_the_csp_nonce(admin_client, known):
    response = admin_client.get(
        reverse("creditor:statistics"), {"start": "2026-01-01", "end": "2026-05-13"}
    )
    html = response.content.decode()
    nonce = response.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    for script in ("vendor/chartjs/chart.umd.min", "js/creditor-statistics"):
        tag = re.search(rf'<script src="[^"]*{script}[^"]*"[^>]*>', html)
        assert tag and f'nonce="{nonce}"' in tag.group(0), script
    # Each chart is an image labelled by its heading and described by its table, which stays.
    for chart in ("lifecycle", "stages", "channels", "monthly"):
        canvas = re.search(rf'<canvas data-chart="{chart}"[^>]*>', html).group(0)
        assert f'aria-describedby="table-{chart}"' in canvas and 'role="img"' in canvas
        assert f'id="table-{chart}"' in html
    # No inline script or handler: the only script without src is the JSON the charts read.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    data = json.loads(re.search(r'id="statistics-data"[^>]*>(.*?)</script>', html, re.S)[1])
    assert data["lifecycle"]["pct"] == [25.0, 75.0, 50.0, 25.0]
    assert (
        dict(zip(data["stages"]["labels"], data["stages"]["counts"], strict=True))["In collection"]
        == 1
    )
    assert data["channels"]["pct"] == [100.0, 0.0, 0.0]  # e-invoice, email, letter
    assert (data["monthly"]["labels"], data["monthly"]["totals"]) == (["2026-03"], [160.0])


def test_a_bad_period_is_refused_in_the_users_language(creditor_admin, known):
    creditor_admin.preferred_language = "fi"
    creditor_admin.save()
    client = mfa_login(Client(), creditor_admin)
    url = reverse("creditor:statistics")
    html = client.get(url, {"start": "2026-02-30", "end": "2026-05-13"}).content.decode()
    assert "Syötä oikea päivämäärä." in html
    html = client.get(url, {"start": "2026-05-13", "end": "2026-01-01"}).content.decode()
    assert "Loppupäivä on ennen alkupäivää." in html
    html = client.get(url, {"start": "2010-01-01", "end": "2026-05-13"}).content.decode()
    assert "Jakso voi olla enintään 10 vuotta." in html


@pytest.mark.parametrize(
    ("language", "query", "message"),
    [
        ("sv", {"start": "2026-05-13", "end": "2026-01-01"}, "Slutdatumet är före startdatumet."),
        ("sv", {"start": "2010-01-01", "end": "2026-05-13"}, "Perioden får vara högst 10 år."),
        ("en", {"start": "13.5.2026x", "end": "2026-05-13"}, "Enter a valid date."),
        ("en", {"start": "2026-01-01"}, "This field is required."),
        ("en", {"start": "99999-01-01", "end": "2026-05-13"}, "Enter a valid date."),
    ],
)
def test_a_bad_period_is_a_form_error_never_a_500_nor_an_export(
    creditor_admin, known, language, query, message
):
    creditor_admin.preferred_language = language
    creditor_admin.save()
    client = mfa_login(Client(), creditor_admin)
    url = reverse("creditor:statistics")

    for params in (query, {**query, "format": "csv"}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode()


def test_ten_years_is_the_longest_period_and_csv_alone_exports_the_default(admin_client, known):
    url = reverse("creditor:statistics")
    response = admin_client.get(url, {"start": "2016-05-13", "end": "2026-05-12"})
    assert response.context["form"].is_valid()
    assert response.context["stats"].start == date(2016, 5, 13)
    one_day_more = admin_client.get(url, {"start": "2016-05-12", "end": "2026-05-12"})
    assert not one_day_more.context["form"].is_valid()
    response = admin_client.get(url, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")


# --- the payment day each invoice keeps (Invoice.last_payment_on) --------------------------


def _payment(n: int, amount: str, paid_on: date) -> Payment:
    return Payment.objects.create(
        source=PaymentSource.BANK, external_id=f"DAY-{n}", amount=Decimal(amount), paid_on=paid_on
    )


def _open(creditor, number: str, stage: str = Stage.OPEN):
    return _invoice(creditor, number, stage)


def _day(invoice) -> date | None:
    invoice.refresh_from_db(fields=["last_payment_on"])
    return invoice.last_payment_on


def _stats(creditor):
    """The period's figures, with the money per month checked against the allocations."""
    stats = creditor_statistics(creditor, start=date(2026, 1, 1), end=TODAY, today=TODAY)
    derived = (
        Allocation.objects.filter(
            invoice__creditor=creditor,
            payment__paid_on__gte=date(2026, 1, 1),
            payment__paid_on__lte=TODAY,
        )
        .annotate(month=TruncMonth("payment__paid_on"))
        .order_by("month")
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    assert stats.collected_by_month == list(derived)
    return stats


def test_a_payment_gives_the_invoice_its_payment_day_and_the_page_its_delay(creditor):
    invoice = _open(creditor, "D-1")
    assert _day(invoice) is None

    result = allocate_payment(
        payment=_payment(1, "100.00", DUE - timedelta(days=1)), invoice=invoice, amount=D100
    )

    assert result.paid and _day(invoice) == DUE - timedelta(days=1)
    stats = _stats(creditor)
    assert (stats.invoices, stats.paid_before_reminder) == (1, 1)
    assert stats.average_delay_days == Decimal("-1.0")
    assert stats.average_payment_days == Decimal("13.0")


def test_a_bank_file_keeps_the_latest_day_even_when_an_older_payment_arrives_later(creditor):
    invoice = _open(creditor, "D-2")
    allocate_payments(items=[(_payment(2, "40.00", DUE + timedelta(days=3)), invoice.pk)])
    assert _day(invoice) == DUE + timedelta(days=3)

    # A payment made before the first one but booked after it: the latest day stays.
    allocate_payment(
        payment=_payment(3, "70.00", DUE - timedelta(days=2)),
        invoice=invoice,
        amount=Decimal("70.00"),
    )

    invoice.refresh_from_db()
    assert invoice.stage == Stage.PAID
    assert invoice.last_payment_on == DUE + timedelta(days=3)
    stats = _stats(creditor)
    assert stats.average_delay_days == Decimal("3.0")


def test_a_payment_to_a_closed_invoice_is_an_overpayment_and_leaves_the_day(creditor):
    invoice = _open(creditor, "D-3")
    allocate_payment(payment=_payment(4, "100.00", DUE), invoice=invoice, amount=D100)

    allocate_payment(
        payment=_payment(5, "100.00", DUE + timedelta(days=9)), invoice=invoice, amount=D100
    )

    assert _day(invoice) == DUE  # the second payment allocated nothing: we owe it back


def test_a_credit_note_leaves_the_payment_day_and_a_credited_invoice_leaves_the_figures(
    creditor, staff
):
    partly_paid = _open(creditor, "D-4")
    allocate_payment(
        payment=_payment(6, "30.00", DUE + timedelta(days=4)), invoice=partly_paid, amount=D30
    )
    invoice_credit(invoice=partly_paid, amount=None, reason="Cancelled", actor=staff)
    credited_then_paid = _open(creditor, "D-5")
    invoice_credit(invoice=credited_then_paid, amount=D30, reason="Wrong meter", actor=staff)
    allocate_payment(
        payment=_payment(7, "70.00", DUE - timedelta(days=5)),
        invoice=credited_then_paid,
        amount=Decimal("70.00"),
    )

    partly_paid.refresh_from_db()
    assert (partly_paid.stage, partly_paid.last_payment_on) == (
        Stage.CREDITED,
        DUE + timedelta(days=4),
    )
    credited_then_paid.refresh_from_db()
    assert credited_then_paid.stage == Stage.PAID
    assert credited_then_paid.last_payment_on == DUE - timedelta(days=5)
    stats = _stats(creditor)
    assert stats.invoices == 1  # the credited one is left out, its payment day with it
    assert stats.average_delay_days == Decimal("-5.0")


def test_an_invoice_paid_after_a_reminder_counts_as_reminded_with_its_payment_day(creditor):
    invoice = _open(creditor, "D-6", Stage.REMINDED)
    InvoiceEvent.objects.create(invoice=invoice, kind=EventKind.REMINDER)
    ever_flags_rebuild()

    allocate_payments(items=[(_payment(8, "200.00", DUE + timedelta(days=20)), invoice.pk)])

    invoice.refresh_from_db()
    assert (invoice.stage, invoice.last_payment_on) == (Stage.PAID, DUE + timedelta(days=20))
    stats = _stats(creditor)
    assert (stats.reminded, stats.paid_before_reminder) == (1, 0)
    assert stats.average_delay_days == Decimal("20.0")


def test_the_migrations_fill_what_the_allocations_give(known):
    Invoice.objects.update(last_payment_on=None)
    CollectedDay.objects.all().delete()
    days = importlib.import_module("payments.migrations.0005_backfill_last_payment_on")
    sums = importlib.import_module("payments.migrations.0006_collected_day")

    with connection.cursor() as cursor:
        cursor.execute(days.FORWARD)
        cursor.execute(sums.BACKFILL)

    days = dict(Invoice.objects.values_list("number", "last_payment_on"))
    assert days["S-1"] == DUE + timedelta(days=2) and days["S-2"] == DUE + timedelta(days=20)
    assert days["S-3"] is None and days["X-1"] == DUE + timedelta(days=1)
    stats = _stats(known)
    assert stats.average_delay_days == Decimal("11.0")
    assert stats.collected_by_month == [(date(2026, 3, 1), Decimal("160.00"))]


def test_two_payments_booked_on_one_day_both_count(creditor):
    first, second = _open(creditor, "D-7"), _open(creditor, "D-8")
    allocate_payment(payment=_payment(9, "100.00", DUE), invoice=first, amount=D100)
    allocate_payments(items=[(_payment(10, "30.00", DUE), second.pk)])

    kept = CollectedDay.objects.filter(creditor=creditor, day=DUE).aggregate(total=Sum("amount"))
    assert kept["total"] == Decimal("130.00")
    assert _stats(creditor).collected_by_month == [(date(2026, 3, 1), Decimal("130.00"))]
