"""The name django-axes counts failed logins under (``AXES_USERNAME_CALLABLE``).

A phone may be typed many ways (``139 1234 5670``, ``+86…``, full-width digits); counted
as typed, each spelling would buy five more guesses. Text that reads as a phone is
counted under its E.164 form, anything else as typed (axes' own default)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from shequgang.errors import DomainError
from shequgang.people.phones import normalize_phone


def looks_like_phone(text: str) -> bool:
    first = text.strip()[:1]
    return bool(first) and (first.isdigit() or first in "+＋")


def login_name(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        raw = credentials.get(field)
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        raw = data.get(field)
    text = str(raw or "")
    if looks_like_phone(text):
        try:
            return normalize_phone(text)
        except DomainError:
            pass
    return text
