"""Service hours of the chat (seed 004): Mon–Fri 8–20, Sat 10–15 Helsinki time, Finnish public
holidays closed, and the exceptions staff enter. The clock is frozen at each boundary."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import translation

from chat.hours import is_open, next_opening
from chat.models import ServiceHoursException
from chat.selectors import chat_is_open, opening_text
from chat.selectors import next_opening as next_opening_now
from chat.services import ChatError, chat_start
from tests.chat.conftest import HELSINKI


def at(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(2026, 5, 13, 7, 59), False),  # Wednesday before 8
        (at(2026, 5, 13, 8, 0), True),
        (at(2026, 5, 13, 19, 59), True),
        (at(2026, 5, 13, 20, 0), False),
        (at(2026, 5, 16, 9, 59), False),  # Saturday before 10
        (at(2026, 5, 16, 10, 0), True),
        (at(2026, 5, 16, 15, 0), False),
        (at(2026, 5, 17, 12, 0), False),  # Sunday
        (at(2026, 5, 14, 12, 0), False),  # Ascension Day (helatorstai), a public holiday
        (at(2026, 12, 6, 12, 0), False),  # Independence Day (a Sunday in 2026)
        (at(2026, 12, 24, 12, 0), False),  # Christmas Eve
    ],
)
def test_the_usual_hours_and_the_holidays(moment, open_):
    assert is_open(moment, {}) is open_


def test_the_next_opening_skips_a_holiday():
    # Wednesday evening before Ascension Day: the next opening is Friday at 8.
    assert next_opening(at(2026, 5, 13, 20, 30), {}) == at(2026, 5, 15, 8, 0)


def test_a_closed_day_entered_by_staff_closes_the_chat():
    exceptions = {date(2026, 5, 15): None}
    assert not is_open(at(2026, 5, 15, 12, 0), exceptions)
    assert next_opening(at(2026, 5, 13, 20, 30), exceptions) == at(2026, 5, 16, 10, 0)


def test_extended_hours_entered_by_staff_open_the_chat_later():
    exceptions = {date(2026, 5, 13): (time(8), time(22))}
    assert is_open(at(2026, 5, 13, 21, 0), exceptions)
    assert not is_open(at(2026, 5, 13, 22, 0), exceptions)


@pytest.mark.django_db
def test_exceptions_come_from_the_table_staff_edit():
    ServiceHoursException.objects.create(day=date(2026, 5, 16), closed=True, note="Inventaario")
    with time_machine.travel(at(2026, 5, 16, 12, 0), tick=False):
        assert not chat_is_open()
        assert next_opening_now() == at(2026, 5, 18, 8, 0)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Chat opens Monday at 8.00"),
        ("fi", "Chat aukeaa maanantaina klo 8.00"),
        ("sv", "Chatten öppnar måndag kl. 8.00"),
    ],
)
def test_the_next_opening_is_said_in_the_page_language(language, text):
    now = at(2026, 5, 16, 16, 0)  # Saturday after closing
    with translation.override(language):
        assert opening_text(next_opening(now, {}), now) == text


def test_today_and_tomorrow_are_said_as_such():
    with translation.override("en"):
        assert opening_text(at(2026, 5, 13, 8), at(2026, 5, 13, 7)) == "Chat opens today at 8.00"
        assert (
            opening_text(at(2026, 5, 15, 8), at(2026, 5, 14, 21)) == "Chat opens tomorrow at 8.00"
        )


@pytest.mark.django_db
def test_no_chat_starts_outside_hours(alice):
    with (
        time_machine.travel(at(2026, 5, 13, 20, 30), tick=False),
        pytest.raises(ChatError, match="Chat is closed now"),
    ):
        chat_start(customer=alice, language="en")
