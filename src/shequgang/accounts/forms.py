"""The change-password form whose old-password check goes through ``authenticate``, so a
session left open cannot be used to guess the password without meeting the lockout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from shequgang.accounts.services import password_change


class CountedPasswordChangeForm(PasswordChangeForm):
    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old: str = self.cleaned_data["old_password"]
        checked = authenticate(self.request, username=self.user.get_username(), password=old)
        if checked is None or checked.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old

    def save(self, commit: bool = True) -> Any:
        if not commit:
            return super().save(commit=False)
        password_change(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )
        return self.user
