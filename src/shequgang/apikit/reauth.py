"""Re-authentication through the API: ``POST /auth/confirm-password`` stamps the browser
session (see ``accounts.reauth``), and ``require_reveal_reauth`` guards the endpoints that
return full personal data.

Bearer tokens are for systems: they cannot confirm a password, so they can neither stamp
a session nor reveal full personal data (403); a system that needs the full values gets
them through the audited exports of a signed-in person instead."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from shequgang.accounts.lockout import locked_until, lockout_message
from shequgang.accounts.reauth import locked_out, reauth_confirm, reauth_until, require_reauth
from shequgang.apikit.auth import authenticated_by_token, request_user
from shequgang.apikit.schemas import errors
from shequgang.errors import DomainError, Forbidden

router = Router(tags=["登录"])


class ConfirmPasswordIn(Schema):
    password: str = Field(min_length=1, max_length=1024)


class ConfirmPasswordOut(Schema):
    confirmed_until: dt.datetime = Field(description="在此之前可以查看完整个人信息")


def _no_token(request: HttpRequest) -> None:
    if authenticated_by_token(request):
        raise Forbidden("访问令牌不能查看完整个人信息，请在网页登录并再次确认密码后查看")


def require_reveal_reauth(request: HttpRequest) -> None:
    """For endpoints that answer with full personal data: a browser session whose user
    confirmed the password within ``REAUTH_MINUTES`` (403 ``reauth_required`` otherwise,
    with ``confirm_url``); never a bearer token (403 ``forbidden``)."""
    _no_token(request)
    require_reauth(request)


@router.post(
    "/confirm-password",
    response={200: ConfirmPasswordOut, **errors(403, 429)},
    summary="再次输入密码（查看完整个人信息前）",
)
def confirm_password(
    request: HttpRequest, payload: ConfirmPasswordIn, response: HttpResponse
) -> ConfirmPasswordOut:
    """Checks the signed-in user's password and stamps the session for the reveal
    endpoints. A wrong password answers 403 ``password_incorrect`` and counts towards
    the login lockout (429 ``locked_out`` once reached); both are audited."""
    user = request_user(request)
    _no_token(request)
    response["Cache-Control"] = "no-store"
    if not reauth_confirm(request, password=payload.password):
        if locked_out(request):
            until = locked_until(request, username=user.get_username())
            raise DomainError("locked_out", lockout_message(until), status=429)
        raise DomainError("password_incorrect", "密码不正确", status=403)
    confirmed_until = reauth_until(request)
    assert confirmed_until is not None  # just stamped
    return ConfirmPasswordOut(confirmed_until=confirmed_until)
