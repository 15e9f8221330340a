from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shequgang.audit.models import AuditEntry
from shequgang.audit.readonly_admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "object_repr", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "object_repr", "actor__username"]
    date_hierarchy = "at"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
