"""Programs are data: a city administrator edits them here (groups covered, registration
areas, window, cut-off, premium), and rolls a program over to next year as a draft."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shequgang.audit.readonly_admin import ReadOnlyAdmin
from shequgang.errors import DomainError
from shequgang.veterans.models import (
    Application,
    ApplicationEvent,
    Group,
    Program,
    ProgramArea,
    ProgramGroup,
    RepeatSubmission,
)
from shequgang.veterans.programs import program_roll_over


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "description", "sort"]


class ProgramGroupInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ProgramGroup
    extra = 0


class ProgramAreaInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ProgramArea
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "year",
        "title",
        "opens_at",
        "closes_at",
        "born_on_or_before",
        "premium",
        "published",
    ]
    inlines = [ProgramGroupInline, ProgramAreaInline]
    actions = ["roll_over"]

    @admin.action(description="复制为下一年度项目（草稿）")
    def roll_over(self, request: HttpRequest, queryset: QuerySet[Program]) -> None:
        for program in queryset:
            try:
                new = program_roll_over(actor=request.user, program=program)
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
            else:
                self.message_user(request, f"已创建{new.year}年度项目草稿，请核对后发布")


class ApplicationEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "actor", "changes", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Read-only: applications change through the staff pages and API, which validate,
    encrypt and audit."""

    list_display = [
        "reference",
        "program",
        "name",
        "id_number_masked",
        "group",
        "registration_name",
        "status",
        "submitted_at",
    ]
    list_filter = ["program", "status", "group", "registration_name", "channel"]
    search_fields = ["reference", "name"]
    exclude = ["id_number_cipher", "id_number_index", "phone_cipher", "certificate_cipher"]
    readonly_fields = [
        f.name
        for f in Application._meta.fields
        if f.name
        not in {"id", "id_number_cipher", "id_number_index", "phone_cipher", "certificate_cipher"}
    ]
    inlines = [ApplicationEventInline]


@admin.register(RepeatSubmission)
class RepeatSubmissionAdmin(ReadOnlyAdmin):
    """Read-only: anonymous submissions for a person already enrolled (a resident who
    pressed twice, or someone using their ID number). Search by reference."""

    list_display = [
        "reference",
        "program",
        "name_masked",
        "id_number_masked",
        "phone_masked",
        "group",
        "registration_name",
        "submitted_at",
    ]
    list_filter = ["program", "group"]
    search_fields = ["reference"]
    exclude = ["id_number_index", "id_tail_digest"]
