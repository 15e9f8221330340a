"""Working days and working-day deadlines under the PRC statutory calendar.

A day's status comes from, in order:

1. a ``CalendarOverride`` an administrator entered for that date;
2. the ``chinese_calendar`` library (statutory holidays and adjusted weekend workdays), for
   a year it covers;
3. for a later year the library does not cover (it raises ``NotImplementedError``), the law
   (``statutory.py``: the statutory holidays of 《全国年节及纪念日放假办法》 with the Art. 6
   补假 for those falling on a weekend) and weekends. The State Council's 调休 (weekend days
   worked in exchange for bridge days) are not in the law: the admin, the system check
   ``calendar.W001`` and a log line warn about such a year until an administrator has
   entered its schedule (``services.calendar_schedule_import``) and marked it entered;
4. for a year before the law's 2024 revision that the library does not cover, Monday to
   Friday.

Days are calendar days in Asia/Shanghai, whatever the server's time zone: the statutory
calendar is China's. Every function that takes a ``datetime`` requires an aware one and
raises ``ValueError`` on a naive one; functions that take a ``date`` refuse a ``datetime``
(``TypeError``), because which day an instant falls on depends on the time zone.

Overrides are read from the database once and kept for the process. A write through
``shequgang.calendar.services`` clears the cache at once; other processes (the sweep,
other web workers) re-read the overrides at most ``RECHECK_SECONDS`` later.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

from shequgang.calendar.models import CalendarOverride, CalendarYear
from shequgang.calendar.statutory import LAW_IN_FORCE_FROM, law_is_workday

SHANGHAI = ZoneInfo("Asia/Shanghai")
# How stale another process's override edits may be, in seconds.
RECHECK_SECONDS = 60.0

logger = logging.getLogger(__name__)


# --- The per-process cache ------------------------------------------------------------


@dataclass
class _Overrides:
    days: dict[dt.date, bool]
    read_at: float


_overrides: _Overrides | None = None


def calendar_cache_clear() -> None:
    """Forget the overrides read so far; the next question reads them again."""
    global _overrides
    _overrides = None


def _current_overrides() -> dict[dt.date, bool]:
    global _overrides
    cached = _overrides
    now = time.monotonic()
    if cached is not None and now - cached.read_at < RECHECK_SECONDS:
        return cached.days
    # A few dozen rows a year: reading them all is as cheap as any version check, and it
    # also notices deletions.
    days = dict(CalendarOverride.objects.values_list("date", "is_workday"))
    _overrides = _Overrides(days=days, read_at=now)
    return days


@functools.cache
def _library_has_year(year: int) -> bool:
    # The library refuses a whole year at a time (NotImplementedError); asking once per
    # year spares a raised exception per day of every later year.
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _library(day: dt.date) -> bool | None:
    """The library's answer, or None for a year it has no data for. Never changes within
    a process (the data ships with the installed version)."""
    if not _library_has_year(day.year):
        return None
    return bool(chinese_calendar.is_workday(day))


@functools.cache
def _statutory(day: dt.date) -> bool:
    """Whether ``day`` is a working day before overrides: the library's answer if it has
    the year, else the law's (holidays, 补假, weekends; cached per year in ``statutory``),
    else Monday to Friday. Fixed for the process, so cached without limit."""
    library = _library(day)
    if library is not None:
        return library
    _warn_fallback_once(day.year)
    if day.year >= LAW_IN_FORCE_FROM:
        return law_is_workday(day)
    return day.weekday() < 5


@functools.cache
def _warn_fallback_once(year: int) -> None:
    # Once per year and process, and not for a year whose schedule an administrator has
    # entered (one query, the first time a day of the year is asked about).
    if not uncovered_years([year]):
        return
    logger.warning(
        "%s年无国务院放假安排数据：法定节假日按《全国年节及纪念日放假办法》计算（含周末补假），"
        "调休上班日缺失，请在后台导入该年安排",
        year,
    )


# --- Days -----------------------------------------------------------------------------


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day: an override if there is one, else the library's
    calendar, else (a year without library data) the law's holidays and weekends."""
    _require_date(day)
    return _is_workday(day, _current_overrides())


def _is_workday(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    override = overrides.get(day)
    if override is not None:
        return override
    return _statutory(day)


def next_workday(day: dt.date) -> dt.date:
    """The first working day strictly after ``day``."""
    _require_date(day)
    overrides = _current_overrides()
    day += dt.timedelta(days=1)
    while not _is_workday(day, overrides):
        day += dt.timedelta(days=1)
    return day


def library_covers_year(year: int) -> bool:
    """Whether the installed ``chinese_calendar`` has the statutory schedule for ``year``."""
    return _library_has_year(year)


def uncovered_years(years: Iterable[int]) -> list[int]:
    """The given years (ascending, once each) that have no library data and that no
    administrator has marked as entered: their working days are the law's holidays and
    weekends plus overrides, without the State Council's 调休 unless someone entered it.
    One query at most."""
    candidates = sorted({y for y in years if not library_covers_year(y)})
    if not candidates:
        return []
    entered = set(
        CalendarYear.objects.filter(year__in=candidates, schedule_entered=True).values_list(
            "year", flat=True
        )
    )
    return [y for y in candidates if y not in entered]


# --- Deadlines ------------------------------------------------------------------------


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day in Asia/Shanghai on which the aware ``moment`` falls."""
    _require_aware(moment)
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in Asia/Shanghai (23:59:59.999999), aware."""
    _require_date(day)
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)


