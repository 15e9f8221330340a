"""The triggers that keep the tallies (``models.py``) exactly in step with ``cases_case``.

One description of each tally (its key columns as SQL expressions over a case row) is
turned into the SQL of both databases:

- **SQLite**: row triggers ``AFTER INSERT``, ``AFTER DELETE`` and ``AFTER UPDATE OF``
  the columns the tally reads, the latter only ``WHEN`` one of its keys changes; each is
  an upsert (``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``).
- **PostgreSQL**: statement triggers with transition tables, so a set-wise write (the
  sweep's UPDATE, a ``bulk_create`` batch, a DELETE) does one grouped upsert per tally
  instead of one per row. Keys are upserted in sorted order, so two writers lock tally
  rows in the same order. ``TRUNCATE`` of the cases empties the tallies.

A tally may count only some cases (``Tally.where``, a condition over the row): the
due-day tally counts the cases whose resolution clock runs. Its triggers add a case that
enters the condition and take away one that leaves it; an UPDATE moves a case when a key
or the condition's value changed.

The same expressions rebuild the tallies from scratch (``recount_sql``), which is what
``shequgang recount_tallies`` runs. Dates are Asia/Shanghai (UTC+8 all year, no DST).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from shequgang.cases.models import OPEN_STATUSES
from shequgang.dashboard.overdue import CLOCK_IN

CASES = "cases_case"


@dataclass(frozen=True)
class Key:
    column: str
    sqlite: str  # expression over the row "{r}" (NEW, OLD or a table alias)
    postgresql: str


@dataclass(frozen=True)
class Where:
    """Which cases a tally counts: a condition over the row "{r}", true or false (never
    NULL), the same SQL on both databases."""

    sql: str

    def over(self, row: str) -> str:
        return "(" + self.sql.format(r=row) + ")"


@dataclass(frozen=True)
class Tally:
    name: str  # short name, used in trigger and function names
    table: str
    keys: tuple[Key, ...]
    reads: tuple[str, ...]  # the case columns the keys (and ``where``) are computed from
    where: Where | None = None  # None: every case

    def exprs(self, vendor: str, row: str) -> list[str]:
        return [getattr(k, vendor).format(r=row) for k in self.keys]

    def counts(self, row: str) -> str | None:
        """The condition for ``row`` to be counted, or None when every case is."""
        return self.where.over(row) if self.where else None

    def source(self, alias: str = "c") -> str:
        """``FROM`` the cases (and ``WHERE`` the counted ones): a full recount's rows."""
        where = self.counts(alias)
        return f"FROM {CASES} {alias}" + (f" WHERE {where}" if where else "")

    @property
    def columns(self) -> list[str]:
        return [k.column for k in self.keys]


def _same(column: str) -> Key:
    return Key(column, "{r}." + column, "{r}." + column)


def _tri(column: str) -> Key:
    """A nullable boolean as -1 / 0 / 1."""
    return Key(
        column,
        f"coalesce({{r}}.{column}, -1)",
        f"(CASE WHEN {{r}}.{column} IS NULL THEN -1 WHEN {{r}}.{column} THEN 1 ELSE 0 END)",
    )


def _or_zero(column: str, source: str) -> Key:
    return Key(column, f"coalesce({{r}}.{source}, 0)", f"coalesce({{r}}.{source}, 0)")


# The first three segments of the place path: the town/street (or the county or city
# itself for a case raised that high). SQLite has no regex functions of its own.
_P = "{r}.place_path"
_I1 = f"instr({_P}, '/')"
_I2 = f"instr(substr({_P}, {_I1} + 1), '/')"
_I3 = f"instr(substr({_P}, {_I1} + {_I2} + 1), '/')"
AREA = Key(
    "area_path",
    f"substr({_P}, 1, {_I1} + {_I2} + {_I3})",
    f"substring({_P} from '^[^/]*/(?:[^/]*/(?:[^/]*/)?)?')",
)
FLAGS = Key(
    "flags",
    "(({r}.ack_overdue_at IS NOT NULL) + 2 * ({r}.yellow_card_at IS NOT NULL)"
    " + 4 * ({r}.red_card_at IS NOT NULL))",
    "(({r}.ack_overdue_at IS NOT NULL)::int + 2 * ({r}.yellow_card_at IS NOT NULL)::int"
    " + 4 * ({r}.red_card_at IS NOT NULL)::int)",
)
# Django stores SQLite datetimes as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]"; the seconds
# are cut before date() because SQLite rounds 23:59:59.9999995 up into the next day.
WEEK = Key(
    "week",
    "date(substr({r}.created_at, 1, 19), '+8 hours', '-6 days', 'weekday 1')",
    "date_trunc('week', {r}.created_at AT TIME ZONE 'Asia/Shanghai')::date",
)
MONTH = Key(
    "month",
    "date(substr({r}.created_at, 1, 19), '+8 hours', 'start of month')",
    "date_trunc('month', {r}.created_at AT TIME ZONE 'Asia/Shanghai')::date",
)

