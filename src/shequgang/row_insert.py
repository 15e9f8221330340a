"""INSERTs written once per model, for the hottest write paths (raising a case, its events
and notifications, the idempotency record, the queued intake).

``Model.save()`` and ``bulk_create`` compile their INSERT on every call: the SQL
compiler walks every field, asks each for its placeholder, converts each value twice
(``get_prep_value`` then the backend's adaptation) and quotes every column name — for
the case row (fifty-odd columns) that is most of the CPU of writing it
(docs/benchmarks.md, "The synchronous door"). ``RowInsert`` builds the statement once
per model and database vendor, and prepares each value as ``save()`` would: through the
field's own ``pre_save`` and ``get_db_prep_save`` — except for the plain types whose
preparation is the identity on a value of the right type (text, integers, booleans,
floats, and foreign keys to integer keys), which it passes as they are.

What it does not do, on purpose: send ``pre_save``/``post_save`` signals (no model it
serves has receivers: ``cases/tests/test_row_insert.py`` checks), run
``full_clean`` (neither does ``save()``), or update a row. Rows it writes are read back
equal to the ORM's (same test)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models

M = TypeVar("M", bound=models.Model)
# Rows per statement: well under SQLite's limit of bound parameters for any of our models.
BATCH = 100

# Exact types (a subclass may prepare its values differently, e.g. an encrypted field).
_AS_IS: frozenset[type[models.Field[Any, Any]]] = frozenset(
    {
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField,
        models.BooleanField,
        models.FloatField,
    }
)
_INTEGER_KEYS = frozenset({models.AutoField, models.BigAutoField, models.SmallAutoField})


def _as_is(field: models.Field[Any, Any]) -> bool:
    if isinstance(field, models.ForeignKey):
        return type(field.target_field) in _INTEGER_KEYS
    return type(field) in _AS_IS


def _preparer(field: models.Field[Any, Any]) -> Callable[[models.Model, Any], Any]:
    attname = field.attname

    def prepared(obj: models.Model, conn: Any) -> Any:
        return field.get_db_prep_save(field.pre_save(obj, True), conn)

    if _as_is(field):

        def plain(obj: models.Model, _conn: Any) -> Any:
            return getattr(obj, attname)

        return plain
    if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):

        def moment(obj: models.Model, conn: Any) -> Any:
            # An aware datetime needs only the backend's adaptation (what
            # ``get_db_prep_save`` ends with); anything else goes the field's whole way.
            value = getattr(obj, attname)
            if value is None:
                return None
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                return conn.ops.adapt_datetimefield_value(value)
            return prepared(obj, conn)

        return moment
    return prepared


class RowInsert(Generic[M]):
    """``INSERT INTO <table> (<every concrete column but the key>) VALUES … RETURNING
    <key>`` for ``model``; ``insert`` and ``insert_many`` set the key on the instances
    and mark them saved, as ``save()`` and ``bulk_create`` do."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self._prepare = [_preparer(f) for f in self.fields]
        self._sql: dict[tuple[str, int], str] = {}

    def statement(self, conn: Any, rows: int) -> str:
        """The statement for ``rows`` rows (built once for up to 8)."""
        key = (conn.vendor, rows)
        sql = self._sql.get(key)
        if sql is None:
            quote = conn.ops.quote_name
            one = f"({', '.join(['%s'] * len(self.fields))})"
            sql = (
                f"INSERT INTO {quote(self.model._meta.db_table)} "
                f"({', '.join(quote(f.column) for f in self.fields)}) "
                f"VALUES {', '.join([one] * rows)} "
                f"RETURNING {quote(self.model._meta.pk.column)}"  # type: ignore[union-attr]
            )
            if rows <= 8:  # the statements of the hot paths; larger ones are rare
                self._sql[key] = sql
        return sql

    def values(self, obj: M, conn: Any = None) -> list[Any]:
        conn = conn or connections[DEFAULT_DB_ALIAS]
        return [prepare(obj, conn) for prepare in self._prepare]

    def insert(self, obj: M) -> M:
        self.insert_many([obj])
        return obj

    def insert_many(self, objs: Sequence[M]) -> list[M]:
        """One statement per ``BATCH`` of ``objs`` (its RETURNING rows come back in the
        order of the VALUES on both engines, as ``bulk_create`` relies on too)."""
        conn = connections[DEFAULT_DB_ALIAS]
        for start in range(0, len(objs), BATCH):
            batch = objs[start : start + BATCH]
            params: list[Any] = []
            for obj in batch:
                params.extend(self.values(obj, conn))
            with conn.cursor() as cursor:
                cursor.execute(self.statement(conn, len(batch)), params)
                keys = [row[0] for row in cursor.fetchall()]
            for obj, pk in zip(batch, keys, strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, conn.alias
        return list(objs)
