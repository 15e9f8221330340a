"""Rows that change rarely (places, role assignments, categories) kept in the process
between requests, and thrown away the moment the database changes them.

Every write to a watched table changes the row of ``places.ReferenceGeneration`` in the
same transaction (database triggers, so bulk writes, raw SQL and the admin count too), to
a value it never had before (a sequence on PostgreSQL, a random 63-bit number on SQLite):
rolled-back writes cannot bring an old value back. A request reads the value — for a
bearer token in the token's own query, so at no extra round trip — and a copy is used
only if it was made under the same value. A copy may be newer than its value (made after
a commit the request's read did not see), never older: the next request sees the new
value and reads again.

Use it only for reads made before the request writes anything: a request that has just
written a watched table would still hold the value from before its write."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.base import ModelState

T = TypeVar("T")
M = TypeVar("M", bound=Model)

TABLE = "places_referencegeneration"
# The value, as a column of any query (the token look-up adds it to its own).
GENERATION_SQL = f"(SELECT value FROM {TABLE} WHERE id = 1)"
_MAX_ENTRIES = 50_000
_ATTR = "_shequgang_reference_generation"
_UNKNOWN = -1  # kept on the holder when the row is missing

_lock = threading.Lock()
_generation: int | None = None
_entries: dict[Hashable, Any] = {}


def read_generation() -> int | None:
    """The value now; None without the row (a test database just flushed): no copies."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {GENERATION_SQL}")
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


def remember_generation(holder: object, value: int | None) -> None:
    """Keep the value read along with ``holder`` (the request's user), for this request."""
    setattr(holder, _ATTR, _UNKNOWN if value is None else int(value))


def generation_of(holder: object) -> int | None:
    """The value read with ``holder`` (a bearer token's user), else read now and kept."""
    value: int | None = getattr(holder, _ATTR, None)
    if value is None:
        value = read_generation()
        remember_generation(holder, value)
    return None if value == _UNKNOWN else value


def cached(generation: int | None, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s result for ``key`` under ``generation``: the copy made under it, or
    a fresh one (always fresh when ``generation`` is None). Whatever ``load`` returns is
    shared between threads: return immutable values (tuples of field values), and build
    model instances from them per use."""
    global _generation
    if generation is None:
        return load()
    with _lock:
        if generation != _generation:
            _entries.clear()
            _generation = generation
        elif key in _entries:
            return _entries[key]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        if generation == _generation and len(_entries) < _MAX_ENTRIES:
            _entries[key] = value
    return value


def fresh(instance: M) -> M:
    """A copy of a cached model instance to hand out (what ``copy.copy`` makes, a few
    times faster): its own field values and its own cache of related objects, whose
    objects are the cached ones — copy those with ``fresh`` too before changing them."""
    clone = object.__new__(type(instance))
    values = instance.__dict__.copy()
    state = ModelState()
    state.db, state.adding = instance._state.db, instance._state.adding
    state.fields_cache = dict(instance._state.fields_cache)
    values["_state"] = state
    clone.__dict__ = values
    return clone


# --- The triggers (run by migrations) ------------------------------------------------------

_PG_FUNCTION = "shequgang_reference_bump"
_PG_SEQUENCE = "shequgang_reference_seq"


def _upsert(value: str) -> str:
    # An upsert, not an UPDATE: a test database's flush empties the table too.
    return (
        f"INSERT INTO {TABLE} (id, value) VALUES (1, {value}) "
        "ON CONFLICT (id) DO UPDATE SET value = excluded.value"
    )


def install_generation(schema_editor: Any) -> None:
    """The row and, on PostgreSQL, the sequence and the function the triggers call."""
    execute = schema_editor.execute
    execute(f"INSERT INTO {TABLE} (id, value) VALUES (1, 1)")
    if schema_editor.connection.vendor == "postgresql":
        execute(f"CREATE SEQUENCE {_PG_SEQUENCE} START 2")
        bump = _upsert(f"nextval('{_PG_SEQUENCE}')")
        execute(
            f"CREATE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {bump}; RETURN NULL; END $$"
        )


def uninstall_generation(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}() CASCADE")
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {_PG_SEQUENCE}")


def watch_table(schema_editor: Any, table: str) -> None:
    """Triggers on ``table``: any INSERT, UPDATE or DELETE changes the value."""
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(
            f"CREATE TRIGGER {table}_reference_bump AFTER INSERT OR UPDATE OR DELETE "
            f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
        )
        return
    for op in ("INSERT", "UPDATE", "DELETE"):
        execute(
            f"CREATE TRIGGER {table}_reference_bump_{op.lower()} AFTER {op} ON {table} "
            f"BEGIN {_upsert('(random() & 9223372036854775807)')}; END"
        )


def unwatch_table(schema_editor: Any, table: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_reference_bump ON {table}")
        return
    for op in ("insert", "update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_reference_bump_{op}")
