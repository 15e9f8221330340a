"""Client retries never duplicate: a POST carrying ``Idempotency-Key`` runs once per
(user, key); every retry gets the first response back.

The record is inserted in the same transaction as the write it guards, before it. A retry
fails that INSERT on the unique index and replays the record; a concurrent retry blocks on
the index (PostgreSQL) or the write lock (SQLite) until the first commits, then does the
same.

Keys are remembered for ``settings.IDEMPOTENCY_KEEP_HOURS`` (48 h by default, well past any
client's retry window); ``purge_expired`` — run by the worker and by
``shequgang purge_idempotency`` — deletes older records so the table does not grow forever."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Status

from shequgang.apikit.models import IdempotencyRecord
from shequgang.errors import DomainError
from shequgang.row_insert import RowInsert

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# Visible ASCII: UUIDs, ULIDs and the like. Keeps keys printable in logs and storable.
_KEY_RE = re.compile(r"^[\x21-\x7e]+$")
# Every guarded write goes through these two statements: built once, not per request.
_RECORD_INSERT = RowInsert(IdempotencyRecord)
_BODY_FIELD = IdempotencyRecord._meta.get_field("body")


class RenderedJSON(str):
    """A body ``write`` has already rendered to JSON text: stored as it is (not encoded
    again) and handed back as it is for the endpoint to send."""


def idempotency_key(request: HttpRequest) -> str | None:
    """The request's ``Idempotency-Key``, or None without one. A malformed key is 400
    ``invalid_idempotency_key``."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH or not _KEY_RE.match(key):
        raise DomainError(
            "invalid_idempotency_key",
            f"Idempotency-Key 应为不超过{MAX_KEY_LENGTH}个可见 ASCII 字符",
        )
    return key


def request_fingerprint(payload: Any) -> str:
    """What a retry must repeat: a hash of the request's JSON-able content."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def check_same_request(*, stored: tuple[str, str], given: tuple[str, str]) -> None:
    """A key seen before with (operation, fingerprint) ``stored`` may only be replayed by
    the same request; anything else is a client bug: 422 ``idempotency_key_reused``."""
    if stored != given:
        raise DomainError(
            "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求", status=422
        )


def run_idempotent(
    request: HttpRequest,
    *,
    operation: str,
    payload: Any,
    write: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Run ``write`` (returning status and a JSON-able body) at most once per key."""
    return run_idempotent_prepared(
        request, operation=operation, payload=payload, prepare=lambda: write
    )


def idempotent_status(
    request: HttpRequest, operation: str, payload: Any, make: Callable[[], tuple[int, Any]]
) -> Status[Any]:
    """``run_idempotent`` for an endpoint taking a pydantic ``payload``: its JSON is the
    fingerprint, and the answer (first or replayed) comes back as ninja's ``Status``."""
    status, body = run_idempotent(
        request, operation=operation, payload=payload.model_dump(mode="json"), write=make
    )
    return Status(status, body)


def run_idempotent_prepared(
    request: HttpRequest,
    *,
    operation: str,
    payload: Any,
    prepare: Callable[[], Callable[[], tuple[int, Any]]],
    record_last: bool = False,
) -> tuple[int, Any]:
    """``run_idempotent`` with the reads and checks split off the write: ``prepare``
    runs first, outside the transaction (so the write lock on SQLite, or a hot row's lock
    on PostgreSQL, is held only while writing), and returns the write to run once. A
    retry whose first attempt succeeded still gets the first response, even when
    ``prepare`` would refuse it now.

    ``record_last``: for a write whose locks are hot (raising a case), the record is
    inserted after the write, with its answer, in the same transaction: one statement
    fewer while the locks are held. A retry is first looked up (a read, before the
    transaction); a concurrent one that got past it writes, then fails the record's
    INSERT on the unique index and is rolled back whole (its write with it) before it
    replays. Only for writes with no effect outside the database that a rollback
    would leave behind."""
    key = idempotency_key(request)
    if key is None:
        return prepare()()
    digest = request_fingerprint(payload)
    if not request.user.is_authenticated:
        raise DomainError("unauthenticated", "请先登录", status=401)
    user_id = request.user.pk
    if record_last:
        found = _replay(user_id, key, operation, digest)
        if found is not None:
            return found
    try:
        write = prepare()
    except DomainError:
        found = _replay(user_id, key, operation, digest)
        if found is None:
            raise
        return found
    if record_last:
        return _write_then_record(
            user_id=user_id, key=key, operation=operation, digest=digest, write=write
        )
    try:
        with transaction.atomic():
            # No look-up first: the unique index says whether the key is taken (by an
            # earlier request, or by a concurrent one, which this INSERT waits for).
            record = _RECORD_INSERT.insert(
                IdempotencyRecord(
                    user_id=user_id,
                    key=key,
                    operation=operation,
                    request_hash=digest,
                    status_code=0,
                    body={},
                )
            )
            status, body = write()
            _record_answer(record.pk, status, body)
            return status, body
    except IntegrityError:
        # The key was taken: a retry, or another request with this key committed first.
        found = _replay(user_id, key, operation, digest)
        if found is None:
            raise
        return found


