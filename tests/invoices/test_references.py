"""Reference numbers, the bank barcode, EPC QR and Code 128 (pure functions, no database).

The barcode rows come from the Finnish banks' barcode guide v5.3 (DESIGN.md, "Test vectors").
"""

import base64
import re
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st
from segno import helpers as segno_helpers
from stdnum.iso7064 import mod_97_10

from invoices.references import (
    CODE128_PATTERNS,
    CODE128_START_C,
    CODE128_STOP,
    BankBarcode,
    InvalidReference,
    PaymentCodeError,
    bank_barcode,
    code128_svg,
    code128_widths,
    code128c_symbols,
    epc_qr_payload,
    epc_qr_png_data_uri,
    epc_qr_svg,
    format_reference,
    is_valid_national_reference,
    is_valid_reference,
    is_valid_rf_reference,
    national_from_rf,
    national_reference_from_base,
    normalize_reference,
    parse_bank_barcode,
    rf_reference_from_national,
    validate_reference,
)

# (IBAN, amount, national reference, RF reference, due date, barcode v4, barcode v5)
BANK_GUIDE_VECTORS = [
    (
        "FI79 4405 2020 0360 82",
        Decimal("4883.15"),
        "86851 62596 19897",
        "RF09 8685 1625 9619 897",
        date(2010, 6, 12),
        "479440520200360820048831500000000868516259619897100612",
        "579440520200360820048831509000000868516259619897100612",
    ),
    (
        "FI02 5000 4640 0013 02",
        Decimal("693.80"),
        "69 87567 20834 35364",
        "RF02 6987 5672 0834",
        date(2011, 7, 24),
        "402500046400013020006938000000069875672083435364110724",
        "502500046400013020006938002000000000698756720834110724",
    ),
    (
        "FI16 8000 1400 0502 67",
        Decimal("935.85"),
        "78 77767 96566 28687",
        None,
        None,
        "416800014000502670009358500000078777679656628687000000",
        None,
    ),
]
V4_CASES = [(v[0], v[1], v[2], v[4], v[5]) for v in BANK_GUIDE_VECTORS]
V5_CASES = [(v[0], v[1], v[3], v[4], v[6]) for v in BANK_GUIDE_VECTORS if v[3]]
NATIONAL_REFS = [v[2] for v in BANK_GUIDE_VECTORS]
RF_REFS = [v[3] for v in BANK_GUIDE_VECTORS if v[3]]

IBAN_1 = "FI7944052020036082"


# --- strategies -----------------------------------------------------------------

bases = st.from_regex(r"[1-9][0-9]{2,18}", fullmatch=True)
national_refs = bases.map(national_reference_from_base)
references = national_refs | national_refs.map(rf_reference_from_national)
barcode_amounts = st.integers(min_value=0, max_value=99_999_999).map(
    lambda cents: Decimal(cents).scaleb(-2)
)
due_dates = st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def finnish_ibans(draw: st.DrawFn) -> str:
    bban = draw(st.from_regex(r"[0-9]{14}", fullmatch=True))
    return "FI" + mod_97_10.calc_check_digits(bban + "FI") + bban


# --- national reference ---------------------------------------------------------


def test_check_digit_of_123456_is_1() -> None:
    assert national_reference_from_base("123456") == "1234561"


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        ("123", "1232"),
        ("1000", "10003"),
        ("86851625961989", "868516259619897"),
        ("6987567208343536", "69875672083435364"),
        ("7877767965662868", "78777679656628687"),
        ("1234567890123456789", "12345678901234567894"),
    ],
)
def test_check_digit_uses_weights_7_3_1_from_the_right(base: str, reference: str) -> None:
    assert national_reference_from_base(base) == reference


def test_check_digit_is_zero_when_the_weighted_sum_is_a_multiple_of_ten() -> None:
    # 0*7 + 5*3 + 5*1 = 20
    assert national_reference_from_base("550") == "5500"


def test_base_may_contain_spaces() -> None:
    assert national_reference_from_base(" 123 456 ") == "1234561"


