"""The precomputed table answers as the day-by-day functions do, for a sweep's many cases."""

import datetime as dt

import pytest

from shequgang.calendar.services import calendar_override_set
from shequgang.calendar.workdays import (
    SHANGHAI,
    is_workday,
    working_day_table,
    working_days_after,
    working_days_between,
)

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_table_agrees_with_the_functions_across_holidays_and_an_uncovered_year():
    calendar_override_set(actor=None, date=dt.date(2027, 2, 22), is_workday=False, name="临时放假")
    calendar_override_set(actor=None, date=dt.date(2027, 2, 20), is_workday=True, name="调休上班")
    table = working_day_table(dt.date(2026, 9, 1), dt.date(2027, 3, 31))
    day = dt.date(2026, 9, 1)
    while day <= dt.date(2027, 2, 28):
        start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=SHANGHAI)
        assert table.is_workday(day) == is_workday(day)
        for n in (1, 3, 5):
            assert table.working_days_after(start, n) == working_days_after(start, n)
        assert table.working_days_between(dt.date(2026, 9, 1), day) == working_days_between(
            dt.date(2026, 9, 1), day
        )
        day += dt.timedelta(days=1)


def test_the_table_refuses_questions_beyond_its_range():
    table = working_day_table(dt.date(2026, 9, 28), dt.date(2026, 10, 9))
    assert table.working_days_after(at(2026, 9, 30, 10, 0), 2) == at(
        2026, 10, 9, 23, 59, 59, 999999
    )
    with pytest.raises(LookupError):
        table.working_days_after(at(2026, 9, 30, 10, 0), 3)  # 10-10 is past the end
    with pytest.raises(LookupError):
        table.is_workday(dt.date(2026, 10, 10))


def test_the_table_takes_the_same_limits_as_the_functions():
    table = working_day_table(dt.date(2026, 9, 28), dt.date(2026, 10, 9))
    with pytest.raises(ValueError):
        table.working_days_after(at(2026, 9, 30, 10, 0), 0)
    with pytest.raises(ValueError):
        working_day_table(dt.date(2026, 10, 9), dt.date(2026, 9, 28))
