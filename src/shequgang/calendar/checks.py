"""Warnings about years whose holidays nobody has entered: shown on the calendar admin
pages and as the system check ``calendar.W001``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import connections
from django.utils import timezone

from shequgang.calendar.models import CalendarYear
from shequgang.calendar.workdays import SHANGHAI, library_covers_year, uncovered_years

UNCOVERED_MESSAGE = (
    "{year}年的国务院放假安排尚未录入：法定节假日已按《全国年节及纪念日放假办法》计算"
    "（含周末补假），但缺少调休上班日，部分期限可能与实际安排相差数日。"
)
UNCOVERED_HINT = (
    "国务院办公厅公布该年放假安排后，在“工作日历 › 年度节假日安排”中点“导入全年安排”上传"
    "安排文件（或运行 shequgang calendar_import 文件），导入后该年自动标记为已录入。"
)


def years_to_watch(today: dt.date | None = None) -> list[int]:
    """The current and the next year: deadlines set today can reach into next year."""
    today = today or timezone.now().astimezone(SHANGHAI).date()
    return [today.year, today.year + 1]


def coverage_warnings(*, today: dt.date | None = None) -> list[str]:
    """One message per watched year that is uncovered (see ``workdays.uncovered_years``)."""
    return [UNCOVERED_MESSAGE.format(year=y) for y in uncovered_years(years_to_watch(today))]


@register(Tags.database)
def check_calendar_coverage(
    app_configs: Sequence[AppConfig] | None,
    databases: Sequence[str] | None = None,
    today: dt.date | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """``calendar.W001`` for each uncovered watched year. A database check, so it runs on
    ``migrate`` and ``check --database default`` (Django keeps database queries out of
    plain ``check`` and ``runserver``); before the first migration it judges by the library
    alone."""
    if not databases or "default" not in databases:
        return []
    years = years_to_watch(today)
    if CalendarYear._meta.db_table in connections["default"].introspection.table_names():
        missing = uncovered_years(years)
    else:
        missing = [y for y in years if not library_covers_year(y)]
    return [
        CheckWarning(UNCOVERED_MESSAGE.format(year=y), hint=UNCOVERED_HINT, id="calendar.W001")
        for y in missing
    ]
