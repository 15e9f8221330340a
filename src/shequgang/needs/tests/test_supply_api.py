"""The supply-side API end to end, and its scope: a worker of 城东 sees no 建昌 resource,
project, wish or partner, and an id out of reach answers like a missing one."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shequgang.apikit.testing import api_client
from shequgang.needs.models import DemandStatus
from shequgang.needs.tests.supply_factories import make_demand, make_partner, offer
from shequgang.needs.tests.test_wishes import member_of, resident_of
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def resource_body(place_id: int, **extra: object) -> dict[str, object]:
    return {
        "type": "repair",
        "title": "水电维修",
        "place_id": place_id,
        "capacity": 3,
        "available_from": "2026-12-01",
        "valid_until": "2099-12-31",
        "contact_phone": "13912345678",
        **extra,
    }


def test_resources_matches_and_a_project_through_the_api(world: World) -> None:
    worker = api_client(world.users["worker_a"], "token")
    partner = make_partner(world.community_a, name="城东维修队")
    made = worker.post(
        "/needs/resources", resource_body(world.compound_a.pk, partner_id=partner.pk)
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["contact_phone"] == "139****5678" and body["offerer"] == "城东维修队"
    demand = make_demand(world.household_a1)
    matches = worker.get(f"/needs/demands/{demand.pk}/matches").json()
    assert [m["resource"]["id"] for m in matches] == [body["id"]]
    assert matches[0]["reason_text"].startswith("同小区 · 类型一致")
    reverse = worker.get(f"/needs/resources/{body['id']}/demands").json()
    assert [d["demand_id"] for d in reverse] == [demand.pk]
    accepted = worker.post(
        f"/needs/demands/{demand.pk}/matches", {"resource_id": body["id"], "title": "入户维修"}
    )
    assert accepted.status_code == 201, accepted.json()
    project = accepted.json()
    assert project["title"] == "入户维修" and project["demand_ids"] == [demand.pk]
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROJECT
    # completing without evidence: 400 with the rule's code, nothing changed
    done = worker.post(f"/needs/projects/{project['id']}/transition", {"to": "completed"})
    assert done.status_code == 409 and done.json()["code"] == "invalid_transition"
    worker.post(f"/needs/projects/{project['id']}/transition", {"to": "active"})
    done = worker.post(f"/needs/projects/{project['id']}/transition", {"to": "completed"})
    assert done.status_code == 400 and done.json()["code"] == "evidence_required"
    worker.post(f"/needs/projects/{project['id']}/signoffs", {"signed_by": "王秀英"})
    done = worker.post(f"/needs/projects/{project['id']}/transition", {"to": "completed"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    demand.refresh_from_db()
    assert demand.status == DemandStatus.MET
    # bad input: a 4xx, never a 500
    assert (
        worker.post("/needs/resources", resource_body(world.compound_a.pk, capacity=0)).status_code
        == 422
    )
    bad_type = worker.post(
        "/needs/resources", resource_body(world.compound_a.pk, type="x", partner_id=partner.pk)
    )
    assert bad_type.status_code == 400 and bad_type.json()["code"] == "invalid_type"


def test_scope_a_worker_of_chengdong_sees_nothing_of_jianchang(world: World) -> None:
    admin = world.admin
    jianchang_resource = offer(admin, world.community_b)
    jianchang_demand = make_demand(world.household_b)
    jianchang_partner = make_partner(world.community_b)
    secretary_b = api_client(world.users["secretary_b"], "token")
    project = secretary_b.post(
        f"/needs/demands/{jianchang_demand.pk}/matches", {"resource_id": jianchang_resource.pk}
    ).json()
    wish = secretary_b.post(
        "/needs/wishes",
        {"type": "hardship", "text": "想要一台轮椅", "household_id": world.household_b.pk},
    ).json()
    worker = api_client(world.users["worker_a"], "token")
    for path in (
        "/needs/resources",
        "/needs/projects",
        "/needs/wishes",
        "/needs/partners",
        "/needs/wishes/wall",
    ):
        assert worker.get(path).json()["count"] == 0, path
    missing = 10**9
    for path in (
        "/needs/resources/{}",
        "/needs/resources/{}/demands",
        "/needs/projects/{}",
        "/needs/demands/{}/matches",
    ):
        real = {
            "/needs/resources/{}": jianchang_resource.pk,
            "/needs/resources/{}/demands": jianchang_resource.pk,
            "/needs/projects/{}": project["id"],
            "/needs/demands/{}/matches": jianchang_demand.pk,
        }[path]
        answer, nothing = worker.get(path.format(real)), worker.get(path.format(missing))
        assert answer.status_code == nothing.status_code == 404, path
        assert answer.json() == nothing.json()
    for path in ("/needs/wishes/{}/review", "/needs/wishes/{}/claim"):
        answer = worker.post(path.format(wish["id"]), {"approve": True, "public_text": "x"})
        assert answer.status_code == 404, path
    assert (
        worker.post(
            f"/needs/partners/{jianchang_partner.pk}/contributions",
            {"description": "x", "on": "2026-12-01"},
        ).status_code
        == 404
    )
    # and the 建昌 secretary sees them
    assert secretary_b.get("/needs/resources").json()["count"] == 1
    assert secretary_b.get("/needs/wishes").json()["count"] == 1


def test_a_wish_through_the_api_private_text_never_on_the_wall(world: World) -> None:
    resident = resident_of(world, world.household_a1)
    member = member_of(world.community_a)
    mine = api_client(resident, "token")
    posted = mine.post("/needs/wishes", {"type": "hardship", "text": "我家孩子王小明想要书包"})
    assert posted.status_code == 201, posted.json()
    wish_id = posted.json()["id"]
    worker = api_client(world.users["worker_a"], "token")
    reviewed = worker.post(
        f"/needs/wishes/{wish_id}/review", {"approve": True, "public_text": "一名小学生想要书包"}
    )
    assert reviewed.status_code == 200, reviewed.json()
    claimer = api_client(member, "token")
    wall = claimer.get("/needs/wishes/wall").json()
    assert [w["public_text"] for w in wall["items"]] == ["一名小学生想要书包"]
    assert "text" not in wall["items"][0] and "household" not in wall["items"][0]
    assert claimer.post(f"/needs/wishes/{wish_id}/claim").status_code == 200
    again = api_client(member_of(world.community_a), "token").post(f"/needs/wishes/{wish_id}/claim")
    assert again.status_code == 409 and again.json()["code"] == "wish_taken"
    assert (
        claimer.post(f"/needs/wishes/{wish_id}/fulfil", {"proof_note": "已送到"}).status_code == 200
    )
    confirmed = mine.post(f"/needs/wishes/{wish_id}/confirm", {"thanks": "谢谢"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert mine.get("/needs/wishes/mine").json()["items"][0]["thanks"] == "谢谢"


def test_ledgers_export_only_what_the_caller_sees(world: World) -> None:
    offer(world.admin, world.compound_a, title='=HYPERLINK("x")')
    offer(world.admin, world.community_b, title="建昌资源")
    worker = api_client(world.users["worker_a"], "token")
    answer = worker.get("/needs/ledgers/resources.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "类型", "名称")
    assert [r[2] for r in rows[1:]] == ['\'=HYPERLINK("x")']
    for name in ("projects", "wishes", "partners"):
        assert worker.get(f"/needs/ledgers/{name}.xlsx").status_code == 200
    assert worker.get("/needs/ledgers/other.xlsx").status_code == 404


def test_an_unrestricted_administrator_sees_everything(world: World) -> None:
    offer(world.admin, world.community_a)
    offer(world.admin, world.community_b)
    partner = make_partner(world.community_b)
    root = api_client(world.admin, "token")
    assert root.get("/needs/resources").json()["count"] == 2
    assert root.get("/needs/partners").json()["count"] == 1
    assert root.get("/needs/ledgers/partners.xlsx").status_code == 200
    assert partner.pk
