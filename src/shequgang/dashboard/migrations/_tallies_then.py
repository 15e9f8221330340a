"""The tallies as the migrations that created (and dropped) their triggers knew them:
those of ``triggers.TALLIES`` and the retired ones, so an old migration still creates
and drops the same triggers, forwards and backwards. Not a migration (the leading
underscore keeps Django's loader away)."""

from collections.abc import Sequence

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from shequgang.dashboard import triggers
from shequgang.dashboard.triggers import TALLIES, Key, Tally

STORAGE = (  # PostgreSQL storage of every tally table, as 0003_tally_storage set it
    "fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,"
    " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000"
)

# Cases by grid / handling department (0: none) and status, dropped by 0007: nothing
# read them once the open-load roll-ups (0006) fed the load tables.
RETIRED = (
    Tally(
        "grid",
        "dashboard_gridtally",
        (
            Key("county_code", "{r}.county_code", "{r}.county_code"),
            Key("grid_id", "coalesce({r}.grid_id, 0)", "coalesce({r}.grid_id, 0)"),
            Key("status", "{r}.status", "{r}.status"),
        ),
        ("county_code", "grid_id", "status"),
    ),
    Tally(
        "department",
        "dashboard_departmenttally",
        (
            Key("county_code", "{r}.county_code", "{r}.county_code"),
            Key(
                "department_id",
                "coalesce({r}.handler_department_id, 0)",
                "coalesce({r}.handler_department_id, 0)",
            ),
            Key("status", "{r}.status", "{r}.status"),
        ),
        ("county_code", "handler_department_id", "status"),
    ),
)


def tallies_named(*names: str) -> tuple[Tally, ...]:
    """The tallies of these names, in this order; a name nobody knows is an error."""
    known = {t.name: t for t in (*TALLIES, *RETIRED)}
    return tuple(known[name] for name in names)


def start_counting(
    schema_editor: BaseDatabaseSchemaEditor, new: Sequence[Tally], every: Sequence[Tally]
) -> None:
    """Tables of ``new`` just created: their storage, the triggers of ``every`` tally
    (idempotent; on PostgreSQL the TRUNCATE trigger's function then empties all of
    them), and a first count of the cases that exist (same transaction)."""
    vendor = schema_editor.connection.vendor
    statements: list[str] = []
    if vendor == "postgresql":
        statements += [f"ALTER TABLE {t.table} SET ({STORAGE})" for t in new]
    statements += triggers.create_sql(vendor, every)
    for t in new:
        statements += [f"DELETE FROM {t.table}", triggers.recount_sql(t, vendor)]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def stop_counting(
    schema_editor: BaseDatabaseSchemaEditor, gone: Sequence[Tally], staying: Sequence[Tally]
) -> None:
    """Drop the triggers of ``gone``; on PostgreSQL the TRUNCATE trigger's function then
    empties only ``staying``."""
    vendor = schema_editor.connection.vendor
    statements: list[str] = []
    for t in gone:
        statements += triggers.sqlite_drop(t) if vendor == "sqlite" else triggers.pg_drop(t)
    if vendor == "postgresql":
        statements += triggers.pg_truncate_create(staying)
    for statement in statements:
        schema_editor.execute(statement, params=None)
