"""The working-day rules, at the 2026 Mid-autumn and National Day holidays and in 2027, a
year the library has no data for. The library's 2026 schedule: Sunday 09-20 is a
workday; 09-25..27 Mid-autumn off; 10-01..07 National Day off; Saturday 10-10 a workday."""

import datetime as dt

import pytest

from shequgang.calendar.services import calendar_override_set
from shequgang.calendar.workdays import (
    is_workday,
    next_workday,
    working_days_after,
    working_days_between,
    working_hours_after,
)

from .conftest import at, end_of

pytestmark = pytest.mark.django_db


# --- Working days after a case arrives ------------------------------------------------


def test_three_working_days_from_the_eve_of_national_day_end_on_the_adjusted_saturday():
    # 10-01..07 off; 10-08 Thu, 10-09 Fri, 10-10 Sat (adjusted workday).
    assert working_days_after(at(2026, 9, 30, 10, 0), 3) == end_of(2026, 10, 10)


def test_five_working_days_across_mid_autumn_and_national_day():
    # 09-25..27 off; 09-28, 29, 30; 10-01..07 off; 10-08, 10-09.
    assert working_days_after(at(2026, 9, 24, 10, 0), 5) == end_of(2026, 10, 9)


def test_the_adjusted_saturday_counts_and_the_sunday_after_does_not():
    assert is_workday(dt.date(2026, 10, 10))
    assert not is_workday(dt.date(2026, 10, 11))
    assert working_days_after(at(2026, 10, 9, 9, 0), 1) == end_of(2026, 10, 10)
    assert working_days_after(at(2026, 10, 9, 9, 0), 2) == end_of(2026, 10, 12)


def test_the_adjusted_sunday_before_national_day_is_a_workday():
    assert is_workday(dt.date(2026, 9, 20))
    # Arriving Saturday 09-19, the first working day is the adjusted Sunday.
    assert working_days_after(at(2026, 9, 19, 15, 0), 1) == end_of(2026, 9, 20)


def test_holidays_are_not_workdays():
    assert not is_workday(dt.date(2026, 9, 25))  # Friday, Mid-autumn
    assert not is_workday(dt.date(2026, 10, 1))
    assert not is_workday(dt.date(2026, 10, 7))
    assert is_workday(dt.date(2026, 10, 8))


def test_a_plain_weekend_is_skipped():
    # Friday 2026-11-27 → Monday 11-30, Tuesday 12-01.
    assert not is_workday(dt.date(2026, 11, 28))
    assert not is_workday(dt.date(2026, 11, 29))
    assert working_days_after(at(2026, 11, 27, 16, 0), 1) == end_of(2026, 11, 30)
    assert working_days_after(at(2026, 11, 27, 16, 0), 2) == end_of(2026, 12, 1)
    # A case arriving at the weekend starts counting on Monday too.
    assert working_days_after(at(2026, 11, 28, 9, 0), 1) == end_of(2026, 11, 30)


def test_the_day_of_arrival_never_counts_whatever_the_hour():
    first_instant = working_days_after(at(2026, 11, 30, 0, 0), 1)
    last_minute = working_days_after(at(2026, 11, 30, 23, 59), 1)
    assert first_instant == last_minute == end_of(2026, 12, 1)
    # One minute later it is another day.
    assert working_days_after(at(2026, 12, 1, 0, 0), 1) == end_of(2026, 12, 2)


def test_the_day_is_the_day_in_shanghai_not_in_utc():
    # 2026-11-30 17:00 UTC is already Tuesday 12-01 01:00 in Shanghai.
    start = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)
    deadline = working_days_after(start, 1)
    assert deadline == end_of(2026, 12, 2)
    assert deadline.tzinfo is not None and deadline.utcoffset() == dt.timedelta(hours=8)


def test_the_next_workday_is_strictly_after():
    assert next_workday(dt.date(2026, 9, 30)) == dt.date(2026, 10, 8)
    assert next_workday(dt.date(2026, 10, 8)) == dt.date(2026, 10, 9)
    assert next_workday(dt.date(2026, 10, 9)) == dt.date(2026, 10, 10)


# --- A year without data, and overrides ------------------------------------------------


def test_a_year_without_library_data_follows_the_law():
    # The library raises NotImplementedError for 2027; the law gives 春节 02-05..08 with
    # 补假 02-09, 02-10 for 初一/初二 on the weekend: Thursday 02-04 → Thursday 02-11.
    assert not is_workday(dt.date(2027, 2, 5))
    assert working_days_after(at(2027, 2, 4, 10, 0), 1) == end_of(2027, 2, 11)
    # A plain weekend of 2027 is still a weekend: Friday 03-05 → Monday 03-08.
    assert not is_workday(dt.date(2027, 3, 6))
    assert working_days_after(at(2027, 3, 5, 10, 0), 1) == end_of(2027, 3, 8)


