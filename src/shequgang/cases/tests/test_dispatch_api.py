"""The dispatch loop over HTTP: grid report → dispatch → sign → transfer → handle →
verify (fail, then pass) → close; a return goes back to the dispatcher's queue; scope of
departments and grid workers; wrong states (409) and wrong actors (403/404)."""

from typing import Any

import pytest

from shequgang.apikit.testing import API_PREFIX, VIAS, api_client
from shequgang.cases.models import Case, CaseEvent, Source
from shequgang.cases.models.dispatch import CaseVerification, DispatchLeg

from .conftest import jpeg_with_gps


def api(world, name, via="session"):
    return api_client(world.users[name], via)


def multipart(client, path, data: dict[str, Any]):
    return client.client.post(f"{API_PREFIX}{path}", data, headers=client.headers)


def kinds(case_id):
    return list(
        CaseEvent.objects.filter(case_id=case_id)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


@pytest.fixture
def reported(world, raise_case):
    """A dark street light reported by grid worker A1 on patrol: held by the community."""
    return raise_case(
        "street_light",
        place=world.household_a1,
        actor=world.users["grid_a1"],
        source=Source.GRID_PATROL,
        title="小区门口路灯不亮",
    )


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


@pytest.mark.parametrize("via", VIAS)
def test_the_closed_loop_over_http(world, depts, reported, via):
    worker, command = api(world, "worker_a", via), api(world, "county_a_command", via)
    cgj, zjj = api(world, "dept_handler", via), api(world, "zjj_handler", via)
    grid = api(world, "grid_a1", via)
    path = f"/cases/{reported.pk}"

    # 受理: the community holds it and hands it to the county command centre.
    assert "request_dispatch" in ok(worker.get(path))["actions"]
    handed = ok(worker.post(f"{path}/request-dispatch", {"reason": "需城管处置"}))
    assert handed["status"] == "to_dispatch"
    assert handed["dispatcher"]["id"] == world.county_a.pk
    assert [c["id"] for c in ok(command.get("/dispatch/queue"))["items"]] == [reported.pk]

    # 派遣: by default to the routing table's department.
    targets = ok(command.get(f"{path}/dispatch-targets"))
    assert {t["name"] for t in targets if t["default"]} == {"离石区城市管理局"}
    assert depts.other_county.pk not in {t["id"] for t in targets}
    assert depts.power.pk in {t["id"] for t in targets}  # the city's utility serves it too
    assert "dispatch" in ok(command.get(path))["actions"]
    sent = ok(command.post(f"{path}/dispatch", {"reason": "请尽快修复"}))
    assert (sent["status"], sent["rung"]) == ("submitted", 6)
    assert sent["handler_department"]["id"] == depts.cgj.pk
    assert ok(command.get("/dispatch/queue"))["items"] == []
    row = Case.objects.get(pk=reported.pk)
    assert row.dispatched_by == world.users["county_a_command"]
    assert row.dispatcher_place == world.county_a

    # 签收, then 流转 to the housing bureau with a reason.
    assert ok(cgj.get(path))["actions"][:1] == ["acknowledge"]
    assert ok(cgj.post(f"{path}/acknowledge"))["status"] == "acknowledged"
    moved = ok(
        cgj.post(f"{path}/transfer", {"reason": "路灯归住建", "to_department": depts.zjj.pk})
    )
    assert moved["handler_department"]["id"] == depts.zjj.pk and moved["status"] == "submitted"
    assert cgj.get(path).status_code == 404  # no longer theirs

    # 处置: sign, start, report back with evidence.
    zjj_actions = ok(zjj.get(path))["actions"]
    assert "acknowledge" in zjj_actions and "resolve" not in zjj_actions
    ok(zjj.post(f"{path}/acknowledge"))
    ok(zjj.post(f"{path}/start"))
    assert "report" in ok(zjj.get(path))["actions"]
    first = ok(
        multipart(zjj, f"{path}/report", {"result": "已更换灯泡", "photos": [jpeg_with_gps()]})
    )
    assert first["status"] == "verifying" and first["verify_due_at"]

    # 核查: fails once (back to the department), passes the second time.
    assert ok(grid.get("/cases", {"mine": "holder"}))["items"][0]["id"] == reported.pk
    assert "verify" in ok(grid.get(path))["actions"]
    failed = ok(
        multipart(
            grid,
            f"{path}/verify",
            {"passed": False, "reason": "仍不亮", "photos": [jpeg_with_gps()]},
        )
    )
    assert failed["status"] == "in_progress" and failed["handler_department"]["id"] == depts.zjj.pk
    ok(multipart(zjj, f"{path}/report", {"result": "更换线路", "photos": [jpeg_with_gps()]}))
    passed = ok(multipart(grid, f"{path}/verify", {"passed": True, "photos": [jpeg_with_gps()]}))
    assert passed["status"] == "resolved"

    # 结案: the raiser (the grid worker who reported it) rates it.
    assert "rate" in ok(grid.get(path))["actions"]
    closed = ok(grid.post(f"{path}/rate", {"solved": True, "satisfaction": "satisfied"}))
    assert closed["status"] == "closed"

    detail = ok(command.get(path))
    assert [e["kind"] for e in detail["events"]] == [
        "created",
        "assigned",
        "dispatch_requested",
        "dispatched",
        "acknowledged",
        "transferred",
        "acknowledged",
        "started",
        "reported",
        "verify_failed",
        "reported",
        "verified",
        "closed",
    ]
    assert detail["resolved_rung"] == 6
    legs = list(DispatchLeg.objects.filter(case=reported).order_by("id"))
    assert [(leg.department_id, leg.via, leg.outcome) for leg in legs] == [
        (depts.cgj.pk, "dispatch", "transferred"),
        (depts.zjj.pk, "transfer", "resolved"),
    ]
    assert (legs[1].reports, legs[1].verifications, legs[1].verifications_passed) == (2, 2, 1)
    assert CaseVerification.objects.filter(case=reported).count() == 2
    purposes = sorted(p["purpose"] for p in detail["photos"])
    assert purposes == ["resolution", "resolution", "verification", "verification"]


def test_a_return_goes_back_to_the_dispatcher(world, depts, reported):
    command, cgj = api(world, "county_a_command"), api(world, "dept_handler")
    path = f"/cases/{reported.pk}"
    ok(api(world, "worker_a").post(f"{path}/request-dispatch", {"reason": "需派遣"}))
    ok(command.post(f"{path}/dispatch", {}))
    # A reason is required.
    assert cgj.post(f"{path}/return", {"reason": " "}).status_code == 400
    back = ok(cgj.post(f"{path}/return", {"reason": "不属于城管职责"}))
    assert back["status"] == "to_dispatch" and back["dispatcher"]["id"] == world.county_a.pk
    assert back["handler_department"] is None
    assert cgj.get(path).status_code == 404
    assert [c["id"] for c in ok(command.get("/dispatch/queue"))["items"]] == [reported.pk]
    assert [c["id"] for c in ok(command.get("/cases", {"mine": "holder"}))["items"]] == [
        reported.pk
    ]
    # The dispatcher re-dispatches it elsewhere.
    again = ok(command.post(f"{path}/dispatch", {"department": depts.zjj.pk}))
    assert again["handler_department"]["id"] == depts.zjj.pk
    assert kinds(reported.pk)[-3:] == ["dispatched", "dispatch_returned", "dispatched"]
    leg = DispatchLeg.objects.filter(case=reported).order_by("id").first()
    assert leg is not None and leg.outcome == "returned" and leg.responded_on_time is True


def test_the_community_dispatches_its_own_case_and_gets_its_returns(world, depts, reported):
    worker, cgj = api(world, "worker_a"), api(world, "dept_handler")
    path = f"/cases/{reported.pk}"
    sent = ok(worker.post(f"{path}/dispatch", {"department": depts.cgj.pk}))
    assert sent["dispatcher"]["id"] == world.community_a.pk
    ok(cgj.post(f"{path}/return", {"reason": "非本部门"}))
    assert [c["id"] for c in ok(worker.get("/dispatch/queue"))["items"]] == [reported.pk]
    # Not the command centre's queue: the community dispatched it.
    assert ok(api(world, "county_a_command").get("/dispatch/queue"))["items"] == []


def test_wrong_actors_and_wrong_states(world, depts, reported):
    path = f"/cases/{reported.pk}"
    command = api(world, "county_a_command")
    # The command centre does not take a case the community still holds at its rung.
    assert command.post(f"{path}/dispatch", {}).status_code == 403
    # Nobody but the holder (or the reporting grid worker) asks for dispatch; others in
    # scope 403, out of scope 404.
    assert (
        api(world, "branch_a").post(f"{path}/request-dispatch", {"reason": "x"}).status_code == 403
    )
    assert api(world, "secretary_b").post(f"{path}/dispatch", {}).status_code == 404
    ok(api(world, "worker_a").post(f"{path}/request-dispatch", {"reason": "需派遣"}))
    # A department in another county is not a target; the case is unchanged.
    bad = command.post(f"{path}/dispatch", {"department": depts.other_county.pk})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_target"
    assert bad.json()["message"]
    assert command.post(f"{path}/dispatch", {"department": 999999}).status_code == 404
    assert Case.objects.get(pk=reported.pk).status == "to_dispatch"
    ok(command.post(f"{path}/dispatch", {}))
    cgj = api(world, "dept_handler")
    # Report before signing: 409; verify before a report: 409.
    early = multipart(cgj, f"{path}/report", {"result": "好了"})
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"
    verify = multipart(
        api(world, "grid_a1"), f"{path}/verify", {"passed": True, "photos": [jpeg_with_gps()]}
    )
    assert verify.status_code == 409
    ok(cgj.post(f"{path}/acknowledge"))
    # The department may not resolve without verification.
    resolved = multipart(cgj, f"{path}/resolve", {"resolution": "好了"})
    assert resolved.status_code == 409 and resolved.json()["code"] == "report_required"
    # Another department: out of scope (404), not the holder.
    assert (
        multipart(api(world, "zjj_handler"), f"{path}/report", {"result": "x"}).status_code == 404
    )
    ok(multipart(cgj, f"{path}/report", {"result": "修好了"}))
    # Only the grid's worker verifies: grid A2's worker cannot see it; the community
    # worker sees it but the grid has its own worker (403); a photo is required (400).
    photo = {"passed": True, "photos": [jpeg_with_gps()]}
    assert multipart(api(world, "grid_a2"), f"{path}/verify", photo).status_code == 404
    assert (
        multipart(
            api(world, "worker_a"), f"{path}/verify", {"passed": True, "photos": [jpeg_with_gps()]}
        ).status_code
        == 403
    )
    no_photo = multipart(api(world, "grid_a1"), f"{path}/verify", {"passed": True})
    assert no_photo.status_code == 400 and no_photo.json()["code"] == "photo_required"
    no_reason = multipart(
        api(world, "grid_a1"), f"{path}/verify", {"passed": False, "photos": [jpeg_with_gps()]}
    )
    assert no_reason.status_code == 400
    assert Case.objects.get(pk=reported.pk).status == "verifying"
    assert CaseVerification.objects.count() == 0


def test_a_department_and_a_grid_worker_see_only_their_own(world, depts, reported, raise_case):
    other = raise_case("street_light", place=world.household_a2)  # grid A2
    command = api(world, "county_a_command")
    for case in (reported, other):
        ok(api(world, "worker_a").post(f"/cases/{case.pk}/request-dispatch", {"reason": "派"}))
    ok(command.post(f"/cases/{reported.pk}/dispatch", {}))
    ok(command.post(f"/cases/{other.pk}/dispatch", {"department": depts.zjj.pk}))

    def listed(name, **params):
        return {c["id"] for c in ok(api(world, name).get("/cases", params))["items"]}

    assert listed("dept_handler") == listed("dept_handler", mine="holder") == {reported.pk}
    assert listed("zjj_handler") == {other.pk}
    assert listed("power_handler") == set()
    assert listed("dept_handler", q=other.number) == set()
    for name, hidden in (
        ("dept_handler", other),
        ("zjj_handler", reported),
        ("grid_a1", other),
        ("grid_a2", reported),
    ):
        client = api(world, name)
        assert client.get(f"/cases/{hidden.pk}").status_code == 404
        assert client.post(f"/cases/{hidden.pk}/acknowledge").status_code == 404
        assert client.get(f"/cases/{hidden.pk}/dispatch-targets").status_code == 404
    assert listed("grid_a1") >= {reported.pk} and other.pk not in listed("grid_a1")


def test_the_openapi_document_has_the_dispatch_steps(db):
    from django.test import Client

    paths = Client().get(f"{API_PREFIX}/openapi.json").json()["paths"]
    for p in (
        "/api/v1/cases/{case_id}/dispatch",
        "/api/v1/cases/{case_id}/request-dispatch",
        "/api/v1/cases/{case_id}/report",
        "/api/v1/cases/{case_id}/verify",
        "/api/v1/cases/{case_id}/dispatch-targets",
        "/api/v1/dispatch/queue",
        "/api/v1/dispatch/measures",
    ):
        assert p in paths, p


def test_measures_api_for_a_county_and_the_city(world, depts, reported):
    command, admin = api(world, "county_a_command"), api(world, "city_admin")
    ok(api(world, "worker_a").post(f"/cases/{reported.pk}/dispatch", {}))
    ok(api(world, "dept_handler").post(f"/cases/{reported.pk}/acknowledge"))
    for client, place in ((command, world.county_a), (admin, world.county_a), (admin, world.city)):
        body = ok(client.get("/dispatch/measures", {"place": place.pk}))
        [row] = body["departments"]
        assert row["department"]["id"] == depts.cgj.pk and row["legs"] == 1
        assert row["acknowledged"] == {
            "label": "签收及时率",
            "numerator": 1,
            "denominator": 1,
            "value": 1.0,
        }
        assert row["verified"]["value"] is None  # nothing verified yet: no ratio
        assert [w["name"] for w in body["workers"]] == ["grid_a1"]
    other = ok(admin.get("/dispatch/measures", {"place": world.county_b.pk}))
    assert other["departments"] == [] and other["workers"] == []
    assert command.get("/dispatch/measures", {"place": world.county_b.pk}).status_code == 404
    assert (
        api(world, "dept_handler")
        .get("/dispatch/measures", {"place": world.county_a.pk})
        .status_code
        == 404
    )


def test_without_a_grid_the_community_verifies(world, depts, raise_case):
    case = raise_case("street_light", place=world.compound_a)  # no grid covers the compound
    assert case.grid_id is None
    d_path = f"/cases/{case.pk}"
    ok(api(world, "worker_a").post(f"{d_path}/dispatch", {}))
    ok(api(world, "dept_handler").post(f"{d_path}/acknowledge"))
    ok(multipart(api(world, "dept_handler"), f"{d_path}/report", {"result": "好了"}))
    assert api(world, "grid_a1").get(d_path).status_code == 404  # not in any grid of theirs
    secretary = api(world, "secretary_a")
    assert [c["id"] for c in ok(secretary.get("/cases", {"mine": "holder"}))["items"]] == [case.pk]
    assert "verify" in ok(secretary.get(d_path))["actions"]
    done = ok(
        multipart(secretary, f"{d_path}/verify", {"passed": True, "photos": [jpeg_with_gps()]})
    )
    assert done["status"] == "resolved"


# Each step over HTTP, for the allowed-actions check below.
STEPS: dict[str, tuple[str, dict[str, Any], bool]] = {
    "acknowledge": ("acknowledge", {}, False),
    "start": ("start", {}, False),
    "resolve": ("resolve", {"resolution": "已办好"}, True),
    "return": ("return", {"reason": "不归我们"}, False),
    "transfer": ("transfer", {"reason": "转交"}, False),
    "request_dispatch": ("request-dispatch", {"reason": "需派遣"}, False),
    "dispatch": ("dispatch", {}, False),
    "report": ("report", {"result": "已办好"}, True),
    "verify": ("verify", {"passed": True}, True),
}


@pytest.mark.parametrize("stage", ["community", "to_dispatch", "dispatched", "signed", "verifying"])
def test_allowed_actions_are_what_the_dispatch_services_accept(world, depts, reported, stage):
    from django.db import transaction

    case, path = reported, f"/cases/{reported.pk}"
    if stage != "community":
        ok(api(world, "worker_a").post(f"{path}/request-dispatch", {"reason": "派"}))
    if stage in {"dispatched", "signed", "verifying"}:
        ok(api(world, "county_a_command").post(f"{path}/dispatch", {}))
    if stage in {"signed", "verifying"}:
        ok(api(world, "dept_handler").post(f"{path}/acknowledge"))
    if stage == "verifying":
        ok(multipart(api(world, "dept_handler"), f"{path}/report", {"result": "好了"}))
    personas = (
        "worker_a",
        "town_a_staff",
        "county_a_command",
        "dept_handler",
        "zjj_handler",
        "grid_a1",
    )
    for persona in personas:
        client = api(world, persona)
        seen = client.get(path)
        offered = seen.json()["actions"] if seen.status_code == 200 else []
        for action, (step, body, files) in STEPS.items():
            if action == "transfer" and stage in {"community", "to_dispatch"}:
                continue  # to a department: not a target below the department rung
            body = dict(body)
            if action == "transfer":
                body["to_department"] = depts.zjj.pk
            if action == "dispatch" and stage in {"dispatched", "signed"}:
                body["department"] = depts.zjj.pk  # 改派: not the one holding it
            if action == "verify":
                body["photos"] = [jpeg_with_gps()]
            with transaction.atomic():
                if files:
                    response = multipart(client, f"{path}/{step}", body)
                else:
                    response = client.post(f"{path}/{step}", body)
                transaction.set_rollback(True)
            if action in offered:
                assert response.status_code == 200, (stage, persona, action, response.content)
            else:
                assert response.status_code in {403, 404, 409}, (
                    stage,
                    persona,
                    action,
                    response.status_code,
                )
    assert Case.objects.get(pk=case.pk).status in {
        "submitted",
        "to_dispatch",
        "acknowledged",
        "verifying",
    }


def test_each_department_figure_drills_down_to_its_cases(world, depts, reported, raise_case):
    worker, cgj = api(world, "worker_a"), api(world, "dept_handler")
    other = raise_case("street_light", place=world.household_a2)
    for case in (reported, other):
        ok(worker.post(f"/cases/{case.pk}/dispatch", {}))
    ok(cgj.post(f"/cases/{other.pk}/return", {"reason": "不归我们"}))
    command = api(world, "county_a_command")
    place = {"place": world.county_a.pk}
    [row] = ok(command.get("/dispatch/measures", place))["departments"]
    base = f"/dispatch/measures/departments/{depts.cgj.pk}"
    for figure in ("legs", "acknowledged", "returned", "transferred", "on_time", "verified"):
        for part in ("numerator", "denominator"):
            listed = ok(command.get(f"{base}/{figure}/{part}", place))["items"]
            if figure == "legs":
                assert len(listed) == row["legs"]
            else:
                assert len(listed) == row[figure][part], (figure, part)
    returned = ok(command.get(f"{base}/returned/numerator", place))["items"]
    assert [c["id"] for c in returned] == [other.pk]
    assert command.get(f"{base}/nonsense/numerator", place).status_code == 422
    assert command.get(f"{base}/legs/numerator", {"place": world.county_b.pk}).status_code == 404


def test_the_reporting_grid_worker_may_ask_for_dispatch_until_it_is_signed(
    world, depts, raise_case
):
    def patrol():
        return raise_case(
            "street_light",
            place=world.household_a1,
            actor=world.users["grid_a1"],
            source=Source.GRID_PATROL,
        )

    grid = api(world, "grid_a1")
    first, second = patrol(), patrol()
    assert "request_dispatch" in ok(grid.get(f"/cases/{first.pk}"))["actions"]
    handed = ok(grid.post(f"/cases/{first.pk}/request-dispatch", {"reason": "需城管"}))
    assert handed["status"] == "to_dispatch" and handed["dispatcher"]["id"] == world.county_a.pk
    # Once the community signed for it, it is the community's to hand up.
    ok(api(world, "worker_a").post(f"/cases/{second.pk}/acknowledge"))
    assert "request_dispatch" not in ok(grid.get(f"/cases/{second.pk}"))["actions"]
    late = grid.post(f"/cases/{second.pk}/request-dispatch", {"reason": "需城管"})
    assert late.status_code == 403
    # A resident's report is not the grid worker's, even in their grid.
    resident = raise_case("street_light", place=world.household_a1)
    assert grid.post(f"/cases/{resident.pk}/request-dispatch", {"reason": "x"}).status_code == 403
