"""Finvoice 3.0 and CSV invoice import: pure parsing, no database."""

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.importing import (
    MAX_IMPORT_BYTES,
    ImportedLine,
    ImportFailed,
    ImportProblem,
    parse_csv,
    parse_finvoice,
    parse_invoice_file,
)
from invoices.importing.csv_format import COLUMNS, MAX_ROWS
from invoices.importing.values import parse_decimal, split_gross

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ";".join(COLUMNS)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def problems_of(parse, data: bytes) -> list[ImportProblem]:
    with pytest.raises(ImportFailed) as caught:
        parse(data)
    return caught.value.problems


def rendered(problems: list[ImportProblem]) -> list[tuple[str, str]]:
    return [(problem.position, problem.render()) for problem in problems]


def parse_upload(data: bytes):
    return parse_invoice_file(data, "upload")


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


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


# --- Finvoice: valid files ---------------------------------------------------------


def test_single_finvoice_with_company_buyer_parses_every_field():
    [invoice] = parse_finvoice(fixture("finvoice_valid_single.xml"))

    assert invoice.number == "10231"
    assert invoice.issue_date == date(2025, 3, 10)
    assert invoice.due_date == date(2025, 3, 24)
    assert invoice.reference == "2025001231"
    assert invoice.currency == "EUR"
    assert invoice.total == Decimal("189.51")
    assert invoice.language == "fi"
    assert invoice.debtor_kind == "company"
    assert invoice.debtor_ytunnus == "0737546-2"
    assert invoice.debtor_hetu is None
    assert invoice.debtor_name == "Kahvila Mustikka Oy"
    assert invoice.debtor_address == "Hämeenkatu 15 A"
    assert (invoice.debtor_postcode, invoice.debtor_city) == ("33100", "TAMPERE")
    assert invoice.debtor_email == "laskut@kahvilamustikka.fi"
    assert invoice.seller_ytunnus == "2331972-7"
    assert invoice.seller_name == "Lämpö-Virtanen Oy"
    assert invoice.seller_iban == "FI0250004640001302"
    assert invoice.seller_bic == "OKOYFIHH"
    assert invoice.source_position == "Finvoice message 1"
    assert invoice.lines == (
        ImportedLine(
            description="Huoltokäynti, ilmalämpöpumppu",
            quantity=Decimal(1),
            unit_price=Decimal("120.00"),
            vat_rate=Decimal("25.5"),
            net_total=Decimal("120.00"),
            vat_total=Decimal("30.60"),
            gross_total=Decimal("150.60"),
        ),
        ImportedLine(
            description="Siitepölysuodatin",
            quantity=Decimal(2),
            unit_price=Decimal("15.50"),
            vat_rate=Decimal("25.5"),
            net_total=Decimal("31.00"),
            vat_total=Decimal("7.91"),
            gross_total=Decimal("38.91"),
        ),
    )


def test_consumer_finvoice_keeps_hetu_rf_reference_and_swedish_language():
    [invoice] = parse_finvoice(fixture("finvoice_valid_consumer_rf.xml"))

    assert invoice.debtor_kind == "consumer"
    assert invoice.debtor_hetu == "131052-308T"
    assert invoice.debtor_ytunnus is None
    assert invoice.reference == "RF932025001244"
    assert invoice.language == "sv"
    assert invoice.due_date == date(2025, 2, 21)  # from EpiDateOptionDate only
    assert invoice.seller_iban == "FI7944052020036082"
    assert invoice.total == Decimal("60.24")


def test_finvoice_row_without_vat_amount_gets_it_from_net_and_gross():
    [invoice] = parse_finvoice(fixture("finvoice_valid_consumer_rf.xml"))

    # The second InvoiceRow is a free-text row without amounts and is no line.
    [line] = invoice.lines
    assert (line.net_total, line.vat_total, line.gross_total) == (
        Decimal("48.00"),
        Decimal("12.24"),
        Decimal("60.24"),
    )


def test_bank_transmission_file_yields_each_of_its_three_messages_in_order():
    invoices = parse_finvoice(fixture("finvoice_valid_multi.xml"))

    assert [invoice.number for invoice in invoices] == [
        "HH-2025-0301",
        "HH-2025-0302",
        "HH-2025-0303",
    ]
    assert [invoice.source_position for invoice in invoices] == [
        "Finvoice message 1",
        "Finvoice message 2",
        "Finvoice message 3",
    ]
    first, second, third = invoices
    # ISO-8859-15 text decoded
    assert first.seller_name == "Kiinteistöhuolto Häkkinen Oy"
    assert (first.debtor_kind, first.debtor_hetu, first.debtor_ytunnus) == ("consumer", None, None)
    # Only RowAmount and the rate given: net and VAT derived, rounded half up.
    assert first.lines[0].net_total == Decimal("36.57")
    assert first.lines[0].vat_total == Decimal("9.33")
    assert (second.debtor_kind, second.debtor_ytunnus) == ("company", "1572860-0")
    assert second.reference == "RF492025001260"
    assert second.total == Decimal("321.28")
    assert [line.quantity for line in second.lines] == [Decimal(1), Decimal(12)]
    assert third.language == "en"
    assert third.lines == ()
    assert third.total == Decimal("89.00")


