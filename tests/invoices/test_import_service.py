"""Saving imported Finvoice and CSV files: all or nothing, per creditor, with a timeline."""

from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest

from invoices.importing import ImportFailed, ImportResult, invoices_import
from invoices.importing.csv_format import COLUMNS
from invoices.models import EventKind, Invoice, InvoiceEvent, InvoiceLine
from tests.factories import CreditorFactory, InvoiceFactory

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ";".join(COLUMNS)

pytestmark = pytest.mark.django_db


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def csv_row(**overrides: str) -> str:
    values = {
        "invoice_number": "3001",
        "issue_date": "2025-03-10",
        "due_date": "2025-03-24",
        "reference": "2025001231",
        "amount": "100,00",
        "debtor_type": "consumer",
        "debtor_name": "Matti Virtanen",
        "debtor_hetu": "",
        "debtor_ytunnus": "",
        "debtor_street": "Mannerheimintie 12 B 7",
        "debtor_postcode": "00100",
        "debtor_city": "Helsinki",
        "debtor_email": "",
        "language": "fi",
        "description": "Vesimaksu",
        "vat_rate": "25,5",
    }
    values.update(overrides)
    return ";".join(values[column] for column in COLUMNS)


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def import_fixture(creditor, name: str, **kwargs) -> ImportResult:
    return invoices_import(creditor=creditor, data=fixture(name), filename=name, **kwargs)


def problems_of(creditor, data: bytes, filename: str = "upload.xml") -> list[tuple[str, str]]:
    with pytest.raises(ImportFailed) as failure:
        invoices_import(creditor=creditor, data=data, filename=filename)
    return [(problem.position, problem.render()) for problem in failure.value.problems]


# --- good files --------------------------------------------------------------------


def test_single_finvoice_creates_the_invoice_with_its_lines_and_an_imported_event(creditor, staff):
    result = import_fixture(creditor, "finvoice_valid_single.xml", actor=staff)

    [invoice] = result.created
    assert result.skipped == []
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.creditor == creditor
    assert invoice.number == "10231"
    assert invoice.principal == Decimal("189.51")
    assert (invoice.issue_date, invoice.due_date) == (date(2025, 3, 10), date(2025, 3, 24))
    assert invoice.original_due_date == invoice.due_date
    assert invoice.reference == "2025001231"
    assert invoice.language == "fi"
    assert invoice.stage == "open"
    assert (invoice.debtor_type, invoice.debtor_business_id, invoice.debtor_hetu) == (
        "company",
        "0737546-2",
        "",
    )
    assert invoice.debtor_name == "Kahvila Mustikka Oy"
    assert (invoice.debtor_street, invoice.debtor_postcode, invoice.debtor_city) == (
        "Hämeenkatu 15 A",
        "33100",
        "TAMPERE",
    )
    assert invoice.debtor_email == "laskut@kahvilamustikka.fi"
    assert len(invoice.myropo_id) == 10
    lines = list(invoice.lines.values_list("position", "description", "quantity", "gross_total"))
    assert lines == [
        (1, "Huoltokäynti, ilmalämpöpumppu", Decimal("1.000"), Decimal("150.60")),
        (2, "Siitepölysuodatin", Decimal("2.000"), Decimal("31.00") + Decimal("7.91")),
    ]
    second = invoice.lines.get(position=2)
    assert (second.unit_price, second.vat_rate, second.net_total, second.vat_total) == (
        Decimal("15.50"),
        Decimal("25.50"),
        Decimal("31.00"),
        Decimal("7.91"),
    )
    [event] = invoice.events.all()
    assert event.kind == EventKind.IMPORTED
    assert event.actor == staff
    assert event.detail == "finvoice_valid_single.xml"
    assert event.data["position"] == "Finvoice message 1"
    assert event.data["seller_iban"] == "FI0250004640001302"


def test_multi_message_finvoice_creates_each_invoice_with_its_amounts(creditor):
    result = import_fixture(creditor, "finvoice_valid_multi.xml")

    assert [invoice.number for invoice in result.created] == [
        "HH-2025-0301",
        "HH-2025-0302",
        "HH-2025-0303",
    ]
    invoices = {invoice.number: invoice for invoice in Invoice.objects.filter(creditor=creditor)}
    assert invoices["HH-2025-0301"].principal == Decimal("45.90")
    assert invoices["HH-2025-0302"].principal == Decimal("321.28")
    assert invoices["HH-2025-0302"].reference == "RF492025001260"
    assert invoices["HH-2025-0302"].debtor_business_id == "1572860-0"
    assert invoices["HH-2025-0303"].principal == Decimal("89.00")
    assert invoices["HH-2025-0303"].language == "en"
    assert InvoiceLine.objects.filter(invoice__creditor=creditor).count() == 3
    assert InvoiceEvent.objects.filter(kind=EventKind.IMPORTED).count() == 3


