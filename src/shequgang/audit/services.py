"""Writing to the audit log. Services call ``audit_record`` inside their transaction so the
entry commits or rolls back with the write it describes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import models

from shequgang.actors import Actor
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
    """Append one audit entry. ``changes`` maps a field to ``[before, after]``."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEntry.objects.create(
        actor=actor if isinstance(actor, User) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=_jsonable(changes or {}),
        ip=current_ip.get(),
    )


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
