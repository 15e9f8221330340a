"""Pages refuse text the databases cannot store before any view reads it.

Django decodes query strings and form posts with ``errors="replace"``, so a lone surrogate
never reaches a page — but NUL does, and PostgreSQL refuses it in every query, a search as
much as a write. Page views read ``request.GET`` / ``request.POST`` in a hundred places;
one check here keeps them all from a 500. The API (its parser) and Open311 (its own error
format) answer for themselves."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from shequgang.storable import UnstorableText, strings_storable, text_storable

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_OWN_ERRORS = ("/api/", "/open311/")


def request_storable(request: HttpRequest) -> bool:
    """The path, query string, form fields and upload names hold only storable text."""
    if not text_storable(request.path) or not strings_storable(request.GET.lists()):
        return False
    if request.method == "POST" and request.content_type in _FORMS:
        # A broken body raises here as it would in the view (Django answers 400).
        if not strings_storable(request.POST.lists()):
            return False
        names = [(k, [f.name or "" for f in fs]) for k, fs in request.FILES.lists()]
        return strings_storable(names)
    return True


class UnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_OWN_ERRORS) and not request_storable(request):
            return HttpResponseBadRequest(
                UnstorableText().message, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
