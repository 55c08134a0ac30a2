"""Refund accounts: IBAN validation with reasons, BIC lookup, masking."""

import pytest
from stdnum.iso7064 import mod_97_10

from payments.ibans import InvalidIBAN, bic_for_iban, mask_iban, validate_iban

# payments.ibans silences this warning at import; pytest resets warning filters per test.
pytestmark = pytest.mark.filterwarnings("ignore::schwifty.exceptions.NationalChecksumNotVerified")


def with_check_digits(country: str, bban: str) -> str:
    """An IBAN whose ISO 13616 check digits are right, whatever the BBAN holds."""
    numeric = "".join(str(int(c, 36)) for c in bban + country) + "00"
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


@pytest.mark.parametrize(
    ("raw", "compact"),
    [
        ("FI21 1234 5600 0007 85", "FI2112345600000785"),
        ("fi2112345600000785", "FI2112345600000785"),
        ("  FI79 4405\u00a02020 0360 82 ", "FI7944052020036082"),  # pasted, with a no-break space
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("SE45 5000 0000 0583 9825 7466", "SE4550000000058398257466"),
    ],
)
def test_validate_iban_returns_the_compact_form(raw, compact):
    assert validate_iban(raw) == compact


def test_helper_builds_valid_ibans():
    assert with_check_digits("FI", "12345600000785") == "FI2112345600000785"
    assert mod_97_10.is_valid("12345600000785" + "1518" + "21")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("FI21 1234 5600 0007 86", "checksum"),  # one digit mistyped
        ("FI12 1234 5600 0007 85", "checksum"),  # check digits swapped
        ("FI21 1234 5600 0007 8", "length"),
        ("FI21 1234 5600 0007 855", "length"),
        ("XX21 1234 5600 0007 85", "country"),
        ("hello world", "not_iban"),
        ("1234 5600 0007 85", "not_iban"),  # a domestic account number without FI
        ("FI21-1234-5600-0007-85", "not_iban"),
        ("FÄ21 1234 5600 0007 85", "not_iban"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_validate_iban_refuses_with_a_reason(raw, code):
    with pytest.raises(InvalidIBAN) as refused:
        validate_iban(raw)
    assert refused.value.code == code
    assert refused.value.message  # plain English, ready for gettext


def test_validate_iban_refuses_letters_where_finland_has_digits():
    with pytest.raises(InvalidIBAN) as refused:
        validate_iban(with_check_digits("FI", "1234560000078A"))
    assert refused.value.code == "format"


def test_validate_iban_checks_the_finnish_account_check_digit():
    # Right ISO check digits around a Finnish account number whose Luhn digit is wrong.
    wrong_account = with_check_digits("FI", "12345600000786")
    with pytest.raises(InvalidIBAN) as refused:
        validate_iban(wrong_account)
    assert refused.value.code == "national_checksum"


def test_invalid_iban_does_not_repeat_the_account_number():
    with pytest.raises(InvalidIBAN) as refused:
        validate_iban("FI21 1234 5600 0007 86")
    assert "1234" not in str(refused.value)
    assert "1234" not in repr(refused.value.args)


@pytest.mark.parametrize(
    ("iban", "bic"),
    [
        ("FI2112345600000785", "NDEAFIHH"),
        ("FI79 4405 2020 0360 82", "ITELFIHH"),
        ("FI0250004640001302", "OKOYFIHH"),
        ("DE89370400440532013000", "COBADEFFXXX"),
    ],
)
def test_bic_for_iban_comes_from_the_bank_registry(iban, bic):
    assert bic_for_iban(iban) == bic


def test_bic_for_iban_is_none_for_nonsense():
    assert bic_for_iban("not an iban") is None


@pytest.mark.parametrize(
    ("iban", "masked"),
    [
        ("FI2112345600000785", "FI21 **** **** **07 85"),
        ("FI21 1234 5600 0007 85", "FI21 **** **** **07 85"),
        ("DE89370400440532013000", "DE89 **** **** **** **30 00"),
        ("FI21", "****"),
    ],
)
def test_mask_iban_keeps_country_check_digits_and_last_four(iban, masked):
    assert mask_iban(iban) == masked


def test_mask_iban_hides_the_account_number():
    assert "123456" not in mask_iban("FI2112345600000785").replace(" ", "")