def test_root_element_wrapping_several_finvoice_messages_yields_each():
    single = fixture("finvoice_valid_single.xml").decode()
    message = single[single.index("<Finvoice ") :]
    second = message.replace("<InvoiceNumber>10231<", "<InvoiceNumber>10232<")
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n<Invoices>{message}{second}</Invoices>'

    invoices = parse_finvoice(data.encode())

    assert [invoice.number for invoice in invoices] == ["10231", "10232"]


@pytest.mark.parametrize("total", ["189,51", "189.51", " 189,51 "])
def test_finvoice_amount_takes_comma_or_dot(total):
    data = fixture("finvoice_valid_single.xml").replace(
        b'"EUR">189,51</InvoiceTotalVatIncludedAmount>',
        f'"EUR">{total}</InvoiceTotalVatIncludedAmount>'.encode(),
    )

    [invoice] = parse_finvoice(data)

    assert invoice.total == Decimal("189.51")


# --- Finvoice: problems ------------------------------------------------------------


def test_broken_finvoice_reports_every_problem_with_message_and_element_path():
    problems = problems_of(parse_finvoice, fixture("finvoice_broken.xml"))

    epi = "/Finvoice/EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier"
    assert rendered(problems) == [
        (
            "Finvoice message 1, /Finvoice/InvoiceDetails/InvoiceNumber",
            "This required element is missing or empty.",
        ),
        (
            "Finvoice message 1, /Finvoice/InvoiceDetails/InvoiceDate",
            "20250230 is not a valid date in the form CCYYMMDD.",
        ),
        (
            f"Finvoice message 2, {epi}",
            "2025001232 is not a valid reference number.",
        ),
        (
            "Finvoice message 2, /Finvoice/BuyerPartyDetails/BuyerPartyIdentifier",
            "131052-**** is not a valid personal identity code (HETU).",
        ),
        (
            "Finvoice message 2, /Finvoice/InvoiceDetails/InvoiceTotalVatIncludedAmount",
            "The invoice total 160.60 differs from the sum of its rows 150.60.",
        ),
    ]


def test_broken_finvoice_never_shows_the_whole_hetu():
    with pytest.raises(ImportFailed) as failure:
        parse_finvoice(fixture("finvoice_broken.xml"))

    assert "308U" not in str(failure.value)
    assert all("308U" not in problem.render() for problem in failure.value.problems)


def test_finvoice_identifier_that_looks_like_nothing_is_quoted_masked():
    data = fixture("finvoice_valid_single.xml").replace(
        b"<BuyerPartyIdentifier>0737546-2<", b"<BuyerPartyIdentifier>x131052-308T<"
    )

    [problem] = problems_of(parse_finvoice, data)

    assert "308T" not in problem.render()
    assert problem.position.endswith("/Finvoice/BuyerPartyDetails/BuyerPartyIdentifier")


def test_finvoice_invalid_company_id_is_reported():
    data = fixture("finvoice_valid_single.xml").replace(b">0737546-2<", b">0737546-3<")

    [problem] = problems_of(parse_finvoice, data)

    assert problem.render() == "0737546-3 is not a valid business ID (Y-tunnus)."


def test_finvoice_other_currency_than_euro_is_refused():
    data = fixture("finvoice_valid_single.xml").replace(
        b'"EUR">189,51</InvoiceTotalVatIncludedAmount>',
        b'"SEK">189,51</InvoiceTotalVatIncludedAmount>',
    )

    [problem] = problems_of(parse_finvoice, data)

    assert problem.position.endswith("/Finvoice/InvoiceDetails/InvoiceTotalVatIncludedAmount")
    assert "SEK" in problem.render()


def test_finvoice_negative_amount_is_refused():
    data = fixture("finvoice_valid_single.xml").replace(
        b">38.91</RowAmount>", b">-38.91</RowAmount>"
    )

    problems = problems_of(parse_finvoice, data)

    assert problems[0].position == "Finvoice message 1, /Finvoice/InvoiceRow[2]/RowAmount"
    assert problems[0].render() == "-38.91 must not be negative."


