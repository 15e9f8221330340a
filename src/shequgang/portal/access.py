"""The resident pages' guard: a signed-in login with a resident account (any status)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from shequgang.portal.residents import Home, home_of
from shequgang.web.request_user import request_user

ResidentView = Callable[..., HttpResponse]


def resident_page(view: ResidentView) -> Callable[..., HttpResponse]:
    """Call ``view(request, home, …)`` for a resident; a visitor goes to the login and
    a staff login (no resident account) to the staff home."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        home: Home | None = home_of(request_user(request))
        if home is None:
            return redirect("web:home")
        return view(request, home, *args, **kwargs)

    return wrapper
