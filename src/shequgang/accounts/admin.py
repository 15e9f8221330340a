"""The failed-login counters in the admin, with an audited "unlock" as the only way to
remove them (axes' own delete would leave no trace in the audit log)."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shequgang.accounts.services import login_unlock

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock"]

    @admin.action(description="解除所选账号的登录锁定（记入审计日志）")
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = login_unlock(actor=request.user, attempts=queryset)  # type: ignore[arg-type]
        self.message_user(request, f"已解除 {count} 个账号/地址的登录锁定", messages.SUCCESS)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