# The resolution deadline's day: the overdue count sums whole past days from the tally
# and counts only today's deadlines live (``overdue.py``).
DUE_DAY = Key(
    "due_day",
    "date(substr({r}.resolve_due_at, 1, 19), '+8 hours')",
    "({r}.resolve_due_at AT TIME ZONE 'Asia/Shanghai')::date",
)
# The statuses as literals, in the order of the overdue index's condition, so a recount
# (and the live part of the overdue count) can read that partial index.
CLOCK_RUNS = Where("{r}.status " + CLOCK_IN + " AND {r}.resolve_due_at IS NOT NULL")

# The open statuses as literals (constants of the engine, not input). Changing
# ``OPEN_STATUSES`` needs a migration that recreates the open roll-ups' triggers and
# recounts them, as for ``CLOCK_STATUSES``.
OPEN_IN = "IN ({})".format(", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES)))


def _open_with(column: str) -> Where:
    """Open cases that have ``column`` (a grid, a handling department)."""
    return Where(f"{{r}}.status {OPEN_IN} AND {{r}}.{column} IS NOT NULL")


TALLIES: tuple[Tally, ...] = (
    Tally(
        "state",
        "dashboard_statetally",
        (_same("county_code"), AREA, _same("status"), FLAGS),
        ("county_code", "place_path", "status", "ack_overdue_at", "yellow_card_at", "red_card_at"),
    ),
    Tally(
        "week",
        "dashboard_weektally",
        (_same("county_code"), WEEK, _same("category_id")),
        ("county_code", "created_at", "category_id"),
    ),
    Tally(
        "month",
        "dashboard_monthtally",
        (
            _same("county_code"),
            MONTH,
            _same("status"),
            _tri("responded_on_time"),
            _tri("resolved_on_time"),
            _same("satisfaction"),
            _or_zero("resolved_rung", "resolved_rung"),
        ),
        (
            "county_code",
            "created_at",
            "status",
            "responded_on_time",
            "resolved_on_time",
            "satisfaction",
            "resolved_rung",
        ),
    ),
    Tally(
        "month_category",
        "dashboard_monthcategorytally",
        (
            _same("county_code"),
            MONTH,
            _same("category_id"),
            _same("status"),
            _or_zero("resolved_rung", "resolved_rung"),
        ),
        ("county_code", "created_at", "category_id", "status", "resolved_rung"),
    ),
    Tally(
        "due_day",
        "dashboard_duedaytally",
        (_same("county_code"), DUE_DAY),
        ("county_code", "status", "resolve_due_at"),
        where=CLOCK_RUNS,
    ),
    # The open load of each grid and department: one row per county and grid (or
    # department), so a county's ten busiest are the first ten entries of an index.
    Tally(
        "grid_open",
        "dashboard_gridopentally",
        (_same("county_code"), _same("grid_id")),
        ("county_code", "status", "grid_id"),
        where=_open_with("grid_id"),
    ),
    Tally(
        "department_open",
        "dashboard_departmentopentally",
        (
            _same("county_code"),
            Key("department_id", "{r}.handler_department_id", "{r}.handler_department_id"),
        ),
        ("county_code", "status", "handler_department_id"),
        where=_open_with("handler_department_id"),
    ),
)


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_upsert(t: Tally, row: str, delta: int) -> str:
    cols = ", ".join(t.columns)
    values = ", ".join(t.exprs("sqlite", row))
    where = t.counts(row)
    # With a condition: INSERT … SELECT … WHERE (the WHERE also keeps SQLite's parser
    # from reading ON CONFLICT as a join constraint).
    source = f"SELECT {values}, {delta} WHERE {where}" if where else f"VALUES ({values}, {delta})"
    return (
        f"INSERT INTO {t.table} ({cols}, n) {source}"
        f" ON CONFLICT ({cols}) DO UPDATE SET n = n + excluded.n;"
    )


def sqlite_create(t: Tally) -> list[str]:
    pairs = list(zip(t.exprs("sqlite", "NEW"), t.exprs("sqlite", "OLD"), strict=True))
    new_in, old_in = t.counts("NEW"), t.counts("OLD")
    if new_in and old_in:
        pairs.append((new_in, old_in))
    changed = " OR ".join(f"({new}) IS NOT ({old})" for new, old in pairs)
    if new_in and old_in:
        # A case counted neither before nor after moves nothing.
        changed = f"({old_in} OR {new_in}) AND ({changed})"
    base = f"dashboard_{t.name}"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {base}_ai AFTER INSERT ON {CASES} BEGIN "
        f"{_sqlite_upsert(t, 'NEW', 1)} END",
        f"CREATE TRIGGER IF NOT EXISTS {base}_ad AFTER DELETE ON {CASES} BEGIN "
        f"{_sqlite_upsert(t, 'OLD', -1)} END",
        f"CREATE TRIGGER IF NOT EXISTS {base}_au AFTER UPDATE OF {', '.join(t.reads)} "
        f"ON {CASES} WHEN {changed} BEGIN "
        f"{_sqlite_upsert(t, 'OLD', -1)} {_sqlite_upsert(t, 'NEW', 1)} END",
    ]


