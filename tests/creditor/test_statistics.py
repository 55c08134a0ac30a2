"""Statistics on a fixture whose answers are known by hand (issue 15, item 7)."""

import csv
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from creditor.selectors import creditor_statistics
from invoices.models import EventKind, InvoiceEvent, Stage
from payments.models import Allocation, Payment, PaymentSource
from tests.factories import InvoiceFactory
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 13)
DUE = date(2026, 3, 2)


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
