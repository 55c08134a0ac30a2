"""Single values shared by the Finvoice and CSV readers.

Each function returns the cleaned value, or ``None`` when the text is not a
valid value; the reader that called it knows the position and reports the
problem.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.fi import hetu, ytunnus

from invoices.references import InvalidReference, validate_reference

CENT = Decimal("0.01")

_DECIMAL = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# Digit-group separators that spreadsheets and people put in amounts.
_GROUP_SEPARATORS = str.maketrans("", "", " \u00a0\u202f")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FINNISH_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HETU_SHAPE = re.compile(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Z]", re.IGNORECASE)
_LANGUAGES = {
    "fi": "fi",
    "fin": "fi",
    "sv": "sv",
    "se": "sv",
    "swe": "sv",
    "en": "en",
    "eng": "en",
}


def round_cents(value: Decimal) -> Decimal:
    """The one rounding rule for money in the importers: half up, to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(text: str) -> Decimal | None:
    """``"123,45"``, ``"123.45"`` and ``"1 234,5"`` alike; no exponents, no NaN."""
    compact = text.translate(_GROUP_SEPARATORS)
    if not _DECIMAL.fullmatch(compact):
        return None
    return Decimal(compact.replace(",", "."))


def has_cents_only(value: Decimal) -> bool:
    return value == round_cents(value)


def split_gross(gross: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Split a VAT-included amount into (net, vat); the two add up to ``gross``."""
    net = round_cents(gross * 100 / (100 + vat_rate))
    return net, gross - net


def vat_on_net(net: Decimal, vat_rate: Decimal) -> Decimal:
    return round_cents(net * vat_rate / 100)


def _date_or_none(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_compact_date(text: str) -> date | None:
    """Finvoice's ``CCYYMMDD``."""
    match = _COMPACT_DATE.fullmatch(text)
    return _date_or_none(*match.groups()) if match else None


def parse_csv_date(text: str) -> date | None:
    """ISO ``YYYY-MM-DD`` or Finnish ``D.M.YYYY``."""
    if match := _ISO_DATE.fullmatch(text):
        return _date_or_none(*match.groups())
    if match := _FINNISH_DATE.fullmatch(text):
        day, month, year = match.groups()
        return _date_or_none(year, month, day)
    return None


def checked_reference(text: str) -> str | None:
    """The canonical compact reference (national or RF) when valid, else ``None``.

    Goes through ``invoices.references`` so that the importer and the rest of the
    portal agree on what a valid reference is and how it is stored.
    """
    try:
        return validate_reference(text)
    except InvalidReference:
        return None


def is_rf_reference(reference: str) -> bool:
    return reference.startswith("RF")


def mask_hetu(text: str) -> str:
    """Never show a whole personal identity code, not even a mistyped one."""
    return text.strip()[:6] + "-****"


def looks_like_hetu(text: str) -> bool:
    return bool(_HETU_SHAPE.fullmatch(text.strip()))


def shown(text: str) -> str:
    """A value fit to quote in a problem: short, and never with a whole HETU in it."""
    text = _HETU_SHAPE.sub(lambda match: mask_hetu(match.group()), " ".join(text.split()))
    return text if len(text) <= 40 else text[:39] + "…"


def checked_hetu(text: str) -> str | None:
    return hetu.compact(text) if hetu.is_valid(text) else None


def checked_ytunnus(text: str) -> str | None:
    """Y-tunnus as ``1234567-8``; accepts ``12345678`` and ``FI12345678`` too."""
    return ytunnus.format(text) if ytunnus.is_valid(text) else None


def checked_iban(text: str) -> str | None:
    try:
        return IBAN(text).compact
    except SchwiftyException:
        return None


def checked_bic(text: str) -> str | None:
    try:
        return BIC(text).compact
    except SchwiftyException:
        return None


def checked_email(text: str) -> str | None:
    return text if _EMAIL.fullmatch(text) else None


def checked_language(code: str) -> str | None:
    """``fi``/``sv``/``en`` from codes like ``FI``, ``sv-FI``, ``SE``, ``eng``."""
    return _LANGUAGES.get(code.strip().lower().replace("_", "-").split("-")[0])
