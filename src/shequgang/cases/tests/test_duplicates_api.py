"""The duplicate API (/api/v1/cases/similar, /cases/{id}/me-too, /cases/following) and
pages (the suggestions panel of the raise form, me too, the follower's progress page):
what a resident may see of other people's reports, and bad input."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from shequgang.apikit.testing import api_client
from shequgang.cases.models import CaseFollower, DuplicateRules
from shequgang.testing import resident_at

RAISER_PHONE = "13912345678"
SUGGESTION_KEYS = {
    "id",
    "title",
    "category",
    "place_name",
    "status",
    "status_label",
    "age_days",
    "age_label",
    "followers",
    "score",
    "mine",
    "number",
    "distance_m",
}


@pytest.fixture
def neighbour(world):
    return resident_at("neighbour", world.household_a2)  # a neighbour in the same compound


@pytest.fixture
def reported(world, raise_case):
    DuplicateRules.current()
    return raise_case(
        title="1单元楼道灯不亮",
        description="王大爷家门口，晚上很黑",
        raiser_name="王大爷",
        raiser_phone=RAISER_PHONE,
        latitude=37.52,
        longitude=111.14,
    )


def similar(client, world, **params):
    query = {"category": "stairwell_light", "place": world.household_a2.pk, "text": "楼道灯坏了"}
    query.update(params)
    return client.get("/cases/similar", {k: v for k, v in query.items() if v is not None})


def test_a_resident_sees_only_title_category_compound_status_and_age(world, reported, neighbour):
    response = similar(api_client(neighbour), world)
    assert response.status_code == 200, response.content
    [item] = response.json()
    assert set(item) == SUGGESTION_KEYS
    assert item["id"] == reported.pk
    assert item["title"] == "1单元楼道灯不亮"
    assert item["category"] == {"code": "stairwell_light", "name": "楼道照明"}
    assert item["place_name"] == "滨东花园小区"  # the compound, not 1号楼 or 101
    assert (item["status"], item["age_label"], item["mine"]) == ("submitted", "刚刚", False)
    assert item["number"] is None and item["distance_m"] is None
    # The texts shown (not the numbers: an id or a score may hold "101" by chance), as
    # a person reads them (not \u-escaped).
    shown = json.dumps(
        {k: v for k, v in item.items() if isinstance(v, str | dict)}, ensure_ascii=False
    )
    for secret in ("王大爷", RAISER_PHONE, "5678", "1号楼", "101", "晚上很黑"):
        assert secret not in shown


def test_staff_in_scope_also_see_the_number(world, reported):
    [item] = similar(api_client(world.users["secretary_a"]), world, lat=37.52, lng=111.14).json()
    assert item["number"] == reported.number
    assert item["distance_m"] == 0
    assert "王大爷" not in str(item)
    # Out of scope: a community secretary of the other county is shown nothing there.
    assert similar(api_client(world.users["secretary_b"]), world).json() == []


def test_me_too_over_the_api(world, reported, neighbour):
    client = api_client(neighbour)
    first = client.post(f"/cases/{reported.pk}/me-too")
    again = client.post(f"/cases/{reported.pk}/me-too")
    assert (first.status_code, first.json()) == (
        201,
        {"case_id": reported.pk, "following": True, "created": True},
    )
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert CaseFollower.objects.filter(case=reported).count() == 1
    [item] = similar(client, world).json()
    assert (item["mine"], item["followers"]) == (True, 1)
    following = client.get("/cases/following").json()["items"]
    assert [(c["id"], c["place_name"]) for c in following] == [(reported.pk, "滨东花园小区")]
    detail = client.get(f"/cases/following/{reported.pk}")
    assert detail.status_code == 200
    assert [m["kind"] for m in detail.json()["milestones"]] == ["created", "followed"]
    assert "王大爷" not in detail.content.decode()
    # Someone who does not follow it: 404, like a missing case.
    assert api_client(world.users["nobody"]).get("/cases/following/999999").status_code == 404
    other = User.objects.create_user("other", password="x")
    assert api_client(other).get(f"/cases/following/{reported.pk}").status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"category": None}, 422, "invalid_input"),
        ({"category": "no_such"}, 400, "invalid_category"),
        ({"lat": 37.5}, 400, "invalid_coordinates"),
        ({"lat": 95, "lng": 111}, 422, "invalid_input"),
        ({"lat": "north", "lng": 111}, 422, "invalid_input"),
        ({"place": None}, 400, "place_required"),
        ({"place": 0}, 422, "invalid_input"),
        ({"place": 99999999}, 404, "not_found"),
        ({"text": "x" * 4001}, 422, "invalid_input"),
        ({"text": "a\x00b"}, 400, "invalid_text"),
    ],
)
def test_bad_input_is_a_4xx_with_code_and_message(world, neighbour, params, status, code):
    response = similar(api_client(neighbour), world, **params)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]


def test_me_too_errors(world, reported, neighbour):
    client = api_client(neighbour)
    assert client.post("/cases/99999999/me-too").json()["code"] == "not_found"
    assert client.post("/cases/0/me-too").status_code == 422
    assert api_client(None).post(f"/cases/{reported.pk}/me-too").status_code == 401
    assert (
        api_client(None).get("/cases/similar", {"category": "stairwell_light"}).status_code == 401
    )
    reported.__class__.objects.filter(pk=reported.pk).update(status="closed")
    response = client.post(f"/cases/{reported.pk}/me-too")
    assert (response.status_code, response.json()["code"]) == (409, "case_not_open")


def test_the_openapi_document_lists_the_endpoints(world, neighbour):
    paths = api_client(neighbour).get("/openapi.json").json()["paths"]
    assert {"/api/v1/cases/similar", "/api/v1/cases/{case_id}/me-too"} <= set(paths)


# --- Pages -----------------------------------------------------------------------------------


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_raise_form_loads_the_panel(world, neighbour):
    html = page_client(neighbour).get(reverse("cases:case_new")).content.decode()
    assert f'hx-get="{reverse("duplicates:similar")}"' in html


def test_the_panel_while_typing(world, reported, neighbour):
    client = page_client(neighbour)
    url = reverse("duplicates:similar")
    params = {
        "category": reported.category_id,
        "place": ["", str(world.compound_a.pk), str(world.household_a2.pk)],
        "title": "楼道灯",
    }
    html = client.get(url, params, headers={"HX-Request": "true"}).content.decode()
    assert "1单元楼道灯不亮" in html and "我也遇到了" in html and "滨东花园小区" in html
    assert "王大爷" not in html and reported.number not in html
    # Nothing to suggest before a category and a place are chosen.
    empty = client.get(url, {"title": "楼道灯"}).content.decode()
    assert "1单元楼道灯不亮" not in empty


def test_me_too_page_flow(world, reported, neighbour):
    client = page_client(neighbour)
    response = client.post(reverse("duplicates:me_too", args=[reported.pk]))
    followed = reverse("duplicates:followed", args=[reported.pk])
    assert response.status_code == 302 and response["Location"] == followed
    page = client.get(followed).content.decode()
    assert "1单元楼道灯不亮" in page and "我也遇到了" in page
    assert "王大爷" not in page and "5678" not in page
    # The case page (linked from notifications) sends a follower to their own view.
    detail = client.get(reverse("cases:case_detail", args=[reported.pk]))
    assert detail.status_code == 302 and detail["Location"] == followed
    assert reported.pk in CaseFollower.objects.filter(user=neighbour).values_list(
        "case_id", flat=True
    )
    listing = client.get(reverse("duplicates:following")).content.decode()
    assert "1单元楼道灯不亮" in listing


def test_pages_hide_cases_from_non_followers(world, reported, neighbour):
    client = page_client(neighbour)
    assert client.get(reverse("duplicates:followed", args=[reported.pk])).status_code == 404
    assert client.post(reverse("duplicates:me_too", args=[999999])).status_code == 404


def test_the_panel_with_coordinates_and_bad_ones(world, reported, neighbour):
    client = page_client(neighbour)
    url = reverse("duplicates:similar")
    # From another county's compound, only the coordinates find it.
    params = {"category": reported.category_id, "place": str(world.household_b.pk)}
    assert "1单元楼道灯不亮" not in client.get(url, params).content.decode()
    near = client.get(url, {**params, "latitude": "37.5201", "longitude": "111.14"})
    assert "1单元楼道灯不亮" in near.content.decode()
    for bad in ({"latitude": "37.5"}, {"latitude": "nan", "longitude": "111"}):
        response = client.get(url, {**params, **bad})
        assert response.status_code == 200 and "经纬度" in response.content.decode()
