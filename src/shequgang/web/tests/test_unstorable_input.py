"""Every page refuses NUL in its query string, its form fields and its path with a 400
before any view reads them (PostgreSQL refuses NUL in any query: a search box was enough
for a 500). A lone surrogate cannot arrive through a page: Django decodes broken UTF-8 in
forms and query strings to U+FFFD."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver

from shequgang.testing import World

MESSAGE = "请求中含有无法保存的字符"
# The API and Open311 answer in their own error formats (apikit/tests, open311/tests).
NOT_PAGES = ("api/", "admin/", "open311/", "static")
# Django's admin, by a list page and a change form rather than its regex routes.
ADMIN = ["/admin/", "/admin/people/resident/", "/admin/auth/user/1/change/"]


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def _url(route: str) -> str:
    route = re.sub(r"<int:\w+>", "1", route)
    return "/" + re.sub(r"<(str:|slug:)?\w+>", "x", route)


PAGES = sorted(
    {_url(r) for r in _routes(get_resolver().url_patterns) if not r.startswith(NOT_PAGES)}
)


@pytest.fixture
def secretary(world: World) -> Client:
    client = Client()
    client.force_login(world.users["secretary_a"])
    return client


def _refused(response) -> bool:
    return response.status_code == 400 and MESSAGE in response.content.decode()


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_every_page_refuses_nul_in_the_query_string_and_in_form_posts(secretary):
    assert len(PAGES) > 80  # the walk found the pages
    failures = []
    for url in PAGES:
        with CaptureQueriesContext(connection) as queries:
            # Given a signed-in secretary, when NUL comes in a search, a form or an upload
            answers = {
                "query": secretary.get(url, {"q": "楼道\x00灯", "page": "1"}),
                "urlencoded": secretary.post(
                    url,
                    "title=%E6%A5%BC%00&csrfmiddlewaretoken=x",
                    content_type="application/x-www-form-urlencoded",
                ),
                "multipart": secretary.post(url, {"title": "楼道\x00灯", "note": "ok"}),
            }
        # Then each is refused before any view, and nothing is written
        failures += [
            f"{how} {url}: {r.status_code}" for how, r in answers.items() if not _refused(r)
        ]
        if _writes(queries):
            failures.append(f"{url} wrote {_writes(queries)[0][:80]}")
    assert not failures, "\n".join(failures)


def test_nul_in_the_path_is_refused(secretary):
    assert _refused(secretary.get("/veterans/staff/applications/a%00b/"))


def test_clean_requests_and_replaced_broken_utf8_pass(secretary, world):
    # Ordinary text is untouched, and broken UTF-8 (an encoded lone surrogate) arrives as
    # U+FFFD, which every database stores: the search answers normally.
    assert secretary.get("/residents/", {"q": "居民"}).status_code == 200
    assert secretary.get("/residents/?q=%ED%A0%80").status_code == 200
