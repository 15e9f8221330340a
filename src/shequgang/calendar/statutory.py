"""The statutory holidays as the law sets them, for years without a published schedule.

《全国年节及纪念日放假办法》(2024 revision, in force 2025-01-01), Art. 2 gives every
citizen these days off:

- 元旦 1 day (1 January);
- 春节 4 days (除夕, the last day of the twelfth lunar month, and 正月初一 to 初三);
- 清明节 1 day (the day of the 清明 solar term);
- 劳动节 2 days (1 and 2 May);
- 端午节 1 day (五月初五);
- 中秋节 1 day (八月十五);
- 国庆节 3 days (1 to 3 October).

Art. 6: "全体公民放假的假日，如果适逢星期六、星期日，应当在工作日补假" — a holiday that
falls on a Saturday or Sunday is given on the next working day; several such days are given
on consecutive working days, in order. The law is silent on two holidays falling on the same
date (中秋 is 10-03 in 2028); we give the second one like a weekend one, as the State
Council did in 2020 (中秋 on 国庆 10-01, four statutory days given). What the law does not
fix at all is the State Council's yearly 调休 (weekend days swapped for bridge days): that
needs the year's notice, entered by an administrator.

Lunar dates and the 清明 solar term come from ``lunar_python`` (6tail/lunar-python: pure
Python, astronomical solar terms, Beijing time), not from a hand table. No database here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from types import MappingProxyType

from lunar_python import Lunar

# The first year the 2024 revision governs; earlier years have the library's data.
LAW_IN_FORCE_FROM = 2025

_DAY = dt.timedelta(days=1)


def _lunar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of ``month``/``day`` (the ordinary, not the leap, month) of the
    lunar year that begins in Gregorian ``year``."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The days the law names for ``year`` (Art. 2), in date order, before 补假: one entry
    per holiday day, so a date two holidays share appears twice. Raises ``ValueError`` for a
    year before the 2024 revision took effect."""
    if year < LAW_IN_FORCE_FROM:
        raise ValueError(f"the 2024 revision governs {LAW_IN_FORCE_FROM} onwards, not {year}")
    new_year = _lunar(year, 1, 1)  # 正月初一; 除夕 is the day before, 廿九 or 三十
    days = [
        (dt.date(year, 1, 1), "元旦"),
        *((new_year + i * _DAY, "春节") for i in range(-1, 3)),
        (_qingming(year), "清明节"),
        (dt.date(year, 5, 1), "劳动节"),
        (dt.date(year, 5, 2), "劳动节"),
        (_lunar(year, 5, 5), "端午节"),
        (_lunar(year, 8, 15), "中秋节"),
        *((dt.date(year, 10, d), "国庆节") for d in (1, 2, 3)),
    ]
    return sorted(days, key=lambda entry: entry[0])


@functools.cache
def law_days_off(year: int) -> Mapping[dt.date, str]:
    """Every day off the law gives in ``year`` besides ordinary weekends: the statutory
    holidays and their Art. 6 补假 days, each with its name ("国庆节", "国庆节补假"). Read-only
    and cached per year (two dozen entries)."""
    off: dict[dt.date, str] = {}
    owed: list[tuple[dt.date, str]] = []
    for day, name in statutory_holidays(year):
        if day in off or day.weekday() >= 5:
            owed.append((day, name))
        off[day] = f"{off[day]}、{name}" if day in off else name
    # In date order, so consecutive owed days take consecutive working days.
    for day, name in owed:
        given = day + _DAY
        while given.weekday() >= 5 or given in off:
            given += _DAY
        off[given] = f"{name}补假"
    return MappingProxyType(dict(sorted(off.items())))


def law_is_workday(day: dt.date) -> bool:
    """Whether ``day`` (in a year from ``LAW_IN_FORCE_FROM``) is a working day by the law
    alone: not a weekend, not a statutory holiday, not a 补假 day. No 调休."""
    return day.weekday() < 5 and day not in law_days_off(day.year)
