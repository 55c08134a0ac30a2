"""Installment references and invoice references never meet (issue 10, item 7)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from accounts.context import Acting
from arrangements.services import plan_create
from invoices.importing import ImportFailed, invoices_import
from invoices.models import Invoice
from invoices.references import (
    installment_reference,
    is_installment_reference,
    is_valid_national_reference,
)
from payments.models import Allocation, BankFileImport
from payments.services import bank_file_import
from tests.arrangements.test_plans import _camt054
from tests.factories import InvoiceFactory
from tests.invoices.test_import_service import csv_file, csv_row

DAY = date(2026, 1, 5)


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(DAY, tick=False):
        yield


def make_plan(alice, invoice):
    return plan_create(
        invoices=[invoice],
        start=DAY + timedelta(days=14),
        installments=2,
        acting=Acting(alice),
        today=DAY,
    )


def next_sequence_value() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('arrangements_installment_reference_seq')")
        return cursor.fetchone()[0]


def test_installment_references_are_valid_and_in_their_own_range():
    for sequence in (1, 42, 999_999_999_999):
        reference = installment_reference(sequence)
        assert is_valid_national_reference(reference)
        assert is_installment_reference(reference)
    assert not is_installment_reference("20240015")
    assert not is_installment_reference("1" + installment_reference(7)[1:])


def test_an_invoice_import_refuses_a_reference_an_installment_has(alice, own_invoice):
    plan = make_plan(alice, own_invoice(principal=Decimal("300.00")))
    taken = plan.installments.first().reference
    data = csv_file(csv_row(invoice_number="9001", reference=taken))
    with pytest.raises(ImportFailed) as failure:
        invoices_import(creditor=own_invoice().creditor, data=data, filename="late.csv")
    (problem,) = failure.value.problems
    assert problem.position == "line 2"
    assert "payment plan installments" in problem.render()
    assert not Invoice.objects.filter(reference=taken).exists()


def test_an_invoice_import_refuses_any_reference_of_the_installment_range(creditor):
    data = csv_file(csv_row(reference=installment_reference(10**11)))
    with pytest.raises(ImportFailed):
        invoices_import(creditor=creditor, data=data, filename="range.csv")
    assert not Invoice.objects.exists()


def test_a_bank_payment_to_an_installment_reference_pays_the_plan(alice, own_invoice):
    invoice = own_invoice(principal=Decimal("300.00"))
    plan = make_plan(alice, invoice)
    installment = plan.installments.first()
    report = bank_file_import(
        data=_camt054(installment.reference, installment.amount),
        filename="plan.xml",
        source=BankFileImport.Source.UPLOAD,
    )
    assert report.matched == 1
    assert sum(a.amount for a in Allocation.objects.filter(invoice=invoice)) == installment.amount


def test_an_installment_never_takes_the_reference_of_an_invoice_saved_before_the_rule(
    alice, own_invoice, creditor
):
    upcoming = installment_reference(next_sequence_value() + 1)
    old = InvoiceFactory(creditor=creditor, reference=upcoming)
    plan = make_plan(alice, own_invoice(principal=Decimal("300.00")))
    references = set(plan.installments.values_list("reference", flat=True))
    assert upcoming not in references
    assert all(is_installment_reference(reference) for reference in references)
    assert Invoice.objects.get(reference=upcoming) == old
