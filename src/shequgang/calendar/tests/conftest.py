import datetime as dt
from collections.abc import Iterator

import pytest

from shequgang.calendar.workdays import SHANGHAI, calendar_cache_clear


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> dt.datetime:
    """An aware moment in Asia/Shanghai: at(2026, 9, 30, 10, 0)."""
    return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=SHANGHAI)


def end_of(year: int, month: int, day: int) -> dt.datetime:
    return at(year, month, day, 23, 59, 59, 999999)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    # Each test's database is rolled back; overrides cached from it must not leak.
    calendar_cache_clear()
    yield
    calendar_cache_clear()
