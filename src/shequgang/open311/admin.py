"""Open311 clients and their keys, service attributes, and a read-only list of what came
in. A key is generated when a client is created (or on request) and shown once."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shequgang.open311.models import Open311Client, Open311Request, ServiceAttribute
from shequgang.open311.services import client_issue_key


def _show_key(request: HttpRequest, client: Open311Client, key: str) -> None:
    messages.warning(
        request,
        f"「{client.name}」的 API 密钥（只显示这一次，请立即复制交给对方）：{key}",
    )


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "name",
        "jurisdiction",
        "key_prefix",
        "active",
        "daily_limit",
        "key_issued_at",
        "last_used_at",
    ]
    list_filter = ["active"]
    search_fields = ["name", "contact"]
    raw_id_fields = ["jurisdiction"]
    readonly_fields = ["key_prefix", "key_issued_at", "last_used_at", "created_at", "created_by"]
    actions = ["reissue_keys"]

    def save_model(self, request: HttpRequest, obj: Open311Client, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        if not change:
            _show_key(request, obj, client_issue_key(actor=request.user, client=obj))  # type: ignore[arg-type]

    @admin.action(description="重新签发 API 密钥（旧密钥立即失效）")
    def reissue_keys(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        for client in queryset:
            _show_key(request, client, client_issue_key(actor=request.user, client=client))  # type: ignore[arg-type]


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["category", "code", "datatype", "required", "order", "description"]
    list_filter = ["datatype", "required"]
    raw_id_fields = ["category"]


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: what each client sent. The submitter's email stays encrypted."""

    list_display = ["case", "client", "created_at", "address_string"]
    list_filter = ["client"]
    exclude = ["email_cipher", "token", "idempotency_key"]
    readonly_fields = [
        f.name
        for f in Open311Request._meta.fields
        if f.name not in {"email_cipher", "token", "idempotency_key"}
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
