"""POST Service Request, from the spec: a form-encoded post with an api_key becomes a
case (source open311) through the case engine; every refusal is the error list and
writes nothing."""

from __future__ import annotations

import json

import pytest

from shequgang.cases.models import Case, CaseEvent, Category, Source
from shequgang.open311.models import Open311Client, Open311Request, ServiceAttribute
from shequgang.people import pii

from .conftest import A1, A2, BASE, B, rows, xml_root

FORMATS = ["json", "xml"]


def counts():
    return (Case.objects.count(), CaseEvent.objects.count(), Open311Request.objects.count())


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_good_post_raises_a_case_at_the_nearest_building(located, post, fmt):
    response = post(
        fmt,
        service_code="street_light",
        lat=str(A1[0] + 0.0002),  # ~22 m from 1号楼, ~90 m from 2号楼
        long=str(A1[1]),
        address_string="滨东花园1号楼东侧",
        description="路灯不亮，晚上很黑\n已经三天了",
        email="zhang@example.com",
        first_name="三",
        last_name="张",
        phone="13912345678",
        media_url="https://photos.example.com/1.jpg",
        device_id="dev-1",
        account_id="acc-9",
    )
    assert response.status_code == 200
    [created] = rows(response, fmt)
    case = Case.objects.get()
    assert created["service_request_id"] == case.number
    assert "token" not in created  # realtime: the id, not a token
    assert created["account_id"] == "acc-9"
    assert "3个工作日内办结" in created["service_notice"]
    assert (case.source, case.category.code, case.place) == (
        Source.OPEN311,
        "street_light",
        located.building_a1,
    )
    assert case.latitude == pytest.approx(A1[0] + 0.0002)
    assert case.title == "路灯不亮，晚上很黑"
    assert case.description == "路灯不亮，晚上很黑\n已经三天了\n地址：滨东花园1号楼东侧"
    assert case.raiser is None and case.raiser_name == "张三"
    assert case.raiser_phone_masked == "139****5678"
    assert list(case.events.values_list("kind", flat=True)) == ["created", "assigned"]
    extra = Open311Request.objects.get(case=case)
    assert response["X-Open311-Token"] == extra.token
    assert extra.email_cipher != "zhang@example.com"
    assert pii.decrypt(extra.email_cipher) == "zhang@example.com"
    assert (extra.media_url, extra.device_id) == ("https://photos.example.com/1.jpg", "dev-1")


def test_post_xml_root_is_service_requests(located, post):
    root = xml_root(post("xml", service_code="street_light", lat=str(A1[0]), long=str(A1[1])))
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id") is not None


def test_address_id_is_our_place_id_and_wins_over_coordinates(located, post):
    response = post(
        service_code="stairwell_clutter",
        address_id=str(located.household_a2.pk),
        lat=str(A1[0]),
        long=str(A1[1]),
    )
    assert response.status_code == 200
    assert Case.objects.get().place == located.household_a2


def test_the_match_radius_is_a_setting(located, post, settings):
    far = A1[0] + 0.0040  # ~445 m north of 1号楼
    before = counts()
    response = post(service_code="street_light", lat=str(far), long=str(A1[1]))
    assert response.status_code == 400
    assert "location_unmatched" in rows(response, "json")[0]["description"]
    assert counts() == before
    settings.OPEN311_MATCH_RADIUS_M = 600
    assert post(service_code="street_light", lat=str(far), long=str(A1[1])).status_code == 200
    # The nearer of the two buildings, even though both are inside the radius.
    assert Case.objects.get().place == located.building_a2
    assert A2[0] > A1[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("key", "code"),
    [(None, "api_key_missing"), ("", "api_key_missing"), ("o311_wrong", "api_key_invalid")],
)
def test_missing_or_bad_api_key_is_403(located, web, fmt, key, code):
    form = {"service_code": "street_light", "lat": str(A1[0]), "long": str(A1[1])}
    if key is not None:
        form["api_key"] = key
    before = counts()
    response = web.post(f"{BASE}/requests.{fmt}", form)
    assert response.status_code == 403
    [error] = rows(response, fmt)
    assert error["code"] == "403" and code in error["description"]
    assert counts() == before


def test_an_inactive_client_is_refused(located, post):
    Open311Client.objects.update(active=False)
    assert post(service_code="street_light", lat=str(A1[0]), long=str(A1[1])).status_code == 403


def test_a_key_serves_only_its_jurisdiction(located, post):
    Open311Client.objects.update(jurisdiction=located.county_a)
    # A place in the other county: outside the key's area, so unmatched.
    response = post(service_code="street_light", lat=str(B[0]), long=str(B[1]))
    assert response.status_code == 400
    # Naming the other county's jurisdiction explicitly: the key may not file there.
    response = post(
        service_code="street_light", lat=str(B[0]), long=str(B[1]), jurisdiction_id="141182"
    )
    assert response.status_code == 403
    assert (
        post(
            service_code="street_light", lat=str(A1[0]), long=str(A1[1]), jurisdiction_id="141102"
        ).status_code
        == 200
    )
    # An unknown jurisdiction is a 404.
    response = post(
        service_code="street_light", lat=str(A1[0]), long=str(A1[1]), jurisdiction_id="x"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404(located, post, fmt):
    before = counts()
    response = post(fmt, service_code="teleporter", lat=str(A1[0]), long=str(A1[1]))
    assert response.status_code == 404
    assert rows(response, fmt)[0]["code"] == "404"
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_service_code_and_location_are_both_reported(located, post, fmt):
    response = post(fmt, description="x")
    assert response.status_code == 400
    descriptions = " ".join(e["description"] for e in rows(response, fmt))
    assert "service_code_required" in descriptions and "location_required" in descriptions


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"lat": "abc", "long": "111.14"}, "invalid_lat"),
        ({"lat": "37.52", "long": "1e999"}, "invalid_long"),
        ({"lat": "nan", "long": "111.14"}, "invalid_lat"),
        ({"lat": "90.0001", "long": "111.14"}, "invalid_lat"),
        ({"lat": "37.52", "long": "-180.5"}, "invalid_long"),
        ({"lat": "37.52"}, "lat_long_pair"),
        ({"address_string": "滨东花园"}, "location_unmatched"),
        ({"address_id": "abc"}, "invalid_address_id"),
        ({"address_id": "99999999"}, "unknown_address_id"),
        ({}, "location_required"),
    ],
)
def test_bad_locations_are_400_and_create_nothing(located, post, fields, code):
    before = counts()
    response = post(service_code="street_light", **fields)
    assert response.status_code == 400, response.content
    assert code in rows(response, "json")[0]["description"]
    assert counts() == before


