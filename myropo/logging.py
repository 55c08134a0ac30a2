"""Redacts personal identity codes (HETU) and IBANs from every log record."""

import logging
import re

HETU_PATTERN = re.compile(r"\b(\d{6})[-+ABCDEFUVWXY](\d{3}[0-9A-Y])\b", re.IGNORECASE)
IBAN_PATTERN = re.compile(r"\b([A-Z]{2}\d{2})(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")


def redact(text: str) -> str:
    text = HETU_PATTERN.sub(r"\1-****", text)
    return IBAN_PATTERN.sub(r"\1 **** (redacted)", text)


_TRACEBACKS = logging.Formatter()


class RedactPersonalDataFilter(logging.Filter):
    """Redacts the message, the traceback (`exc_info`) and the stack (`stack_info`).

    An exception's text and a traceback's source lines carry the values that failed, a HETU
    or an IBAN among them: the traceback is rendered here, redacted, and kept only as text
    (`exc_text`, which every formatter prints), so no handler can render it again unredacted.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
