"""The tallies in the admin, read-only: the triggers write them, ``recount_tallies``
rebuilds them; nobody edits a count by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shequgang.dashboard.models import TALLY_MODELS


class TallyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for model in TALLY_MODELS:
    admin.site.register(model, TallyAdmin)