@pytest.mark.parametrize("base", ["12", "12345678901234567890", "", "   "])
def test_base_outside_3_to_19_digits_is_refused(base: str) -> None:
    with pytest.raises(InvalidReference, match="digits"):
        national_reference_from_base(base)


@pytest.mark.parametrize("base", ["12a4", "12-34", "١٢٣٤", "12.5", "+123"])
def test_base_with_anything_but_ascii_digits_is_refused(base: str) -> None:
    with pytest.raises(InvalidReference, match="only digits"):
        national_reference_from_base(base)


def test_base_starting_with_zero_is_refused_because_leading_zeros_are_not_significant() -> None:
    with pytest.raises(InvalidReference, match="must not start with 0"):
        national_reference_from_base("0123")


def test_invalid_reference_is_a_value_error_and_a_payment_code_error() -> None:
    assert issubclass(InvalidReference, PaymentCodeError)
    assert issubclass(InvalidReference, ValueError)
    assert InvalidReference is not ReferenceError


@pytest.mark.parametrize("reference", NATIONAL_REFS)
def test_every_national_reference_in_the_bank_guide_validates(reference: str) -> None:
    assert is_valid_national_reference(reference)
    assert is_valid_reference(reference)


@pytest.mark.parametrize(
    "reference", ["1234561", "12345 61", " 1234561\n", "0001234561", "00000000000001234561"]
)
def test_national_reference_accepts_spaces_and_leading_zeros(reference: str) -> None:
    assert is_valid_national_reference(reference)


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("1234562", "wrong check digit"),
        ("868516259619898", "wrong check digit"),
        ("123", "too short"),
        ("123456789012345678944", "21 digits"),
        ("0017", "only two significant digits"),
        ("0000", "no significant digits"),
        ("12345a1", "letter"),
        ("1234-561", "dash"),
        ("", "empty"),
        ("RF09868516259619897", "an RF reference"),
    ],
)
def test_national_reference_is_invalid_when(reference: str, why: str) -> None:
    assert not is_valid_national_reference(reference), why


def test_normalize_reference_strips_whitespace_and_upper_cases() -> None:
    assert normalize_reference(" rf09 8685\t1625 9619 897\n") == "RF09868516259619897"
    assert normalize_reference("86851 62596 19897") == "868516259619897"


@pytest.mark.parametrize(
    ("reference", "printed"),
    [
        ("1232", "1232"),
        ("12344", "12344"),
        ("1234561", "12 34561"),
        ("868516259619897", "86851 62596 19897"),
        ("69875672083435364", "69 87567 20834 35364"),
        ("78777679656628687", "78 77767 96566 28687"),
        ("12345678901234567894", "12345 67890 12345 67894"),
        ("000 1234561", "12 34561"),
    ],
)
def test_national_reference_prints_in_groups_of_five_from_the_right(
    reference: str, printed: str
) -> None:
    assert format_reference(reference) == printed


@pytest.mark.parametrize(
    ("reference", "printed"),
    [
        ("RF09868516259619897", "RF09 8685 1625 9619 897"),
        ("rf02 698756720834", "RF02 6987 5672 0834"),
        ("RF18539007547034", "RF18 5390 0754 7034"),
    ],
)
def test_rf_reference_prints_in_groups_of_four_from_the_left(reference: str, printed: str) -> None:
    assert format_reference(reference) == printed


@pytest.mark.parametrize("reference", ["1234562", "RF10868516259619897", "", "hello"])
def test_formatting_an_invalid_reference_raises(reference: str) -> None:
    with pytest.raises(InvalidReference):
        format_reference(reference)


def test_validate_reference_returns_the_canonical_compact_form() -> None:
    assert validate_reference("000 86851 62596 19897") == "868516259619897"
    assert validate_reference("rf09 8685 1625 9619 897") == "RF09868516259619897"


# --- RF creditor reference --------------------------------------------------------


def test_rf_reference_of_the_bank_guide_example() -> None:
    national = national_reference_from_base("86851625961989")
    assert national == "868516259619897"
    rf = rf_reference_from_national(national)
    assert rf == "RF09868516259619897"
    assert format_reference(rf) == "RF09 8685 1625 9619 897"


