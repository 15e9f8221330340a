from django.contrib import admin
from django.http import HttpRequest

from shequgang.residency.models import ResidentAccount


@admin.register(ResidentAccount)
class ResidentAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only here: accounts are confirmed or refused on the 待认证居民 pages (and the
    API), so the register is matched, the decision audited and the person told why."""

    list_display = ["name", "household", "status", "phone_masked", "id_number_masked", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user", "household", "resident", "decided_by"]
    exclude = ["id_number_cipher", "phone_cipher", "id_number_index", "phone_index", "request_hash"]
    readonly_fields = [
        f.name
        for f in ResidentAccount._meta.fields
        if f.name != "id"
        and f.name
        not in {
            "id_number_cipher",
            "phone_cipher",
            "id_number_index",
            "phone_index",
            "request_hash",
        }
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
