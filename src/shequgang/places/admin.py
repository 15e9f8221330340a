from django.contrib import admin

from shequgang.places.models import Department, Grid, Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "subtype", "code", "path", "grid"]
    list_filter = ["kind", "management_mode"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent", "grid"]
    readonly_fields = ["path", "depth", "last_child"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # Nodes get their path from services; add them through the pages or API.
        return False


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "community", "code"]
    search_fields = ["name", "community__name"]
    raw_id_fields = ["community"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "level", "sort", "place", "active"]
    list_filter = ["level", "sort", "active"]
    raw_id_fields = ["place"]
