from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shequgang.audit.readonly_admin import ReadOnlyAdmin
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CaseRules,
    Category,
    DuplicateRules,
    Notification,
)
from shequgang.cases.models.dispatch import CaseVerification, DepartmentRoute, DispatchLeg


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "name",
        "parent",
        "code",
        "start_rung",
        "department",
        "ack_hours",
        "resolve_days",
        "needs_deliberation",
        "is_dispute",
        "private",
        "active",
    ]
    list_filter = ["parent", "start_rung", "is_dispute", "private", "active"]
    list_editable = ["start_rung", "ack_hours", "resolve_days", "active"]
    search_fields = ["name", "code"]


@admin.register(CaseRules)
class CaseRulesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "auto_close_days", "max_reopens", "basic_weight"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CaseRules.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_status", "to_status", "from_rung", "to_rung", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: cases change only through the workflow (pages, API)."""

    list_display = ["number", "title", "category", "status", "rung", "resolve_due_at", "created_at"]
    list_filter = ["status", "rung", "source", "category"]
    search_fields = ["number", "title"]
    inlines = [EventInline]
    exclude = ["raiser_phone_cipher"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields if f.name != "raiser_phone_cipher"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "title",
        "recipient",
        "channel",
        "created_at",
        "delivered_at",
        "failed_at",
        "attempts",
    ]
    list_filter = ["channel"]
    readonly_fields = ["created_at"]


@admin.register(DepartmentRoute)
class DepartmentRouteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The routing table: category × county → department (blank county: every county)."""

    list_display = ["category", "county", "department"]
    list_filter = ["county", "department"]
    search_fields = ["category__name", "department__name"]
    autocomplete_fields = ["category"]
    raw_id_fields = ["county"]


@admin.register(DispatchLeg)
class DispatchLegAdmin(ReadOnlyAdmin):
    list_display = ["case", "department", "via", "assigned_at", "responded_on_time", "outcome"]
    list_filter = ["department", "via", "outcome"]


@admin.register(CaseVerification)
class CaseVerificationAdmin(ReadOnlyAdmin):
    list_display = ["case", "verifier", "at", "on_time", "passed"]
    list_filter = ["passed", "on_time"]


@admin.register(DuplicateRules)
class DuplicateRulesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The radius, window and weights of the duplicate suggestions (cases/duplicates/suggestions.py)."""

    list_display = ["__str__", "radius_m", "window_days", "max_results", "min_score"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not DuplicateRules.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
