"""The payment codes of an invoice, checked against the Finnish banks' barcode guide vectors.

`payment_codes_for` reads only the invoice and its creditor, so unsaved factory objects do.
"""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from invoices.payment_codes import PaymentCodes, format_iban, payment_codes_for
from invoices.references import parse_bank_barcode
from tests.factories import CreditorFactory, InvoiceFactory

GUIDE_AMOUNT = Decimal("4883.15")
GUIDE_DUE = date(2010, 6, 12)


def guide_invoice(reference: str = "868516259619897", **creditor_fields):
    creditor = CreditorFactory.build(
        name="Helsingin Energia Oy",
        iban=creditor_fields.pop("iban", "FI7944052020036082"),
        bic=creditor_fields.pop("bic", "OKOYFIHH"),
        **creditor_fields,
    )
    return InvoiceFactory.build(
        creditor=creditor,
        reference=reference,
        issue_date=date(2010, 5, 29),
        due_date=GUIDE_DUE,
    )


def test_national_reference_gives_the_guides_version_4_barcode():
    codes = payment_codes_for(guide_invoice(), amount=GUIDE_AMOUNT)

    assert codes.barcode == "479440520200360820048831500000000868516259619897100612"


def test_rf_reference_gives_the_guides_version_5_barcode():
    codes = payment_codes_for(guide_invoice("RF09 8685 1625 9619 897"), amount=GUIDE_AMOUNT)

    assert codes.barcode == "579440520200360820048831509000000868516259619897100612"
    assert codes.reference_display == "RF09 8685 1625 9619 897"


def test_barcode_reads_back_as_the_invoices_payment():
    codes = payment_codes_for(guide_invoice(), amount=GUIDE_AMOUNT)

    parsed = parse_bank_barcode(codes.barcode)
    assert (parsed.iban, parsed.amount, parsed.due_date) == (
        "FI7944052020036082",
        GUIDE_AMOUNT,
        GUIDE_DUE,
    )


def test_reference_is_printed_in_groups_of_five_and_iban_in_fours():
    codes = payment_codes_for(guide_invoice(), amount=GUIDE_AMOUNT)

    assert codes.reference_display == "86851 62596 19897"
    assert codes.iban_display == "FI79 4405 2020 0360 82"
    assert codes.bic == "OKOYFIHH"
    assert codes.amount == GUIDE_AMOUNT
    assert codes.due_date == GUIDE_DUE


def test_qr_payload_pays_the_creditor_the_amount_with_the_rf_form_of_the_reference():
    codes = payment_codes_for(guide_invoice(), amount=GUIDE_AMOUNT)

    assert codes.qr_payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "OKOYFIHH",
        "Helsingin Energia Oy",
        "FI7944052020036082",
        "EUR4883.15",
        "",
        "RF09868516259619897",
    ]


def test_images_are_an_svg_barcode_an_svg_qr_and_a_png_data_uri():
    codes = payment_codes_for(guide_invoice(), amount=GUIDE_AMOUNT)

    assert codes.barcode_svg.startswith("<svg")
    assert f'aria-label="{codes.barcode}"' in codes.barcode_svg
    assert codes.qr_svg.startswith("<svg")
    assert codes.qr_png_data_uri.startswith("data:image/png;base64,")


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-5.00")])
def test_nothing_to_pay_gives_no_barcode_and_no_qr(amount):
    codes = payment_codes_for(guide_invoice(), amount=amount)

    assert codes.barcode is codes.barcode_svg is None
    assert codes.qr_payload is codes.qr_svg is codes.qr_png_data_uri is None
    assert codes.reference_display == "86851 62596 19897"


def test_amount_beyond_the_barcodes_six_euro_digits_keeps_the_qr_code():
    codes = payment_codes_for(guide_invoice(), amount=Decimal("1000000.00"))

    assert codes.barcode is None
    assert codes.barcode_svg is None
    assert "EUR1000000.00" in codes.qr_payload


def test_foreign_account_gives_no_bank_barcode_but_a_qr_code():
    invoice = guide_invoice(iban="DE89370400440532013000", bic="COBADEFFXXX")

    codes = payment_codes_for(invoice, amount=GUIDE_AMOUNT)

    assert codes.barcode is None
    assert codes.iban_display == "DE89 3704 0044 0532 0130 00"
    assert "DE89370400440532013000" in codes.qr_payload


def test_codes_are_immutable():
    codes = payment_codes_for(guide_invoice(), amount=GUIDE_AMOUNT)

    with pytest.raises(dataclasses.FrozenInstanceError):
        codes.amount = Decimal("1.00")  # type: ignore[misc]
    assert isinstance(codes, PaymentCodes)


def test_an_unparseable_iban_is_still_grouped_in_fours():
    assert format_iban("fi00 1234567") == "FI00 1234 567"
