"""The overdue count (超期): open cases past their resolution deadline, now.

The rule is ``cases.engine.deadlines.resolve_late_q`` (``Lateness.resolve``), computed
from tallies rather than by that Q. Deliberately not the lists' ``overdue_q``, which also
counts cases past their on-site verification limit (``verify_late_q``, 超时未核查): a
case a department reported back waits on another clock (the sweep flags it 超时未核查,
as it flags 超时未签收), not on its resolution deadline, and the figure is labelled
"超过办结时限的在办事项". The tests compare this count with ``resolve_late_q``.

A deadline passes without any row being written, so no tally can hold the count itself.
It is split at the start of today (Asia/Shanghai), exactly:

- cases due on an earlier day: a sum over ``DueDayTally``, the cases whose resolution
  clock runs (``CLOCK_STATUSES``) by county and the day of their deadline, kept by the
  triggers like every tally — a few rows per county and day, whatever the number of
  cases;
- cases due today before ``now``: counted live over a small partial index of their own,
  the cases whose clock runs by (status, resolve_due_at, county_code) — a range of at
  most one day's deadlines per status, read from the index alone.

Both parts are one statement, so they see the same cases. Before, the whole count was
the live part from the beginning of time: one index entry per overdue case (44–119 ms
for 75,612 overdue cases at 10M on PostgreSQL).

The query states its statuses as literal SQL in the index condition's order, because
SQLite uses a partial index only when it can prove the query implies the index's
condition, and it proves that from literal values, never from bound parameters. With
parameters, SQLite scanned the whole county_code index for the GROUP BY instead (113 ms
at 100,000 cases). The index is created by migration 0004 and, like the tally triggers,
put back after every migrate (a SQLite table rebuild of the cases drops indexes Django
does not know). Changing ``CLOCK_STATUSES`` needs a migration that recreates the index
and the due-day tally's triggers and recounts that tally: the triggers carry the same
literal list.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

from shequgang.cases.models import CLOCK_STATUSES

INDEX = "dashboard_case_overdue"
MIGRATION = "0004_overdue_index"  # creates it
# Sorted: the query's IN list must read exactly as the index condition's.
OVERDUE_STATUSES: tuple[str, ...] = tuple(sorted(str(s) for s in CLOCK_STATUSES))
# Constants of this module, not user input.
_IN = "IN ({})".format(", ".join(f"'{status}'" for status in OVERDUE_STATUSES))
CLOCK_IN = _IN  # for the due-day tally's triggers (triggers.py)
OVERDUE_SQL = f'"cases_case"."status" {_IN}'
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# The tally's days before today, then today's deadlines up to now (the live range).
COUNT_SQL = (
    'SELECT "county_code", sum("n") FROM ('
    'SELECT "county_code", "n" FROM "dashboard_duedaytally" WHERE "due_day" < %s'
    ' UNION ALL SELECT "county_code", count(*) FROM "cases_case"'
    f' WHERE {OVERDUE_SQL} AND "resolve_due_at" >= %s AND "resolve_due_at" < %s'
    ' GROUP BY "county_code"'
    ') AS "parts" GROUP BY "county_code"'
)
CREATE_INDEX = (
    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "cases_case" '
    f'("status", "resolve_due_at", "county_code") WHERE "status" {_IN}'
)
DROP_INDEX = f'DROP INDEX IF EXISTS "{INDEX}"'


def overdue_by_county(now: dt.datetime) -> dict[str, int]:
    """Open cases whose resolution deadline is before ``now`` (due exactly at ``now`` is
    not yet overdue), by county code; counties without any are left out. City-wide on
    purpose: a filter on one county would lead the planners to the county index, a range
    of a whole county's cases."""
    today = now.astimezone(SHANGHAI).date()
    today_start = dt.datetime.combine(today, dt.time(), tzinfo=SHANGHAI)
    ops = connection.ops
    params = [
        ops.adapt_datefield_value(today),
        ops.adapt_datetimefield_value(today_start),
        ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, params)
        return {county: int(n) for county, n in cursor.fetchall() if n}


def install_index(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        cursor.execute(CREATE_INDEX)


def ensure_overdue_index(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: recreate the index if a table rebuild dropped it."""
    conn = connections[using]
    if conn.vendor not in {"sqlite", "postgresql"}:
        return
    if ("dashboard", MIGRATION) not in MigrationRecorder(conn).applied_migrations():
        return  # migrating backwards, or before the index's migration
    install_index(conn)