def test_finvoice_due_date_before_invoice_date_is_refused():
    data = fixture("finvoice_valid_single.xml").replace(b">20250324<", b">20250301<")

    [problem] = problems_of(parse_finvoice, data)

    assert problem.render() == "The due date 2025-03-01 is before the invoice date 2025-03-10."


def test_finvoice_row_whose_parts_do_not_add_up_is_refused():
    data = fixture("finvoice_valid_single.xml").replace(
        b">7.91</RowVatAmount>", b">8.91</RowVatAmount>"
    )

    problems = problems_of(parse_finvoice, data)

    assert problems[0].position == "Finvoice message 1, /Finvoice/InvoiceRow[2]/RowAmount"


def test_finvoice_reference_scheme_must_match_the_reference_kind():
    data = fixture("finvoice_valid_consumer_rf.xml").replace(
        b'IdentificationSchemeName="ISO">RF93', b'IdentificationSchemeName="SPY">RF93'
    )

    [problem] = problems_of(parse_finvoice, data)

    assert problem.position.endswith("EpiRemittanceInfoIdentifier/@IdentificationSchemeName")


def test_finvoice_version_other_than_3_0_is_refused():
    data = fixture("finvoice_valid_single.xml").replace(b'Version="3.0"', b'Version="2.01"')

    [problem] = problems_of(parse_finvoice, data)

    assert problem.position == "Finvoice message 1, /Finvoice/@Version"


def test_finvoice_repeating_an_invoice_number_is_refused():
    single = fixture("finvoice_valid_single.xml").decode()
    message = single[single.index("<Finvoice ") :]
    data = f"<Invoices>{message}{message}</Invoices>".encode()

    [problem] = problems_of(parse_finvoice, data)

    assert problem.position == "Finvoice message 2, /Finvoice/InvoiceDetails/InvoiceNumber"


def test_malformed_xml_is_refused_with_its_line():
    data = b"<?xml version='1.0'?>\n<Finvoice Version='3.0'>\n<InvoiceDetails>\n</Finvoice>"

    [problem] = problems_of(parse_finvoice, data)

    assert problem.position == "line 4"
    assert problem.render().startswith("The file is not well-formed XML")


def test_xml_without_finvoice_message_is_refused():
    [problem] = problems_of(parse_finvoice, b"<Document><BkToCstmrDbtCdtNtfctn/></Document>")

    assert problem.render() == "The file contains no Finvoice message."


# --- Finvoice: hostile files -------------------------------------------------------


def test_external_entity_is_refused_without_reading_the_file():
    passwd = Path("/etc/passwd")
    secret = passwd.read_text().splitlines()[0] if passwd.exists() else "root:x:0:0"

    with pytest.raises(ImportFailed) as failure:
        parse_upload(fixture("finvoice_xxe.xml"))

    [problem] = failure.value.problems
    assert "DOCTYPE" in problem.render()
    assert secret not in str(failure.value)
    assert "root:" not in str(failure.value)


def test_billion_laughs_is_refused_quickly_without_expanding():
    started = time.perf_counter()

    [problem] = problems_of(parse_finvoice, fixture("finvoice_billion_laughs.xml"))

    assert time.perf_counter() - started < 0.5
    assert "DOCTYPE" in problem.render()
    assert "lollol" not in problem.render()


@pytest.mark.parametrize("name", ["finvoice_xxe.xml", "finvoice_billion_laughs.xml"])
def test_doctype_hidden_from_the_byte_scan_by_utf16_is_still_refused(name):
    text = fixture(name).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    started = time.perf_counter()

    problems = problems_of(parse_upload, text.encode("utf-16"))

    assert time.perf_counter() - started < 0.5
    assert len(problems) == 1
    assert "root:" not in problems[0].render()
    assert "lollol" not in problems[0].render()


@pytest.mark.parametrize("parse", [parse_finvoice, parse_csv, parse_upload])
def test_file_over_the_size_limit_is_refused_before_parsing(parse):
    data = b"<Finvoice>" + b" " * MAX_IMPORT_BYTES + b"</Finvoice>"
    started = time.perf_counter()

    [problem] = problems_of(parse, data)

    assert time.perf_counter() - started < 0.5
    assert problem.position == "file"
    assert str(MAX_IMPORT_BYTES) in problem.render()


# --- CSV ---------------------------------------------------------------------------


