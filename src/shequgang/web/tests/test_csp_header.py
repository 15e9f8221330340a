"""Every page answers with the strict Content-Security-Policy: scripts, styles, images,
fonts and fetches from our own origin only, no 'unsafe-inline' or 'unsafe-eval', no
plugins, not framable. The one relaxation is data: images on the API docs page (Swagger
UI's icons)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.points.tests.factories import make_goods
from shequgang.testing import World
from shequgang.veterans.tests.factories import ensure_2026_program

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'"},
    "connect-src": {"'self'"},
    "font-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def directives(header: str) -> dict[str, set[str]]:
    parsed: dict[str, set[str]] = {}
    for part in header.split(";"):
        if part.strip():
            name, *sources = part.split()
            parsed[name] = set(sources)
    return parsed


def pages(world: World) -> list[tuple[str | None, str, str]]:
    """(persona or None for anonymous, method, url): the web suite's pages and each app's."""
    case = case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="楼道灯坏了",
    )
    goods = make_goods(world.users["worker_a"], world.community_a, price=10, stock=3, name="肥皂")
    ensure_2026_program()
    r = world.residents["a1"].pk
    community = world.community_a.pk
    return [
        # web/tests/test_pages.py's page list
        ("secretary_a", "GET", reverse("web:home")),
        ("secretary_a", "GET", reverse("places:place_detail", args=[world.household_a1.pk])),
        ("secretary_a", "GET", reverse("places:place_edit", args=[world.compound_a.pk])),
        (
            "secretary_a",
            "GET",
            reverse("places:place_create", args=[world.compound_a.pk, "building"]),
        ),
        ("secretary_a", "GET", reverse("places:grid_detail", args=[world.grid_a1.pk])),
        ("secretary_a", "GET", reverse("people:resident_list")),
        ("secretary_a", "POST", reverse("people:resident_list")),
        ("secretary_a", "GET", reverse("people:resident_detail", args=[r])),
        ("secretary_a", "GET", reverse("people:resident_create")),
        ("secretary_a", "GET", reverse("people:resident_edit", args=[r])),
        ("secretary_a", "POST", reverse("people:resident_reveal", args=[r, "id_number"])),
        # and the other apps' pages
        ("secretary_a", "GET", reverse("people:register_page")),
        ("secretary_a", "GET", reverse("cases:case_list")),
        ("secretary_a", "GET", reverse("cases:queue")),
        ("secretary_a", "GET", reverse("cases:case_detail", args=[case.pk])),
        ("secretary_a", "GET", reverse("cases:inbox")),
        ("secretary_a", "GET", reverse("deliberations:list")),
        ("secretary_a", "GET", reverse("party:coverage", args=[community])),
        ("secretary_a", "GET", reverse("party:members")),
        ("secretary_a", "GET", reverse("party_activities:index")),
        ("secretary_a", "GET", reverse("points:staff_home")),
        ("secretary_a", "GET", reverse("points:ledger", args=[community])),
        ("secretary_a", "GET", reverse("points:goods", args=[community])),
        ("worker_a", "GET", reverse("points:goods_edit", args=[goods.pk])),
        ("secretary_a", "GET", reverse("veterans:staff_list", args=[2026])),
        ("secretary_a", "GET", reverse("grid:community", args=[community])),
        ("county_a_command", "GET", reverse("cases:dispatch_queue")),
        ("county_a_command", "GET", reverse("dashboard:centre", args=[world.county_a.pk])),
        ("county_a_command", "GET", reverse("dashboard:map", args=[world.county_a.pk])),
        ("nobody", "GET", reverse("cases:case_new")),
        ("nobody", "GET", reverse("cases:my_cases")),
        ("nobody", "GET", reverse("points:mine")),
        (None, "GET", reverse("web:login")),
        (None, "GET", reverse("veterans:apply", args=[2026])),
        (None, "GET", reverse("veterans:status")),
        ("city_admin", "GET", reverse("admin:index")),
        ("city_admin", "GET", reverse("admin:people_resident_changelist")),
        ("city_admin", "GET", reverse("admin:people_resident_change", args=[r])),
        ("city_admin", "GET", reverse("admin:auth_user_add")),
    ]


def test_every_page_answers_with_the_strict_policy(world):
    # Given each page of the suite, opened by a persona who may see it
    for persona, method, url in pages(world):
        client = Client()
        if persona is not None:
            client.force_login(world.users[persona])
        # When it is requested
        response = client.get(url) if method == "GET" else client.post(url)
        # Then it renders, under exactly the strict policy
        assert response.status_code == 200, (persona, url, response.status_code)
        header = response.headers.get("Content-Security-Policy", "")
        assert directives(header) == STRICT, (url, header)
        assert "unsafe" not in header, (url, header)


def test_the_api_docs_page_adds_data_images_only(client):
    # When the API docs (ninja's Swagger UI, from its own static files) are opened
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    # Then its policy is the strict one with data: images added, nothing else
    header = response.headers["Content-Security-Policy"]
    assert directives(header) == {**STRICT, "img-src": {"'self'", "data:"}}
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle" in html and "cdn" not in html.lower()


@pytest.mark.parametrize("path", ["/api/v1/places", "/healthz", "/no-such-page/"])
def test_api_answers_and_errors_carry_the_policy_too(client, world, path):
    response = client.get(path)
    assert "unsafe" not in response.headers["Content-Security-Policy"]
