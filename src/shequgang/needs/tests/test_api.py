"""/api/v1/needs: campaigns, lists, visits, demands — scoped, idempotent, errors as
{"code","message"}, nothing written on a refusal."""

from __future__ import annotations

from shequgang.apikit.testing import api_client
from shequgang.needs.models import Campaign, Demand, ListHousehold, Visit
from shequgang.testing import World


def test_open_a_campaign_idempotently(world: World) -> None:
    api = api_client(world.users["worker_a"])
    body = {
        "community_id": world.community_a.pk,
        "title": "滨东花园敲门行动",
        "target_ids": [world.compound_a.pk],
        "visitors": [{"user_id": world.users["grid_a1"].pk, "role": "grid_worker"}],
        "starts_on": "2026-05-01",
        "ends_on": "2026-05-31",
    }
    key = {"Idempotency-Key": "k-campaign-1"}
    first = api.post("/needs/campaigns", body, headers=key)
    assert first.status_code == 201, first.json()
    again = api.post("/needs/campaigns", body, headers=key)
    assert again.json() == first.json()
    assert Campaign.objects.count() == 1
    assert first.json()["household_count"] == 2
    bad = api.post("/needs/campaigns", {**body, "ends_on": "2026-04-30"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_dates" and bad.json()["message"]
    out = api_client(world.users["secretary_b"]).post("/needs/campaigns", body)
    assert out.status_code == 404 and out.json()["code"] == "not_found"
    assert Campaign.objects.count() == 1


def test_a_visit_and_a_demand_through_the_api(campaign: Campaign, world: World) -> None:
    api = api_client(world.users["grid_a1"])
    stop = ListHousehold.objects.get(campaign=campaign, household=world.household_a1)
    lists = api.get(f"/needs/campaigns/{campaign.pk}/lists").json()
    assert lists["count"] == 1  # only their own list: the community is not their scope
    rows = api.get(f"/needs/lists/{stop.visit_list_id}").json()
    assert [r["address"] for r in rows["items"]] == ["滨东花园小区 1号楼 1单元 101"]
    r = api.post(f"/needs/stops/{stop.pk}/visits", {"outcome": "met"})
    assert r.status_code == 400 and r.json()["code"] == "met_whom_required"
    r = api.post(f"/needs/stops/{stop.pk}/visits", {"outcome": "met", "met_whom": "户主"})
    assert r.status_code == 201
    visit_id = r.json()["id"]
    body = {
        "place_id": world.household_a1.pk,
        "visit_id": visit_id,
        "type": "elderly_care",
        "description": "独居老人需要助餐",
        "urgency": "normal",
        "consent": True,
        "source": "visit",
    }
    r = api.post("/needs/demands", body)
    assert r.status_code == 201 and r.json()["created"] is True
    again = api.post("/needs/demands", {**body, "description": "再说一遍"})
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    assert not again.json()["created"]
    case = api.post(f"/needs/demands/{r.json()['id']}/case", {})
    assert case.status_code == 201, case.json()
    twice = api.post(f"/needs/demands/{r.json()['id']}/case", {})
    assert twice.status_code == 409 and twice.json()["code"] == "already_case"
    detail = api.get(f"/needs/campaigns/{campaign.pk}").json()
    assert detail["covered"] == 1
    assert [(b["households"], b["covered"]) for b in detail["buildings"]] == [(1, 1), (1, 0)]
    page = api.get("/needs/demands", {"type": "elderly_care", "campaign_id": campaign.pk})
    assert page.json()["count"] == 1


def test_out_of_scope_is_the_same_404_and_writes_nothing(campaign: Campaign, world: World) -> None:
    stop = ListHousehold.objects.get(campaign=campaign, household=world.household_a1)
    api = api_client(world.users["secretary_b"])
    for path in [
        f"/needs/campaigns/{campaign.pk}",
        f"/needs/campaigns/{campaign.pk}/lists",
        f"/needs/lists/{stop.visit_list_id}",
        "/needs/campaigns/999999",
    ]:
        r = api.get(path)
        assert r.status_code == 404 and r.json()["code"] == "not_found", path
    r = api.post(f"/needs/stops/{stop.pk}/visits", {"outcome": "refused"})
    assert r.status_code == 404
    r = api.post(
        "/needs/demands",
        {
            "place_id": world.household_a1.pk,
            "type": "repair",
            "description": "x",
            "consent": True,
        },
    )
    assert r.status_code == 404
    assert not Visit.objects.exists() and not Demand.objects.exists()
    assert api.get("/needs/demands").json()["count"] == 0
    assert api.get("/needs/campaigns").json()["count"] == 0


def test_bad_input_is_a_4xx(campaign: Campaign, world: World) -> None:
    api = api_client(world.users["grid_a1"])
    stop = ListHousehold.objects.get(campaign=campaign, household=world.household_a1)
    for body in [{"outcome": "nope"}, {"outcome": "not_home", "revisit_on": "x"}, {}]:
        r = api.post(f"/needs/stops/{stop.pk}/visits", body)
        assert r.status_code == 422 and r.json()["code"], body
    r = api.post("/needs/stops/99999999999999999999999/visits", {"outcome": "met"})
    assert r.status_code in (404, 422)
    assert not Visit.objects.exists()
