"""Every route the platform answers, and the two lists a reviewer signs off (issue #13):

- ``PUBLIC_ROUTES``: the routes that answer an anonymous client with 2xx, each with the
  reason it is public. ``web/tests/test_anonymous_routes.py`` asks every route
  anonymously and fails on one that answers 2xx and is not listed here.
- ``UNSCOPED_ID_ROUTES``: the routes that take an id (in the path, the query or the body)
  yet are deliberately not scoped to the caller's place in the tree, each with the
  reason. ``web/tests/test_route_scoping.py`` asks every other id route, as people out of
  scope, with real ids of another county and with missing ids, and fails unless the two
  answers are the same (the same 404) and nothing was written.

Routes are named "METHOD /path/{param}/" — API operations with their ``/api/v1`` prefix,
pages as Django resolves them, ``<int:x>`` and ``(?P<x>…)`` written ``{x}``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "/api/v1"
PAGE_METHODS = ("GET", "POST")

# route → why an anonymous client may get a 2xx answer from it.
PUBLIC_ROUTES: dict[str, str] = {
    "GET /healthz": "liveness probe for the reverse proxy and the process supervisor; says ok, nothing else",
    "GET /login/": "the sign-in form",
    "POST /login/": "signing in (a failed attempt re-renders the form with 200)",
    "GET /api/v1/openapi.json": "the API's description (no data); the API itself needs a token or a session",
    "GET /api/v1/docs": "the Swagger UI page for the API description (no data)",
    "GET /i18n/setlang/": "Django's language switch: redirects back, changes nothing on GET",
    "POST /i18n/setlang/": "Django's language switch: sets a cookie and redirects",
    "GET /open311/v2/discovery.{fmt}": "Open311 GeoReport v2 discovery: endpoints and formats, public by the standard",
    "GET /open311/v2/services.{fmt}": "Open311 service list (the active leaf categories), public by the standard",
    "GET /open311/v2/services/{code}.{fmt}": "Open311 service definition of one category, public by the standard",
    "GET /open311/v2/requests.{fmt}": "Open311 public feed: cases from the public doors only, never of a private "
    "category, no raiser, the place shown at building level, coordinates rounded (open311/selectors.py)",
    "GET /open311/v2/requests/{request_id}.{fmt}": "one public request, the same public part as the list",
    "GET /open311/v2/servicerequestupdates.{fmt}": "Open311 status updates of public requests (same public part)",
    "GET /open311/v2/tokens/{token}.{fmt}": "the submitter's receipt: the unguessable token returned when they posted",
    "POST /open311/v2/requests.{fmt}": "Open311 submission: needs the client's api_key (checked in the view)",
    "GET /veterans/": "the veterans' insurance programme page for applicants",
    "GET /veterans/{year}/apply/": "the public application form",
    "POST /veterans/{year}/apply/": "public application (rate-limited; validated like the API)",
    "POST /veterans/{year}/check/": "public eligibility check of the applicant's own data (issue #13 breach 4: it must not tell whether an ID number applied)",
    "GET /veterans/status/": "the public status lookup form",
    "POST /veterans/status/": "status lookup: needs the application's reference and ID digits",
    "GET /api/v1/veterans/programs": "the open programmes (public information)",
    "GET /api/v1/veterans/programs/{year}": "one programme's public description",
    "POST /api/v1/veterans/programs/{year}/apply": "public application (rate-limited)",
    "POST /api/v1/veterans/programs/{year}/check": "public eligibility check of the applicant's own data (issue #13 breach 4: it must not tell whether an ID number applied)",
    "POST /api/v1/veterans/status": "status lookup: needs the application's reference and ID digits",
    "POST /api/v1/integrations/camera-alerts": "the camera platform's webhook: an HMAC signature is checked instead of a login",
    # Residents' own accounts (residency): registering and the desk-code reset are for
    # people without an account yet; every one is rate-limited per address.
    "GET /signup/": "the residents' registration form",
    "POST /signup/": "registering a resident account (rate-limited; pending until the community confirms it)",
    "GET /signup/places/": "the registration's household picker: names of compounds, buildings, units and households only, never residents (rate-limited)",
    "GET /password-reset/": "the password reset form (a desk code, or SMS where configured)",
    "POST /password-reset/": "resetting a password with a one-time code (rate-limited; codes hashed, 5 tries)",
    "POST /password-reset/sms/": "asking for a reset code by SMS: says whether SMS exists, never whether the phone has an account",
    "GET /api/v1/residency/places": "the registration's household picker (place names only, rate-limited)",
    "POST /api/v1/residency/register": "registering a resident account (rate-limited, Idempotency-Key aware)",
    "POST /api/v1/residency/password-reset": "resetting a password with a one-time code (rate-limited)",
    "POST /api/v1/residency/password-reset/sms": "asking for a reset code by SMS (rate-limited; 409 when there is no SMS)",
}

# route → why it takes an id but is not scoped to the caller's place in the tree.
UNSCOPED_ID_ROUTES: dict[str, str] = {
    "GET /open311/v2/requests/{request_id}.{fmt}": "Open311 public request: the public part (no raiser, building-level place) of a case from a public door and of a non-private category",
    "POST /api/v1/integrations/camera-alerts": "the camera platform's own alert and camera "
    "ids, in a body signed with the integration's HMAC key (grid/camera_alerts.py)",
    # 双服务 activities are public notices to every signed-in account (party/
    # activity_selectors.py): 双报到 party members come from units outside the community.
    # Writes check the organiser (403) or the caller's own signup (409); publishing names a
    # community, branch or unit of the published party organisation, then the service
    # checks the publisher (403).
    **{
        f"{method} {path}": "a 双服务 activity is a public notice to every signed-in account"
        for method, path in [
            ("GET", "/api/v1/party/activities/{activity_id}"),
            ("POST", "/api/v1/party/activities/{activity_id}/cancel"),
            ("POST", "/api/v1/party/activities/{activity_id}/signup"),
            ("POST", "/api/v1/party/activities/{activity_id}/signup/cancel"),
            ("POST", "/api/v1/party/activities/{activity_id}/check-in"),
            ("POST", "/api/v1/party/activities/{activity_id}/check-out"),
            ("POST", "/api/v1/party/activities/{activity_id}/finish"),
            ("POST", "/api/v1/party/activities/{activity_id}/ratings"),
            ("GET", "/api/v1/party/activities"),
            ("POST", "/api/v1/party/activities"),
            ("GET", "/party/activities/{pk}/"),
            ("POST", "/party/activities/{pk}/{action}/"),
        ]
    },
    # The points supermarket's catalogue is posted in the community
    # (points/access.community_for_residents); an order is paid from the caller's own
    # account in that community, so an outsider has nothing to pay with.
    "GET /api/v1/points/communities/{community_id}/goods": "a community's points-supermarket catalogue is public to residents",
    "GET /api/v1/points/communities/{community_id}/merchants": "the partner businesses that accept points are public to residents",
    "GET /points/shop/{community_id}/": "the points supermarket page of a community (its public catalogue)",
    # Raising: a resident reports where they live, and the platform has no register of
    # accounts to households, so any place of the tree is accepted (place ids are public
    # names, not personal data); the staff doors (any source but "resident") need
    # case.raise over the place (cases/services.case_draft, cases/intake.intake_accept).
    "POST /api/v1/cases": "a resident may report at any place of the tree (where they say they live)",
    "GET /api/v1/cases/similar": "a place of the tree, as for raising; the suggestions are only cases the "
    "caller may follow (cases/access.follow_scope_q), so another county's place yields none",
    "POST /api/v1/points/orders": "goods and merchants are a public catalogue; the order is paid from the caller's own account",
    # Registering: a person names the household they live in, any of the tree (place ids
    # are public names, not personal data); the community confirms it against the register.
    "GET /signup/places/": "the registration's picker walks the public place tree (names only)",
    "POST /signup/": "a registering person names any household of the tree as theirs",
    "POST /signup/reapply/": "a refused person names any household of the tree; only their own account changes",
    "GET /api/v1/residency/places": "the registration's picker walks the public place tree (names only)",
    "POST /api/v1/residency/register": "a registering person names any household of the tree as theirs",
}


@dataclass(frozen=True)
class Route:
    """One method of one URL pattern."""

    kind: str  # "api" or "page"
    method: str
    path: str  # the template, parameters as {name}
    django_pattern: str  # as Django spells it, for reverse-engineering converters

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def template_of(pattern: str) -> str:
    """``cases/<int:case_id>/`` → ``cases/{case_id}/``; ``^requests/(?P<id>[^/.]+)\\.(?P<fmt>[^/.]*)$``
    → ``requests/{id}.{fmt}``."""
    text = _GROUP.sub(r"{\1}", pattern)
    text = _CONVERTER.sub(r"{\1}", text)
    return text.replace("^", "").replace("$", "").replace("\\", "")


def _walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def url_patterns() -> list[tuple[str, URLPattern]]:
    """Every URL pattern, with its full Django pattern (the admin's excepted: it is
    Django's own, for superusers only)."""
    return [
        (full, p)
        for full, p in _walk(get_resolver().url_patterns, "/")
        if not full.startswith("/admin/")
    ]


def api_routes() -> list[Route]:
    """Every operation of the API, from its OpenAPI document (the fallback 404 excepted)."""
    from shequgang.api import api

    doc = api.get_openapi_schema()
    return [
        Route("api", method.upper(), path, path)
        for path, ops in doc["paths"].items()
        for method in ops
        if "{rest}" not in path
    ] + [
        Route("api", "GET", f"{API_PREFIX}/openapi.json", "openapi.json"),
        Route("api", "GET", f"{API_PREFIX}/docs", "docs"),
    ]


def page_routes() -> list[Route]:
    """Every page (each tried with GET and POST), the API's patterns left to ``api_routes``."""
    found: list[Route] = []
    for full, _ in url_patterns():
        if full.startswith(API_PREFIX + "/"):
            continue
        path = template_of(full)
        if path.endswith("{path}"):  # Open311's JSON 404 for unknown paths
            continue
        found.extend(Route("page", m, path, full) for m in PAGE_METHODS)
    return found


def all_routes() -> list[Route]:
    return api_routes() + page_routes()
