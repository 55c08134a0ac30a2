"""A half-year without a reference rate (issue 11, item 12; Korkolaki §4, §12).

Interest accrues through every half-year that has a rate and never through one that has
none (no rate is invented); the invoice page, the admin index and /healthz say which one is
missing; once staff enter it, what it held back is booked on open invoices, and paid ones
are listed, not reopened.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

import collection.cycle as cycle_module
from collection.cycle import run_collection_cycle
from collection.interest import ReferenceRate as Rate
from collection.interest import late_interest
from collection.models import ReferenceRate
from collection.rate_gaps import (
    half_year_label,
    missed_interest,
    missed_interest_book,
    missing_half_years,
)
from collection.rules import DebtorKind
from collection.selectors import rated_stretches, unbooked_interest
from invoices.models import Charge, ChargeKind, Stage
from tests.factories import InvoiceFactory
from tests.invoices.test_admin import mfa_login

D = Decimal
C = DebtorKind.CONSUMER
H2_2025 = Rate(date(2025, 7, 1), date(2025, 12, 31), D("2.00"))
H1_2026 = Rate(date(2026, 1, 1), date(2026, 6, 30), D("2.50"))
H2_2026 = Rate(date(2026, 7, 1), date(2026, 12, 31), D("2.25"))
H1_2027 = Rate(date(2027, 1, 1), date(2027, 6, 30), D("2.00"))


@pytest.fixture(autouse=True)
def _no_letters(monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)


def only_rates(*rates: Rate) -> None:
    ReferenceRate.objects.all().delete()
    for rate in rates:
        ReferenceRate.objects.create(start=rate.start, end=rate.end, rate=rate.rate)


# --- The pure part: accrue around a gap, never through it ------------------------------------


def test_a_missing_half_year_in_the_middle_is_left_out_and_both_sides_accrue():
    due = unbooked_interest(
        kind=C,
        principal=D("1000.00"),
        due_date=date(2026, 5, 31),
        booked_through=None,
        as_of=date(2027, 1, 31),
        rates=(H1_2026, H1_2027),
    )
    assert due is not None
    assert [(p.start, p.end) for p in due.parts] == [
        (date(2026, 6, 1), date(2026, 6, 30)),
        (date(2027, 1, 1), date(2027, 1, 31)),
    ]
    # June 2026 at 2.50 + 7 = 9.5 %, 30/365; January 2027 at 2.00 + 7 = 9 %, 31/365.
    assert [p.amount for p in due.parts] == [D("7.81"), D("7.64")]
    assert due.amount == D("15.45")


def test_an_invoice_due_in_a_half_year_without_a_rate_still_accrues_the_next_one():
    # The issue's example: due 20.12.2025 with H2/2025 missing got no 2026 interest at all.
    due = unbooked_interest(
        kind=C,
        principal=D("100.00"),
        due_date=date(2025, 12, 20),
        booked_through=None,
        as_of=date(2026, 1, 31),
        rates=(H1_2026,),
    )
    assert due is not None
    assert (due.start, due.end) == (date(2026, 1, 1), date(2026, 1, 31))
    assert due.amount == late_interest(
        D("100.00"), date(2025, 12, 31), date(2026, 1, 31), C, (H1_2026,)
    )


def test_no_rate_at_all_accrues_nothing():
    assert rated_stretches((), date(2026, 7, 1), date(2026, 12, 1)) == []
    assert (
        unbooked_interest(
            kind=C,
            principal=D("100.00"),
            due_date=date(2026, 6, 30),
            booked_through=None,
            as_of=date(2026, 12, 1),
            rates=(H1_2026,),
        )
        is None
    )


def test_missing_half_years_are_named_h1_or_h2_of_the_year():
    rates = (H2_2025, H1_2027)
    assert [
        half_year_label(start)
        for start in missing_half_years(rates, date(2025, 12, 1), date(2027, 3, 1))
    ] == ["H1/2026", "H2/2026"]


# --- The cycle and the catch-up once staff enter the rate ------------------------------------


def test_the_cycle_books_one_row_per_stretch_with_a_rate(creditor):
    only_rates(H1_2026, H1_2027)
    invoice = InvoiceFactory(
        creditor=creditor,
        issue_date=date(2026, 5, 10),
        due_date=date(2026, 5, 31),
        principal=D("1000.00"),
    )
    run_collection_cycle(today=date(2027, 1, 31))
    rows = list(
        Charge.objects.filter(invoice=invoice, kind=ChargeKind.INTEREST)
        .order_by("period_start")
        .values_list("period_start", "period_end", "amount", "idempotency_key")
    )
    assert rows == [
        (date(2026, 6, 1), date(2026, 6, 30), D("7.81"), "interest:reminder_1"),
        (date(2027, 1, 1), date(2027, 1, 31), D("7.64"), "interest:reminder_1@2027-01-01"),
    ]


def test_entering_the_missing_rate_books_what_it_held_back_once(creditor):
    only_rates(H1_2026, H1_2027)
    invoice = InvoiceFactory(
        creditor=creditor,
        issue_date=date(2026, 5, 10),
        due_date=date(2026, 5, 31),
        principal=D("1000.00"),
    )
    run_collection_cycle(today=date(2027, 1, 31))
    rate = ReferenceRate.objects.create(start=H2_2026.start, end=H2_2026.end, rate=H2_2026.rate)
    found = missed_interest_book(rate=rate, today=date(2027, 2, 1))
    # 1.7.–31.12.2026 = 184 days at 2.25 + 7 = 9.25 % on 1000 €: 46.63
    assert [(m.start, m.end, m.amount, m.closed) for m in found] == [
        (date(2026, 7, 1), date(2026, 12, 31), D("46.63"), False)
    ]
    caught_up = Charge.objects.get(invoice=invoice, period_start=date(2026, 7, 1))
    assert (caught_up.kind, caught_up.amount, caught_up.booked_on) == (
        ChargeKind.INTEREST,
        D("46.63"),
        date(2027, 2, 1),
    )
    assert "H2/2026" in caught_up.explanation
    before = Charge.objects.count()
    assert missed_interest_book(rate=rate, today=date(2027, 2, 2)) == []
    assert Charge.objects.count() == before


def test_a_paid_invoice_is_listed_and_not_reopened(creditor):
    only_rates(H1_2026, H1_2027)
    invoice = InvoiceFactory(
        creditor=creditor,
        issue_date=date(2026, 5, 10),
        due_date=date(2026, 5, 31),
        principal=D("1000.00"),
    )
    run_collection_cycle(today=date(2027, 1, 31))
    type(invoice).objects.filter(pk=invoice.pk).update(stage=Stage.PAID)
    rate = ReferenceRate.objects.create(start=H2_2026.start, end=H2_2026.end, rate=H2_2026.rate)
    charges = Charge.objects.count()
    found = missed_interest_book(rate=rate, today=date(2027, 2, 1))
    assert [(m.invoice_id, m.closed) for m in found] == [(invoice.pk, True)]
    assert Charge.objects.count() == charges
    assert missed_interest(rate)[0].closed


def test_staff_entering_the_rate_in_the_admin_see_the_affected_invoices(client, staff, creditor):
    only_rates(H1_2026, H1_2027)
    invoice = InvoiceFactory(
        creditor=creditor,
        issue_date=date(2026, 5, 10),
        due_date=date(2026, 5, 31),
        principal=D("1000.00"),
    )
    run_collection_cycle(today=date(2027, 1, 31))
    staff_client = mfa_login(client, staff)
    response = staff_client.post(
        reverse("admin:collection_referencerate_add"),
        {"start": "2026-07-01", "end": "2026-12-31", "rate": "2.25", "source": "Suomen Pankki"},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 invoice affected" in response.content.decode()
    rate = ReferenceRate.objects.get(start=date(2026, 7, 1))
    listing = staff_client.get(reverse("admin:collection_referencerate_missed", args=[rate.pk]))
    body = listing.content.decode()
    assert listing.status_code == 200
    assert invoice.number in body and "46.63" in body.replace(",", ".")
    assert Charge.objects.filter(invoice=invoice, period_start=date(2026, 7, 1)).exists()


# --- Telling people --------------------------------------------------------------------------


def test_the_invoice_page_says_which_rate_is_not_yet_entered(client, alice, alice_invoice):
    only_rates(H1_2026)
    alice_invoice.issue_date = date(2026, 5, 1)
    alice_invoice.due_date = alice_invoice.original_due_date = date(2026, 5, 31)
    alice_invoice.save()
    # Signed in on the day itself: a session from the suite's own day would have expired.
    with time_machine.travel("2026-12-01 10:00 +02:00", tick=False):
        client.force_login(alice)
        response = client.get(reverse("invoices:detail", args=[alice_invoice.pk]))
    assert response.status_code == 200
    assert "Reference rate for H2/2026 not yet entered" in response.content.decode()


def test_the_admin_index_warns_while_this_half_year_has_no_rate(client, staff):
    only_rates(H1_2026)
    with time_machine.travel("2026-12-01 10:00 +02:00", tick=False):
        staff_client = mfa_login(client, staff)
        body = staff_client.get(reverse("admin:index")).content.decode()
        assert 'id="reference-rate-missing"' in body and "H2/2026" in body
        only_rates(H1_2026, H2_2026)
        body = staff_client.get(reverse("admin:index")).content.decode()
    assert "Site administration" in body or "Customer service" in body
    assert 'id="reference-rate-missing"' not in body


def test_only_the_half_years_of_the_delay_need_a_rate():
    assert missing_half_years((H1_2026,), date(2026, 6, 1), date(2026, 6, 30)) == []
    assert missing_half_years((H1_2026,), date(2026, 6, 30), date(2026, 7, 1)) == [date(2026, 7, 1)]
