"""Answer-time targets count service hours: Mon–Fri 8–20, Sat 10–15 Europe/Helsinki, closed on
Sundays, Finnish public holidays, Christmas Eve and Midsummer Eve."""

from datetime import date, datetime

import pytest

from myropo.service_hours import HELSINKI, add_service_hours, is_service_day, service_hours_between


def at(y, m, d, h, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 12, 4), True),  # Friday
        (date(2026, 12, 5), True),  # Saturday
        (date(2026, 12, 6), False),  # Sunday, Independence Day
        (date(2026, 12, 24), False),  # Christmas Eve
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 6, 19), False),  # Midsummer Eve
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2026, 5, 13), True),
    ],
)
def test_service_days(day, open_):
    assert is_service_day(day) is open_


def test_a_target_runs_over_the_weekend():
    # Friday 19:00 + 3 h: one hour on Friday, two on Saturday from 10.
    assert add_service_hours(at(2026, 12, 4, 19), 3) == at(2026, 12, 5, 12)


def test_a_contact_at_night_starts_counting_at_opening():
    assert add_service_hours(at(2026, 12, 2, 23), 1) == at(2026, 12, 3, 9)


def test_a_target_skips_the_christmas_holidays():
    # Wed 23.12. 19:00 + 2 h: 1 h on the 23rd; 24th–26th closed (Sat 26th is St Stephen's Day),
    # Sunday closed; Monday 28th from 8.
    assert add_service_hours(at(2026, 12, 23, 19), 2) == at(2026, 12, 28, 9)


def test_hours_between_count_only_open_time():
    assert service_hours_between(at(2026, 12, 4, 19), at(2026, 12, 7, 9)) == 7.0
    assert service_hours_between(at(2026, 12, 7, 9), at(2026, 12, 4, 19)) == 0.0