def test_consumer_finvoice_keeps_the_hetu_and_rf_reference():
    creditor = CreditorFactory(business_id="1572860-0", iban="FI7944052020036082")

    [invoice] = import_fixture(creditor, "finvoice_valid_consumer_rf.xml").created

    invoice.refresh_from_db()
    assert (invoice.debtor_type, invoice.debtor_hetu) == ("consumer", "131052-308T")
    assert invoice.reference == "RF932025001244"
    assert invoice.language == "sv"


def test_csv_creates_invoices_whose_principal_is_the_sum_of_their_lines(creditor):
    result = import_fixture(creditor, "invoices_valid.csv")

    assert [invoice.number for invoice in result.created] == ["1001", "1002", "1003"]
    first = Invoice.objects.get(creditor=creditor, number="1001")
    assert first.principal == Decimal("189.51")
    assert sum(line.gross_total for line in first.lines.all()) == first.principal
    assert [line.net_total for line in first.lines.all()] == [Decimal("120.00"), Decimal("31.00")]
    consumer = Invoice.objects.get(creditor=creditor, number="1002")
    assert (consumer.debtor_hetu, consumer.reference, consumer.language) == (
        "131052-308T",
        "RF932025001244",
        "sv",
    )
    assert consumer.due_date == date(2025, 2, 21)
    assert (
        list(
            InvoiceEvent.objects.filter(invoice__creditor=creditor).values_list("detail", flat=True)
        )
        == ["invoices_valid.csv"] * 3
    )


def test_event_names_the_file_without_its_directories(creditor):
    invoices_import(
        creditor=creditor,
        data=csv_file(csv_row()),
        filename="C:\\Users\\laskutus\\maaliskuu.csv",
    )

    assert InvoiceEvent.objects.get().detail == "maaliskuu.csv"


def test_dry_run_reports_what_would_be_created_and_saves_nothing(creditor):
    InvoiceFactory(creditor=creditor, number="1001")

    result = import_fixture(creditor, "invoices_valid.csv", dry_run=True)

    assert [invoice.number for invoice in result.created] == ["1002", "1003"]
    assert all(invoice.pk is None for invoice in result.created)
    assert result.skipped == ["1001"]
    assert Invoice.objects.filter(creditor=creditor).count() == 1
    assert not InvoiceEvent.objects.filter(kind=EventKind.IMPORTED).exists()


# --- re-import ---------------------------------------------------------------------


def test_reimporting_a_file_skips_every_invoice_and_lists_the_numbers(creditor):
    import_fixture(creditor, "invoices_valid.csv")

    result = import_fixture(creditor, "invoices_valid.csv")

    assert result.created == []
    assert result.skipped == ["1001", "1002", "1003"]
    assert Invoice.objects.filter(creditor=creditor).count() == 3
    assert InvoiceEvent.objects.filter(kind=EventKind.IMPORTED).count() == 3


def test_reimport_creates_only_the_new_numbers(creditor):
    invoices_import(creditor=creditor, data=csv_file(csv_row()), filename="first.csv")

    result = invoices_import(
        creditor=creditor,
        data=csv_file(csv_row(), csv_row(invoice_number="3002", reference="2025001244")),
        filename="second.csv",
    )

    assert [invoice.number for invoice in result.created] == ["3002"]
    assert result.skipped == ["3001"]


def test_same_number_for_another_creditor_is_a_new_invoice(creditor):
    other = CreditorFactory(business_id="0109862-8")
    invoices_import(creditor=other, data=csv_file(csv_row()), filename="other.csv")

    result = invoices_import(creditor=creditor, data=csv_file(csv_row()), filename="mine.csv")

    assert [invoice.number for invoice in result.created] == ["3001"]
    assert Invoice.objects.filter(number="3001").count() == 2


# --- problems: nothing written -----------------------------------------------------


def test_broken_csv_writes_nothing_and_reports_each_line(creditor):
    problems = problems_of(creditor, fixture("invoices_broken.csv"), "invoices_broken.csv")

    assert [position for position, _message in problems] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 8",
        "line 10",
        "line 11",
        "line 12",
    ]
    assert not Invoice.objects.exists()
    assert not InvoiceEvent.objects.exists()


def test_broken_finvoice_writes_nothing_and_reports_each_element(creditor):
    problems = problems_of(creditor, fixture("finvoice_broken.xml"))

    assert [position for position, _message in problems] == [
        "Finvoice message 1, /Finvoice/InvoiceDetails/InvoiceNumber",
        "Finvoice message 1, /Finvoice/InvoiceDetails/InvoiceDate",
        "Finvoice message 2, "
        "/Finvoice/EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier",
        "Finvoice message 2, /Finvoice/BuyerPartyDetails/BuyerPartyIdentifier",
        "Finvoice message 2, /Finvoice/InvoiceDetails/InvoiceTotalVatIncludedAmount",
    ]
    assert not Invoice.objects.exists()


