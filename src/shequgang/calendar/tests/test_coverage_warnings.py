"""Years without holiday data are flagged (system check calendar.W001; the admin pages use
the same messages) until an administrator marks the year's schedule as entered."""

import datetime as dt
import logging

import pytest
from django.core import checks

from shequgang.calendar import workdays
from shequgang.calendar.checks import check_calendar_coverage, coverage_warnings
from shequgang.calendar.services import calendar_year_mark_entered
from shequgang.calendar.workdays import is_workday, library_covers_year, uncovered_years

pytestmark = pytest.mark.django_db

# The library (1.11) covers up to 2026; the State Council has not yet published 2027.
NOVEMBER_2026 = dt.date(2026, 11, 29)


def test_the_library_covers_2026_but_not_2027():
    assert library_covers_year(2026)
    assert not library_covers_year(2027)
    assert uncovered_years([2026, 2027]) == [2027]


def test_an_uncovered_next_year_raises_the_system_check():
    warnings = check_calendar_coverage(None, databases=["default"], today=NOVEMBER_2026)
    assert [(w.id, w.level) for w in warnings] == [("calendar.W001", checks.WARNING)]
    assert warnings[0].msg.startswith(
        "2027年的国务院放假安排尚未录入：法定节假日已按《全国年节及纪念日放假办法》计算"
    )
    assert "缺少调休上班日" in warnings[0].msg


def test_the_check_is_a_database_check_and_silent_without_one():
    assert check_calendar_coverage(None, databases=None, today=NOVEMBER_2026) == []
    registered = checks.registry.registry.get_checks()
    assert check_calendar_coverage in registered
    assert "database" in check_calendar_coverage.tags  # type: ignore[attr-defined]


def test_marking_the_year_entered_silences_the_check():
    calendar_year_mark_entered(actor=None, year=2027, source="国办发明电〔2026〕号")
    assert check_calendar_coverage(None, databases=["default"], today=NOVEMBER_2026) == []
    assert coverage_warnings(today=NOVEMBER_2026) == []
    # and unticking it brings the warning back
    calendar_year_mark_entered(actor=None, year=2027, entered=False)
    assert len(coverage_warnings(today=NOVEMBER_2026)) == 1


def test_in_january_both_the_current_and_the_next_year_are_watched():
    warnings = coverage_warnings(today=dt.date(2027, 1, 4))
    assert [w[:4] for w in warnings] == ["2027", "2028"]


@pytest.fixture
def fresh_day_cache():
    # The per-day answers and the once-per-year log are cached for the process.
    workdays._statutory.cache_clear()
    workdays._warn_fallback_once.cache_clear()
    yield
    workdays._statutory.cache_clear()
    workdays._warn_fallback_once.cache_clear()


def test_a_year_without_a_schedule_is_logged_once(fresh_day_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="shequgang.calendar.workdays"):
        is_workday(dt.date(2027, 3, 8))
        is_workday(dt.date(2027, 3, 9))
    assert [r.getMessage()[:6] for r in caplog.records] == ["2027年无"]
    assert "调休上班日缺失" in caplog.records[0].getMessage()


def test_a_year_marked_entered_is_not_logged(fresh_day_cache, caplog):
    calendar_year_mark_entered(actor=None, year=2027)
    with caplog.at_level(logging.WARNING, logger="shequgang.calendar.workdays"):
        is_workday(dt.date(2027, 3, 8))
    assert caplog.records == []