def test_rf_conversion_accepts_the_printed_national_form() -> None:
    assert rf_reference_from_national("86851 62596 19897") == "RF09868516259619897"
    assert rf_reference_from_national("00868516259619897") == "RF09868516259619897"


def test_rf_conversion_of_an_invalid_national_reference_raises() -> None:
    with pytest.raises(InvalidReference, match="check digit"):
        rf_reference_from_national("868516259619898")


@pytest.mark.parametrize("reference", RF_REFS)
def test_every_rf_reference_in_the_bank_guide_validates(reference: str) -> None:
    assert is_valid_rf_reference(reference)
    assert is_valid_reference(reference)


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("RF08868516259619897", "wrong check digits"),
        ("RF09868516259619898", "changed body"),
        ("RF09", "no body"),
        ("RF0912345678901234567890123", "body over 21 characters"),
        ("RF09-8685-1625-9619-897", "dashes are not spaces"),
        ("XX09868516259619897", "not RF"),
        ("868516259619897", "a national reference"),
        ("RF9X123", "letters in the check digits"),
    ],
)
def test_rf_reference_is_invalid_when(reference: str, why: str) -> None:
    assert not is_valid_rf_reference(reference), why


def test_rf_reference_may_carry_letters_in_its_body() -> None:
    assert is_valid_rf_reference("RF18 5390 0754 70Y")


def test_national_reference_comes_back_out_of_its_rf_form() -> None:
    assert national_from_rf("RF09 8685 1625 9619 897") == "868516259619897"


def test_national_from_rf_refuses_an_rf_whose_body_is_not_a_national_reference() -> None:
    # The guide's second RF example is not built from that row's national reference.
    with pytest.raises(InvalidReference, match="not a Finnish national reference"):
        national_from_rf("RF02 6987 5672 0834")


def test_national_from_rf_refuses_an_invalid_rf_reference() -> None:
    with pytest.raises(InvalidReference, match="ISO 11649"):
        national_from_rf("RF10 8685 1625 9619 897")


@pytest.mark.parametrize("reference", ["", "RF", "1234562", "RF00 1234", "kissa"])
def test_is_valid_reference_rejects_what_is_neither_kind(reference: str) -> None:
    assert not is_valid_reference(reference)


@given(bases)
def test_any_base_of_3_to_19_digits_round_trips_through_generation_and_validation(
    base: str,
) -> None:
    reference = national_reference_from_base(base)
    assert reference[:-1] == base
    assert is_valid_national_reference(reference)
    assert is_valid_national_reference(format_reference(reference))
    assert validate_reference(format_reference(reference)) == reference


@given(bases, st.integers(min_value=1, max_value=9))
def test_changing_the_check_digit_always_invalidates_the_reference(base: str, delta: int) -> None:
    reference = national_reference_from_base(base)
    wrong = reference[:-1] + str((int(reference[-1]) + delta) % 10)
    assert not is_valid_national_reference(wrong)


@given(st.from_regex(r"0[0-9]{2,18}", fullmatch=True))
def test_any_base_with_a_leading_zero_is_refused(base: str) -> None:
    with pytest.raises(InvalidReference):
        national_reference_from_base(base)


@given(national_refs)
def test_any_national_reference_round_trips_through_its_rf_form(national: str) -> None:
    rf = rf_reference_from_national(national)
    assert is_valid_rf_reference(rf)
    assert is_valid_rf_reference(format_reference(rf))
    assert national_from_rf(rf) == national


# --- bank barcode -----------------------------------------------------------------


@pytest.mark.parametrize(("iban", "amount", "reference", "due", "expected"), V4_CASES)
def test_bank_barcode_version_4_matches_the_bank_guide(
    iban: str, amount: Decimal, reference: str, due: date | None, expected: str
) -> None:
    assert bank_barcode(iban, amount, reference, due) == expected


@pytest.mark.parametrize(("iban", "amount", "reference", "due", "expected"), V5_CASES)
def test_bank_barcode_version_5_matches_the_bank_guide(
    iban: str, amount: Decimal, reference: str, due: date | None, expected: str
) -> None:
    assert bank_barcode(iban, amount, reference, due) == expected


