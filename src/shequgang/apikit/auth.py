"""API authentication: a bearer token (``Authorization: Bearer sqg_…``) for clients, or
the browser session (with CSRF on unsafe methods) for our own pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from shequgang.errors import DomainError
from shequgang.people.services import api_token_user

# Set on the request when a bearer token, not the session, authenticated it.
_BY_TOKEN = "_shequgang_token_auth"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is None:
            return None
        request.user = user
        setattr(request, _BY_TOKEN, True)
        return user


class SessionCsrfAuth(APIKeyCookie):
    """The signed-in browser session. CSRF is checked on unsafe methods only once the
    session has authenticated someone, so an anonymous request gets 401, not 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise DomainError(
                "csrf_failed", "CSRF 校验失败：请刷新页面后重试，或使用访问令牌", status=403
            )
        return request.user


API_AUTH = [TokenAuth(), SessionCsrfAuth()]


def authenticated_by_token(request: HttpRequest) -> bool:
    return bool(getattr(request, _BY_TOKEN, False))


def request_user(request: HttpRequest) -> User:
    """The user an endpoint's authentication established."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError()
    return user
