"""Finnish working days: Monday to Friday, less Finland's public holidays (and the
de-facto days off the ``holidays`` package lists: Midsummer Eve, Christmas Eve)."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

HELSINKI = ZoneInfo("Europe/Helsinki")


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FI", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def helsinki_date(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()


def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` in Helsinki, in UTC."""
    local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=HELSINKI)
    return (local - timedelta(microseconds=1)).astimezone(UTC)


def due_at(sent_at: datetime, working_days: int) -> datetime:
    """When a notice sent at ``sent_at`` is due: the end of the N-th working day after
    the day it was sent (in Helsinki)."""
    return end_of_day(add_working_days(helsinki_date(sent_at), working_days))
