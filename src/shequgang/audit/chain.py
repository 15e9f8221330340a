"""The hash chain that makes the audit log tamper-evident.

Each entry stores ``prev_hash`` (the previous entry's ``row_hash``; 64 zeros for the
first) and ``row_hash`` = SHA-256 over a canonical serialisation of its own fields and
``prev_hash``. Editing a field breaks that row's hash; deleting a row or inserting one
breaks the next row's link; so ``shequgang audit_verify`` — a walk in id order —
names the first row that does not fit.

Appending (``chain_append_head``) is serialised, so two transactions never chain onto
the same predecessor: on PostgreSQL a transaction-scoped advisory lock taken before the
head is read and held until commit, so rows commit in chain order, which is id order;
on SQLite the writer already holds the database's write lock (IMMEDIATE transactions).
A unique index on ``prev_hash`` is the second line: a fork cannot be stored.

What the chain does not prove: someone able to rewrite the table can recompute every
hash after their edit (SHA-256 needs no key) or cut the newest rows. Record the head
``audit_verify`` prints (in the operations log, a ticket, a printout) and pass it back
with ``--head``: the walk then also proves that row is still there, unchanged.

The serialisation is versioned (``v1``) and must never change for stored rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

GENESIS = "0" * 64
# pg_advisory_xact_lock key of the chain ("SHQGAUDT" read as hex-ish digits).
_PG_LOCK_KEY = 0x5348_5147_4155_4454 & 0x7FFF_FFFF_FFFF_FFFF
_FORMAT = "v1"


def _canonical_value(value: Any) -> Any:
    """JSON as the database gives it back: floats with an integral value as integers
    (PostgreSQL's jsonb returns 2.0 as 2.0 but 1e20 as an integer), keys sorted later."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    return value


def row_digest(
    *,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: Mapping[str, Any],
    ip: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the entry's fields and its predecessor's hash."""
    payload = [
        _FORMAT,
        at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        actor_id,
        action,
        object_type,
        object_id,
        object_repr,
        _canonical_value(changes),
        ip,
        prev_hash,
    ]
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_append_head() -> str:
    """The hash a new entry must carry as ``prev_hash``. Call inside the transaction
    that inserts the entry: on PostgreSQL it takes the chain's advisory lock (held until
    that transaction ends) before reading the head."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        cursor.execute("SELECT row_hash FROM audit_auditentry ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return str(row[0]) if row else GENESIS


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_id: int | None
    head_hash: str
    broken_id: int | None = None
    reason: str = ""
    head_found: bool | None = None  # whether ``--head`` was seen (None: not asked)

    @property
    def ok(self) -> bool:
        return self.broken_id is None and self.head_found is not False


_FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip",
    "prev_hash",
    "row_hash",
)


def _rows(batch: int) -> Iterator[tuple[Any, ...]]:
    from shequgang.audit.models import AuditEntry

    last = 0
    while True:
        chunk = list(
            AuditEntry.objects.filter(id__gt=last).order_by("id").values_list(*_FIELDS)[:batch]
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]


def chain_verify(*, expect_head: str = "", batch: int = 5000) -> ChainReport:
    """Walk the log in id order; stop at the first row whose hash or link is wrong."""
    prev = GENESIS
    prev_id: int | None = None
    checked = 0
    seen_head = False
    for pk, at, actor_id, action, otype, oid, orepr, changes, ip, prev_hash, row_hash in _rows(
        batch
    ):
        if prev_hash != prev:
            where = f"after row {prev_id}" if prev_id is not None else "at the start"
            return ChainReport(
                checked,
                prev_id,
                prev,
                broken_id=pk,
                reason=f"its prev_hash does not match the row before it ({where}): "
                "a row was deleted or inserted before it, or it was edited",
            )
        expected = row_digest(
            at=at,
            actor_id=actor_id,
            action=action,
            object_type=otype,
            object_id=oid,
            object_repr=orepr,
            changes=changes or {},
            ip=ip,
            prev_hash=prev_hash,
        )
        if expected != row_hash:
            return ChainReport(
                checked,
                prev_id,
                prev,
                broken_id=pk,
                reason="its fields do not match its row_hash: the row was edited",
            )
        seen_head = seen_head or row_hash == expect_head
        prev, prev_id = row_hash, pk
        checked += 1
    return ChainReport(checked, prev_id, prev, head_found=seen_head if expect_head else None)
