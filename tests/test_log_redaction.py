"""Personal identity codes and IBANs never reach a log line."""

import logging
import sys

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


def _formatted(record: logging.LogRecord) -> str:
    assert RedactPersonalDataFilter().filter(record) is True
    return logging.Formatter("%(levelname)s %(message)s").format(record)


def test_a_hetu_and_an_iban_in_a_traceback_are_redacted():
    """Issue 10, item 12: the exception's text and the traceback's lines, not only the message."""
    try:
        raise ValueError(f"no invoice for {HETU}, refund account {IBAN}")
    except ValueError:
        record = logging.LogRecord(
            "myropo", logging.ERROR, __file__, 1, "import failed", (), sys.exc_info()
        )
    line = _formatted(record)
    assert "Traceback (most recent call last)" in line
    assert "ValueError: no invoice for 131052-****" in line
    assert "308T" not in line
    assert "5600 0007 85" not in line


def test_a_traceback_cannot_be_rendered_again_unredacted_by_another_handler():
    try:
        raise KeyError(HETU)
    except KeyError:
        record = logging.LogRecord("myropo", logging.ERROR, __file__, 1, "x", (), sys.exc_info())
    _formatted(record)
    assert record.exc_info is None
    assert HETU not in logging.Formatter().format(record)


def test_a_stack_in_the_record_is_redacted():
    record = logging.LogRecord("myropo", logging.WARNING, __file__, 1, "slow", (), None)
    record.stack_info = (
        f'Stack (most recent call last):\n  File "x.py", line 1, in f\n    match("{HETU}")'
    )
    assert "308T" not in _formatted(record)


def test_logger_exception_through_the_configured_filter_hides_the_hetu():
    logger = logging.getLogger("myropo.test.traceback")
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactPersonalDataFilter) for f in handler.filters)
    )
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    capture = Capture()
    capture.setFormatter(logging.Formatter("%(message)s"))
    for log_filter in handler.filters:
        capture.addFilter(log_filter)
    logger.addHandler(capture)
    try:
        try:
            int(f"hetu {HETU}")
        except ValueError:
            logger.exception("could not parse")
    finally:
        logger.removeHandler(capture)
    assert lines and "Traceback" in lines[0]
    assert HETU not in lines[0]


@pytest.mark.parametrize("name", ["django", "django.request", "django.security.csrf"])
def test_djangos_own_loggers_write_only_through_the_redacting_handlers(name):
    logger = logging.getLogger(name)
    while logger.propagate and not logger.handlers and logger.parent:
        logger = logger.parent
    # pytest's own capture handlers aside, every handler redacts.
    handlers = [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, RedactPersonalDataFilter) for f in handler.filters), handler