def test_bank_barcode_of_the_rf_form_of_a_national_reference_is_version_5() -> None:
    rf = rf_reference_from_national("86851 62596 19897")
    code = bank_barcode(IBAN_1, Decimal("4883.15"), rf, date(2010, 6, 12))
    assert code == BANK_GUIDE_VECTORS[0][6]


@pytest.mark.parametrize(
    ("code", "iban", "amount", "reference", "due"),
    [(v[5], v[0], v[1], v[2], v[4]) for v in BANK_GUIDE_VECTORS]
    + [(v[6], v[0], v[1], v[3], v[4]) for v in BANK_GUIDE_VECTORS if v[6]],
)
def test_bank_guide_barcodes_parse_back_into_their_fields(
    code: str, iban: str, amount: Decimal, reference: str, due: date | None
) -> None:
    assert parse_bank_barcode(code) == BankBarcode(
        iban=iban.replace(" ", ""),
        amount=amount,
        reference=normalize_reference(reference),
        due_date=due,
    )


def test_parsed_barcode_is_frozen() -> None:
    parsed = parse_bank_barcode(BANK_GUIDE_VECTORS[0][5])
    with pytest.raises(AttributeError):
        parsed.amount = Decimal("1.00")  # type: ignore[misc]


def test_zero_amount_means_amount_not_given() -> None:
    code = bank_barcode(IBAN_1, Decimal("0"), "1234561", None)
    assert code[17:25] == "00000000"
    assert parse_bank_barcode(code).amount == Decimal("0.00")


def test_largest_barcode_amount_fits() -> None:
    code = bank_barcode(IBAN_1, Decimal("999999.99"), "1234561", None)
    assert code[17:25] == "99999999"


def test_amount_with_trailing_zero_decimals_is_accepted() -> None:
    code = bank_barcode(IBAN_1, Decimal("4883.1500"), "868516259619897", date(2010, 6, 12))
    assert code == BANK_GUIDE_VECTORS[0][5]


def test_amount_over_999999_99_raises() -> None:
    with pytest.raises(PaymentCodeError, match=r"at most 999999\.99"):
        bank_barcode(IBAN_1, Decimal("1000000.00"), "1234561", None)


def test_negative_amount_raises() -> None:
    with pytest.raises(PaymentCodeError, match="negative"):
        bank_barcode(IBAN_1, Decimal("-0.01"), "1234561", None)


def test_amount_with_fractions_of_a_cent_raises_instead_of_rounding() -> None:
    with pytest.raises(PaymentCodeError, match="2 decimals"):
        bank_barcode(IBAN_1, Decimal("10.005"), "1234561", None)


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity")])
def test_amount_that_is_not_a_finite_number_raises(amount: Decimal) -> None:
    with pytest.raises(PaymentCodeError, match="finite"):
        bank_barcode(IBAN_1, amount, "1234561", None)


@pytest.mark.parametrize("amount", [10.5, 10, "10.50"])
def test_amount_that_is_not_a_decimal_is_a_type_error(amount: object) -> None:
    with pytest.raises(TypeError, match="Decimal"):
        bank_barcode(IBAN_1, amount, "1234561", None)  # type: ignore[arg-type]


def test_non_finnish_iban_raises() -> None:
    with pytest.raises(PaymentCodeError, match="only Finnish accounts"):
        bank_barcode("DE89 3704 0044 0532 0130 00", Decimal("1.00"), "1234561", None)


def test_iban_with_a_wrong_checksum_raises() -> None:
    with pytest.raises(PaymentCodeError, match="not a valid IBAN"):
        bank_barcode("FI79 4405 2020 0360 83", Decimal("1.00"), "1234561", None)


def test_invalid_reference_in_a_barcode_raises() -> None:
    with pytest.raises(InvalidReference):
        bank_barcode(IBAN_1, Decimal("1.00"), "1234562", None)