def test_overrides_in_a_year_without_data_change_the_answer():
    # given the admin enters a 调休 (made up for the test): Saturday 02-20 worked for
    # Thursday 02-11 off
    calendar_override_set(
        actor=None, date=dt.date(2027, 2, 20), is_workday=True, name="春节调休上班"
    )
    calendar_override_set(actor=None, date=dt.date(2027, 2, 11), is_workday=False, name="春节")
    # then from Thursday 02-04 (the law's days off 02-05..10, then 02-11) the first working
    # day is Friday 02-12, and from Friday 02-19 it is the adjusted Saturday
    assert working_days_after(at(2027, 2, 4, 10, 0), 1) == end_of(2027, 2, 12)
    assert working_days_after(at(2027, 2, 19, 10, 0), 1) == end_of(2027, 2, 20)
    assert not is_workday(dt.date(2027, 2, 11))


def test_an_override_wins_over_the_library_in_a_covered_year():
    # given a local extra day off on Thursday 10-08 and the adjusted Saturday cancelled
    calendar_override_set(actor=None, date=dt.date(2026, 10, 8), is_workday=False, name="延长假期")
    calendar_override_set(actor=None, date=dt.date(2026, 10, 10), is_workday=False, name="取消调休")
    # then three working days from 09-30 are 10-09, 10-12, 10-13
    assert working_days_after(at(2026, 9, 30, 10, 0), 3) == end_of(2026, 10, 13)


def test_editing_an_override_takes_effect_at_once():
    override = calendar_override_set(
        actor=None, date=dt.date(2027, 3, 8), is_workday=False, name="临时放假"
    )
    assert not is_workday(dt.date(2027, 3, 8))
    calendar_override_set(actor=None, date=dt.date(2027, 3, 8), is_workday=True, name="改为上班")
    assert is_workday(dt.date(2027, 3, 8))
    override.refresh_from_db()
    assert override.name == "改为上班"


# --- Working hours --------------------------------------------------------------------


def test_working_hours_within_working_days():
    # Monday 10:00 + 24 h → Tuesday 10:00.
    assert working_hours_after(at(2026, 11, 30, 10, 0), 24) == at(2026, 12, 1, 10, 0)


def test_working_hours_stop_over_a_weekend():
    # Friday 2026-11-27 10:00: 14 h left on Friday, 10 h on Monday → Monday 10:00.
    assert working_hours_after(at(2026, 11, 27, 10, 0), 24) == at(2026, 11, 30, 10, 0)


def test_working_hours_from_a_weekend_start_on_the_next_workday():
    # Saturday 10:00: the clock starts Monday 00:00 → Tuesday 00:00.
    assert working_hours_after(at(2026, 11, 28, 10, 0), 24) == at(2026, 12, 1, 0, 0)
    assert working_hours_after(at(2026, 11, 28, 10, 0), 2) == at(2026, 11, 30, 2, 0)


def test_working_hours_stop_over_national_day():
    # Wednesday 09-30 20:00: 4 h on 09-30, 10-01..07 off, 20 h on 10-08 → 10-08 20:00.
    assert working_hours_after(at(2026, 9, 30, 20, 0), 24) == at(2026, 10, 8, 20, 0)
    # 48 h: 4 h + 24 h on 10-08 + 20 h on 10-09.
    assert working_hours_after(at(2026, 9, 30, 20, 0), 48) == at(2026, 10, 9, 20, 0)


def test_working_hours_used_up_at_midnight_end_at_that_midnight():
    # Friday 2026-11-27 00:00 + 24 h: Friday is used up; the answer is Saturday 00:00.
    assert working_hours_after(at(2026, 11, 27, 0, 0), 24) == at(2026, 11, 28, 0, 0)


# --- Working days between -------------------------------------------------------------


def test_working_days_between_inverts_working_days_after():
    start = at(2026, 9, 24, 10, 0)
    for n in range(1, 12):
        assert working_days_between(start, working_days_after(start, n)) == n


def test_working_days_between_counts_after_the_first_day_up_to_the_last():
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 8)) == 1
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 7)) == 0
    assert working_days_between(at(2026, 11, 30, 9, 0), at(2026, 11, 30, 18, 0)) == 0
    assert working_days_between(dt.date(2026, 10, 8), dt.date(2026, 9, 30)) == -1


# --- Bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, -1])
def test_a_limit_below_one_is_refused(n):
    with pytest.raises(ValueError):
        working_days_after(at(2026, 9, 30, 10, 0), n)
    with pytest.raises(ValueError):
        working_hours_after(at(2026, 9, 30, 10, 0), n)


def test_naive_datetimes_are_refused():
    naive = dt.datetime(2026, 9, 30, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        working_days_after(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        working_hours_after(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        working_days_between(naive, at(2026, 10, 9, 0, 0))


def test_a_datetime_is_not_taken_for_a_date():
    with pytest.raises(TypeError):
        is_workday(at(2026, 9, 30, 10, 0))
