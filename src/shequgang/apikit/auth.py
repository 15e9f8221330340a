"""API authentication: a bearer token (``Authorization: Bearer sqg_…``) for clients, or
the browser session (with CSRF on unsafe methods) for our own pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from shequgang.people.services import api_token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is None:
            return None
        request.user = user
        return user


API_AUTH = [TokenAuth(), SessionAuth()]
