"""Bank accounts given by payers for refunds: IBAN validation, BIC lookup and masking.

Pure code with no Django imports. A payer types the IBAN of the account a refund
should go to ("tilinumeron ilmoittaminen"); a typo there sends money to a stranger
or bounces, so the IBAN is checked as far as the standards allow before anyone
approves the refund: the ISO 13616 check digits, the country's length and format,
and the national check digit where schwifty knows the country's algorithm (Finnish
account numbers carry a Luhn digit).

An IBAN is personal data that is shown masked everywhere except the pain.001
export (see :func:`mask_iban`), and the exception below deliberately does not
repeat the rejected value: error messages end up in logs.
"""

from __future__ import annotations

import re
import warnings

from schwifty import IBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    InvalidStructure,
    NationalChecksumNotVerified,
    SchwiftyException,
)

__all__ = ["InvalidIBAN", "bic_for_iban", "mask_iban", "validate_iban", "validate_sepa_iban"]

# schwifty warns on every IBAN of a country whose national check digit it cannot
# verify (Sweden, for one). That is expected, not news: the ISO check digits were
# still verified, and a warning per refund form would only bury real warnings.
warnings.filterwarnings("ignore", category=NationalChecksumNotVerified)


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages``; the form translates it when shown."""
    return message


# One message per code, in plain English, ready for gettext where they are shown.
_MESSAGES = {
    "empty": gettext_noop("Enter an IBAN."),
    "not_iban": gettext_noop(
        "This is not an IBAN. An IBAN starts with a two-letter country code and two check "
        "digits, followed by letters and digits only."
    ),
    "country": gettext_noop("The IBAN does not start with a known country code."),
    "length": gettext_noop("The IBAN has the wrong number of characters for its country."),
    "format": gettext_noop("The IBAN does not have the format of its country's account numbers."),
    "checksum": gettext_noop("The IBAN's check digits do not match. Check for a typing error."),
    "national_checksum": gettext_noop(
        "The account number inside the IBAN fails its check digit. Check for a typing error."
    ),
    "not_sepa": gettext_noop(
        "Refunds are paid as SEPA transfers, and this account is outside the SEPA area. "
        "Give an account in the SEPA area, or contact customer service."
    ),
}


class InvalidIBAN(ValueError):
    """A refund account that cannot be used; ``code`` says why, ``message`` says it in English.

    ``message`` is an untranslated gettext msgid (marked for extraction), so a form
    shows ``gettext(exc.message)`` in the payer's language. The rejected value is
    not part of the exception on purpose: IBANs are never logged.
    """

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = _MESSAGES[code]
        super().__init__(self.message)


# ISO 13616: country code, two check digits, a BBAN of up to 30 letters and digits.
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")


def _compact(raw: str) -> str:
    # Payers paste IBANs with spaces, non-breaking spaces or in lower case.
    return "".join(raw.split()).upper()


def validate_iban(raw: str) -> str:
    """Return the compact, upper-case form of a valid IBAN, or raise :class:`InvalidIBAN`."""
    compact = _compact(raw)
    if not compact:
        raise InvalidIBAN("empty")
    if not _IBAN_SHAPE.fullmatch(compact):
        raise InvalidIBAN("not_iban")
    try:
        return IBAN(compact, validate_bban=True).compact
    except InvalidCountryCode:
        raise InvalidIBAN("country") from None
    except InvalidLength:
        raise InvalidIBAN("length") from None
    except InvalidChecksumDigits:
        raise InvalidIBAN("checksum") from None
    except InvalidBBANChecksum:
        raise InvalidIBAN("national_checksum") from None
    except (InvalidStructure, SchwiftyException):
        # The shape check above caught stray characters, so what is left is a BBAN that
        # breaks its country's pattern (letters where digits belong, a bad bank code).
        raise InvalidIBAN("format") from None


def validate_sepa_iban(raw: str) -> str:
    """:func:`validate_iban`, and the account must be in the SEPA area: refunds leave as a
    SEPA credit transfer (pain.001), which a bank outside the area does not receive."""
    iban = validate_iban(raw)
    if not IBAN(iban).in_sepa_zone:
        raise InvalidIBAN("not_sepa")
    return iban


def bic_for_iban(iban: str) -> str | None:
    """The BIC of the IBAN's bank from schwifty's bank registry, or None if unknown.

    Finnish banks are identified by the first digits of the account, so a Finnish
    IBAN nearly always yields a BIC and the payer need not type one.
    """
    try:
        bic = IBAN(_compact(iban)).bic
    except SchwiftyException:
        return None
    return bic.compact if bic is not None else None


def mask_iban(iban: str) -> str:
    """``FI21 **** **** **07 85``: country and check digits and the last four stay readable.

    Enough for a payer to recognise their own account and for staff to tell two
    accounts apart, not enough to be usable. Works on any string so that a page
    never fails on a malformed stored value; a value too short to mask is all stars.
    """
    compact = _compact(iban)
    if len(compact) <= 8:
        masked = "*" * len(compact)
    else:
        masked = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))
