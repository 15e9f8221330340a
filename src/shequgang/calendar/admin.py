"""The calendar admin: overrides by date, the per-year "schedule entered" mark, and a page
to import a year's schedule file in one step. Every page here warns about the current or
next year if its schedule has not been entered. Saves, deletes and imports go through
``shequgang.calendar.services`` (audit rows, cache cleared)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from shequgang.calendar.checks import UNCOVERED_HINT, coverage_warnings
from shequgang.calendar.models import CalendarOverride, CalendarYear
from shequgang.calendar.services import (
    calendar_override_delete,
    calendar_override_save,
    calendar_schedule_import,
    calendar_year_save,
)
from shequgang.errors import DomainError

SCHEDULE_FILE_MAX_BYTES = 64 * 1024  # a year's schedule is a few dozen short lines


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


class ScheduleImportForm(forms.Form):
    file = forms.FileField(
        label="安排文件",
        help_text="UTF-8 文本文件，写法见 shequgang/calendar/schedules/format-example.txt",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > SCHEDULE_FILE_MAX_BYTES:
            raise forms.ValidationError("文件过大，安排文件应不超过64KB")
        try:
            text: str = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("文件不是UTF-8编码的文本") from exc
        return text


@admin.register(CalendarYear)
class CalendarYearAdmin(_WarnsUncoveredYears):
    list_display = ["year", "schedule_entered", "source", "updated_at"]
    list_filter = ["schedule_entered"]
    change_list_template = "admin/calendar/calendaryear/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="calendar_calendaryear_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a schedule file; ``calendar_schedule_import`` checks it whole and writes
        all of it or nothing. Needs the right to change both years and overrides."""
        if not (
            self.has_change_permission(request)
            and request.user.has_perm("calendar.change_calendaroverride")
            and request.user.has_perm("calendar.add_calendaroverride")
        ):
            raise PermissionDenied
        form = ScheduleImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = calendar_schedule_import(
                    actor=request.user, text=form.cleaned_data["file"]
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(
                    request,
                    f"{result.year}年安排已导入：新增{result.created}天，修改{result.changed}天，"
                    f"未变{result.unchanged}天；该年另有{result.kept}条日历调整未改动。",
                )
                return HttpResponseRedirect(reverse("admin:calendar_calendaryear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入全年节假日安排",
            "form": form,
        }
        return render(request, "admin/calendar/calendaryear/import.html", context)

    def save_model(
        self, request: HttpRequest, obj: CalendarYear, form: ModelForm[Any], change: bool
    ) -> None:
        calendar_year_save(actor=request.user, calendar_year=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Unticking "entered" says the same thing and leaves the history in the audit log.
        return False
