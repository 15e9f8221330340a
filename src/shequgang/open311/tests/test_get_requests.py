"""GET Service Requests and GET Service Request, from the spec: filters, the default
window, paging, the fields, and what the public never sees."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from shequgang.cases.models import Case, Category
from shequgang.cases.services import case_acknowledge, case_merge, case_resolve

from .conftest import BASE, at, rows, xml_root

FORMATS = ["json", "xml"]
T = at(2026, 11, 20, 10, 30, 0)  # 02:30:00Z


def ids(response, fmt="json"):
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in rows(response, fmt)]


@pytest.fixture
def three(world, raise_case):
    """Cases requested at T-1s, T and T+1s."""
    return [
        raise_case(now=T - dt.timedelta(seconds=1)),
        raise_case("manhole", now=T),
        raise_case(now=T + dt.timedelta(seconds=1)),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_date_boundaries_are_inclusive(web, three, fmt):
    before, exact, after = (c.number for c in three)
    url = f"{BASE}/requests.{fmt}"
    assert ids(web.get(url, {"start_date": "2026-11-20T10:30:00+08:00"}), fmt) == [after, exact]
    assert ids(web.get(url, {"start_date": "2026-11-20T02:30:01Z"}), fmt) == [after]
    assert ids(web.get(url, {"end_date": "2026-11-20T02:30:00Z"}), fmt) == [exact, before]
    assert ids(web.get(url, {"end_date": "2026-11-20T10:29:59+08:00"}), fmt) == [before]
    both = {"start_date": "2026-11-20T10:30:00+08:00", "end_date": "2026-11-20T10:30:00+08:00"}
    assert ids(web.get(url, both), fmt) == [exact]


def test_a_date_alone_is_midnight_in_beijing(web, three):
    url = f"{BASE}/requests.json"
    assert len(ids(web.get(url, {"start_date": "2026-11-20"}))) == 3
    assert ids(web.get(url, {"start_date": "2026-11-21"})) == []


def test_default_window_is_the_last_90_days(web, world, raise_case):
    now = timezone.now()
    old = raise_case(now=now - dt.timedelta(days=90, minutes=1))
    recent = raise_case(now=now - dt.timedelta(days=89, hours=23))
    found = ids(web.get(f"{BASE}/requests.json"))
    assert recent.number in found and old.number not in found


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, "too_long"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "range"),
        ({"start_date": "2026-11-20T10:30:00"}, "invalid_start_date"),  # no zone
        ({"start_date": "yesterday"}, "invalid_start_date"),
        ({"end_date": "2026-13-01"}, "invalid_end_date"),
        ({"end_date": "2026-02-30T00:00:00Z"}, "invalid_end_date"),
        ({"status": "pending"}, "invalid_status"),
        ({"page": "0"}, "invalid_page"),
        ({"page": "-1"}, "invalid_page"),
        ({"page_size": "abc"}, "invalid_page_size"),
        ({"page_size": "1.5"}, "invalid_page_size"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_filters_are_400(web, world, params, code, fmt):
    response = web.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code == 400
    [error] = rows(response, fmt)
    assert error["code"] == "400" and code in error["description"]


def test_exactly_90_days_is_allowed(web, world):
    params = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}
    assert web.get(f"{BASE}/requests.json", params).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_filter_maps_resolved_merged_closed_to_closed(web, world, raise_case, fmt):
    since = {"start_date": "2026-11-01T00:00:00Z"}
    open_case = raise_case(title="一")
    resolved = raise_case("street_light", place=world.household_a2, title="二")
    merged = raise_case(title="三")
    handler = world.users["secretary_a"]
    case_acknowledge(actor=handler, case=resolved)
    case_resolve(actor=handler, case=resolved, resolution="已更换灯泡")
    case_merge(actor=handler, case=merged, into=open_case, reason="同一盏灯")
    url = f"{BASE}/requests.{fmt}"
    found = {r["service_request_id"]: r for r in rows(web.get(url, since), fmt)}
    assert found[open_case.number]["status"] == "open"
    assert found[resolved.number]["status"] == "closed"
    assert found[resolved.number]["status_notes"] == "已办结：已更换灯泡"
    assert found[merged.number]["status"] == "closed"
    assert open_case.number in found[merged.number]["status_notes"]
    assert set(ids(web.get(url, {**since, "status": "open"}), fmt)) == {open_case.number}
    closed = set(ids(web.get(url, {**since, "status": "closed"}), fmt))
    assert closed == {resolved.number, merged.number}
    assert len(ids(web.get(url, {**since, "status": "open,closed"}), fmt)) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_code_filter_takes_a_comma_list(web, three, fmt):
    url = f"{BASE}/requests.{fmt}"
    since = {"start_date": "2026-11-20"}
    assert ids(web.get(url, {**since, "service_code": "manhole"}), fmt) == [three[1].number]
    both = ids(web.get(url, {**since, "service_code": "manhole,street_light"}), fmt)
    assert len(both) == 3
    assert ids(web.get(url, {**since, "service_code": "nothing"}), fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_id_overrides_every_other_argument(web, three, fmt):
    first, _, last = three
    params = {
        "service_request_id": f"{first.number}, {last.number},nope",
        "status": "closed",  # would exclude both
        "start_date": "2020-01-01T00:00:00Z",  # would exclude both
    }
    assert set(ids(web.get(f"{BASE}/requests.{fmt}", params), fmt)) == {first.number, last.number}


def test_paging(web, three):
    url = f"{BASE}/requests.json"
    since = {"start_date": "2026-11-20"}
    page1 = ids(web.get(url, {**since, "page_size": "2"}))
    page2 = ids(web.get(url, {**since, "page_size": "2", "page": "2"}))
    page3 = ids(web.get(url, {**since, "page_size": "2", "page": "3"}))
    assert page1 + page2 == [c.number for c in reversed(three)] and page3 == []
    huge = {**since, "page_size": "999999999999", "page": "999999999999"}
    assert ids(web.get(url, huge)) == []
    assert len(ids(web.get(url, {**since, "page_size": "999999999999"}))) == 3


def test_fields_of_a_request(web, world, raise_case):
    case = raise_case(
        "street_light",
        place=world.household_a1,
        description="1单元门口路灯不亮",
        raiser_name="李四",
        raiser_phone="13912345678",
        latitude=37.5201,
        longitude=111.1402,
        now=T,
    )
    response = web.get(f"{BASE}/requests/{case.number}.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert isinstance(data, list) and len(data) == 1
    [r] = data
    assert list(r) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert r["service_request_id"] == case.number
    assert (r["status"], r["status_notes"]) == ("open", "待签收")
    assert (r["service_code"], r["service_name"]) == ("street_light", "路灯不亮")
    assert r["description"] == "1单元门口路灯不亮"
    assert r["agency_responsible"] == "城东社区"
    assert r["requested_datetime"] == "2026-11-20T10:30:00+08:00"
    assert r["updated_datetime"].endswith("+08:00")
    case.refresh_from_db()
    beijing = dt.timezone(dt.timedelta(hours=8))
    expected = case.resolve_due_at.astimezone(beijing).isoformat(timespec="seconds")
    assert r["expected_datetime"] == expected
    # A household's case is shown at its building, most specific first.
    assert r["address"] == "1号楼, 滨东花园小区, 城东社区, 滨河街道, 离石区, 吕梁市"
    assert r["address_id"] == world.building_a1.pk
    # …and its coordinates are rounded to about 100 m.
    assert (r["lat"], r["long"]) == (37.52, 111.14)
    assert r["zipcode"] is None and r["media_url"] is None
    body = response.content.decode()
    assert "李四" not in body and "5678" not in body and "101" not in r["address"]


def test_the_handling_department_is_the_agency(web, world, raise_case):
    case = raise_case("street_light")
    Case.objects.filter(pk=case.pk).update(handler_department=world.department, rung=6)
    [r] = rows(web.get(f"{BASE}/requests/{case.number}.xml"), "xml")
    assert r["agency_responsible"] == "离石区城市管理局"


def test_a_single_request_in_xml_is_one_request_element(web, world, raise_case):
    case = raise_case()
    root = xml_root(web.get(f"{BASE}/requests/{case.number}.xml"))
    assert root.tag == "service_requests"
    assert [child.tag for child in root] == ["request"]
    assert root.findtext("request/service_request_id") == case.number
    assert root.find("request/zipcode") is not None  # empty, not left out


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(web, world, fmt):
    response = web.get(f"{BASE}/requests/141102-20261129-9999.{fmt}")
    assert response.status_code == 404
    [error] = rows(response, fmt)
    assert error["code"] == "404"


def test_jurisdiction_narrows_reads(web, world, raise_case):
    a = raise_case()
    b = raise_case(place=world.household_b)
    url = f"{BASE}/requests.json"
    assert set(ids(web.get(url))) == {a.number, b.number}
    assert ids(web.get(url, {"jurisdiction_id": "141182"})) == [b.number]
    other = web.get(f"{BASE}/requests/{a.number}.json", {"jurisdiction_id": "141182"})
    assert other.status_code == 404


def test_a_private_category_is_never_published(web, world, raise_case):
    case = raise_case("family_dispute", place=world.household_a1, description="家里吵架")
    assert web.get(f"{BASE}/requests/{case.number}.json").status_code == 404
    assert case.number not in web.get(f"{BASE}/requests.json").content.decode()


def test_a_dispute_is_listed_without_its_description(web, world, raise_case):
    # An admin made this dispute category public (by default every dispute is private).
    Category.objects.filter(code="neighbour_dispute").update(private=False)
    Category.objects.filter(code="neighbour").update(private=False)
    case = raise_case(
        "neighbour_dispute", place=world.household_a1, description="隔壁王五家天天吵架"
    )
    [r] = rows(web.get(f"{BASE}/requests/{case.number}.json"), "json")
    assert r["description"] == "" and "王五" not in json.dumps(r, ensure_ascii=False)
    assert r["agency_responsible"] == "党员中心户（协调议）"  # not the household's door


def test_a_page_of_requests_costs_a_fixed_number_of_queries(
    web, world, raise_case, django_assert_max_num_queries
):
    for place in (world.household_a1, world.household_a2, world.building_a1, world.compound_a):
        raise_case(place=place)
    with django_assert_max_num_queries(4):
        assert len(ids(web.get(f"{BASE}/requests.json"))) == 4
    for _ in range(4):
        raise_case(place=world.household_b)
    with django_assert_max_num_queries(4):
        assert len(ids(web.get(f"{BASE}/requests.xml"), "xml")) == 8


def test_head_is_answered_like_get(web, world, raise_case):
    case = raise_case()
    assert web.head(f"{BASE}/requests/{case.number}.json").status_code == 200
    assert web.head(f"{BASE}/services.xml").status_code == 200


def test_only_cases_raised_through_a_public_door_are_published(web, world, raise_case):
    # Hotline, door-knocking, livestream and staff intake are about people who did not
    # choose to publish: out of the list, the single read and the update feed.
    def raised_by(source: str, description: str) -> Case:
        case: Case = raise_case(description=description)
        Case.objects.filter(pk=case.pk).update(source=source)
        return case

    public = {
        src: raised_by(src, f"{src} 描述")
        for src in ("open311", "resident", "grid_patrol", "camera")
    }
    private = {
        src: raised_by(src, "张三家老人独居需要帮助")
        for src in ("hotline", "door_knocking", "livestream", "staff")
    }
    listed = set(ids(web.get(f"{BASE}/requests.json")))
    assert listed == {c.number for c in public.values()}
    for case in private.values():
        assert web.get(f"{BASE}/requests/{case.number}.json").status_code == 404
    feed = web.get(f"{BASE}/servicerequestupdates.json")
    assert "张三" not in feed.content.decode()
    assert {u["service_request_id"] for u in json.loads(feed.content)} == listed


def test_a_residents_own_words_stay_with_their_community(web, world, raise_case):
    case = raise_case(source="resident", place=world.building_a1, description="我家楼下路灯坏了")
    case_acknowledge(actor=world.users["secretary_a"], case=case)
    case_resolve(actor=world.users["secretary_a"], case=case, resolution="已为李大爷家门口换灯")
    [r] = rows(web.get(f"{BASE}/requests/{case.number}.json"), "json")
    assert r["description"] == "" and r["status_notes"] == "已办结"
    assert r["service_name"] == "路灯不亮" and r["status"] == "closed"
    feed = web.get(f"{BASE}/servicerequestupdates.json")
    assert "李大爷" not in feed.content.decode()


def test_coordinates_of_a_building_case_are_not_rounded(web, world, raise_case):
    case = raise_case(place=world.building_a1, latitude=37.52012, longitude=111.14023)
    [r] = rows(web.get(f"{BASE}/requests/{case.number}.json"), "json")
    assert (r["lat"], r["long"]) == ("37.52012", "111.14023")
