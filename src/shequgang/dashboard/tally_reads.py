"""The sums the command centre reads from the tallies, as SQL written once.

Summed in the database, each read returns a handful of rows (one per area and status,
one per category, one row for the 三率) instead of every tally row of the scope: several
thousand city-wide. Written once here, no query is compiled per request: building the
filtered sums through the ORM took longer than the database took to run them. Each
statement runs on SQLite and PostgreSQL; the statuses, flags and rungs in them are the
engine's constants written as literals, never input. A county scope adds
``county_code = %s``; without it the sums are city-wide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection

from shequgang.cases.models import Category, Rung, Satisfaction, Status
from shequgang.dashboard.models import (
    ACK_OVERDUE,
    RED,
    YELLOW,
    MonthCategoryTally,
    MonthTally,
    StateTally,
    WeekTally,
)


def _in(values: Sequence[object]) -> str:
    return "IN ({})".format(", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values))


def _with_flag(bit: int) -> str:
    """``flags`` has ``bit`` set (the flags are 0…7, see ``models.py``)."""
    return "flags " + _in([f for f in range((ACK_OVERDUE | YELLOW | RED) + 1) if f & bit])


def _sum(condition: str) -> str:
    return f"coalesce(sum(CASE WHEN {condition} THEN n ELSE 0 END), 0)"


def _in_county(sql: str) -> dict[bool, str]:
    """The statement city-wide (False) and for one county (True); ``{county}`` marks
    where the county's condition goes."""
    return {False: sql.format(county=""), True: sql.format(county=" AND county_code = %s")}


Row = tuple[Any, ...]


def _run(sql: dict[bool, str], params: list[Any], county_code: str | None) -> list[Row]:
    if county_code is not None:
        params = [*params, county_code]
    with connection.cursor() as cursor:
        cursor.execute(sql[county_code is not None], params)
        rows: list[Row] = cursor.fetchall()
    return rows


# --- live counts ------------------------------------------------------------------------

_STATE = {
    city: _in_county(
        f"SELECT {key}, status, sum(n), {_sum(_with_flag(RED))}, {_sum(_with_flag(YELLOW))},"
        f" {_sum(_with_flag(ACK_OVERDUE))} FROM {StateTally._meta.db_table}"
        f" WHERE n <> 0{{county}} GROUP BY {key}, status"
    )
    for city, key in ((True, "county_code"), (False, "area_path"))
}


def state_sums(county_code: str | None) -> list[tuple[str, str, int, int, int, int]]:
    """(area, status, cases, of which red-carded, yellow-carded, acknowledgement
    overdue) for every status: the area is the county city-wide, the town/street (its
    path) in a county."""
    rows = _run(_STATE[county_code is None], [], county_code)
    return [(a, s, int(n), int(r), int(y), int(k)) for a, s, n, r, y, k in rows]


# --- cases raised per category, this week and last ---------------------------------------

_WEEK = _in_county(
    "SELECT category_id, coalesce(sum(CASE WHEN week = %s THEN n ELSE 0 END), 0),"
    " coalesce(sum(CASE WHEN week = %s THEN n ELSE 0 END), 0)"
    f" FROM {WeekTally._meta.db_table} WHERE week IN (%s, %s){{county}} GROUP BY category_id"
)


def week_sums(county_code: str | None, monday: dt.date) -> list[tuple[int, int, int]]:
    """(category, raised in the week of ``monday``, raised the week before)."""
    weeks = [connection.ops.adapt_datefield_value(d) for d in (monday, monday - dt.timedelta(7))]
    rows = _run(_WEEK, [*weeks, *weeks], county_code)
    return [(int(c), int(a), int(b)) for c, a, b in rows]


# --- the 三率 ---------------------------------------------------------------------------

_COUNTED = f"status <> '{Status.MERGED.value}'"  # cases_in leaves merged cases out
_DONE = f"status {_in(sorted([Status.RESOLVED.value, Status.CLOSED.value]))}"


def _ladder(top: int) -> str:
    """Done at a rung from the bottom up to ``top`` (0: not resolved)."""
    return f"{_DONE} AND resolved_rung BETWEEN 1 AND {top}"


# Each numerator and denominator of cases.measures.MEASURES, summed over the months.
MONTH_SUMS: dict[str, str] = {
    "total": _COUNTED,
    "done": _DONE,
    "rated": f"{_COUNTED} AND satisfaction <> ''",
    "response": f"{_COUNTED} AND responded_on_time = 1",
    "on_time": f"{_DONE} AND resolved_on_time = 1",
    "in_building": _ladder(Rung.PARTY_GROUP),
    "in_compound": _ladder(Rung.BRANCH),
    "satisfied": f"{_COUNTED} AND satisfaction = '{Satisfaction.SATISFIED.value}'",
    "basic": f"{_COUNTED} AND satisfaction = '{Satisfaction.BASIC.value}'",
}
# The dispute categories' cases (the flag as it is now) and those solved at or below
# the community.
DISPUTE_SUMS: dict[str, str] = {"disputes": _COUNTED, "disputes_local": _ladder(Rung.COMMUNITY)}
_MONTHS = _in_county(
    "SELECT * FROM"
    f" (SELECT {', '.join(_sum(c) for c in MONTH_SUMS.values())}"
    f" FROM {MonthTally._meta.db_table} WHERE month >= %s AND month <= %s{{county}}) AS m,"
    f" (SELECT {', '.join(_sum(c) for c in DISPUTE_SUMS.values())}"
    f" FROM {MonthCategoryTally._meta.db_table} WHERE month >= %s AND month <= %s{{county}}"
    f" AND category_id IN (SELECT id FROM {Category._meta.db_table} WHERE is_dispute)) AS d"
)


def month_sums(county_code: str | None, first: dt.date, last: dt.date) -> dict[str, int]:
    """The sums of ``MONTH_SUMS`` and ``DISPUTE_SUMS`` over the cases raised in the
    months ``first`` to ``last`` (their first days, both included), one statement."""
    months = [connection.ops.adapt_datefield_value(d) for d in (first, last)]
    params: list[Any] = list(months)
    if county_code is not None:
        params.append(county_code)
    [row] = _run(_MONTHS, [*params, *months], county_code)
    return dict(zip([*MONTH_SUMS, *DISPUTE_SUMS], map(int, row), strict=True))