def test_rf_reference_with_letters_cannot_go_into_the_numeric_barcode() -> None:
    with pytest.raises(InvalidReference, match="numeric"):
        bank_barcode(IBAN_1, Decimal("1.00"), "RF18 5390 0754 70Y", None)


def test_due_date_outside_the_two_digit_year_century_raises() -> None:
    with pytest.raises(PaymentCodeError, match="2000-2099"):
        bank_barcode(IBAN_1, Decimal("1.00"), "1234561", date(1999, 12, 31))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("4" * 53, "54 digits"),
        ("4" * 55, "54 digits"),
        ("4794405202003608200488315000000008685162596198971006x2", "54 digits"),
        ("679440520200360820048831500000000868516259619897100612", "versions 4 and 5"),
        ("479440520200360820048831501000000868516259619897100612", "000 before"),
        ("479440520200360830048831500000000868516259619897100612", "not a valid IBAN"),
        ("479440520200360820048831500000000868516259619898100612", "check digit"),
        ("579440520200360820048831508000000868516259619897100612", "ISO 11649"),
        ("479440520200360820048831500000000868516259619897101312", "not a date"),
    ],
)
def test_malformed_barcode_does_not_parse(code: str, message: str) -> None:
    with pytest.raises(PaymentCodeError, match=message):
        parse_bank_barcode(code)


@given(finnish_ibans(), barcode_amounts, references, due_dates)
def test_any_barcode_round_trips_through_parse(
    iban: str, amount: Decimal, reference: str, due: date | None
) -> None:
    code = bank_barcode(iban, amount, reference, due)
    assert len(code) == 54
    assert code.isdigit()
    assert code[0] == ("5" if reference.startswith("RF") else "4")
    assert parse_bank_barcode(code) == BankBarcode(iban, amount, reference, due)


# --- EPC QR -----------------------------------------------------------------------


def _epc(**overrides: object) -> str:
    fields: dict[str, object] = {
        "name": "Ropo Capital Oy",
        "iban": "FI79 4405 2020 0360 82",
        "bic": "ITELFIHH",
        "amount": Decimal("4883.15"),
        "reference": "86851 62596 19897",
    }
    fields.update(overrides)
    return epc_qr_payload(**fields)  # type: ignore[arg-type]


def test_epc_payload_for_the_first_bank_guide_row_line_by_line() -> None:
    assert _epc().split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "ITELFIHH",
        "Ropo Capital Oy",
        "FI7944052020036082",
        "EUR4883.15",
        "",
        "RF09868516259619897",
    ]


def test_epc_payload_matches_segnos_own_epc_helper() -> None:
    ours = _epc(reference="RF09 8685 1625 9619 897").encode()
    theirs = segno_helpers._make_epc_qr_data(
        name="Ropo Capital Oy",
        iban="FI7944052020036082",
        amount=Decimal("4883.15"),
        reference="RF09868516259619897",
        bic="ITELFIHH",
        encoding=1,
    )
    assert ours == theirs


def test_epc_payload_puts_a_national_reference_in_its_rf_form() -> None:
    assert _epc(reference="69 87567 20834 35364").split("\n")[9] == rf_reference_from_national(
        "69875672083435364"
    )


def test_epc_payload_keeps_an_rf_reference_as_given() -> None:
    assert _epc(reference="rf02 6987 5672 0834").split("\n")[9] == "RF02698756720834"


def test_epc_payload_without_bic_leaves_the_bic_line_empty() -> None:
    assert _epc(bic=None).split("\n")[4] == ""


def test_epc_payload_carries_text_in_the_unstructured_field() -> None:
    lines = _epc(reference=None, text="Lasku 1234\nkiitos").split("\n")
    assert lines[9:] == ["", "Lasku 1234 kiitos"]


def test_epc_payload_without_remittance_ends_at_the_amount() -> None:
    assert _epc(reference=None).split("\n")[-1] == "EUR4883.15"


def test_epc_payload_refuses_both_reference_and_text() -> None:
    with pytest.raises(PaymentCodeError, match="not both"):
        _epc(text="Lasku 1234")


