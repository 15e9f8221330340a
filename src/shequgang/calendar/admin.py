"""The calendar admin: overrides by date and the per-year "schedule entered" mark. Every
page here warns about the current or next year if its holidays have not been entered.
Saves and deletes go through ``shequgang.calendar.services`` (audit row, cache cleared)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from shequgang.calendar.checks import UNCOVERED_HINT, coverage_warnings
from shequgang.calendar.models import CalendarOverride, CalendarYear
from shequgang.calendar.services import (
    calendar_override_delete,
    calendar_override_save,
    calendar_year_save,
)


class _WarnsUncoveredYears(admin.ModelAdmin):  # type: ignore[type-arg]
    """Adds the uncovered-year warnings to the list page."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":  # a POST redirects to a GET, which warns
            for message in coverage_warnings():
                messages.warning(request, message + UNCOVERED_HINT)
        return super().changelist_view(request, extra_context)


class YearListFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        dates = CalendarOverride.objects.dates("date", "year", order="DESC")
        return [(str(d.year), f"{d.year}年") for d in dates]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[CalendarOverride]
    ) -> QuerySet[CalendarOverride]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(_WarnsUncoveredYears):
    list_display = ["date", "weekday", "is_workday", "name", "note", "updated_at"]
    list_filter = [YearListFilter, "is_workday"]
    search_fields = ["name", "note"]
    ordering = ["date"]

    @admin.display(description="星期")
    def weekday(self, obj: CalendarOverride) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: ModelForm[Any], change: bool
    ) -> None:
        calendar_override_save(actor=request.user, override=obj)

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        calendar_override_delete(actor=request.user, override=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for override in queryset:
            calendar_override_delete(actor=request.user, override=override)


@admin.register(CalendarYear)
class CalendarYearAdmin(_WarnsUncoveredYears):
    list_display = ["year", "schedule_entered", "source", "updated_at"]
    list_filter = ["schedule_entered"]

    def save_model(
        self, request: HttpRequest, obj: CalendarYear, form: ModelForm[Any], change: bool
    ) -> None:
        calendar_year_save(actor=request.user, calendar_year=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Unticking "entered" says the same thing and leaves the history in the audit log.
        return False
