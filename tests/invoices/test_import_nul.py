"""A NUL byte in a CSV field is refused with its place, not by the database (issue 10, item 10)."""

import pytest

from invoices.models import Invoice
from tests.invoices.test_import_service import csv_file, csv_row, problems_of

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_csv_field_is_refused_with_its_line_and_column(creditor):
    data = csv_file(csv_row(), csv_row(invoice_number="3002", debtor_name="Matti\x00Virtanen"))
    assert problems_of(creditor, data, "invoices.csv") == [
        ("line 3", "Column debtor_name contains a NUL character (0x00).")
    ]
    assert not Invoice.objects.exists()
