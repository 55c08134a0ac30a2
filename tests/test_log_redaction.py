"""Personal identity codes and IBANs never reach a log line."""

import logging

import pytest

from myropo.logging import RedactPersonalDataFilter, redact

HETU = "131052-308T"
IBAN = "FI21 1234 5600 0007 85"


def _filtered(message: str, *args) -> str:
    record = logging.LogRecord("myropo", logging.INFO, __file__, 1, message, args, None)
    assert RedactPersonalDataFilter().filter(record) is True, "records are redacted, not dropped"
    return record.getMessage()


def test_a_hetu_in_the_message_is_redacted():
    line = _filtered(f"matched invoice for {HETU}")
    assert HETU not in line
    assert "308T" not in line
    assert line.startswith("matched invoice for ")


def test_an_iban_in_the_arguments_is_redacted():
    line = _filtered("refund to %s for %s", IBAN, "Alice")
    assert "1234 5600 0007 85" not in line
    assert "FI21" in line
    assert "Alice" in line


def test_an_iban_without_spaces_is_redacted():
    assert "12345600000785" not in _filtered("refund to FI2112345600000785")


@pytest.mark.parametrize("hetu", ["010101A123N", "311299-999E", "010199+123A", "020304Y321X"])
def test_every_century_sign_is_recognised(hetu):
    assert hetu[7:] not in redact(f"code {hetu}.")


def test_ordinary_numbers_survive():
    line = _filtered("invoice 12345 reference 1234561 amount 100.00")
    assert line == "invoice 12345 reference 1234561 amount 100.00"


def test_the_redaction_filter_is_on_the_console_handler(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert "redact" in handler["filters"]
    assert settings.LOGGING["filters"]["redact"]["()"] == "myropo.logging.RedactPersonalDataFilter"


def test_a_logged_hetu_does_not_reach_the_output():
    logger = logging.getLogger("myropo.test")
    # The console handler that settings.LOGGING configured (pytest adds handlers of its own).
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactPersonalDataFilter) for f in handler.filters)
    )
    stream_records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            stream_records.append(self.format(record))

    capture = Capture()
    for log_filter in handler.filters:
        capture.addFilter(log_filter)
    logger.addHandler(capture)
    try:
        logger.warning("identity %s and account %s", HETU, IBAN)
    finally:
        logger.removeHandler(capture)
    assert stream_records
    assert HETU not in stream_records[0]
    assert "5600 0007 85" not in stream_records[0]