def working_days_after(start: dt.datetime, n: int) -> dt.datetime:
    """The deadline ``n`` working days after ``start``: the end (23:59:59.999999, Asia/
    Shanghai, aware) of the n-th working day strictly after the calendar day of ``start``.

    The day a case arrives never counts, whatever the hour and whether or not it is a
    working day: a case arriving at 00:00 and one arriving at 23:59 of the same day get
    the same deadline. Raises ``ValueError`` if ``n < 1`` or ``start`` is naive."""
    _require_positive(n, "n")
    overrides = _current_overrides()
    day = local_day(start)
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        if _is_workday(day, overrides):
            remaining -= 1
    return end_of_day(day)


def working_hours_after(start: dt.datetime, hours: int) -> dt.datetime:
    """The instant at which ``hours`` hours of working time have passed since ``start``.

    Working time is every hour of a working day (the whole calendar day, 00:00–24:00 in
    Asia/Shanghai, not office hours); the hours of non-working days do not count. So:

    - starting on a working day, the clock runs at once; at midnight before a non-working
      day it stops, and it resumes at 00:00 of the next working day;
    - starting on a non-working day, the clock starts at 00:00 of the next working day
      (a case raised Saturday 10:00 with 24 hours is due Tuesday 00:00 if Monday is a
      working day);
    - a limit used up exactly at midnight ends at that midnight (00:00 of the next
      calendar day), even if the next day is not a working day.

    Returns an aware datetime in Asia/Shanghai. Raises ``ValueError`` if ``hours < 1`` or
    ``start`` is naive."""
    _require_positive(hours, "hours")
    _require_aware(start)
    overrides = _current_overrides()
    cursor = start.astimezone(SHANGHAI)
    remaining = dt.timedelta(hours=hours)
    while True:
        day = cursor.date()
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
        if _is_workday(day, overrides):
            available = midnight - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = midnight


def working_days_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """The number of working days after the calendar day of ``a`` up to and including the
    calendar day of ``b`` (days in Asia/Shanghai; datetimes must be aware). Negative if
    ``b`` is earlier than ``a``; 0 on the same day.

    It is the inverse of ``working_days_after``:
    ``working_days_between(t, working_days_after(t, n)) == n``; a case resolved on the
    day it arrived took 0 working days."""
    first, last = _as_day(a), _as_day(b)
    if last < first:
        return -working_days_between(last, first)
    overrides = _current_overrides()
    count = 0
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        count += _is_workday(day, overrides)
    return count


# --- Many questions at once -----------------------------------------------------------


@dataclass(frozen=True)
class WorkingDayTable:
    """The working days of a fixed range of dates, read once, for answering many cases
    with binary searches instead of day-by-day walks. A snapshot: overrides saved after it
    was built are not seen. Questions whose answer lies outside ``[first, last]`` raise
    ``LookupError``; size the range to the longest limit in play."""

    first: dt.date
    last: dt.date
    workdays: tuple[dt.date, ...]  # ascending, all within [first, last]

    def is_workday(self, day: dt.date) -> bool:
        self._require_in_range(day)
        i = bisect.bisect_left(self.workdays, day)
        return i < len(self.workdays) and self.workdays[i] == day

    def working_days_after(self, start: dt.datetime, n: int) -> dt.datetime:
        """As the module's ``working_days_after``."""
        _require_positive(n, "n")
        day = local_day(start)
        self._require_in_range(day)
        i = bisect.bisect_right(self.workdays, day) + n - 1
        if i >= len(self.workdays):
            raise LookupError(f"the table ends at {self.last}, before the deadline")
        return end_of_day(self.workdays[i])

    def working_days_between(self, a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
        """As the module's ``working_days_between``."""
        first, last = _as_day(a), _as_day(b)
        self._require_in_range(first)
        self._require_in_range(last)
        return bisect.bisect_right(self.workdays, last) - bisect.bisect_right(self.workdays, first)

    def _require_in_range(self, day: dt.date) -> None:
        if not self.first <= day <= self.last:
            raise LookupError(f"{day} is outside the table ({self.first} – {self.last})")


def working_day_table(first: dt.date, last: dt.date) -> WorkingDayTable:
    """The working days from ``first`` to ``last`` inclusive, with the overrides as they
    are now (one query at most)."""
    _require_date(first)
    _require_date(last)
    if last < first:
        raise ValueError("last must not be earlier than first")
    overrides = _current_overrides()
    days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return WorkingDayTable(
        first=first, last=last, workdays=tuple(d for d in days if _is_workday(d, overrides))
    )


# --- Argument checks ------------------------------------------------------------------


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass an aware datetime")


def _require_date(day: dt.date) -> None:
    # A datetime is a date too, but its day depends on the time zone: make callers say.
    if isinstance(day, dt.datetime):
        raise TypeError("pass a date, not a datetime (use local_day() to convert)")


def _require_positive(number: int, name: str) -> None:
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {number}")


def _as_day(value: dt.date | dt.datetime) -> dt.date:
    return local_day(value) if isinstance(value, dt.datetime) else value
