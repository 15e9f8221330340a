"""The limit on the public (anonymous) enrolment endpoints and pages, per client address.

The status lookup needs a random reference and six characters of the ID number, so
guessing is hopeless anyway; the limit keeps scripted probing and form spam cheap to
absorb. Counted in the database by ``apikit.ratelimit``, so it holds across processes;
the limits are the ``RATE_LIMITS`` setting (``veterans.check`` / ``.apply`` / ``.status``)."""

from __future__ import annotations

from django.http import HttpRequest

from shequgang.apikit.ratelimit import rate_limit_request


def public_rate_limit(request: HttpRequest, action: str) -> None:
    """Count one ``action`` (check, apply, status) from the request's address; raise
    ``rate_limited`` (429) beyond the limit."""
    rate_limit_request(request, f"veterans.{action}")
