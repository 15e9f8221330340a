"""Sessions end after ``settings.SESSION_IDLE_MINUTES`` without a request.

The session row and cookie expire ``SESSION_COOKIE_AGE`` (the same span) after the last
save; this middleware re-saves a signed-in session at most once a minute (not on every
request, which would be a database write per page) and signs out a session whose last
recorded request is older than the idle span, whatever the row's expiry says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SEEN = "_seen"  # POSIX seconds of the last request that refreshed the session
_TOUCH_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="shequgang.accounts.session_seen_at_login")
def stamp_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A fresh login is the session's first sign of life (saved with the login)."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN] = int(timezone.now().timestamp())


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES and SESSION_KEY in request.session:
            now = int(timezone.now().timestamp())
            seen = request.session.get(SEEN)
            if not isinstance(seen, int):
                request.session[SEEN] = now
            elif now - seen >= settings.SESSION_IDLE_MINUTES * 60:
                logout(request)  # flushes the session; the view sees an anonymous user
            elif now - seen >= _TOUCH_SECONDS:
                request.session[SEEN] = now  # saved, with a fresh expiry, on the way out
        return self.get_response(request)
