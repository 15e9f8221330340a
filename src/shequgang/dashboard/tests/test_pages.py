"""The command-centre pages: scope, the htmx partials and the offline SVG map."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from shequgang.cases.models import Case


def client_for(world, persona):
    client = Client()
    client.force_login(world.users[persona])
    return client


def test_home_redirects_to_own_scope(world):
    response = client_for(world, "county_a_command").get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:centre", args=[world.county_a.pk])


def test_page_for_the_county_commander(world, raise_case):
    raise_case(actor=world.users["nobody"])
    response = client_for(world, "county_a_command").get(
        reverse("dashboard:centre", args=[world.county_a.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "智慧指挥 · 离石区" in html
    assert 'hx-trigger="every 30s"' in html
    assert reverse("dashboard:map", args=[world.county_a.pk]) in html
    assert "/cases/?status=submitted" in html  # drill-down to the case list
    assert "https://" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


@pytest.mark.parametrize(
    "persona,scope,status",
    [
        ("county_a_command", "county_b", 404),
        ("county_a_command", "city", 404),
        ("county_a_command", "community_a", 404),
        ("city_admin", "county_b", 200),
        ("city_admin", "city", 200),
        ("worker_a", "county_a", 403),
        ("secretary_a", "county_a", 404),  # may watch, but not this county
    ],
)
def test_page_scope(world, persona, scope, status):
    place = world.county_a.parent if scope == "city" else getattr(world, scope)
    client = client_for(world, persona)
    assert client.get(reverse("dashboard:centre", args=[place.pk])).status_code == status
    assert client.get(reverse("dashboard:map", args=[place.pk])).status_code == status


def test_htmx_poll_returns_the_figures_alone(world, raise_case):
    raise_case(actor=world.users["nobody"])
    response = client_for(world, "county_a_command").get(
        reverse("dashboard:centre", args=[world.county_a.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="figures"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def _coords(html):
    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', html)
    assert box
    width, height = int(box.group(1)), int(box.group(2))
    points = [(float(x), float(y)) for x, y in re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', html)]
    vertices = [
        tuple(map(float, pair.split(",")))
        for ring in re.findall(r'<polygon points="([^"]+)"', html)
        for pair in ring.split()
    ]
    return width, height, points, vertices


def test_map_draws_grids_and_open_cases_inside_the_viewbox(world, raise_case):
    square = [[111.13, 37.51], [111.15, 37.51], [111.15, 37.53], [111.13, 37.53], [111.13, 37.51]]
    world.grid_a1.boundary = {"type": "Polygon", "coordinates": [square]}
    world.grid_a1.save()
    world.grid_a2.boundary = {"type": "Polygon", "coordinates": "garbage"}
    world.grid_a2.save()
    resident = world.users["nobody"]
    inside = raise_case(actor=resident, latitude=37.52, longitude=111.14)
    corner = raise_case(actor=resident, latitude=37.60, longitude=111.30)  # widens the box
    raise_case(actor=resident)  # no coordinates: not drawn
    raise_case(place=world.household_b, actor=resident, latitude=37.2, longitude=111.7)
    Case.objects.filter(pk=corner.pk).update(red_card_at=corner.created_at)
    response = client_for(world, "county_a_command").get(
        reverse("dashboard:map", args=[world.county_a.pk])
    )
    html = response.content.decode()
    width, height, points, vertices = _coords(html)
    assert len(points) == 2  # county B's case is outside the scope
    assert len(vertices) == 5
    for x, y in points + vertices:
        assert 0 <= x <= width and 0 <= y <= height
    assert 'class="red"' in html and 'class="new"' in html
    assert reverse("cases:case_detail", args=[inside.pk]) in html
    # North is up: the corner case (further north and east) is up and to the right.
    by_pk = dict(zip([inside.pk, corner.pk], sorted(points), strict=True))
    assert by_pk[corner.pk][1] < by_pk[inside.pk][1]


def test_map_without_coordinates_says_so(world):
    response = client_for(world, "county_a_command").get(
        reverse("dashboard:map", args=[world.county_a.pk])
    )
    assert "暂无带坐标" in response.content.decode()


def test_nav_link_only_for_command_roles(world):
    assert "指挥中心" in client_for(world, "county_a_command").get("/").content.decode()
    assert "指挥中心" not in client_for(world, "worker_a").get("/").content.decode()