def sqlite_drop(t: Tally) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS dashboard_{t.name}_{op}" for op in ("ai", "ad", "au")]


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_upsert(t: Tally, moved: str) -> str:
    """Upsert the net change of ``moved`` (rows of key expressions and a ±1) into ``t``,
    one row per key, in key order."""
    cols = ", ".join(t.columns)
    keys = ", ".join(f"k{i}" for i in range(len(t.keys)))
    positions = ", ".join(str(i + 1) for i in range(len(t.keys)))
    return (
        f"INSERT INTO {t.table} AS t ({cols}, n) SELECT {keys}, sum(d) FROM ({moved})"
        f" AS moved({keys}, d) GROUP BY {positions} HAVING sum(d) <> 0 ORDER BY {positions}"
        f" ON CONFLICT ({cols}) DO UPDATE SET n = t.n + EXCLUDED.n;"
    )


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body}\nRETURN NULL;\nEND\n$$"
    )


def pg_create(t: Tally) -> list[str]:
    base = f"dashboard_{t.name}"
    new = ", ".join(t.exprs("postgresql", "r"))
    old = ", ".join(t.exprs("postgresql", "o"))
    new_in, old_in = t.counts("r"), t.counts("o")
    # An UPDATE moves a case only when one of this tally's keys (or whether it is
    # counted) changed; each side then counts only if the case is counted on that side.
    new_keys, old_keys = (f"{new}, {new_in}", f"{old}, {old_in}") if new_in else (new, old)
    join = (
        "FROM old_rows o JOIN new_rows r ON r.id = o.id"
        f" WHERE ({old_keys}) IS DISTINCT FROM ({new_keys})"
    )
    and_old, and_new = (f" AND {old_in}", f" AND {new_in}") if new_in else ("", "")
    where_old, where_new = (f" WHERE {old_in}", f" WHERE {new_in}") if new_in else ("", "")
    return [
        _pg_function(f"{base}_ins", _pg_upsert(t, f"SELECT {new}, 1 FROM new_rows r{where_new}")),
        _pg_function(f"{base}_del", _pg_upsert(t, f"SELECT {old}, -1 FROM old_rows o{where_old}")),
        _pg_function(
            f"{base}_upd",
            _pg_upsert(
                t,
                f"SELECT {old}, -1 {join}{and_old} UNION ALL SELECT {new}, 1 {join}{and_new}",
            ),
        ),
        f"CREATE OR REPLACE TRIGGER {base}_ins AFTER INSERT ON {CASES} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {base}_ins()",
        f"CREATE OR REPLACE TRIGGER {base}_del AFTER DELETE ON {CASES} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {base}_del()",
        f"CREATE OR REPLACE TRIGGER {base}_upd AFTER UPDATE ON {CASES} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {base}_upd()",
    ]


