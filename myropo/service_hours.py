"""Customer-service opening hours (seed 004): Mon–Fri 8–20, Sat 10–15, Finnish time."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

HELSINKI = ZoneInfo("Europe/Helsinki")

# weekday() → (opens, closes); a missing day is closed. Public holidays are closed too, but
# they are not computed here: the help page says so in words.
OPENING_HOURS: dict[int, tuple[time, time]] = {
    0: (time(8), time(20)),
    1: (time(8), time(20)),
    2: (time(8), time(20)),
    3: (time(8), time(20)),
    4: (time(8), time(20)),
    5: (time(10), time(15)),
}


def is_open(at: datetime) -> bool:
    """True when customer service answers at the aware moment `at` (ignoring holidays)."""
    local = at.astimezone(HELSINKI)
    hours = OPENING_HOURS.get(local.weekday())
    return hours is not None and hours[0] <= local.time() < hours[1]


# --- Service-hour arithmetic for answer-time targets (SLA) ----------------------------------


@lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FI", years=year)


def is_service_day(day: date) -> bool:
    """Open on this day at all: a weekday with hours that is not a Finnish public holiday.

    Midsummer Eve and Christmas Eve are not public holidays in the calendar, but customer
    service is closed then, as shops and offices are.
    """
    if day.weekday() not in OPENING_HOURS:
        return False
    if (day.month, day.day) == (12, 24):
        return False
    names = _finnish_holidays(day.year).get_list(day)
    return not names


def _open_window(day: date) -> tuple[datetime, datetime] | None:
    if not is_service_day(day):
        return None
    opens, closes = OPENING_HOURS[day.weekday()]
    return (
        datetime.combine(day, opens, tzinfo=HELSINKI),
        datetime.combine(day, closes, tzinfo=HELSINKI),
    )


def add_service_hours(start: datetime, hours: float) -> datetime:
    """The aware moment `hours` of open service time after `start` (Europe/Helsinki)."""
    left = timedelta(hours=hours)
    moment = start.astimezone(HELSINKI)
    day = moment.date()
    for _ in range(3660):  # ten years of days: a target never reaches that far
        window = _open_window(day)
        if window is not None:
            begin = max(window[0], moment)
            if begin < window[1]:
                available = window[1] - begin
                if left <= available:
                    return begin + left
                left -= available
        day += timedelta(days=1)
    raise ValueError("no service hours found")


def service_hours_between(start: datetime, end: datetime) -> float:
    """Open service time between two aware moments, in hours (0 when end ≤ start)."""
    if end <= start:
        return 0.0
    total = timedelta()
    a, b = start.astimezone(HELSINKI), end.astimezone(HELSINKI)
    day = a.date()
    while day <= b.date():
        window = _open_window(day)
        if window is not None:
            lo, hi = max(window[0], a), min(window[1], b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600
