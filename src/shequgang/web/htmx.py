"""Pages that htmx can also fetch in part: the same view renders the whole page or only
the partial template that the page includes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """A request after ``HtmxMiddleware``, for views that look at ``request.htmx``."""

    htmx: HtmxDetails


def wants_partial(request: HtmxRequest) -> bool:
    # A history restore (back button after hx-push-url) needs the whole page again.
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_partial(
    request: HtmxRequest, page: str, partial: str, context: Mapping[str, Any]
) -> HttpResponse:
    """``partial`` alone for an htmx request, otherwise ``page`` (which includes it).
    ``Vary: HX-Request`` keeps caches from serving one in place of the other."""
    response = render(request, partial if wants_partial(request) else page, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
