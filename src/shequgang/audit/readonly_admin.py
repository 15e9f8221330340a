"""The admin of a table nobody edits by hand: history (the audit log, case timelines,
application records), tallies kept by triggers, ledgers written by their services. The
admin may list and read them; adding, changing and deleting go through the services or
not at all."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