def _write_then_record(
    *,
    user_id: Any,
    key: str,
    operation: str,
    digest: str,
    write: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    try:
        with transaction.atomic():
            status, body = write()
            record = IdempotencyRecord(
                user_id=user_id,
                key=key,
                operation=operation,
                request_hash=digest,
                status_code=status,
                body={},
            )
            values = _RECORD_INSERT.values(record)
            values[_BODY_INDEX] = _body_value(body)
            with connection.cursor() as cursor:
                cursor.execute(_record_insert_sql(), values)
            return status, body
    except IntegrityError:
        found = _replay(user_id, key, operation, digest)
        if found is None:
            raise
        return found


_BODY_INDEX = [f.attname for f in _RECORD_INSERT.fields].index("body")
_RECORD_SQL: dict[str, str] = {}


def _record_insert_sql() -> str:
    """The record's INSERT, its body taken as JSON text on PostgreSQL (``::jsonb``)."""
    sql = _RECORD_SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        columns = ", ".join(quote(f.column) for f in _RECORD_INSERT.fields)
        marks = ", ".join(
            "%s" + (cast if i == _BODY_INDEX else "") for i in range(len(_RECORD_INSERT.fields))
        )
        table = quote(IdempotencyRecord._meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        _RECORD_SQL[connection.vendor] = sql
    return sql


def _body_value(body: Any) -> Any:
    if isinstance(body, RenderedJSON):
        return str(body)
    return _BODY_FIELD.get_db_prep_save(body, connection)


def _record_answer(pk: int, status: int, body: Any) -> None:
    """The answer given, for the retries (``save(update_fields=…)`` without the ORM's
    per-call compilation)."""
    quote = connection.ops.quote_name
    table = quote(IdempotencyRecord._meta.db_table)
    value, cast = _BODY_FIELD.get_db_prep_save(body, connection), ""
    if isinstance(body, RenderedJSON):
        value, cast = str(body), ("::jsonb" if connection.vendor == "postgresql" else "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {quote('status_code')} = %s, {quote('body')} = %s{cast}"
            f" WHERE {quote('id')} = %s",
            [status, value, pk],
        )


def _replay_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ("operation", "request_hash", "status_code", "body"))
    return (
        f"SELECT {columns} FROM {quote(IdempotencyRecord._meta.db_table)}"
        f" WHERE {quote('user_id')} = %s AND {quote('key')} = %s"
    )


def _replay(user_id: Any, key: str, operation: str, digest: str) -> tuple[int, Any] | None:
    # Looked up on every guarded request with record_last: a statement of its own
    # (the unique index), not a queryset compiled per call.
    with connection.cursor() as cursor:
        cursor.execute(_replay_sql(), [user_id, key])
        row = cursor.fetchone()
    if row is None:
        return None
    check_same_request(stored=(row[0], row[1]), given=(operation, digest))
    return row[2], _BODY_FIELD.from_db_value(row[3], None, connection)  # type: ignore[arg-type]


def purge_expired(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Delete records older than the keep window, in batches (short transactions, so
    concurrent requests are never held up). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
