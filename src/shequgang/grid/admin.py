"""Admin for camera platforms, their cameras and alert-type mappings, and read-only
views of patrols and received alerts. A platform's secret is never stored in clear: it
is shown once, on the page that answers its creation or rotation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shequgang.audit.readonly_admin import ReadOnlyAdmin
from shequgang.cases.services import CASE_PLACE_KINDS
from shequgang.grid.camera_alerts import (
    INTEGRATION_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    camera_integration_create,
    camera_integration_rotate_secret,
)
from shequgang.grid.models import (
    Camera,
    CameraAlert,
    CameraAlertType,
    CameraIntegration,
    Patrol,
    PatrolReport,
)


def _show_secrets(
    request: HttpRequest, rows: list[tuple[CameraIntegration, str]], title: str
) -> TemplateResponse:
    response = TemplateResponse(
        request,
        "grid/admin/secret_once.html",
        {
            **admin.site.each_context(request),
            "title": title,
            "rows": rows,
            "headers": (INTEGRATION_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER),
        },
    )
    # A secret must not linger in a cache.
    response["Cache-Control"] = "no-store"
    return response


@admin.register(CameraIntegration)
class CameraIntegrationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "key", "active", "created_at", "secret_rotated_at"]
    list_filter = ["active"]
    search_fields = ["name", "key"]
    readonly_fields = ["created_at", "secret_rotated_at"]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The key is what platforms send; changing it would silently cut them off.
        return [*self.readonly_fields, "key"] if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created, secret = camera_integration_create(
            actor=request.user, name=obj.name, key=obj.key, active=obj.active
        )
        obj.pk = created.pk
        obj._new_secret = secret

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: Any = None
    ) -> HttpResponse:
        secret = getattr(obj, "_new_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _show_secrets(request, [(obj, secret)], "接入已创建：请立即保存密钥")

    @admin.action(description="轮换密钥（旧密钥立即失效）")
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[CameraIntegration]
    ) -> HttpResponse:
        rows = [
            (i, camera_integration_rotate_secret(actor=request.user, integration=i))
            for i in queryset.order_by("pk")
        ]
        return _show_secrets(request, rows, "密钥已轮换：请立即保存新密钥")


class CameraForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Camera
        fields = ["integration", "camera_id", "name", "place", "latitude", "longitude", "active"]

    def clean_place(self) -> Any:
        place = self.cleaned_data["place"]
        if place is not None and place.kind not in CASE_PLACE_KINDS:
            raise forms.ValidationError("摄像头地点应为社区、小区、楼栋、单元或户")
        return place


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CameraForm
    list_display = ["camera_id", "name", "integration", "place", "active"]
    list_filter = ["integration", "active"]
    search_fields = ["camera_id", "name", "place__name"]
    raw_id_fields = ["place"]


@admin.register(CameraAlertType)
class CameraAlertTypeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["alert_type", "label", "integration", "category", "active"]
    list_filter = ["integration", "active"]
    search_fields = ["alert_type", "label"]


@admin.register(CameraAlert)
class CameraAlertAdmin(ReadOnlyAdmin):
    list_display = ["alert_id", "integration", "camera", "alert_type", "received_at", "case"]
    list_filter = ["integration"]
    search_fields = ["alert_id", "case__number"]


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ["worker", "grid", "started_at", "ended_at"]
    list_filter = ["grid__community"]


@admin.register(PatrolReport)
class PatrolReportAdmin(ReadOnlyAdmin):
    list_display = ["case", "patrol", "handled_on_the_spot", "reported_at"]
