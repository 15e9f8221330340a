"""API clients for tests: one persona calling /api/v1/ through a browser session or a
bearer token, the two doors the API has."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from django.contrib.auth.models import User
from django.test import Client

from shequgang.people.services import api_token_issue

API_PREFIX = "/api/v1"
Via = Literal["session", "token"]
VIAS: tuple[Via, ...] = ("session", "token")


@dataclass
class ApiClient:
    client: Client
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API_PREFIX + path, params or {}, headers=self.headers)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self._send("post", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self._send("patch", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self._send("delete", path, None, **kwargs)

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        raw: str | bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        send = getattr(self.client, method)
        return send(
            API_PREFIX + path,
            data,
            content_type=content_type,
            headers={**self.headers, **(headers or {})},
        )


def api_client(user: User | None, via: Via = "session", *, enforce_csrf: bool = False) -> ApiClient:
    """A client for ``user`` (anonymous when None), signed in through ``via``."""
    client = Client(enforce_csrf_checks=enforce_csrf)
    if user is None:
        return ApiClient(client)
    if via == "session":
        client.force_login(user)
        return ApiClient(client)
    _, token = api_token_issue(actor=user, user=user, name="tests")
    return ApiClient(client, {"Authorization": f"Bearer {token}"})
