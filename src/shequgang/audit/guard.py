"""Database triggers that refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of the
audit log, whatever issues them: the ORM, the admin, a shell, raw SQL.

This is the cheap first line; the hash chain (``chain``) is what proves an edit made by
someone who could drop the trigger. Installed after every ``migrate`` (SQLite drops a
table's triggers when a migration rebuilds it) when ``AUDIT_GUARD`` is on — the default
everywhere except the test suite, whose transactional tests empty every table between
tests (the guard's own tests install it inside their transaction)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditentry"
_MESSAGE = "audit log is append-only"

_SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_guard_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_guard_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_guard_update",
    "DROP TRIGGER IF EXISTS audit_guard_delete",
]
_PG_CREATE = [
    "CREATE OR REPLACE FUNCTION audit_guard_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$",
    f"DROP TRIGGER IF EXISTS audit_guard_rows ON {TABLE}",
    f"CREATE TRIGGER audit_guard_rows BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_guard_refuse()",
    f"DROP TRIGGER IF EXISTS audit_guard_truncate ON {TABLE}",
    f"CREATE TRIGGER audit_guard_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_guard_refuse()",
]
_PG_DROP = [
    f"DROP TRIGGER IF EXISTS audit_guard_rows ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_guard_truncate ON {TABLE}",
]


def guard_install(conn: BaseDatabaseWrapper | None = None) -> None:
    """Create the refusing triggers. Idempotent."""
    conn = conn or default_connection
    with conn.cursor() as cursor:
        for statement in _PG_CREATE if conn.vendor == "postgresql" else _SQLITE_CREATE:
            cursor.execute(statement)


def guard_uninstall(conn: BaseDatabaseWrapper | None = None) -> None:
    conn = conn or default_connection
    with conn.cursor() as cursor:
        for statement in _PG_DROP if conn.vendor == "postgresql" else _SQLITE_DROP:
            cursor.execute(statement)


def ensure_guard(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: (re)create the triggers when ``AUDIT_GUARD`` is on and the table
    exists."""
    from django.db import connections

    conn = connections[using]
    if not settings.AUDIT_GUARD or conn.vendor not in {"sqlite", "postgresql"}:
        return
    if TABLE in conn.introspection.table_names():
        guard_install(conn)
