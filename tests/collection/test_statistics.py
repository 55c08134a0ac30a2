"""Collection statistics per creditor and overall, and their admin page (issue 7, item 8)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from collection.cycle import ever_flags_rebuild
from collection.statistics import collection_statistics, collection_statistics_by_creditor
from invoices.models import EventKind, InvoiceEvent, Stage
from payments.allocation import Booked, allocations_booked
from payments.models import Allocation, Payment
from tests.factories import CreditorFactory, InvoiceFactory
from tests.invoices.test_admin import mfa_login

D = Decimal
TODAY = date(2026, 5, 1)
DUE = date(2026, 3, 1)


def invoice(creditor, stage=Stage.OPEN, paid_after: int | None = None, events=()):
    created = InvoiceFactory(
        creditor=creditor,
        issue_date=DUE - timedelta(days=14),
        due_date=DUE,
        stage=stage,
        principal=D("100.00"),
    )
    for kind in events:
        InvoiceEvent.objects.create(invoice=created, kind=kind)
    # What the collection cycle keeps with the events it writes.
    ever_flags_rebuild()
    if paid_after is not None:
        payment = Payment.objects.create(
            source="bank",
            external_id=f"S{created.pk}",
            amount=D("100.00"),
            paid_on=DUE + timedelta(days=paid_after),
        )
        Allocation.objects.create(
            payment=payment, invoice=created, component="principal", amount=D("100.00")
        )
        # Booked past the services, so what they derive is kept as they keep it.
        allocations_booked([Booked(created.pk, created.creditor_id, payment.paid_on, D("100.00"))])
    return created


@pytest.fixture
def history(creditor):
    other = CreditorFactory(name="Vesi Oy", business_id="0737546-2")
    invoice(creditor, Stage.PAID, paid_after=-2)
    invoice(creditor, Stage.PAID, paid_after=4)
    invoice(creditor, Stage.PAID, paid_after=20, events=[EventKind.REMINDER])
    invoice(creditor, Stage.COLLECTION, events=[EventKind.REMINDER, EventKind.COLLECTION])
    invoice(other, Stage.LEGAL, events=[EventKind.REMINDER, EventKind.COLLECTION])
    invoice(other, Stage.CREDITED)  # left out
    InvoiceFactory(creditor=other, issue_date=TODAY, due_date=TODAY + timedelta(days=3))  # not due
    return creditor, other


def test_overall_shares_and_averages(history):
    stats = collection_statistics(TODAY)
    assert stats.invoices == 5
    assert (stats.paid_before_reminder, stats.reminded, stats.in_collection, stats.in_legal) == (
        2,
        3,
        2,
        1,
    )
    assert stats.paid_before_reminder_pct == D("40.0")
    assert stats.average_delay_days == D("7.3")  # (-2 + 4 + 20) / 3
    assert stats.average_payment_days == D("21.3")  # 14 days more each


def test_per_creditor(history):
    creditor, other = history
    rows = {row.creditor_id: row for row in collection_statistics_by_creditor(TODAY)}
    assert rows[creditor.pk].invoices == 4 and rows[creditor.pk].in_legal == 0
    assert rows[other.pk].invoices == 1 and rows[other.pk].in_legal_pct == D("100.0")
    assert rows[other.pk].average_delay_days is None
    assert collection_statistics(TODAY, creditor_id=other.pk).in_collection == 1


def test_no_invoices_gives_zero_shares(db):
    stats = collection_statistics(TODAY)
    assert stats.invoices == 0 and stats.reminded_pct == D("0.0")


def test_the_admin_shows_the_statistics(history, client, staff):
    staff_client = mfa_login(client, staff)
    response = staff_client.get(reverse("admin:invoices_invoice_statistics"))
    assert response.status_code == 200
    assert "Vesi Oy" in response.content.decode()
    assert "collection-statistics" in response.content.decode()


def test_the_admin_invoice_page_shows_the_schedule_and_letters(history, client, staff):
    staff_client = mfa_login(client, staff)
    creditor, _ = history
    target = invoice(creditor)
    response = staff_client.get(reverse("admin:invoices_invoice_change", args=[target.pk]))
    assert response.status_code == 200
    assert "Legal collection on" in response.content.decode()


def test_reference_rates_are_editable_in_the_admin(client, staff):
    staff_client = mfa_login(client, staff)
    response = staff_client.get(reverse("admin:collection_referencerate_changelist"))
    assert response.status_code == 200
    assert "2.50" in response.content.decode()


def test_the_cycle_raises_the_ever_flags_with_the_events_it_writes(creditor):
    from collection.cycle import run_collection_cycle
    from invoices.models import Invoice

    reminded = invoice(creditor, Stage.OPEN)
    run_collection_cycle(today=DUE + timedelta(days=15))
    reminded.refresh_from_db()
    assert InvoiceEvent.objects.filter(invoice=reminded, kind=EventKind.REMINDER).exists()
    assert (reminded.ever_reminded, reminded.ever_in_collection) == (True, False)
    assert ever_flags_rebuild() == 0  # the cycle left nothing for the rebuild to correct
    assert Invoice.objects.filter(ever_reminded=True).count() == 1


def test_the_migration_fills_the_ever_flags_from_the_timeline(creditor):
    import importlib

    from django.db import connection

    from invoices.models import Invoice

    legal = invoice(creditor, Stage.LEGAL, events=[EventKind.REMINDER, EventKind.LEGAL])
    plain = invoice(creditor, Stage.OPEN)
    Invoice.objects.update(ever_reminded=False, ever_in_collection=False, ever_in_legal=False)
    migration = importlib.import_module("invoices.migrations.0018_invoice_ever_flags")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    legal.refresh_from_db()
    plain.refresh_from_db()
    assert (legal.ever_reminded, legal.ever_in_collection, legal.ever_in_legal) == (
        True,
        False,
        True,
    )
    assert not (plain.ever_reminded or plain.ever_in_collection or plain.ever_in_legal)