def test_csv_rows_with_the_same_invoice_number_form_one_invoice():
    invoices = parse_csv(fixture("invoices_valid.csv"))

    assert [invoice.number for invoice in invoices] == ["1001", "1002", "1003"]
    first = invoices[0]
    assert [line.description for line in first.lines] == [
        "Huoltokäynti, ilmalämpöpumppu",
        "Siitepölysuodatin (2 kpl)",
    ]
    assert first.total == Decimal("189.51")
    assert first.source_position == "lines 2, 4"
    assert (first.debtor_kind, first.debtor_ytunnus) == ("company", "0737546-2")
    assert first.reference == "2025001231"


def test_csv_consumer_row_keeps_hetu_rf_reference_finnish_dates_and_language():
    invoice = parse_csv(fixture("invoices_valid.csv"))[1]

    assert invoice.issue_date == date(2025, 2, 1)
    assert invoice.due_date == date(2025, 2, 21)
    assert invoice.reference == "RF932025001244"
    assert (invoice.debtor_kind, invoice.debtor_hetu) == ("consumer", "131052-308T")
    assert invoice.language == "sv"
    assert invoice.source_position == "line 3"


def test_csv_splits_the_gross_amount_into_net_and_vat_half_up():
    first = parse_csv(fixture("invoices_valid.csv"))[0]

    assert first.lines[1] == ImportedLine(
        description="Siitepölysuodatin (2 kpl)",
        quantity=Decimal(1),
        unit_price=Decimal("31.00"),
        vat_rate=Decimal("25.5"),
        net_total=Decimal("31.00"),
        vat_total=Decimal("7.91"),
        gross_total=Decimal("38.91"),
    )


def test_csv_quoted_field_may_hold_the_delimiter_and_empty_language_means_finnish():
    last = parse_csv(fixture("invoices_valid.csv"))[2]

    assert last.lines[0].description == "Autopaikka; huhtikuu 2025"
    assert last.lines[0].vat_total == Decimal("0.00")
    assert last.language == "fi"
    assert last.source_position == "line 6"  # after the empty line 5


def test_broken_csv_reports_every_problem_with_its_physical_line():
    problems = problems_of(parse_csv, fixture("invoices_broken.csv"))

    assert [problem.position for problem in problems] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 8",
        "line 10",
        "line 11",
        "line 12",
    ]
    messages = [problem.render() for problem in problems]
    assert "debtor_street differs from line 2" in messages[0]
    assert "31.2.2025 is not a date" in messages[1]
    assert "2025001245 is not a valid reference" in messages[2]
    assert "12,345 is not an amount" in messages[3]
    assert "debtor_hetu" in messages[4]
    assert "debtor_ytunnus is empty" in messages[5]
    assert "before the issue date" in messages[6]
    assert "has 7 columns" in messages[7]


def test_broken_csv_never_shows_the_whole_hetu():
    problems = problems_of(parse_csv, fixture("invoices_broken.csv"))

    [hetu_problem] = [p for p in problems if "debtor_hetu" in p.render()]
    assert "131052-****" in hetu_problem.render()
    assert all("308U" not in problem.render() for problem in problems)


def test_csv_with_comma_delimiter_is_read_like_semicolons():
    header = HEADER.replace(";", ",")
    row = csv_row(amount="100.00", vat_rate="25.5", description='"Vesi, jätevesi"')
    data = csv_file(row.replace(";", ","), header=header)

    [invoice] = parse_csv(data)

    assert invoice.lines[0].description == "Vesi, jätevesi"
    assert invoice.total == Decimal("100.00")


def test_csv_with_semicolon_delimiter_and_commas_in_every_description():
    rows = [csv_row(description=f"Vesi, jätevesi, erä {n}", amount="1,00") for n in range(5)]

    [invoice] = parse_csv(csv_file(*rows))

    assert len(invoice.lines) == 5
    assert invoice.lines[0].description == "Vesi, jätevesi, erä 0"


@pytest.mark.parametrize(
    ("issue", "due"),
    [
        ("2025-03-05", "2025-03-19"),
        ("5.3.2025", "19.3.2025"),
        ("05.03.2025", "19.03.2025"),
    ],
)
def test_csv_accepts_iso_and_finnish_dates(issue, due):
    [invoice] = parse_csv(csv_file(csv_row(issue_date=issue, due_date=due)))

    assert (invoice.issue_date, invoice.due_date) == (date(2025, 3, 5), date(2025, 3, 19))


@pytest.mark.parametrize("bad", ["2025-3-5", "5/3/2025", "32.1.2025", "2025-02-29"])
def test_csv_refuses_other_date_forms_and_impossible_dates(bad):
    [problem] = problems_of(parse_csv, csv_file(csv_row(issue_date=bad)))

    assert problem.position == "line 2"
    assert "issue_date" in problem.render()