def test_one_bad_row_among_good_ones_writes_nothing(creditor):
    data = csv_file(
        csv_row(),
        csv_row(invoice_number="3002", reference="2025001244"),
        csv_row(invoice_number="3003", reference="2025001257", amount="-5,00"),
    )

    problems = problems_of(creditor, data, "upload.csv")

    assert [position for position, _message in problems] == ["line 4"]
    assert not Invoice.objects.exists()


def test_number_repeated_within_a_finvoice_file_is_a_problem(creditor):
    single = fixture("finvoice_valid_single.xml").decode()
    message = single[single.index("<Finvoice ") :]
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n<Invoices>{message}{message}</Invoices>'

    problems = problems_of(creditor, data.encode())

    assert problems == [
        (
            "Finvoice message 2, /Finvoice/InvoiceDetails/InvoiceNumber",
            "Invoice number 10231 is already used in Finvoice message 1.",
        )
    ]
    assert not Invoice.objects.exists()


def test_number_repeated_within_a_csv_file_must_describe_one_invoice(creditor):
    data = csv_file(csv_row(), csv_row(debtor_name="Liisa Korhonen"))

    problems = problems_of(creditor, data, "upload.csv")

    assert problems[0][0] == "line 3"
    assert "all rows of invoice 3001 must agree" in problems[0][1]
    assert not Invoice.objects.exists()


def test_finvoice_for_another_business_id_is_refused_at_the_seller_element():
    creditor = CreditorFactory(business_id="0109862-8")

    problems = problems_of(creditor, fixture("finvoice_valid_multi.xml"))

    seller = "/Finvoice/SellerPartyDetails/SellerPartyIdentifier"
    assert problems == [
        (
            f"Finvoice message {index}, {seller}",
            "The seller's business ID 2331972-7 is not the creditor's 0109862-8; "
            "was the file meant for another creditor?",
        )
        for index in (1, 2, 3)
    ]
    assert not Invoice.objects.exists()


def test_seller_account_other_than_the_collection_account_is_only_a_notice(creditor):
    assert creditor.iban != "FI0250004640001302"

    result = import_fixture(creditor, "finvoice_valid_single.xml")

    assert len(result.created) == 1
    [notice] = result.notices
    assert notice.position == "Finvoice message 1"
    assert "FI0250004640001302" in notice.render()


def test_text_longer_than_its_column_is_a_problem_not_a_database_error(creditor):
    data = csv_file(csv_row(debtor_city="H" * 101), csv_row(invoice_number="9" * 41))

    problems = problems_of(creditor, data, "upload.csv")

    assert problems[0] == (
        "line 2",
        "debtor_city is longer than 100 characters: " + "H" * 39 + "…",
    )
    assert problems[1][0] == "line 3"
    assert "invoice_number is longer than 40 characters" in problems[1][1]
    assert not Invoice.objects.exists()


def test_amount_too_large_for_the_database_is_a_problem(creditor):
    problems = problems_of(creditor, csv_file(csv_row(amount="10000000000,00")), "upload.csv")

    assert problems[0][0] == "line 2"
    assert "too large" in problems[0][1]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("name", ["finvoice_xxe.xml", "finvoice_billion_laughs.xml"])
def test_hostile_xml_is_refused_and_writes_nothing(creditor, name):
    problems = problems_of(creditor, fixture(name), name)

    [(_position, message)] = problems
    assert "DOCTYPE" in message
    assert "root:" not in message
    assert "lollol" not in message
    assert not Invoice.objects.exists()


def test_huge_file_is_refused_before_parsing(creditor):
    problems = problems_of(creditor, b"<Finvoice>" + b" " * (10 * 1024 * 1024) + b"</Finvoice>")

    assert [position for position, _message in problems] == ["file"]


def test_number_saved_by_someone_else_meanwhile_is_a_clear_problem_not_a_crash(creditor):
    """Another path saved the number between our check and our insert: the constraint fires."""
    InvoiceFactory(creditor=creditor, number="3001")

    with (
        mock.patch("invoices.importing.service._existing_numbers", return_value=set()),
        pytest.raises(ImportFailed) as failure,
    ):
        invoices_import(creditor=creditor, data=csv_file(csv_row()), filename="upload.csv")

    [problem] = failure.value.problems
    assert problem.position == "file"
    assert "Import the file again" in problem.render()
    assert Invoice.objects.filter(creditor=creditor).count() == 1
