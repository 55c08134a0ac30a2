"""When the chat is open: the usual hours (myropo.service_hours), Finnish public holidays
(the `holidays` library, through `is_service_day`) and staff-edited exceptions.

Pure: the exceptions come in as a mapping of day → window (None = closed all day).
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from myropo.service_hours import HELSINKI, OPENING_HOURS, is_service_day

Window = tuple[time, time] | None
Exceptions = Mapping[date, Window]


def window_for(day: date, exceptions: Exceptions) -> Window:
    """The hours of one Helsinki day: an exception wins over the holiday calendar."""
    if day in exceptions:
        return exceptions[day]
    if not is_service_day(day):
        return None
    return OPENING_HOURS[day.weekday()]


def is_open(at: datetime, exceptions: Exceptions) -> bool:
    local = at.astimezone(HELSINKI)
    window = window_for(local.date(), exceptions)
    return window is not None and window[0] <= local.time() < window[1]


def next_opening(at: datetime, exceptions: Exceptions, *, days: int = 60) -> datetime | None:
    """The next moment after `at` the chat opens (None when closed for `days` days)."""
    local = at.astimezone(HELSINKI)
    day = local.date()
    for _ in range(days):
        window = window_for(day, exceptions)
        if window is not None:
            opens = datetime.combine(day, window[0], tzinfo=HELSINKI)
            if opens > local:
                return opens
        day += timedelta(days=1)
    return None


def closes_at(at: datetime, exceptions: Exceptions) -> datetime | None:
    """When today's window closes, if the chat is open at `at`."""
    local = at.astimezone(HELSINKI)
    window = window_for(local.date(), exceptions)
    if window is None or not (window[0] <= local.time() < window[1]):
        return None
    return datetime.combine(local.date(), window[1], tzinfo=HELSINKI)
