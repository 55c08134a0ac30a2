"""Customer-service opening hours (seed 004): Mon–Fri 8–20, Sat 10–15, Finnish time."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

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
