"""Deadlines in 2027, the first year without library data: at the edges of every statutory
holiday (the last working day before, the days off, the first working day after), with the
Art. 6 补假 for holidays on a weekend, through the calendar API and a case's clocks."""

import datetime as dt

import pytest

from shequgang.calendar.services import calendar_override_set
from shequgang.calendar.statutory import law_days_off
from shequgang.calendar.workdays import (
    SHANGHAI,
    is_workday,
    local_day,
    next_workday,
    working_day_table,
    working_days_after,
    working_days_between,
)
from shequgang.cases.engine.deadlines import clocks_for
from shequgang.cases.models import Category

from .conftest import at, end_of

pytestmark = pytest.mark.django_db

D = dt.date

# (holiday, last working day before, the days off between, first working day after)
HOLIDAYS_2027 = [
    # Friday 01-01, then the weekend; the day before is in 2026, a library year.
    ("元旦", D(2026, 12, 31), [D(2027, 1, d) for d in (1, 2, 3)], D(2027, 1, 4)),
    # 除夕 Fri 02-05, 初一/初二 on the weekend → 补假 Tue 02-09 and Wed 02-10.
    ("春节", D(2027, 2, 4), [D(2027, 2, d) for d in range(5, 11)], D(2027, 2, 11)),
    # Monday 04-05, after an ordinary weekend.
    ("清明节", D(2027, 4, 2), [D(2027, 4, d) for d in (3, 4, 5)], D(2027, 4, 6)),
    # Saturday and Sunday → 补假 Monday 05-03 and Tuesday 05-04.
    ("劳动节", D(2027, 4, 30), [D(2027, 5, d) for d in (1, 2, 3, 4)], D(2027, 5, 5)),
    ("端午节", D(2027, 6, 8), [D(2027, 6, 9)], D(2027, 6, 10)),
    ("中秋节", D(2027, 9, 14), [D(2027, 9, 15)], D(2027, 9, 16)),
    # Fri 10-01, Sat 10-02, Sun 10-03 → 补假 Monday 10-04 and Tuesday 10-05.
    ("国庆节", D(2027, 9, 30), [D(2027, 10, d) for d in (1, 2, 3, 4, 5)], D(2027, 10, 6)),
]
IDS = [h[0] for h in HOLIDAYS_2027]


@pytest.mark.parametrize(("name", "before", "off", "after"), HOLIDAYS_2027, ids=IDS)
def test_the_days_around_each_2027_holiday(name, before, off, after):
    assert is_workday(before)
    assert [d for d in off if is_workday(d)] == []
    assert is_workday(after)
    # and nothing is missing between them: the days off are exactly the gap
    assert off == [before + dt.timedelta(days=i) for i in range(1, (after - before).days)]
    assert next_workday(before) == after


@pytest.mark.parametrize(("name", "before", "off", "after"), HOLIDAYS_2027, ids=IDS)
def test_one_working_day_from_the_eve_of_each_holiday_ends_after_it(name, before, off, after):
    assert working_days_after(at(before.year, before.month, before.day, 23, 59), 1) == end_of(
        after.year, after.month, after.day
    )
    # The day before the eve: one working day is the eve itself.
    eve_before = before - dt.timedelta(days=1)
    while not is_workday(eve_before):
        eve_before -= dt.timedelta(days=1)
    start = at(eve_before.year, eve_before.month, eve_before.day, 9, 0)
    assert working_days_after(start, 1) == end_of(before.year, before.month, before.day)
    assert working_days_after(start, 2) == end_of(after.year, after.month, after.day)
    # A case arriving during the holiday starts counting on the first day after it.
    for day in off:
        assert working_days_after(at(day.year, day.month, day.day, 12, 0), 1) == end_of(
            after.year, after.month, after.day
        )
    assert working_days_between(before, after) == 1


def test_the_weekend_holidays_get_their_buxia_in_2027():
    buxia = [(d, n) for d, n in law_days_off(2027).items() if n.endswith("补假")]
    assert buxia == [
        (D(2027, 2, 9), "春节补假"),
        (D(2027, 2, 10), "春节补假"),
        (D(2027, 5, 3), "劳动节补假"),
        (D(2027, 5, 4), "劳动节补假"),
        (D(2027, 10, 4), "国庆节补假"),
        (D(2027, 10, 5), "国庆节补假"),
    ]
    assert all(d.weekday() < 5 and not is_workday(d) for d, _ in buxia)


def test_no_case_deadline_falls_on_new_years_day_or_in_the_spring_festival():
    forbidden = {D(2027, 1, 1)} | {D(2027, 2, d) for d in range(5, 11)}
    table = working_day_table(D(2026, 12, 1), D(2027, 4, 30))
    start = at(2026, 12, 1, 9, 30)
    while start < at(2027, 2, 28):
        for n in (1, 2, 3, 5, 7, 10, 15):
            clocks = clocks_for(category=Category(ack_hours=24, resolve_days=n), start=start)
            due_day = local_day(clocks.resolve_due_at)
            assert due_day not in forbidden, (start, n)
            assert is_workday(due_day)
            assert clocks.resolve_due_at == table.working_days_after(start, n)
            # the acknowledgement clock ends inside a working day or at its closing midnight
            ack = clocks.ack_due_at.astimezone(SHANGHAI)
            assert is_workday(ack.date()) or (
                ack.time() == dt.time() and is_workday(ack.date() - dt.timedelta(days=1))
            )
        start += dt.timedelta(days=1)


def test_an_override_still_wins_over_the_law():
    # given the State Council makes Saturday 2027-10-09 a working day and the 补假 of Tuesday
    # 10-05 a working day (a made-up arrangement for the test)
    calendar_override_set(actor=None, date=D(2027, 10, 5), is_workday=True, name="上班")
    calendar_override_set(actor=None, date=D(2027, 10, 9), is_workday=True, name="调休上班")
    # and a local day off on the law's working day 10-07
    calendar_override_set(actor=None, date=D(2027, 10, 7), is_workday=False, name="放假")
    # then from 09-30: 10-05, 10-06, 10-08, 10-09
    start = at(2027, 9, 30, 10, 0)
    assert [working_days_after(start, n) for n in (1, 2, 3, 4)] == [
        end_of(2027, 10, 5),
        end_of(2027, 10, 6),
        end_of(2027, 10, 8),
        end_of(2027, 10, 9),
    ]
