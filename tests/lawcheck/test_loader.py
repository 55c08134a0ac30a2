"""The loader reads what the engine wrote: a breach written to the database is found."""

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import InvoiceFactory
from tests.lawcheck import loader
from tests.lawcheck.checker import check_all

D = Decimal
DUE = date(2026, 1, 31)


@pytest.mark.django_db
def test_a_fee_above_its_cap_in_the_database_is_reported_with_its_step(creditor):
    invoice = InvoiceFactory(
        creditor=creditor, issue_date=date(2026, 1, 1), due_date=DUE, principal=D("80.00")
    )
    step_model = loader.model("CollectionStep")
    letter_model = loader.model("Letter")
    charge_model = loader.model("Charge")
    step_model.objects.create(invoice=invoice, step="reminder_1", taken_on=date(2026, 2, 16))
    letter_model.objects.create(
        invoice=invoice,
        step="reminder_1",
        language="fi",
        letter_date=date(2026, 2, 16),
        due_date=date(2026, 3, 5),
    )
    charge_model.objects.create(
        invoice=invoice,
        kind="reminder_fee",
        amount=D("6.00"),
        booked_on=date(2026, 2, 16),
        rule="test",
        idempotency_key="reminder:1",
    )

    (history,) = loader.histories([invoice.pk])
    assert history.steps[0].pay_by == date(2026, 3, 5)
    assert history.fees[0].step == "reminder_1"
    assert [(v.invoice_id, v.on, v.rule) for v in check_all([history])] == [
        (invoice.pk, date(2026, 2, 16), "reminder_fee_cap")
    ]


@pytest.mark.django_db
def test_dispute_events_become_intervals(creditor):
    from invoices.services import invoice_record_event

    invoice = InvoiceFactory(creditor=creditor, due_date=DUE, issue_date=date(2026, 1, 1))
    invoice_record_event(invoice=invoice, kind="dispute", data={"disputed": True})
    invoice_record_event(invoice=invoice, kind="dispute", data={"disputed": False})
    invoice_record_event(invoice=invoice, kind="note", data={"stop_request": True})
    (history,) = loader.histories([invoice.pk])
    assert len(history.disputes) == 1 and history.disputes[0].end is not None
    assert len(history.stop_requests) == 1