def test_epc_payload_refuses_an_invalid_reference() -> None:
    with pytest.raises(InvalidReference):
        _epc(reference="1234562")


@pytest.mark.parametrize(
    ("amount", "line"),
    [
        (Decimal("0.01"), "EUR0.01"),
        (Decimal("693.8"), "EUR693.80"),
        (Decimal("12"), "EUR12.00"),
        (Decimal("999999999.99"), "EUR999999999.99"),
    ],
)
def test_epc_amount_is_written_with_two_decimals(amount: Decimal, line: str) -> None:
    assert _epc(amount=amount).split("\n")[7] == line


@pytest.mark.parametrize(
    "amount", [Decimal("0"), Decimal("0.00"), Decimal("-5"), Decimal("1000000000.00")]
)
def test_epc_amount_out_of_range_raises(amount: Decimal) -> None:
    with pytest.raises(PaymentCodeError, match="amount"):
        _epc(amount=amount)


def test_epc_amount_must_be_a_decimal() -> None:
    with pytest.raises(TypeError):
        _epc(amount=12.34)


def test_epc_beneficiary_name_is_truncated_to_70_characters() -> None:
    name = "Åbo Perintä ja Laskutus Osakeyhtiö " * 3
    line = _epc(name=name).split("\n")[5]
    assert len(line) == 70
    assert name.startswith(line)


def test_epc_beneficiary_name_cannot_be_blank() -> None:
    with pytest.raises(PaymentCodeError, match="name"):
        _epc(name=" \n ")


def test_epc_text_over_140_characters_raises() -> None:
    with pytest.raises(PaymentCodeError, match="140"):
        _epc(reference=None, text="x" * 141)


@pytest.mark.parametrize(
    ("field", "value"),
    [("iban", "FI79 4405 2020 0360 83"), ("bic", "NOTABIC!"), ("iban", "")],
)
def test_epc_payload_refuses_an_invalid_account(field: str, value: str) -> None:
    with pytest.raises(PaymentCodeError, match="Invalid account"):
        _epc(**{field: value})


def test_epc_payload_accepts_another_sepa_account() -> None:
    lines = _epc(iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX").split("\n")
    assert lines[4:7] == ["COBADEFFXXX", "Ropo Capital Oy", "DE89370400440532013000"]


def test_epc_payload_over_331_bytes_raises() -> None:
    # 70 three-byte characters and 140 four-byte ones pass every field limit but
    # together exceed the 331 bytes EPC069-12 allows.
    with pytest.raises(PaymentCodeError, match="331 bytes"):
        _epc(name="€" * 70, reference=None, text="𝄞" * 140)


def test_epc_payload_of_exactly_331_bytes_is_accepted_and_one_more_is_not() -> None:
    name = "€" * 70
    room = 331 - len(_epc(name=name, reference=None, text="y").encode())
    payload = _epc(name=name, reference=None, text="y" * (1 + room))
    assert len(payload.encode()) == 331
    with pytest.raises(PaymentCodeError, match="331 bytes"):
        _epc(name=name, reference=None, text="y" * (2 + room))


def test_epc_svg_is_an_inline_qr_at_error_level_m() -> None:
    payload = _epc()
    svg = epc_qr_svg(payload)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    qr = segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8")
    assert qr.error == "M"
    assert qr.version <= 13
    assert svg == qr.svg_inline(scale=4)


def test_epc_png_data_uri_is_a_png() -> None:
    uri = epc_qr_png_data_uri(_epc(), scale=2)
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]).startswith(b"\x89PNG\r\n\x1a\n")


def test_epc_qr_of_an_oversized_payload_raises() -> None:
    with pytest.raises(PaymentCodeError, match="331 bytes"):
        epc_qr_svg("x" * 332)


# --- Code 128 -----------------------------------------------------------------------


def test_code128_table_has_107_patterns_of_11_modules_and_a_13_module_stop() -> None:
    assert len(CODE128_PATTERNS) == 107
    for value, pattern in enumerate(CODE128_PATTERNS[:106]):
        widths = [int(w) for w in pattern]
        assert len(widths) == 6, value
        assert sum(widths) == 11, value
        # Bars always add up to an even number of modules (the symbology's parity check).
        assert sum(widths[0::2]) % 2 == 0, value
        assert all(1 <= w <= 4 for w in widths), value
    assert CODE128_PATTERNS[CODE128_STOP] == "2331112"


