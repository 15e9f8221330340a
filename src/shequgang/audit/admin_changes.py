"""Changes made in the Django admin, in the audit log.

The admin writes models directly, past our services: a user's staff and superuser
flags, groups and permissions, a group's permissions, a role assignment's
``may_view_full_pii``, an API token's revocation. ``AuditedAdmin`` records each add,
change and delete there as one audit row (``admin.<app>.<model>.add|change|delete``) in
the admin's own transaction, with ``[before, after]`` of every changed field — many-to-
many fields too, as sorted names, once the admin has saved them. Secrets (password
hashes, token hashes) appear only as "changed"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from shequgang.audit.services import audit_record

# Field names whose values never enter the log.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "usable_password", "key_hash"})
_CHANGED = "（已修改）"


def _plain(value: Any) -> Any:
    if isinstance(value, QuerySet) or (
        isinstance(value, Iterable) and not isinstance(value, str | bytes | dict)
    ):
        return sorted(str(v) for v in value)
    if isinstance(value, models.Model):
        return value.pk  # as the form's initial data gives a foreign key
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _m2m_names(obj: models.Model, name: str) -> list[str]:
    return sorted(str(v) for v in getattr(obj, name).all())


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose every add, change and delete writes an audit row."""

    def _action(self, verb: str) -> str:
        return f"admin.{self.model._meta.label_lower}.{verb}"

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        # Many-to-many values before the admin replaces them (saved in save_related).
        m2m = [f.name for f in obj._meta.many_to_many if f.name in form.changed_data]
        form._audit_m2m_before = (  # type: ignore[attr-defined]
            {name: _m2m_names(obj, name) for name in m2m} if change and obj.pk else {}
        )
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        m2m_names = {f.name for f in obj._meta.many_to_many}
        before_m2m: dict[str, list[str]] = getattr(form, "_audit_m2m_before", {})
        changes: dict[str, list[Any]] = {}
        for name in form.changed_data:
            if name in SECRET_FIELDS:
                changes[name] = [_CHANGED, _CHANGED]
            elif name in m2m_names:
                changes[name] = [before_m2m.get(name, []), _m2m_names(obj, name)]
            else:
                before = form.initial.get(name) if change else None
                changes[name] = [_plain(before), _plain(form.cleaned_data.get(name))]
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=self._action("change" if change else "add"),
            obj=obj,
            changes=changes,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=self._action("delete"), obj=obj)  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action=self._action("delete"), obj=obj)  # type: ignore[arg-type]
        super().delete_queryset(request, queryset)
