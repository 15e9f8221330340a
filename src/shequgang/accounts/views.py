"""The admin's change-password page, with the old password counted like a login."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.urls import reverse_lazy

from shequgang.accounts.forms import CountedPasswordChangeForm


class AdminPasswordChangeView(PasswordChangeView):
    """``/admin/password_change/`` in place of the admin's own, whose form checks the old
    password with ``User.check_password`` and so escapes the lockout and the audit."""

    form_class = CountedPasswordChangeForm
    success_url = reverse_lazy("admin:password_change_done")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


admin_password_change = admin.site.admin_view(AdminPasswordChangeView.as_view())