def test_code128_patterns_are_all_different() -> None:
    assert len(set(CODE128_PATTERNS)) == 107


@pytest.mark.parametrize(
    ("value", "pattern"),
    [(0, "212222"), (1, "222122"), (50, "231131"), (99, "113141"), (105, "211232")],
)
def test_code128_table_matches_known_patterns(value: int, pattern: str) -> None:
    assert CODE128_PATTERNS[value] == pattern


def test_code128_checksum_is_start_plus_weighted_values_mod_103() -> None:
    # 105 + 12*1 + 34*2 + 56*3 = 353; 353 mod 103 = 44
    assert code128c_symbols("123456") == [105, 12, 34, 56, 44, 106]


def test_code128_checksum_of_a_bank_guide_barcode() -> None:
    digits = BANK_GUIDE_VECTORS[0][5]
    symbols = code128c_symbols(digits)
    pairs = [int(digits[i : i + 2]) for i in range(0, 54, 2)]
    assert symbols[0] == CODE128_START_C
    assert symbols[1:-2] == pairs
    assert symbols[-2] == (105 + sum(i * v for i, v in enumerate(pairs, 1))) % 103
    assert symbols[-1] == CODE128_STOP
    assert len(code128_widths(digits)) == 6 * 29 + 7


@pytest.mark.parametrize("digits", ["", "123", "12a4", "١٢"])
def test_code128_set_c_refuses_odd_empty_or_non_digit_input(digits: str) -> None:
    with pytest.raises(PaymentCodeError, match="even number of digits"):
        code128c_symbols(digits)


def _decode_code128_svg(svg: str) -> str:
    """Read bar positions back out of the SVG and decode them as Code 128 set C."""
    bars = [(int(x), int(w)) for x, w in re.findall(r"M(\d+),0h(\d+)v", svg)]
    assert bars[0][0] == 10, "a quiet zone of ten modules before the first bar"
    total = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))  # type: ignore[union-attr]
    assert total - (bars[-1][0] + bars[-1][1]) == 10, "and after the last bar"
    widths: list[int] = []
    for (x, w), (next_x, _) in pairwise(bars):
        widths += [w, next_x - x - w]
    widths.append(bars[-1][1])
    pattern = "".join(str(w) for w in widths)
    lookup = {p: value for value, p in enumerate(CODE128_PATTERNS)}
    assert pattern.endswith(CODE128_PATTERNS[CODE128_STOP])
    symbols = [lookup[pattern[i : i + 6]] for i in range(0, len(pattern) - 7, 6)]
    start, *pairs, checksum = symbols
    assert start == CODE128_START_C
    assert checksum == (start + sum(i * v for i, v in enumerate(pairs, 1))) % 103
    return "".join(f"{v:02d}" for v in pairs)


@pytest.mark.parametrize("code", [v[5] for v in BANK_GUIDE_VECTORS] + [V5_CASES[0][4]])
def test_code128_svg_of_a_bank_guide_barcode_decodes_back_to_its_digits(code: str) -> None:
    svg = code128_svg(code)
    assert svg.startswith("<svg")
    assert f'aria-label="{code}"' in svg
    assert _decode_code128_svg(svg) == code


@given(st.from_regex(r"(?:[0-9]{2}){1,40}", fullmatch=True))
def test_any_even_digit_string_round_trips_through_the_code128_svg(digits: str) -> None:
    assert _decode_code128_svg(code128_svg(digits)) == digits


def test_code128_svg_size_follows_the_module_count() -> None:
    svg = code128_svg("00", height=30, scale=3)
    modules = 10 + 11 * 3 + 13 + 10  # quiet zone, start + pair + checksum, stop, quiet zone
    assert f'viewBox="0 0 {modules} 30"' in svg
    assert f'width="{modules * 3}" height="90"' in svg
