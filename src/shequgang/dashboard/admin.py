"""The tallies in the admin, read-only: the triggers write them, ``recount_tallies``
rebuilds them; nobody edits a count by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shequgang.audit.readonly_admin import ReadOnlyAdmin
from shequgang.dashboard.models import TALLY_MODELS


class TallyAdmin(ReadOnlyAdmin):
    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return [f.name for f in self.model._meta.fields if f.name != "id"]


for model in TALLY_MODELS:
    admin.site.register(model, TallyAdmin)