def pg_truncate_create(tallies: Sequence[Tally] = TALLIES) -> list[str]:
    # DELETE, not TRUNCATE: a TRUNCATE of the cases and the tallies together (Django's
    # flush) may not truncate the tallies again from inside its own trigger.
    body = "\n".join(f"DELETE FROM {t.table};" for t in tallies)
    return [
        _pg_function("dashboard_tally_truncate", body),
        f"CREATE OR REPLACE TRIGGER dashboard_tally_truncate AFTER TRUNCATE ON {CASES} "
        "FOR EACH STATEMENT EXECUTE FUNCTION dashboard_tally_truncate()",
    ]


def pg_drop(t: Tally) -> list[str]:
    base = f"dashboard_{t.name}"
    return [
        *(f"DROP TRIGGER IF EXISTS {base}_{op} ON {CASES}" for op in ("ins", "del", "upd")),
        *(f"DROP FUNCTION IF EXISTS {base}_{op}()" for op in ("ins", "del", "upd")),
    ]


# --- Both -------------------------------------------------------------------------------


def tallies_named(*names: str) -> tuple[Tally, ...]:
    """The tallies of these names (``recount_tallies --tally``); migrations use their own
    list, ``migrations/_tallies_then.py``, which keeps retired tallies too."""
    return tuple(t for t in TALLIES if t.name in names)


def create_sql(vendor: str, tallies: Sequence[Tally] = TALLIES) -> list[str]:
    if vendor == "sqlite":
        return [s for t in tallies for s in sqlite_create(t)]
    if vendor == "postgresql":
        return [s for t in tallies for s in pg_create(t)] + pg_truncate_create(tallies)
    raise NotImplementedError(f"tally triggers for {vendor}")


def drop_sql(vendor: str, tallies: Sequence[Tally] = TALLIES) -> list[str]:
    if vendor == "sqlite":
        return [s for t in tallies for s in sqlite_drop(t)]
    if vendor == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS dashboard_tally_truncate ON cases_case",
            "DROP FUNCTION IF EXISTS dashboard_tally_truncate()",
            *(s for t in tallies for s in pg_drop(t)),
        ]
    raise NotImplementedError(f"tally triggers for {vendor}")


def recount_sql(t: Tally, vendor: str, *, into: str | None = None) -> str:
    """An INSERT … SELECT that counts every (counted) case into ``into`` (default: the
    tally), in key order: a county's rows of one month (or week, or day) then lie on
    neighbouring pages, where a figure reads them. Inserted in the hash aggregate's
    order, the current month's dispute rows lay on 2,113 pages for 6,167 rows (1M cases)."""
    cols = ", ".join(t.columns)
    positions = ", ".join(str(i + 1) for i in range(len(t.keys)))
    return (
        f"INSERT INTO {into or t.table} ({cols}, n) "
        f"SELECT {', '.join(t.exprs(vendor, 'c'))}, count(*) {t.source()} "
        f"GROUP BY {positions} ORDER BY {positions}"
    )


def install(conn: BaseDatabaseWrapper | None = None, tallies: Sequence[Tally] = TALLIES) -> None:
    """(Re)create the triggers of ``tallies`` (default: all). Idempotent."""
    conn = conn or default_connection
    with conn.cursor() as cursor:
        for statement in create_sql(conn.vendor, tallies):
            cursor.execute(statement)


def uninstall(conn: BaseDatabaseWrapper | None = None) -> None:
    conn = conn or default_connection
    with conn.cursor() as cursor:
        for statement in drop_sql(conn.vendor):
            cursor.execute(statement)


def installed_count(conn: BaseDatabaseWrapper | None = None) -> int:
    """How many tally triggers the database has (SQLite: 3 per tally; PostgreSQL: 3 per
    tally and the TRUNCATE one)."""
    conn = conn or default_connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE"
                " 'dashboard\\_%' ESCAPE '\\' AND tbl_name = %s",
                [CASES],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'dashboard\\_%%'"
                " AND tgrelid = %s::regclass",
                [CASES],
            )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def ensure_triggers(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: recreate triggers a table rebuild may have dropped."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor not in {"sqlite", "postgresql"}:
        return
    # Only the tallies whose tables exist: migrating backwards, or before a tally's
    # migration, a trigger must not write to a missing table.
    tables = set(conn.introspection.table_names())
    present = tuple(t for t in TALLIES if t.table in tables)
    if present:
        install(conn, present)
