"""Phone numbers: Finnish local forms (040 123 4567) and international ones, to E.164."""

import re

_ALLOWED = re.compile(r"^\+?[0-9 ()\-]+$")


class InvalidPhoneNumber(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """'040 123 4567' → '+358401234567'; '+46 70 123 45 67' → '+46701234567'."""
    text = raw.strip()
    if not text:
        return ""
    if not _ALLOWED.match(text):
        raise InvalidPhoneNumber(raw)
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        number = "+" + digits
    elif digits.startswith("00"):
        number = "+" + digits[2:]
    elif digits.startswith("0"):
        number = "+358" + digits[1:]
    else:
        raise InvalidPhoneNumber(raw)
    # E.164: country code + subscriber number, at most 15 digits; Finnish numbers have 7–12.
    if not 8 <= len(number) - 1 <= 15:
        raise InvalidPhoneNumber(raw)
    return number
