"""Dates as written in Finland in each language, one format per page, ISO in date inputs."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from django.utils import formats, translation

from invoices.models import InvoiceAccess
from tests.accounts.helpers import ALICE_HETU, verify_identity
from tests.factories import InvoiceFactory, UserFactory

DAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("language", "expected"), [("fi", "1.12.2026"), ("sv", "1.12.2026"), ("en", "1 Dec 2026")]
)
def test_a_date_is_written_the_finnish_way_in_each_language(language, expected):
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == expected
        assert formats.date_format(DAY) == expected


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_typed_finnish_date_and_an_iso_date_are_both_understood(language):
    from django import forms

    field = forms.DateField()
    with translation.override(language):
        assert field.clean("2026-12-15") == date(2026, 12, 15)
        assert field.clean("15.12.2026") == date(2026, 12, 15)


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("fi", "15.12.2026", ["2026-12-15<", "12/15/2026", "15.12.2026 "]),
        ("sv", "15.12.2026", ["2026-12-15<", "12/15/2026"]),
        ("en", "15 Dec 2026", ["12/15/2026", "Dec. 15"]),
    ],
)
def test_the_invoice_page_shows_its_dates_in_one_format(db, creditor, language, shown, not_shown):
    user = UserFactory(preferred_language=language)
    invoice = InvoiceFactory(
        creditor=creditor, issue_date=date(2026, 12, 1), due_date=date(2026, 12, 15)
    )
    InvoiceAccess.objects.create(invoice=invoice, user=user, method="myropo_id")
    client = Client()
    with time_machine.travel(date(2026, 12, 2), tick=False):
        client.force_login(user)
        html = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f">{shown}<" in html
    for wrong in not_shown:
        assert wrong not in html


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_prefilled_date_input_carries_an_iso_value(db, creditor, language):
    user = UserFactory(preferred_language=language)
    # The debtor itself (a claim gives view and pay only, not the due-date transfer).
    verify_identity(user, ALICE_HETU)
    invoice = InvoiceFactory(
        creditor=creditor,
        issue_date=date(2026, 11, 20),
        due_date=date(2026, 12, 15),
        debtor_hetu=ALICE_HETU,
    )
    client = Client()
    with time_machine.travel(date(2026, 12, 2), tick=False):
        client.force_login(user)
        url = f"/arrangements/invoices/{invoice.pk}/due-date/?to_date=2026-12-20"
        html = client.get(url).content.decode()
    assert 'type="date"' in html
    assert 'value="2026-12-20"' in html


def test_the_invoice_filter_keeps_its_dates_iso(alice_client):
    html = alice_client.get("/invoices/?date_from=2026-12-01&date_to=2026-12-31").content.decode()
    assert 'value="2026-12-01"' in html
    assert 'value="2026-12-31"' in html
