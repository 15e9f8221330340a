"""The /api/v1/party endpoints: scoped reads, masked data, service errors as
{"code","message"}, idempotent creation."""

from __future__ import annotations

import datetime as dt
import json

from shequgang.apikit.testing import api_client
from shequgang.party.models import Member, MemberReport
from shequgang.party.tests.conftest import Party, register
from shequgang.people.id_numbers import make_id_number

ID = make_id_number("141102", dt.date(1988, 8, 8), 11)


def test_coverage_of_a_county(party: Party) -> None:
    client = api_client(party.world.users["county_a_command"])
    response = client.get(f"/party/coverage/{party.world.county_a.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["compounds"], body["compounds_with_branch"], body["branches"]) == (4, 1, 1)
    assert body["branch_share"] == 0.25
    # Out of scope is the same 404 as missing.
    assert client.get(f"/party/coverage/{party.world.county_b.pk}").status_code == 404
    assert client.get("/party/coverage/999999").status_code == 404


def test_members_are_listed_masked_and_in_scope(party: Party) -> None:
    register(party.world, name="建昌党员", community=party.world.community_b)
    client = api_client(party.world.users["secretary_a"], "token")
    response = client.get("/party/members")
    assert response.status_code == 200
    body = response.json()
    assert [m["name"] for m in body["items"]] == ["李在职"]
    item = body["items"][0]
    assert "*" in item["id_number_masked"]
    assert "id_number" not in item and "phone" not in item
    assert "cipher" not in json.dumps(body)


def test_registering_a_member_is_idempotent_and_deduplicated(party: Party) -> None:
    client = api_client(party.world.users["worker_a"])
    payload = {
        "name": "新党员",
        "community_id": party.world.community_a.pk,
        "id_number": ID.lower(),
    }
    first = client.post("/party/members", payload, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201, first.content
    again = client.post("/party/members", payload, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json() == first.json()
    duplicate = client.post("/party/members", {**payload, "id_number": ID})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_member"
    assert Member.objects.filter(name="新党员").count() == 1
    bad = client.post("/party/members", {**payload, "id_number": "123"})
    assert bad.status_code == 400 and bad.json()["code"] == "id_number_format"


def test_a_member_reports_themselves_and_sees_their_record(party: Party) -> None:
    world = party.world
    client = api_client(party.member_user)
    url = f"/party/members/{party.member.pk}/reports"
    first = client.post(url, {"community_id": world.community_a.pk})
    assert first.status_code == 201, first.content
    moved = client.post(url, {"community_id": world.community_b.pk})
    assert moved.status_code == 201
    assert client.post(url, {"community_id": world.community_b.pk}).json()["code"] == (
        "already_reported"
    )
    me = client.get("/party/me").json()
    assert [r["active"] for r in me["reports"]] == [True, False]
    assert MemberReport.objects.filter(member=party.member, ended_at__isnull=True).count() == 1
    # Someone else's record is not found.
    other = register(world, name="别人")
    assert client.get(f"/party/members/{other.pk}").status_code == 404
    assert client.post(f"/party/members/{other.pk}/reports", {"community_id": 1}).status_code == 404


def test_me_without_a_member_record_is_404(party: Party) -> None:
    assert api_client(party.world.users["nobody"]).get("/party/me").status_code == 404


def test_a_joint_branch_through_the_api(party: Party) -> None:
    world = party.world
    client = api_client(world.users["town_a_staff"])
    response = client.post(
        "/party/branches",
        {
            "committee_id": party.committee.pk,
            "name": "联建党支部",
            "mode": "joint",
            "compound_ids": [party.compound_a2.pk, party.compound_n.pk],
        },
    )
    assert response.status_code == 201, response.content
    assert {c["name"] for c in response.json()["compounds"]} == {"东关小区", "西苑小区"}
    # The community secretary of another county cannot see the committee.
    other = api_client(world.users["secretary_b"]).get(f"/party/branches/{response.json()['id']}")
    assert other.status_code == 404


def test_pairings_and_responsibilities(party: Party) -> None:
    world = party.world
    client = api_client(world.users["secretary_a"])
    pairing = client.post(
        "/party/pairings",
        {
            "unit_id": party.unit.pk,
            "community_id": world.community_a.pk,
            "started_on": "2026-01-01",
            "contact_phone": "13811112222",
            "offer": "法律咨询",
        },
    )
    assert pairing.status_code == 201, pairing.content
    assert pairing.json()["contact_phone_masked"] == "138****2222"
    assert (
        client.post(
            "/party/pairings",
            {
                "unit_id": party.unit.pk,
                "community_id": world.community_a.pk,
                "started_on": "2026-02-01",
            },
        ).json()["code"]
        == "pairing_open"
    )
    assert api_client(world.users["secretary_b"]).get("/party/pairings").json() == {
        "count": 0,
        "limit": 50,
        "offset": 0,
        "items": [],
    }
    item = client.post(
        "/party/responsibilities",
        {
            "place_id": world.building_a1.pk,
            "member_id": party.member.pk,
            "started_on": "2026-01-01",
        },
    )
    assert item.status_code == 201, item.content
    cases = api_client(party.member_user).get("/party/responsibilities/cases")
    assert cases.status_code == 200 and cases.json()["items"] == []


def test_openapi_lists_the_party_endpoints(party: Party) -> None:
    schema = api_client(None).get("/openapi.json").json()
    assert "/api/v1/party/members" in schema["paths"]
    assert "/api/v1/party/coverage/{place_id}" in schema["paths"]


def test_organisation_endpoints_end_to_end(party: Party) -> None:
    world = party.world
    client = api_client(world.users["secretary_a"], "token")
    committee = client.post(
        "/party/committees", {"community_id": world.community_a.pk, "name": "又一个党委"}
    )
    assert committee.status_code == 409 and committee.json()["code"] == "committee_exists"
    group = client.post(
        "/party/groups",
        {"branch_id": party.branch.pk, "building_id": world.building_a2.pk, "name": "2号楼党小组"},
    )
    assert group.status_code == 201, group.content
    central = client.post(
        "/party/central-households",
        {"member_id": party.member.pk, "household_id": world.household_a2.pk},
    )
    assert central.status_code == 201, central.content
    links = client.post(
        f"/party/central-households/{central.json()['id']}/links",
        {"household_ids": [world.household_a1.pk]},
    )
    assert links.status_code == 200 and [h["name"] for h in links.json()["links"]] == ["101"]
    seat = client.post(
        "/party/seats",
        {
            "place_id": world.compound_a.pk,
            "body": "owners_committee",
            "role": "chair",
            "name": "李在职",
            "member_id": party.member.pk,
            "party_post": "branch_secretary",
        },
    )
    assert seat.status_code == 201, seat.content
    figures = client.get(f"/party/coverage/{world.community_a.pk}").json()
    assert figures["cross_appointments"] == 1
    patched = client.patch(f"/party/members/{party.member.pk}", {"group_id": group.json()["id"]})
    assert patched.status_code == 200 and patched.json()["branch"]["id"] == party.branch.pk
    item = client.post(
        "/party/responsibilities",
        {"place_id": world.household_a1.pk, "unit_id": party.unit.pk, "started_on": "2026-01-01"},
    )
    ended = client.post(
        f"/party/responsibilities/{item.json()['id']}/end", {"ended_on": "2025-12-31"}
    )
    assert ended.status_code == 400 and ended.json()["code"] == "ended_before_started"
    ended = client.post(
        f"/party/responsibilities/{item.json()['id']}/end", {"ended_on": "2026-02-01"}
    )
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-02-01"


def test_garbage_input_is_a_4xx_never_a_500(party: Party) -> None:
    client = api_client(party.world.users["secretary_a"])
    for path, body in [
        ("/party/members", {"name": "", "community_id": 0}),
        ("/party/members", {"name": "x\u0000", "community_id": party.world.community_a.pk}),
        ("/party/branches", {"committee_id": 1, "name": "x", "mode": "odd", "compound_ids": []}),
        ("/party/pairings", {"unit_id": 2**63, "community_id": 1, "started_on": "x"}),
        ("/party/members/1/reports", {"community_id": party.world.compound_a.pk}),
    ]:
        response = client.post(path, body)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    assert client.get("/party/members/99999999999999999999").status_code in {404, 422}
