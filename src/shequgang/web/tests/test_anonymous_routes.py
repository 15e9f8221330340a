"""Every route an anonymous client gets an answer from is in ``PUBLIC_ROUTES`` with the
reason it is public (issue #13). A new route that answers without a login fails here
until someone lists it — and says why.

Two checks: the API operations the OpenAPI document declares without security (static),
and every API operation and page asked anonymously, with real ids of the test world and a
body built from its schema (dynamic): an answer below 300, or a redirect anywhere but the
login page, counts as answering."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shequgang.api import api
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.places.models import Kind, Place
from shequgang.testing import World
from shequgang.web.route_inventory import PUBLIC_ROUTES, UNSCOPED_ID_ROUTES, all_routes

from .route_walk import ACTIONS, COUNTY_OBJECTS, MISSING, SAMPLES, Filler, Form, object_of, send

LOGIN_PAGES = ("/login/", "/admin/login/")


def _fill(route: Any, ids: dict[str, Any], doc: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    op = (
        doc["paths"].get(route.path, {}).get(route.method.lower(), {})
        if route.kind == "api"
        else {}
    )
    enums = {
        p["name"]: p["schema"]["enum"][0]
        for p in op.get("parameters", [])
        if p["in"] == "path" and "enum" in p["schema"]
    }
    url = route.path
    for param in route.params:
        obj = object_of(route, param)
        if obj is not None:
            value = ids.get(obj) or MISSING
        elif param in enums:
            value = enums[param]
        elif param == "action":
            value = next(v for p, v in ACTIONS.items() if p in route.path)
        else:
            value = SAMPLES.get(param, "x")
        url = url.replace("{" + param + "}", str(value), 1)
    filler = Filler(doc, ids)
    query = {
        p["name"]: filler.value(p["name"], p["schema"])
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    content = op.get("requestBody", {}).get("content", {})
    form = content.get("multipart/form-data")
    schema = (content.get("application/json") or form or {}).get("schema")
    body = None
    if schema is not None:
        body = filler.obj(schema)
        body = Form(body) if form is not None else body
    return url, query, body


def _answers(response: Any) -> bool:
    if response.status_code < 300:
        return True
    if response.status_code < 400:
        return not response.get("Location", "").startswith(LOGIN_PAGES)
    return False


def test_the_api_operations_without_security_are_the_listed_ones(db: None) -> None:
    doc = api.get_openapi_schema()
    open_ops = {
        f"{method.upper()} {path}"
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if not op.get("security") and "{rest}" not in path
    }
    listed = {key for key in PUBLIC_ROUTES if " /api/" in key}
    docs = {"GET /api/v1/openapi.json", "GET /api/v1/docs"}  # not operations of the document
    assert open_ops == listed - docs


def test_every_route_answering_anonymously_is_listed(world: World) -> None:
    # Given the test world with a case of county A (a resident's report, published by
    # Open311) and the ids of its objects
    case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="楼道灯不亮",
    )
    county = Place.objects.get(kind=Kind.COUNTY, pk=world.county_a.pk)
    ids = {name: find(county) for name, find in COUNTY_OBJECTS.items()}
    doc = api.get_openapi_schema()
    client = Client()
    # When every route is asked anonymously
    answering = set()
    asked = 0
    for route in all_routes():
        url, query, body = _fill(route, ids, doc)
        asked += 1
        if _answers(send(client, route, url, query, body)):
            answering.add(route.key)
    print(f"\nanonymous: {asked} routes asked, {len(answering)} answered")
    print(
        "listed, not answering with this world's sample input:",
        *sorted(set(PUBLIC_ROUTES) - answering),
        sep="\n  ",
    )
    # Then each one that answered is listed with its reason
    assert sorted(answering - set(PUBLIC_ROUTES)) == []


@pytest.mark.parametrize("listing", [PUBLIC_ROUTES, UNSCOPED_ID_ROUTES])
def test_the_lists_name_only_routes_that_exist(db: None, listing: dict[str, str]) -> None:
    known = {route.key for route in all_routes()}
    assert sorted(set(listing) - known) == []
    assert all(reason.strip() for reason in listing.values())