def test_csv_unknown_and_missing_columns_are_named_in_one_problem():
    header = HEADER.replace("debtor_email", "email").replace(";vat_rate", "")

    [problem] = problems_of(parse_csv, csv_file(header=header))

    assert problem.position == "line 1"
    assert problem.render() == (
        "The header has unknown columns email and lacks columns debtor_email, vat_rate."
    )


def test_csv_without_a_header_is_asked_for_one():
    [problem] = problems_of(parse_csv, csv_file(header=csv_row(debtor_hetu="131052-308T")))

    assert problem.position == "line 1"
    assert "header" in problem.render()
    assert "308T" not in problem.render()


def test_csv_company_with_hetu_and_consumer_with_ytunnus_are_refused():
    data = csv_file(
        csv_row(debtor_type="company", debtor_ytunnus="2331972-7", debtor_hetu="131052-308T"),
        csv_row(invoice_number="3002", debtor_ytunnus="2331972-7"),
    )

    problems = problems_of(parse_csv, data)

    assert rendered(problems) == [
        ("line 2", "A company has no debtor_hetu; leave it empty."),
        ("line 3", "A consumer has no debtor_ytunnus; leave it empty."),
    ]


def test_csv_over_the_row_limit_is_refused_before_checking_rows():
    data = HEADER.encode() + b"\n" + (b"1" + b";" * (len(COLUMNS) - 1) + b"\n") * (MAX_ROWS + 1)
    assert len(data) < MAX_IMPORT_BYTES

    [problem] = problems_of(parse_csv, data)

    assert problem.position == f"line {MAX_ROWS + 2}"
    assert str(MAX_ROWS) in problem.render()


def test_csv_saved_in_windows_1252_is_refused_with_its_line():
    data = csv_file(csv_row(), csv_row(debtor_name="Jänis")).decode().encode("cp1252")

    [problem] = problems_of(parse_csv, data)

    assert problem.position == "line 3"
    assert "UTF-8" in problem.render()


def test_csv_too_many_problems_are_cut_short_with_a_count():
    rows = [csv_row(invoice_number=str(n), issue_date="x") for n in range(1200)]

    problems = problems_of(parse_csv, csv_file(*rows))

    assert len(problems) == 1001
    assert problems[-1].render() == "200 more problems were not listed."


# --- Dispatch and rendering ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "filename"),
    [
        ("finvoice_valid_single.xml", "lasku.csv"),
        ("invoices_valid.csv", "laskut.xml"),
    ],
)
def test_parse_invoice_file_chooses_the_parser_by_content_not_name(name, filename):
    invoices = parse_invoice_file(fixture(name), filename)

    assert invoices


def test_parse_invoice_file_sees_xml_behind_a_bom_and_whitespace():
    data = b"\xef\xbb\xbf\n  " + fixture("finvoice_valid_single.xml")

    [invoice] = parse_invoice_file(data, "lasku")

    assert invoice.number == "10231"


def test_empty_upload_is_refused_by_name():
    [problem] = problems_of(lambda data: parse_invoice_file(data, "tyhja.csv"), b" \n")

    assert problem.render() == "The file tyhja.csv is empty."


def test_problem_render_translates_the_template_before_filling_it_in():
    problem = ImportProblem("line 4", "%(value)s is not a valid number.", {"value": "12,3x"})
    finnish = {"%(value)s is not a valid number.": "%(value)s ei ole kelvollinen luku."}

    assert problem.render(lambda message: finnish.get(message, message)) == (
        "12,3x ei ole kelvollinen luku."
    )
    assert str(problem) == "line 4: 12,3x is not a valid number."


# --- Properties ---------------------------------------------------------------------


@given(
    cents=st.integers(min_value=0, max_value=10**10),
    vat_rate=st.sampled_from(["0", "10", "13.5", "14", "24", "25.5"]),
)
def test_split_gross_always_adds_up_and_rounds_net_to_cents(cents, vat_rate):
    gross = Decimal(cents) / 100
    net, vat = split_gross(gross, Decimal(vat_rate))

    assert net + vat == gross
    assert net == net.quantize(Decimal("0.01"))
    assert abs(net * (1 + Decimal(vat_rate) / 100) - gross) <= Decimal("0.01")


@given(units=st.integers(min_value=0, max_value=10**12), cents=st.integers(0, 99))
def test_parse_decimal_reads_comma_and_dot_alike(units, cents):
    expected = Decimal(f"{units}.{cents:02d}")

    assert parse_decimal(f"{units},{cents:02d}") == expected
    assert parse_decimal(f"{units}.{cents:02d}") == expected