def test_the_boundary_coordinates_are_accepted_as_numbers(located, post):
    # lat = 90 is valid input (then simply nowhere near a registered place).
    response = post(service_code="street_light", lat="90", long="180")
    assert "location_unmatched" in rows(response, "json")[0]["description"]


def test_address_id_outside_the_keys_jurisdiction(located, post):
    Open311Client.objects.update(jurisdiction=located.county_a)
    response = post(service_code="street_light", address_id=str(located.household_b.pk))
    assert response.status_code == 400
    assert "unknown_address_id" in rows(response, "json")[0]["description"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"description": "x" * 4001}, "description_too_long"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"media_url": "javascript:alert(1)"}, "invalid_media_url"),
        ({"phone": "123"}, "invalid_phone"),
        ({"first_name": "x" * 101}, "first_name_too_long"),
    ],
)
def test_bad_fields_are_400_and_create_nothing(located, post, fields, code):
    before = counts()
    response = post(service_code="street_light", lat=str(A1[0]), long=str(A1[1]), **fields)
    assert response.status_code == 400
    assert code in rows(response, "json")[0]["description"]
    assert counts() == before


def test_description_of_exactly_4000_characters_is_accepted(located, post):
    response = post(
        service_code="street_light", address_id=str(located.building_a1.pk), description="路" * 4000
    )
    assert response.status_code == 200
    assert len(Case.objects.get().description) == 4000


def test_a_json_body_is_415_and_other_methods_405(located, web, api_key):
    body = json.dumps({"api_key": api_key, "service_code": "street_light"})
    response = web.post(f"{BASE}/requests.json", body, content_type="application/json")
    assert response.status_code == 415
    assert rows(response, "json")[0]["code"] == "415"
    response = web.put(f"{BASE}/requests.xml")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert rows(response, "xml")[0]["code"] == "405"
    assert web.post(f"{BASE}/services.json").status_code == 405


def test_multipart_posts_are_accepted(located, web, api_key):
    response = web.post(
        f"{BASE}/requests.json",
        {"api_key": api_key, "service_code": "street_light", "lat": str(A1[0]), "long": str(A1[1])},
    )  # the test client sends multipart/form-data by default
    assert response.status_code == 200


def test_daily_limit_per_client(located, post):
    Open311Client.objects.update(daily_limit=2)
    form = {"service_code": "street_light", "lat": str(A1[0]), "long": str(A1[1])}
    assert post(**form).status_code == 200
    assert post(**form).status_code == 200
    response = post(**form)
    assert response.status_code == 429
    assert "daily_limit" in rows(response, "json")[0]["description"]
    assert Case.objects.count() == 2


def test_a_retry_with_the_same_idempotency_key_returns_the_first_request(located, web, api_key):
    form = {
        "api_key": api_key,
        "service_code": "street_light",
        "lat": str(A1[0]),
        "long": str(A1[1]),
    }
    first = web.post(f"{BASE}/requests.json", form, headers={"Idempotency-Key": "k1"})
    again = web.post(f"{BASE}/requests.json", form, headers={"Idempotency-Key": "k1"})
    other = web.post(f"{BASE}/requests.json", form, headers={"Idempotency-Key": "k2"})
    assert first.json() == again.json() != other.json()
    assert Case.objects.count() == 2


def test_attributes_are_checked_against_the_definition(located, post):
    category = Category.objects.get(code="street_light")
    ServiceAttribute.objects.create(
        category=category,
        code="kind",
        datatype="singlevaluelist",
        required=True,
        description="灯的类型",
        values=[{"key": "road", "name": "路灯"}, {"key": "garden", "name": "庭院灯"}],
    )
    ServiceAttribute.objects.create(
        category=category,
        code="sides",
        datatype="multivaluelist",
        order=2,
        description="哪一侧",
        values=[{"key": "e", "name": "东"}, {"key": "w", "name": "西"}],
    )
    where = {"service_code": "street_light", "lat": str(A1[0]), "long": str(A1[1])}
    missing = post(**where)
    assert missing.status_code == 400
    assert "attribute_required" in rows(missing, "json")[0]["description"]
    wrong = post(**where, **{"attribute[kind]": "moon"})
    assert "invalid_attribute" in rows(wrong, "json")[0]["description"]
    assert Case.objects.count() == 0
    good = post(
        **where,
        **{"attribute[kind]": "road", "attribute[sides][]": ["e", "w"], "attribute[other]": "x"},
    )
    assert good.status_code == 200
    case = Case.objects.get()
    assert "灯的类型：路灯" in case.description and "哪一侧：东、西" in case.description
    assert Open311Request.objects.get().attributes == {"kind": "road", "sides": ["e", "w"]}
