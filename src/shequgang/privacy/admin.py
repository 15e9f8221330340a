from django.contrib import admin

from shequgang.audit.readonly_admin import ReadOnlyAdmin
from shequgang.privacy.models import Erasure, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["category", "keep_days", "starts", "active", "updated_at"]
    list_editable = ["keep_days", "active"]
    readonly_fields = ["category", "updated_at"]

    # Categories come with the code, each with its query.
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ["pseudonym", "at", "actor", "rule", "reason"]
