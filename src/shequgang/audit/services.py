"""Writing to the audit log. Services call ``audit_record`` inside their transaction so the
entry commits or rolls back with the write it describes, chained to the entry before it
(``chain``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.chain import chain_append_head, row_digest
from shequgang.audit.middleware import current_ip
from shequgang.audit.models import AuditEntry


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry, chained to the newest one. ``changes`` maps a field to
    ``[before, after]``. Joins the caller's transaction (or opens one); on PostgreSQL
    the chain's advisory lock is then held until that transaction ends, so concurrent
    writers append one at a time, in commit order."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if isinstance(actor, User) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=_jsonable(changes or {}),
        ip=_IP_FIELD.get_prep_value(current_ip.get()) or None,
    )
    with transaction.atomic(savepoint=False):
        entry.prev_hash = chain_append_head()
        entry.row_hash = row_digest(
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            object_repr=entry.object_repr,
            changes=entry.changes,
            ip=entry.ip,
            prev_hash=entry.prev_hash,
        )
        entry.save(force_insert=True)
    return entry


_IP_FIELD = AuditEntry._meta.get_field("ip")


def diff_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for the fields whose value changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _jsonable(changes: Mapping[str, Any]) -> dict[str, Any]:
    def conv(value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, list | tuple):
            return [conv(v) for v in value]
        if isinstance(value, models.Model):
            return value.pk
        return str(value)

    return {k: conv(v) for k, v in changes.items()}
