from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from shequgang.audit.admin_changes import AuditedAdmin
from shequgang.people.models import ApiToken, Resident, ResidentTag, RoleAssignment

# Staff flags, groups and permissions edited in the admin bypass our services: audited.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[misc,type-arg]
    pass


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


@admin.register(ResidentTag)
class ResidentTagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "description", "active"]
    list_editable = ["active"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only here: register changes go through the pages and API so they are
    validated, encrypted and audited."""

    list_display = ["name", "household", "relation", "id_number_masked", "phone_masked", "status"]
    list_filter = ["status", "relation", "tags"]
    search_fields = ["name"]
    raw_id_fields = ["household"]
    readonly_fields = [f.name for f in Resident._meta.fields if f.name != "id"]
    exclude = [
        "id_number_cipher",
        "phone_cipher",
        "address_cipher",
        "id_number_index",
        "phone_index",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "node_name", "may_view_full_pii", "granted_at", "revoked_at"]
    list_filter = ["role", "may_view_full_pii"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "place", "grid", "department", "granted_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
