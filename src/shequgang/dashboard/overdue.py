"""The live overdue count (超期): open cases past their resolution deadline, now.

No tally can hold it (a deadline passes without any row being written), so it is counted
from the cases, over a small partial index of its own: the cases whose resolution clock
runs (``CLOCK_STATUSES``, a few percent of all cases), by (status, resolve_due_at,
county_code) — a range per status, read from the index alone.

The query states its statuses as literal SQL in the index condition's order, because
SQLite uses a partial index only when it can prove the query implies the index's
condition, and it proves that from literal values, never from bound parameters. With
parameters, SQLite scanned the whole county_code index for the GROUP BY instead (113 ms
at 100,000 cases). The index is created by migration 0004 and, like the tally triggers,
put back after every migrate (a SQLite table rebuild of the cases drops indexes Django
does not know). Changing ``CLOCK_STATUSES`` needs a migration that recreates it; until
then the count stays exact, only slower.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count

from shequgang.cases.models import CLOCK_STATUSES, Case

INDEX = "dashboard_case_overdue"
MIGRATION = "0004_overdue_index"  # creates it
# Sorted: the query's IN list must read exactly as the index condition's.
OVERDUE_STATUSES: tuple[str, ...] = tuple(sorted(str(s) for s in CLOCK_STATUSES))
# Constants of this module, not user input.
_IN = "IN ({})".format(", ".join(f"'{status}'" for status in OVERDUE_STATUSES))
OVERDUE_SQL = f'"cases_case"."status" {_IN}'
CREATE_INDEX = (
    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "cases_case" '
    f'("status", "resolve_due_at", "county_code") WHERE "status" {_IN}'
)
DROP_INDEX = f'DROP INDEX IF EXISTS "{INDEX}"'


def overdue_by_county(now: dt.datetime) -> dict[str, int]:
    """Open cases whose resolution deadline is before ``now`` (due exactly at ``now`` is
    not yet overdue), by county code. City-wide on purpose: a filter on one county would
    lead the planners to the county index, a range of a whole county's cases."""
    rows = (
        Case.objects.extra(where=[OVERDUE_SQL])
        .filter(resolve_due_at__lt=now)
        .values("county_code")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {r["county_code"]: r["n"] for r in rows}


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
