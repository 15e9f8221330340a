"""Writing to the audit log. Services call ``audit_record`` inside their transaction so the
entry commits or rolls back with the write it describes, chained to the entry before it
(``chain``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
    ``[before, after]``. The log is never rewritten, so it must not keep a person's name
    after their record is anonymised (PIPL Art. 47): a model whose text names a person
    says how it is written here (``audit_label()``) and which of its fields are masked
    (``AUDIT_MASKED_FIELDS``, field → masking function). Joins the caller's transaction (or opens one); on PostgreSQL
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
        object_repr=_label(obj)[:200] if obj is not None else "",
        changes=_jsonable(_masked(obj, changes or {})),
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


def _label(obj: models.Model) -> str:
    label: Callable[[], str] | None = getattr(obj, "audit_label", None)
    return label() if label is not None else str(obj)


def _masked(obj: models.Model | None, changes: Mapping[str, Any]) -> Mapping[str, Any]:
    maskers: Mapping[str, Callable[[str], str]] = getattr(obj, "AUDIT_MASKED_FIELDS", {})
    if not maskers:
        return changes

    def mask(field: str, value: Any) -> Any:
        if isinstance(value, str) and value:
            return maskers[field](value)
        if isinstance(value, list | tuple):
            return [mask(field, v) for v in value]
        return value

    return {k: mask(k, v) if k in maskers else v for k, v in changes.items()}


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
