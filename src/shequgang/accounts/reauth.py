"""The password typed again before full personal data is shown.

A successful confirmation stamps the session; ``reauth_fresh`` holds for
``settings.REAUTH_MINUTES`` after it. The check belongs to every caller of a
``*_reveal`` service that acts for a browser session (the reveal page and the reveal
endpoint); a bearer token cannot confirm a password, so reveals through tokens are
refused. Confirmations go through ``authenticate``: a wrong password counts towards the
login lockout and is audited as a failed login, a right one is audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from shequgang.audit.services import audit_record
from shequgang.errors import DomainError

_STAMP = "_reauth"  # {"user": pk, "at": POSIX seconds}
REAUTH_CONFIRMED = "session.reauth"
CONFIRM_PATH = "/api/v1/auth/confirm-password"


class ReauthRequired(DomainError):
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "reauth_required",
            f"查看完整个人信息前，请再次输入密码确认身份（{settings.REAUTH_MINUTES} 分钟内有效）",
            confirm_url=CONFIRM_PATH,
        )


def reauth_until(request: HttpRequest) -> dt.datetime | None:
    """When the current confirmation stops counting, or None without one."""
    stamp = request.session.get(_STAMP)
    user = request.user
    if not isinstance(stamp, dict) or not user.is_authenticated or stamp.get("user") != user.pk:
        return None
    try:
        at = dt.datetime.fromtimestamp(float(stamp["at"]), tz=dt.UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return at + dt.timedelta(minutes=settings.REAUTH_MINUTES)


def reauth_fresh(request: HttpRequest) -> bool:
    until = reauth_until(request)
    return until is not None and timezone.now() < until


def require_reauth(request: HttpRequest) -> None:
    """Raise ``ReauthRequired`` (403 ``reauth_required``) unless the session's user
    confirmed the password within ``settings.REAUTH_MINUTES``."""
    if not reauth_fresh(request):
        raise ReauthRequired()


def reauth_confirm(request: HttpRequest, *, password: str) -> bool:
    """Check the signed-in user's password; on success stamp the session and audit it.
    False for a wrong password or while the user is locked out on this address
    (``request.axes_locked_out`` then says which)."""
    user = request.user
    if not user.is_authenticated or not password:
        return False
    confirmed = authenticate(request, username=user.get_username(), password=password)
    if confirmed is None or confirmed.pk != user.pk:
        return False
    request.session[_STAMP] = {"user": user.pk, "at": timezone.now().timestamp()}
    audit_record(actor=user, action=REAUTH_CONFIRMED, obj=user)
    return True


def locked_out(request: HttpRequest) -> bool:
    return bool(getattr(request, "axes_locked_out", False))
