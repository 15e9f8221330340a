"""The law's holidays (《全国年节及纪念日放假办法》, 2024 revision) and its Art. 6 补假,
checked against published facts and against the library's data for the years it has."""

import datetime as dt

import chinese_calendar
import pytest
from chinese_calendar import constants
from lunar_python import Solar

from shequgang.calendar.statutory import law_days_off, law_is_workday, statutory_holidays

D = dt.date


def test_the_2027_lunar_holidays_and_qingming_fall_on_the_known_dates():
    days = statutory_holidays(2027)
    by_name: dict[str, list[dt.date]] = {}
    for day, name in days:
        by_name.setdefault(name, []).append(day)
    # 除夕 02-05, 正月初一 02-06, 初二, 初三 (the published 2027 almanac).
    assert by_name["春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert by_name["清明节"] == [D(2027, 4, 5)]
    assert by_name["端午节"] == [D(2027, 6, 9)]
    assert by_name["中秋节"] == [D(2027, 9, 15)]
    assert by_name["元旦"] == [D(2027, 1, 1)]
    assert by_name["劳动节"] == [D(2027, 5, 1), D(2027, 5, 2)]
    assert by_name["国庆节"] == [D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)]
    assert len(days) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 days (Art. 2)


def test_chuxi_is_the_last_day_of_the_twelfth_month_even_a_short_one():
    # In lunar year 2024 the twelfth month had 29 days: 除夕 2025 was 腊月廿九, 01-28.
    chuxi = next(d for d, n in statutory_holidays(2025) if n == "春节")
    lunar = Solar.fromYmd(chuxi.year, chuxi.month, chuxi.day).getLunar()
    assert (chuxi, lunar.getMonth(), lunar.getDay()) == (D(2025, 1, 28), 12, 29)
    # 2025 to 2029 have no 腊月三十; 2030 does, and 除夕 is then 02-02.
    chuxi = next(d for d, n in statutory_holidays(2030) if n == "春节")
    lunar = Solar.fromYmd(chuxi.year, chuxi.month, chuxi.day).getLunar()
    assert (chuxi, lunar.getMonth(), lunar.getDay()) == (D(2030, 2, 2), 12, 30)


def test_2027_days_off_with_the_art_6_buxia():
    assert dict(law_days_off(2027)) == {
        D(2027, 1, 1): "元旦",  # Friday: no 补假
        D(2027, 2, 5): "春节",
        D(2027, 2, 6): "春节",  # Saturday →
        D(2027, 2, 7): "春节",  # Sunday →
        D(2027, 2, 8): "春节",
        D(2027, 2, 9): "春节补假",  # the next working days after the holiday
        D(2027, 2, 10): "春节补假",
        D(2027, 4, 5): "清明节",  # Monday
        D(2027, 5, 1): "劳动节",  # Saturday →
        D(2027, 5, 2): "劳动节",  # Sunday →
        D(2027, 5, 3): "劳动节补假",
        D(2027, 5, 4): "劳动节补假",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",  # Saturday →
        D(2027, 10, 3): "国庆节",  # Sunday →
        D(2027, 10, 4): "国庆节补假",
        D(2027, 10, 5): "国庆节补假",
    }


def test_a_new_years_day_on_saturday_is_given_on_monday():
    # 2028-01-01 is a Saturday; Sunday is a weekend anyway, Monday 01-03 is the 补假.
    assert law_days_off(2028)[D(2028, 1, 3)] == "元旦补假"
    assert law_is_workday(D(2027, 12, 31))
    assert not law_is_workday(D(2028, 1, 3))
    assert law_is_workday(D(2028, 1, 4))


def test_two_holidays_on_one_date_give_a_day_for_each():
    # 2028: 中秋 is 10-03, also a 国庆 day; 10-01 is a Sunday. Four holidays need days.
    off = law_days_off(2028)
    assert off[D(2028, 10, 3)] == "中秋节、国庆节"  # in the order of Art. 2
    assert [d for d in off if d.month == 10] == [D(2028, 10, d) for d in (1, 2, 3, 4, 5)]
    assert law_is_workday(D(2028, 10, 6))


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_law_reproduces_the_librarys_statutory_holidays(year):
    # The library's weekday holidays that are not 调休 (in-lieu) days are exactly the law's
    # holidays and 补假 on weekdays; its 调休 days and worked weekends are not the law's.
    library = {
        d
        for d in constants.holidays
        if d.year == year and d.weekday() < 5 and not chinese_calendar.is_in_lieu(d)
    }
    law = {d for d in law_days_off(year) if d.weekday() < 5}
    assert law == library
    # and every day the law gives, weekend or not, is a holiday in the library
    assert all(d in constants.holidays for d in law_days_off(year))


def test_the_law_is_not_applied_before_its_revision():
    with pytest.raises(ValueError):
        statutory_holidays(2024)
