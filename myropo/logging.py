"""Redacts personal identity codes (HETU) and IBANs from every log record."""

import logging
import re

HETU_PATTERN = re.compile(r"\b(\d{6})[-+ABCDEFUVWXY](\d{3}[0-9A-Y])\b", re.IGNORECASE)
IBAN_PATTERN = re.compile(r"\b([A-Z]{2}\d{2})(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")


def redact(text: str) -> str:
    text = HETU_PATTERN.sub(r"\1-****", text)
    return IBAN_PATTERN.sub(r"\1 **** (redacted)", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
