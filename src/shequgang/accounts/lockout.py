"""Failed logins and lockouts, as the audit log and the user see them.

django-axes counts failed password checks per (username, client address) through its
authentication backend and the ``user_login_failed`` signal, and refuses the pair for
``AXES_COOLOFF_TIME`` after ``AXES_FAILURE_LIMIT`` failures. Every place that checks a
password goes through ``django.contrib.auth.authenticate`` (the login page, the admin
login, the re-authentication before a reveal), so every one is counted. This module
writes one audit row per failure (with the username tried, never the password) and one
per lockout, and renders the lockout answer: a page, an htmx fragment, or
``{"code": "locked_out", ...}`` for the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from shequgang.audit.services import audit_record

# Audit actions written here.
LOGIN_FAILED = "login.failed"  # a wrong password (or the refused demo password)
LOGIN_LOCKED_OUT = "login.locked_out"  # the failure that reached the limit
LOGIN_REFUSED_LOCKED = "login.refused_locked"  # an attempt while the pair is locked
_USERNAME_MAX = 150  # auth.User's own limit; longer input is cut for the log


def _tried_username(credentials: dict[str, Any] | None) -> str:
    return str((credentials or {}).get("username") or "")[:_USERNAME_MAX]


@receiver(user_login_failed, dispatch_uid="shequgang.accounts.audit_login_failure")
def audit_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """One audit row per failed password check, and one more when it locks the pair.
    Runs after axes' own receiver, which has marked the request: ``axes_locked_out``,
    and ``axes_failures_since_start`` when the failure was counted (it is not counted
    when axes refused the attempt before any password check)."""
    username = _tried_username(credentials)
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    locked = bool(getattr(request, "axes_locked_out", False))
    failures = getattr(request, "axes_failures_since_start", None)
    where = request.path[:200] if request is not None else ""
    changes = {"username": [None, username], "path": [None, where]}
    if locked and failures is None:
        audit_record(
            actor=actor,
            action=LOGIN_REFUSED_LOCKED,
            object_type="login",
            object_id=username[:64],
            changes=changes,
        )
        return
    audit_record(
        actor=actor,
        action=LOGIN_FAILED,
        object_type="login",
        object_id=username[:64],
        changes={**changes, "failures": [None, failures]},
    )
    if locked and request is not None:
        until = locked_until(request, username=username)
        audit_record(
            actor=actor,
            action=LOGIN_LOCKED_OUT,
            object_type="login",
            object_id=username[:64],
            changes={**changes, "until": [None, until.isoformat()]},
        )


def locked_until(request: HttpRequest, *, username: str) -> dt.datetime:
    """When the lockout of (username, this client's address) ends: the cool-off after
    the last counted failure."""
    cool_off = get_cool_off(request) or dt.timedelta(0)
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    last = AccessAttempt.objects.filter(username=username, ip_address=ip).aggregate(
        last=Max("attempt_time")
    )["last"]
    return (last or timezone.now()) + cool_off


def lockout_message(until: dt.datetime) -> str:
    local = timezone.localtime(until)
    minutes = int((get_cool_off() or dt.timedelta(0)).total_seconds() // 60)
    return (
        f"密码连续输错 {settings.AXES_FAILURE_LIMIT} 次，该账号在本设备上已暂停登录 "
        f"{minutes} 分钟，请于 {local:%H:%M}（{local:%m月%d日}）后再试。"
        f"如需立即解锁，请联系{settings.LOCKOUT_CONTACT}。"
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: what a locked-out client is answered instead of the
    view's response (429 with Retry-After; an htmx fragment is 200 so htmx swaps it)."""
    username = str(get_client_username(request, credentials) or "")[:_USERNAME_MAX]
    until = locked_until(request, username=username)
    message = lockout_message(until)
    retry_after = max(0, int((until - timezone.now()).total_seconds()))
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "locked_out", "message": message, "retry_after": retry_after},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    elif getattr(request, "htmx", False):
        response = render(request, "accounts/_locked_out.html", {"message": message})
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
