"""Rebuilding the tallies from the cases, and checking them against a full recount."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from shequgang.dashboard.triggers import CASES, TALLIES, Tally, recount_sql

Row = tuple[object, ...]


@dataclass(frozen=True)
class Difference:
    tally: str
    key: Row
    stored: int
    counted: int

    def __str__(self) -> str:
        return f"{self.tally} {self.key}: 计数表 {self.stored}，实际 {self.counted}"


def _counted(t: Tally) -> dict[Row, int]:
    positions = ", ".join(str(i + 1) for i in range(len(t.keys)))
    sql = (
        f"SELECT {', '.join(t.exprs(connection.vendor, 'c'))}, count(*) {t.source()} "
        f"GROUP BY {positions}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {tuple(str(v) for v in row[:-1]): int(row[-1]) for row in cursor.fetchall()}


def _stored(t: Tally) -> dict[Row, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(t.columns)}, n FROM {t.table} WHERE n <> 0")
        return {tuple(str(v) for v in row[:-1]): int(row[-1]) for row in cursor.fetchall()}


def tallies_check(tallies: Sequence[Tally] = TALLIES) -> list[Difference]:
    """Every row of ``tallies`` (default: all) that differs from a GROUP BY over the
    cases (empty: all equal). Reads inside one transaction so both sides see the same
    cases."""
    out: list[Difference] = []
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for t in tallies:
            counted, stored = _counted(t), _stored(t)
            for key in sorted(counted.keys() | stored.keys(), key=repr):
                if counted.get(key, 0) != stored.get(key, 0):
                    out.append(Difference(t.name, key, stored.get(key, 0), counted.get(key, 0)))
    return out


def tallies_rebuild(tallies: Sequence[Tally] = TALLIES) -> int:
    """Empty ``tallies`` (default: all) and count all cases again, in one transaction; on
    PostgreSQL the cases are locked against writes meanwhile (SHARE), so no trigger runs
    half-way. Returns the number of tally rows written."""
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {CASES} IN SHARE MODE")
        for t in tallies:
            cursor.execute(f"DELETE FROM {t.table}")
            cursor.execute(recount_sql(t, connection.vendor))
            rows += max(cursor.rowcount, 0)
    return rows
