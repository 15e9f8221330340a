"""Outside demo mode the demo's published password opens no account.

An authentication backend listed before ``ModelBackend``: for the published password it
raises ``PermissionDenied``, which stops ``authenticate`` and reports a failed login (so
it is audited and counts towards the lockout). Together with the start-up check in
``demo.checks`` and the password validator below, a database built by ``loaddemo`` cannot
be used with its published password once ``SHEQUGANG_DEMO`` is off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from shequgang.demo.staff import DEMO_PASSWORD


def is_demo_password(password: str | None) -> bool:
    return password is not None and constant_time_compare(password, DEMO_PASSWORD)


class DemoPasswordRefusal:
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not settings.DEMO_MODE and is_demo_password(password):
            raise PermissionDenied("the published demo password is refused outside demo mode")
        return None  # not ours to decide: the next backend checks the password

    # No get_user(): this backend never signs anyone in, so no session names it (and
    # the test client's force_login skips it for the first backend that has one).


class NotTheDemoPassword:
    """Password validator: nobody may be given the published demo password."""

    def validate(self, password: str, user: User | None = None) -> None:
        if is_demo_password(password):
            raise ValidationError("不能使用公开的演示密码", code="demo_password")

    def get_help_text(self) -> str:
        return "不能使用公开的演示密码。"
