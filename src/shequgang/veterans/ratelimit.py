"""A per-address limit on the public (anonymous) enrolment endpoints and pages.

The status lookup needs a random reference and six characters of the ID number, so
guessing is hopeless anyway; the limit keeps scripted probing and form spam cheap to
absorb. Counts live in Django's cache: per process with the default local-memory cache,
shared between workers once a shared cache (the database cache works offline) is
configured."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

from shequgang.errors import DomainError

# Requests per address per minute, for each public action.
PUBLIC_LIMITS = {"check": 30, "apply": 10, "status": 20}
_WINDOW_SECONDS = 60


def public_rate_limit(request: HttpRequest, action: str) -> None:
    """Count one ``action`` from the request's address; raise ``rate_limited`` (429)
    beyond the limit. REMOTE_ADDR only: a trusted proxy must set it (see audit)."""
    limit = PUBLIC_LIMITS[action]
    address = request.META.get("REMOTE_ADDR") or "unknown"
    window = int(time.time()) // _WINDOW_SECONDS
    key = f"veterans:rl:{action}:{address}:{window}"
    cache.add(key, 0, timeout=_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=_WINDOW_SECONDS * 2)
        count = 1
    if count > limit:
        raise DomainError("rate_limited", "请求过于频繁，请稍后再试", status=429)
