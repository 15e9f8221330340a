"""The cases API (/api/v1/cases, /categories, /measures, /notifications): the role matrix
through both doors, the ladder journey over HTTP, retries, the transition table at the
edge, keyset pages, photos, measures drill-down, raiser privacy, and bad input."""

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from shequgang.apikit.testing import API_PREFIX, VIAS, api_client
from shequgang.cases import services as s
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CasePhoto,
    Category,
    Notification,
    Status,
)
from shequgang.cases.services.notifications import deliver_due
from shequgang.people.services import api_token_issue
from shequgang.testing import build_world

from .conftest import SHANGHAI, jpeg_with_gps

RAISER_PHONE = "13912345678"


def api(world, name, via="session"):
    return api_client(world.users[name] if name else None, via)


def raise_via_api(client, world, *, photos=(), headers=None, **fields):
    """POST /cases as multipart/form-data, the way a phone uploads photos."""
    data = {"category": "stairwell_light", "place": world.household_a1.pk, "title": "楼道灯坏了"}
    data.update(fields)
    if photos:
        data["photos"] = list(photos)
    return client.client.post(
        f"{API_PREFIX}/cases", data, headers={**client.headers, **(headers or {})}
    )


def ids(response):
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["items"]]


def every_page(client, path, params):
    """The items of all pages, following next_cursor."""
    items, cursor = [], None
    while True:
        response = client.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def snapshot(case):
    case.refresh_from_db()
    return (case.status, case.rung, case.handler_place_id, case.updated_at, case.events.count())


def counts():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        CasePhoto.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def other_resident(world):
    world.users["other"] = User.objects.create_user("other", password="x")
    return world.users["other"]


@pytest.fixture
def matrix(world, raise_case, other_resident):
    """One case per place of the world, raised by the resident ``nobody``, and one raised
    by another resident next door."""
    resident = world.users["nobody"]
    return {
        "a1": raise_case(place=world.household_a1, actor=resident),  # held by group_a1
        "a2": raise_case(place=world.household_a2, actor=resident),  # branch_a (no group)
        "b": raise_case(place=world.household_b, actor=resident),  # county B
        "other": raise_case(place=world.household_a1, actor=other_resident),
    }


# --- Who sees what ---------------------------------------------------------------------------

VISIBLE = {
    "grid_a1": {"a1", "other"},
    "grid_a2": {"a2"},
    "group_a1": {"a1", "other"},
    "branch_a": {"a1", "a2", "other"},
    "secretary_a": {"a1", "a2", "other"},
    "county_a_command": {"a1", "a2", "other"},
    "secretary_b": {"b"},
    "city_admin": {"a1", "a2", "b", "other"},
    "dept_handler": set(),
    "central_a1": set(),
    "nobody": {"a1", "a2", "b"},  # the resident who raised them
    "other": {"other"},
}
# Those who oversee every case they see (all held below their rung).
SUPERVISORS = {"secretary_a", "county_a_command", "city_admin"}


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_role_matrix_for_list_and_detail(world, matrix, persona, via):
    client = api(world, persona, via)
    expected = {matrix[k].pk for k in VISIBLE[persona]}
    assert set(ids(client.get("/cases"))) == expected
    missing = client.get("/cases/999999").json()
    for key, case in matrix.items():
        detail = client.get(f"/cases/{case.pk}")
        by_number = client.get(f"/cases/by-number/{case.number}")
        supervise = client.post(f"/cases/{case.pk}/supervise", {"reason": "请尽快办理"})
        if key in VISIBLE[persona]:
            assert detail.status_code == by_number.status_code == 200
            assert detail.json()["number"] == by_number.json()["number"] == case.number
            # Seeing a case is not overseeing it: only those above its rung supervise.
            assert supervise.status_code == (200 if persona in SUPERVISORS else 403)
        else:
            # Hidden is indistinguishable from missing, for reads and for steps.
            assert detail.status_code == by_number.status_code == supervise.status_code == 404
            assert detail.json() == missing == {"code": "not_found", "message": missing["message"]}
            assert supervise.json() == missing


def test_anonymous_calls_are_401(world, matrix):
    client = api(world, None)
    case = matrix["a1"]
    for response in (
        client.get("/cases"),
        client.get(f"/cases/{case.pk}"),
        client.get("/categories"),
        client.get("/measures", {"place": world.community_a.pk}),
        client.get("/notifications"),
        client.post(f"/cases/{case.pk}/acknowledge"),
        raise_via_api(client, world),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    assert snapshot(case)[0] == Status.SUBMITTED


def test_a_department_sees_only_what_is_dispatched_to_it(world, matrix, raise_case):
    # Given a street-light case escalated from the community through the town
    light = raise_case("street_light", place=world.household_a1)
    for persona in ("worker_a", "town_a_staff"):
        response = api(world, persona).post(f"/cases/{light.pk}/escalate", {"reason": "需上级"})
        assert response.status_code == 200, response.content
    assert response.json()["rung"] == 6
    assert response.json()["handler_department"]["id"] == world.department.pk
    # Then the department handler sees that case alone, and holds it
    handler = api(world, "dept_handler")
    assert ids(handler.get("/cases")) == [light.pk]
    assert ids(handler.get("/cases", {"mine": "holder"})) == [light.pk]
    assert handler.get(f"/cases/{matrix['a1'].pk}").status_code == 404
    detail = handler.get(f"/cases/{light.pk}").json()
    assert detail["actions"][:1] == ["acknowledge"] and "escalate" not in detail["actions"]


def test_work_queue_and_raised_lists(world, matrix):
    assert set(ids(api(world, "group_a1").get("/cases", {"mine": "holder"}))) == {
        matrix["a1"].pk,
        matrix["other"].pk,
    }
    assert ids(api(world, "branch_a").get("/cases", {"mine": "holder"})) == [matrix["a2"].pk]
    # A grid worker sees the grid's cases but holds none; a resident holds nothing.
    assert ids(api(world, "grid_a1").get("/cases", {"mine": "holder"})) == []
    assert ids(api(world, "nobody").get("/cases", {"mine": "holder"})) == []
    assert ids(api(world, "other").get("/cases", {"mine": "raised"})) == [matrix["other"].pk]
    assert ids(api(world, "secretary_a").get("/cases", {"mine": "raised"})) == []


def test_filters(world, matrix, raise_case):
    secretary = api(world, "secretary_a")
    light = raise_case("street_light", place=world.household_a2, title="小区门口路灯不亮")
    old = raise_case(place=world.household_a1, now=timezone.now() - dt.timedelta(days=60))
    s.case_acknowledge(actor=world.users["group_a1"], case=matrix["a1"])

    def found(**params):
        return set(ids(secretary.get("/cases", params)))

    everything = {matrix["a1"].pk, matrix["a2"].pk, matrix["other"].pk, light.pk, old.pk}
    assert found() == everything
    assert found(status="acknowledged") == {matrix["a1"].pk}
    assert found(rung=4) == {light.pk}
    assert found(category="street_light") == {light.pk}
    assert found(category="building") == everything - {light.pk}  # a parent: its leaves
    assert found(place=world.building_a2.pk) == {matrix["a2"].pk, light.pk}
    assert found(overdue="true") == {old.pk}
    assert found(q="路灯") == {light.pk}
    assert found(q=matrix["a2"].number) == {matrix["a2"].pk}
    assert found(q="nothing like it") == set()
    # A place outside the caller's scope is the same 404 as a missing one.
    assert secretary.get("/cases", {"place": world.household_b.pk}).status_code == 404
    grid = api(world, "grid_a1")
    assert grid.get("/cases", {"place": world.building_a2.pk}).status_code == 404


# --- The ladder over HTTP --------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_the_ladder_journey(world, via):
    """A resident raises; the party group escalates; the branch resolves; the raiser
    rates it and it closes."""
    resident = api(world, "nobody", via)
    leader, branch = api(world, "group_a1", via), api(world, "branch_a", via)

    raised = raise_via_api(resident, world, description="1单元三楼")
    assert raised.status_code == 201, raised.content
    case = raised.json()
    assert (case["status"], case["rung"], case["handler_place"]["id"]) == (
        "submitted",
        2,
        world.building_a1.pk,
    )
    assert case["raised_by_me"] and case["actions"] == []
    path = f"/cases/{case['id']}"

    assert leader.get(path).json()["actions"] == [
        "acknowledge",
        "escalate",
        "return",
        "transfer",
        "comment",
    ]
    assert leader.post(f"{path}/acknowledge").json()["status"] == "acknowledged"
    escalated = leader.post(f"{path}/escalate", {"reason": "涉及全小区线路"}).json()
    assert (escalated["status"], escalated["rung"], escalated["handler_place"]["id"]) == (
        "submitted",
        3,
        world.compound_a.pk,
    )
    # The party group no longer holds it.
    assert leader.post(f"{path}/acknowledge").status_code == 403

    assert branch.post(f"{path}/acknowledge").status_code == 200
    resolved = branch.client.post(
        f"{API_PREFIX}{path}/resolve",
        {"resolution": "更换线路", "photos": [jpeg_with_gps()]},
        headers=branch.headers,
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"

    assert resident.get(path).json()["actions"] == ["rate"]
    rated = resident.post(f"{path}/rate", {"solved": True, "satisfaction": "satisfied"})
    assert rated.status_code == 200 and rated.json()["status"] == "closed"

    detail = resident.get(path).json()
    assert [e["kind"] for e in detail["events"]] == [
        "created",
        "assigned",
        "acknowledged",
        "escalated",
        "acknowledged",
        "resolved",
        "closed",
    ]
    assert detail["resolved_rung"] == 3 and detail["satisfaction"] == "satisfied"
    assert [p["purpose"] for p in detail["photos"]] == ["resolution"]
    # The raiser sees the progress, not who on the staff acted.
    assert {e["actor"] for e in detail["events"]} == {None}
    assert branch.get(path).json()["events"][4]["actor"] == "branch_a"


def test_every_other_step_over_http(world, matrix, raise_case):
    secretary, worker = api(world, "secretary_a"), api(world, "worker_a")
    town, leader = api(world, "town_a_staff"), api(world, "group_a1")
    case = matrix["a1"]
    path = f"/cases/{case.pk}"

    # Return → the community re-routes it as a street light.
    assert leader.post(f"{path}/return", {"reason": "这是路灯"}).json()["status"] == "returned"
    assert "reroute" in secretary.get(path).json()["actions"]
    rerouted = secretary.post(f"{path}/reroute", {"category": "street_light", "reason": "改类"})
    assert (rerouted.json()["rung"], rerouted.json()["category"]["code"]) == (4, "street_light")

    # Extension asked by the community, decided by the town.
    assert worker.post(f"{path}/acknowledge").status_code == 200
    due = worker.get(path).json()["resolve_due_at"]
    asked = worker.post(f"{path}/extension", {"days": 2, "reason": "等配件"})
    assert asked.status_code == 200
    assert worker.post(f"{path}/extension", {"days": 2, "reason": "再等"}).status_code == 409
    assert "decide_extension" in town.get(path).json()["actions"]
    decided = town.post(f"{path}/extension/decision", {"approve": True, "reason": "同意"})
    assert decided.status_code == 200 and decided.json()["resolve_due_at"] > due

    # Hold, resume, supervise, comment.
    assert worker.post(f"{path}/hold", {"reason": "待市政改造"}).json()["status"] == "on_hold"
    assert worker.post(f"{path}/resume").json()["status"] == "in_progress"  # no body needed
    assert town.post(f"{path}/supervise", {"reason": "三天内办结"}).json()["supervised"] is True
    note = worker.post(f"{path}/comment", {"text": "已联系电工"})
    assert note.status_code == 201 and note.json()["kind"] == "comment"
    # Comments are internal: the raiser's timeline leaves them out.
    kinds = [e["kind"] for e in api(world, "nobody").get(path).json()["events"]]
    assert "comment" not in kinds and "supervised" in kinds

    # Transfer to the right building; merge a duplicate by number.
    wrong = matrix["other"]
    moved = leader.post(
        f"/cases/{wrong.pk}/transfer", {"reason": "报错楼栋", "to_place": world.building_a2.pk}
    )
    assert moved.status_code == 200 and moved.json()["handler_place"]["id"] == world.building_a2.pk
    dup = raise_case(place=world.household_a2)
    merged = secretary.post(f"/cases/{dup.pk}/merge", {"into": matrix["a2"].number})
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    assert secretary.get(f"/cases/{dup.pk}").json()["merged_into"] == matrix["a2"].number
    # Merging into a case the caller cannot see is the same 404 as a missing one.
    other_dup = raise_case(place=world.household_a2)
    hidden = secretary.post(f"/cases/{other_dup.pk}/merge", {"into": str(matrix["b"].pk)})
    assert hidden.status_code == 404


def test_only_the_raiser_or_a_supervisor_rates(world, matrix):
    case = matrix["a1"]
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    s.case_resolve(actor=world.users["group_a1"], case=case, resolution="好了")
    before = snapshot(case)
    response = api(world, "grid_a1").post(
        f"/cases/{case.pk}/rate", {"solved": True, "satisfaction": "satisfied"}
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert snapshot(case) == before


# --- Transitions at the edge -----------------------------------------------------------------


def test_a_step_outside_the_table_is_409_and_changes_nothing(world, matrix):
    leader = api(world, "group_a1")
    case = matrix["a1"]
    before = snapshot(case)
    for step, body in (
        ("start", None),
        ("resolve", None),
        ("resume", {}),
        ("rate", {"solved": True, "satisfaction": "satisfied"}),
    ):
        if step == "resolve":
            response = leader.client.post(
                f"{API_PREFIX}/cases/{case.pk}/resolve", {"resolution": "修好了"}
            )
        else:
            response = leader.post(f"/cases/{case.pk}/{step}", body)
        assert response.status_code == 409, (step, response.content)
        assert response.json()["code"] == "invalid_transition"
        assert response.json()["message"]
    assert snapshot(case) == before
    # Twice the same step: the second is refused.
    assert leader.post(f"/cases/{case.pk}/acknowledge").status_code == 200
    after = snapshot(case)
    assert leader.post(f"/cases/{case.pk}/acknowledge").status_code == 409
    assert snapshot(case) == after


def test_a_step_the_caller_may_not_take_is_403_and_changes_nothing(world, matrix):
    case = matrix["a1"]
    before = snapshot(case)
    for persona in ("grid_a1", "branch_a", "nobody"):
        response = api(world, persona).post(f"/cases/{case.pk}/acknowledge")
        assert response.status_code == 403, persona
    # Out of scope: 404, not 403.
    assert api(world, "secretary_b").post(f"/cases/{case.pk}/acknowledge").status_code == 404
    assert snapshot(case) == before


STEP_BODIES: dict[str, tuple[str, dict[str, Any]]] = {
    "acknowledge": ("acknowledge", {}),
    "start": ("start", {}),
    "resolve": ("resolve", {"resolution": "已办好"}),
    "escalate": ("escalate", {"reason": "需上级"}),
    "return": ("return", {"reason": "不归我们"}),
    "transfer": ("transfer", {"reason": "转交"}),  # target added per case
    "request_extension": ("extension", {"days": 2, "reason": "等配件"}),
    "decide_extension": ("extension/decision", {"approve": True}),
    "hold": ("hold", {"reason": "挂账"}),
    "resume": ("resume", {}),
    "supervise": ("supervise", {"reason": "督办"}),
    "reroute": ("reroute", {}),
    "merge": ("merge", {}),  # target added per case
    "rate": ("rate", {"solved": True, "satisfaction": "satisfied"}),
    "comment": ("comment", {"text": "备注"}),
}


def _try(world, persona, case, action, spare):
    """Take ``action`` over HTTP and roll everything back; the response status."""
    step, body = STEP_BODIES[action]
    body = dict(body)
    if action == "transfer":
        body["to_place"] = world.building_a2.pk
    if action == "merge":
        body["into"] = spare.number
    client = api(world, persona)
    with transaction.atomic():
        if action == "resolve":
            response = client.client.post(f"{API_PREFIX}/cases/{case.pk}/resolve", body)
        else:
            response = client.post(f"/cases/{case.pk}/{step}", body)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize(
    "stage", ["submitted", "acknowledged", "extension", "returned", "resolved", "on_hold"]
)
def test_allowed_actions_are_what_the_services_accept(world, raise_case, stage):
    """For each persona, an action the detail offers is accepted, and one it does not
    offer is refused (403/409) — at several stages of a case."""
    spare = raise_case(place=world.household_a1)
    if stage in {"resolved", "on_hold"}:
        case = raise_case("street_light", place=world.household_a1)
        s.case_acknowledge(actor=world.users["worker_a"], case=case)
        if stage == "resolved":
            s.case_resolve(actor=world.users["worker_a"], case=case, resolution="好了")
        else:
            s.case_hold(actor=world.users["worker_a"], case=case, reason="待改造")
    else:
        case = raise_case(place=world.household_a1)
        if stage in {"acknowledged", "extension"}:
            s.case_acknowledge(actor=world.users["group_a1"], case=case)
        if stage == "extension":
            s.case_request_extension(actor=world.users["group_a1"], case=case, days=2, reason="x")
        if stage == "returned":
            s.case_return(actor=world.users["group_a1"], case=case, reason="退回")
    for persona in ("group_a1", "branch_a", "worker_a", "town_a_staff", "grid_a1", "nobody"):
        offered = api(world, persona).get(f"/cases/{case.pk}").json()["actions"]
        for action in STEP_BODIES:
            status = _try(world, persona, case, action, spare)
            if action in offered:
                assert status in {200, 201}, (stage, persona, action, status)
            else:
                assert status in {403, 409}, (stage, persona, action, status)


# --- Raising: retries and photos -------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_a_retry_with_the_same_key_raises_one_case(world, via):
    resident = api(world, "nobody", via)
    key = {"Idempotency-Key": "4b8f6f0e-2c1a-4d0b-9a53-1c7d1c0f2a11"}
    first = raise_via_api(resident, world, headers=key, photos=[jpeg_with_gps()])
    again = raise_via_api(resident, world, headers=key, photos=[jpeg_with_gps()])
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Case.objects.count() == 1 and CasePhoto.objects.count() == 1
    # The same key with another request is a client bug.
    other = raise_via_api(resident, world, headers=key, title="另一件事")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # Without a key, a second post is a second case.
    assert raise_via_api(resident, world).status_code == 201
    assert Case.objects.count() == 2


def test_a_retry_without_photos_replays_the_first_answer(world):
    """Without photos the record is written after the case, with its answer
    (``record_last``): a retry is answered from it before any write, the counter and the
    tallies untouched, and a reused key is still refused."""
    resident = api(world, "nobody", "token")
    key = {"Idempotency-Key": "no-photos-1"}
    first = raise_via_api(resident, world, headers=key)
    counters = list(CaseNumberCounter.objects.values_list("county_code", "day", "last"))
    again = raise_via_api(resident, world, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert Case.objects.count() == 1
    assert list(CaseNumberCounter.objects.values_list("county_code", "day", "last")) == counters
    other = raise_via_api(resident, world, headers=key, title="另一件事")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_raise_one_case():
    world = build_world()

    _, token = api_token_issue(actor=world.users["nobody"], user=world.users["nobody"], name="t")
    responses = []
    barrier = threading.Barrier(3)

    def post() -> None:
        try:
            barrier.wait()
            responses.append(
                Client().post(
                    f"{API_PREFIX}/cases",
                    {
                        "category": "stairwell_light",
                        "place": world.household_a1.pk,
                        "title": "并发",
                    },
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.content for r in responses}) == 1
    assert Case.objects.count() == 1


# Queries of one creation through a bearer token (SQLite counts BEGIN and COMMIT; the
# token's once-a-minute last_used_at touch comes on top): the token, the place, the
# category, the place's ancestors, the ladder's role assignments, the caller's; then in
# the transaction the idempotency record, the counter, the case, its events, the
# holder's notification and the record's response.
CREATE_QUERY_BUDGET = 14


def test_raising_a_case_stays_within_its_query_budget(world, django_assert_max_num_queries):
    """Given a resident with a token (already used this minute), when they raise a case
    that the ladder routes to a central household, skipping nobody, with an
    Idempotency-Key, then it costs at most the budget, and the case is written."""
    resident = api(world, "nobody", "token")
    assert raise_via_api(resident, world, category="noise").status_code == 201  # token touched
    with django_assert_max_num_queries(CREATE_QUERY_BUDGET):
        response = raise_via_api(
            resident, world, category="noise", headers={"Idempotency-Key": "budget-1"}
        )
    assert response.status_code == 201, response.content
    assert response.json()["handler_place"]["id"] == world.household_a1.pk  # central_a1


def test_a_warm_creation_reads_nothing_the_process_already_holds(
    world, django_assert_max_num_queries
):
    """Given a resident with a token who has just raised a case (the process now holds
    the place, its chain, the category, the ladder and the caller's roles under the
    current reference generation), when they raise another there, then only the token's
    query and the writes are made."""
    resident = api(world, "nobody", "token")
    assert raise_via_api(resident, world, category="noise").status_code == 201
    with django_assert_max_num_queries(CREATE_QUERY_BUDGET - 5):
        response = raise_via_api(
            resident, world, category="noise", headers={"Idempotency-Key": "warm-1"}
        )
    assert response.status_code == 201, response.content


def test_the_token_door_sees_role_and_category_changes_at_once(world):
    """Given a resident whose creations are served from the process's copies, when the
    central household's role is revoked, then the next case skips that rung; when the
    category is switched off, then the next report is refused."""
    from shequgang.people.models import RoleAssignment
    from shequgang.people.services import role_revoke

    resident = api(world, "nobody", "token")
    first = raise_via_api(resident, world, category="noise")
    assert first.json()["handler_place"]["id"] == world.household_a1.pk
    assignment = RoleAssignment.objects.get(user=world.users["central_a1"], revoked_at=None)
    role_revoke(actor=world.admin, assignment=assignment)
    second = raise_via_api(resident, world, category="noise")
    assert second.status_code == 201, second.content
    assert second.json()["handler_place"]["id"] == world.building_a1.pk  # the party group
    Category.objects.filter(code="noise").update(active=False)
    third = raise_via_api(resident, world, category="noise")
    assert third.status_code == 400
    assert third.json()["code"] == "invalid_category"


def _department_category() -> Category:
    parent = Category.objects.get(code="municipal")
    return Category.objects.create(
        parent=parent, code="dept_direct", name="直派部门", start_rung=6, department="城市管理"
    )


@pytest.mark.parametrize(
    ("persona", "fields"),
    [
        # A resident, anonymous, with a phone and a photo: the central household holds it.
        ("nobody", {"category": "noise", "anonymous": "true", "raiser_phone": RAISER_PHONE}),
        # Staff of the community for a resident, with coordinates: the party group.
        ("secretary_a", {"source": "staff", "latitude": "37.5", "longitude": "111.1"}),
        # A branch with no party group: the event says the rung was skipped.
        ("grid_a2", {"source": "grid_patrol", "place": "a2"}),
        # Straight to a department of the county (dispatcher: the county).
        ("nobody", {"category": "dept_direct"}),
    ],
)
@pytest.mark.parametrize("via", VIAS)
def test_the_201_body_is_what_reading_the_case_returns(world, via, persona, fields):
    """Given a case just raised, when its raiser reads it back, then the body of the 201
    (built from what was just written) is exactly what the read returns."""
    _department_category()
    fields = dict(fields)
    if fields.get("place") == "a2":
        fields["place"] = world.household_a2.pk
    client = api(world, persona, via)
    created = raise_via_api(client, world, photos=[jpeg_with_gps()], **fields)
    assert created.status_code == 201, created.content
    body = created.json()
    assert len(body["events"]) == 2 and len(body["photos"]) == 1
    assert client.get(f"/cases/{body['id']}").json() == body


def test_a_retry_still_replays_when_the_request_would_now_be_refused(world):
    """Given a case raised with a key, when its category gains 小类 (so raising in it is
    now refused) and the client retries, then the retry gets the first response; a new
    request is refused and raises nothing."""
    resident = api(world, "nobody", "token")
    key = {"Idempotency-Key": "retry-after-change"}
    first = raise_via_api(resident, world, headers=key)
    assert first.status_code == 201
    light = Category.objects.get(code="stairwell_light")
    Category.objects.create(parent=light, code="stairwell_light_led", name="LED")
    again = raise_via_api(resident, world, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    fresh = raise_via_api(resident, world, headers={"Idempotency-Key": "another"})
    assert fresh.status_code == 400 and fresh.json()["code"] == "invalid_category"
    assert Case.objects.count() == 1


@pytest.mark.parametrize("via", VIAS)
def test_photos_are_stored_without_exif_and_served_to_those_who_see_the_case(world, via):
    resident = api(world, "nobody", via)
    raised = raise_via_api(resident, world, photos=[jpeg_with_gps(), jpeg_with_gps()])
    assert raised.status_code == 201, raised.content
    photos = raised.json()["photos"]
    assert [(p["purpose"], p["content_type"]) for p in photos] == [("report", "image/jpeg")] * 2
    for stored in CasePhoto.objects.all():
        with Image.open(stored.image.path) as image:
            assert not image.getexif()
    url = photos[0]["url"]
    assert url.startswith(API_PREFIX)
    served = resident.client.get(url, headers=resident.headers)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    body = b"".join(served.streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (64, 48) and not image.getexif()
    assert b"FakeCam" not in body
    grid_a2 = api(world, "grid_a2", via)
    assert grid_a2.client.get(url, headers=grid_a2.headers).status_code == 404


@pytest.mark.parametrize(
    ("photos", "code"),
    [
        (lambda: [io.BytesIO(b"%PDF-1.4 not an image")], "invalid_photo"),
        (lambda: [jpeg_with_gps(), io.BytesIO(b"GIF89a")], "invalid_photo"),
        (lambda: [jpeg_with_gps() for _ in range(10)], "too_many_photos"),
    ],
)
def test_bad_photos_are_400_and_raise_nothing(world, photos, code):
    files = photos()
    for i, f in enumerate(files):
        f.name = getattr(f, "name", f"upload{i}.jpg")
    before = counts()
    response = raise_via_api(api(world, "nobody"), world, photos=files)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert counts() == before


def test_resolving_with_a_non_image_changes_nothing(world, matrix):
    case = matrix["a1"]
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    before, totals = snapshot(case), counts()
    leader = api(world, "group_a1")
    bad = io.BytesIO(b"not an image")
    bad.name = "x.jpg"
    response = leader.client.post(
        f"{API_PREFIX}/cases/{case.pk}/resolve", {"resolution": "好了", "photos": [bad]}
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_photo"
    assert snapshot(case) == before and counts() == totals


def test_staff_may_raise_for_a_resident_only_within_their_scope(world):
    grid = api(world, "grid_a1")
    ok = raise_via_api(
        grid, world, source="grid_patrol", raiser_name="王大爷", raiser_phone=RAISER_PHONE
    )
    assert ok.status_code == 201, ok.content
    assert (ok.json()["source"], ok.json()["raiser_name"]) == ("grid_patrol", "王大爷")
    assert ok.json()["raiser_phone_masked"] == "139****5678"
    before = counts()
    outside = raise_via_api(grid, world, source="grid_patrol", place=world.household_a2.pk)
    assert outside.status_code == 404
    # A resident cannot claim to be staff.
    resident = raise_via_api(api(world, "nobody"), world, source="hotline")
    assert resident.status_code == 404
    assert counts() == before


# --- Raiser privacy --------------------------------------------------------------------------


def test_an_anonymous_raiser_is_hidden_below_the_community(world):
    resident = api(world, "nobody")
    raised = raise_via_api(
        resident, world, anonymous="true", raiser_name="张三", raiser_phone=RAISER_PHONE
    )
    assert raised.status_code == 201
    case_id = raised.json()["id"]
    # The raiser sees themself.
    assert raised.json()["raiser_name"] == "张三"

    leader = api(world, "group_a1")
    hidden = leader.get(f"/cases/{case_id}").json()
    assert hidden["raiser_name"] is None and hidden["raiser_phone_masked"] is None
    assert hidden["events"][0]["kind"] == "created" and hidden["events"][0]["actor"] is None
    listed = leader.get("/cases").json()["items"][0]
    assert listed["raiser_name"] is None and listed["raiser_phone_masked"] is None
    after = leader.post(f"/cases/{case_id}/acknowledge").json()
    assert after["raiser_name"] is None

    secretary = api(world, "secretary_a").get(f"/cases/{case_id}").json()
    assert secretary["raiser_name"] == "张三"
    assert secretary["raiser_phone_masked"] == "139****5678"
    assert secretary["events"][0]["actor"] == "nobody"

    # No response ever carries the phone in full.
    for persona in ("nobody", "group_a1", "secretary_a", "city_admin"):
        client = api(world, persona)
        for response in (client.get("/cases"), client.get(f"/cases/{case_id}")):
            assert RAISER_PHONE not in response.content.decode()


# --- Keyset pages ----------------------------------------------------------------------------


def test_keyset_pages_return_each_case_once_overdue_first(world, raise_case):
    now = timezone.now()
    # Two raised at the same instant share a deadline: the id breaks the tie.
    moments = [now - dt.timedelta(days=d) for d in (40, 2, 20, 0, 40, 30, 1, 60)]
    made = [raise_case(place=world.household_a1, now=m) for m in moments]
    made.append(raise_case("street_light", place=world.household_a2))
    secretary = api(world, "secretary_a")

    items = every_page(secretary, "/cases", {"limit": 2})
    got = [c["id"] for c in items]
    expected = list(Case.objects.order_by("resolve_due_at", "id").values_list("id", flat=True))
    assert got == expected and sorted(got) == sorted(c.pk for c in made)
    flags = [c["overdue"] for c in items]
    assert any(flags) and not all(flags)
    assert flags == sorted(flags, reverse=True)  # every overdue case before the others

    # The work queue pages the same way.
    queue = every_page(api(world, "group_a1"), "/cases", {"mine": "holder", "limit": 3})
    assert [c["id"] for c in queue] == [i for i in expected if i != made[-1].pk]


def test_a_page_costs_the_same_queries_however_many_rows(world, raise_case):
    secretary = api(world, "secretary_a")

    def queries_for_a_page():
        with CaptureQueriesContext(connection) as queries:
            assert secretary.get("/cases", {"limit": 50}).status_code == 200
        return len(queries)

    raise_case(place=world.household_a1)
    few = queries_for_a_page()
    for _ in range(6):
        raise_case(place=world.household_a2, anonymous=True)
    assert queries_for_a_page() == few


def test_a_case_that_changes_between_pages_is_neither_repeated_nor_lost(world, raise_case):
    made = [raise_case(place=world.household_a1) for _ in range(5)]
    leader = api(world, "group_a1")
    first = leader.get("/cases", {"limit": 2}).json()
    # Meanwhile a case already shown is acknowledged (its deadline does not move).
    s.case_acknowledge(actor=world.users["group_a1"], case=made[0])
    rest = every_page(leader, "/cases", {"limit": 2, "cursor": first["next_cursor"]})
    shown = [c["id"] for c in first["items"] + rest]
    assert sorted(shown) == sorted(c.pk for c in made) and len(set(shown)) == len(shown)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),
        lambda c: "X" + c,
        lambda c: "garbage",
        lambda c: "é:ü:ß",
        lambda c: "a" * 1000,
    ],
)
def test_a_tampered_cursor_is_400(world, raise_case, tamper):
    for _ in range(3):
        raise_case(place=world.household_a1)
    leader = api(world, "group_a1")
    cursor = leader.get("/cases", {"limit": 1}).json()["next_cursor"]
    response = leader.get("/cases", {"limit": 1, "cursor": tamper(cursor)})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


# --- Measures --------------------------------------------------------------------------------


@pytest.fixture
def measured(world, raise_case):
    """The scenario of the engine's measures test: two resolved at different rungs, one
    open dispute, one in another county, one merged duplicate."""
    leader, branch, resident = (
        world.users["group_a1"],
        world.users["branch_a"],
        world.users["nobody"],
    )
    a = raise_case(actor=resident)
    s.case_acknowledge(actor=leader, case=a)
    s.case_resolve(actor=leader, case=a, resolution="好")
    s.case_rate(actor=resident, case=a, solved=True, satisfaction="satisfied")
    b = raise_case(actor=resident)
    s.case_escalate(actor=leader, case=b, reason="需支部")
    s.case_acknowledge(actor=branch, case=b)
    s.case_resolve(actor=branch, case=b, resolution="好")
    s.case_rate(actor=resident, case=b, solved=True, satisfaction="basic")
    raise_case("neighbour_dispute", actor=resident)
    raise_case("street_light", place=world.household_b, actor=resident)
    dup = raise_case(actor=resident)
    s.case_merge(actor=world.users["secretary_a"], case=dup, into=a)
    return a


def test_measures_and_their_drill_down_agree(world, measured):
    secretary = api(world, "secretary_a")
    place = {"place": world.community_a.pk}
    response = secretary.get("/measures", place)
    assert response.status_code == 200, response.content
    m = response.json()
    assert m["total"] == 3 and m["place"]["id"] == world.community_a.pk
    assert m["satisfaction"] == 0.95
    r = m["ratios"]
    assert (r["response"]["numerator"], r["response"]["denominator"]) == (2, 3)
    assert (r["in_building"]["numerator"], r["in_building"]["denominator"]) == (1, 2)
    assert r["in_building"]["value"] == 0.5 and r["basic"]["label"] == "基本满意"
    for name, ratio in r.items():
        for part in ("numerator", "denominator"):
            items = every_page(secretary, f"/measures/{name}/{part}", {**place, "limit": 1})
            assert len(items) == len({c["id"] for c in items}) == ratio[part], (name, part)
    drilled = every_page(secretary, "/measures/in_building/numerator", place)
    assert [c["id"] for c in drilled] == [measured.pk]


def test_measures_periods(world, measured):
    secretary = api(world, "secretary_a")
    today = timezone.localtime(timezone.now(), SHANGHAI).date()

    def total(**params):
        response = secretary.get("/measures", {"place": world.community_a.pk, **params})
        assert response.status_code == 200, response.content
        return response.json()["total"]

    tomorrow, yesterday = today + dt.timedelta(days=1), today - dt.timedelta(days=1)
    # The default is the last 30 days.
    assert total() == 3
    # A date as the end includes that day; a time as the end is excluded.
    assert total(start=str(today), end=str(today)) == 3
    assert total(start=str(today - dt.timedelta(days=3)), end=str(yesterday)) == 0
    assert total(start=f"{yesterday}T00:00:00+08:00", end=f"{today}T00:00:00+08:00") == 0
    assert total(start=f"{today}T00:00:00+08:00", end=f"{tomorrow}T00:00:00+08:00") == 3
    # UTC with "Z"; and an unescaped "+" arrives as a space and still reads as the offset.
    assert total(start=f"{yesterday}T00:00:00Z", end=f"{tomorrow}T00:00:00Z") == 3
    assert total(start=f"{yesterday}T00:00:00 08:00") == 3
    # Only an end: the 30 days before it.
    assert total(end=str(today - dt.timedelta(days=40))) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"start": "yesterday"},
        {"start": "2026-02-30"},
        {"start": "2026-01-01T08:00:00"},  # naive
        {"start": "0001-01-01"},
        {"end": "9999-12-31"},
        {"start": "2026-03-01", "end": "2026-02-01"},
        {"start": "2026-03-01", "end": "2026-03-01T00:00:00+08:00"},
        {"start": "2023-01-01", "end": "2026-01-01"},  # more than two years
        {"place": "abc"},
        {"place": "-1"},
        {"place": str(2**64)},
    ],
)
def test_bad_measures_queries_are_422(world, params):
    response = api(world, "secretary_a").get("/measures", {"place": world.community_a.pk, **params})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"


def test_measures_need_case_view_over_the_place(world, measured):
    assert (
        api(world, "secretary_b").get("/measures", {"place": world.community_a.pk}).status_code
        == 404
    )
    assert (
        api(world, "dept_handler").get("/measures", {"place": world.county_a.pk}).status_code == 404
    )
    grid = api(world, "grid_a1")
    assert grid.get("/measures", {"place": world.compound_a.pk}).status_code == 404
    assert grid.get("/measures", {"place": world.building_a1.pk}).json()["total"] == 3
    drill = grid.get("/measures/bogus/numerator", {"place": world.building_a1.pk})
    assert drill.status_code == 422
    drill = grid.get("/measures/response/all", {"place": world.building_a1.pk})
    assert drill.status_code == 422


# --- Categories and notifications ------------------------------------------------------------


def test_categories_are_the_active_tree(world, cat):
    Category.objects.filter(code="noise").update(active=False)
    response = api(world, "nobody").get("/categories")
    assert response.status_code == 200
    groups = {g["code"]: g for g in response.json()}
    building = {c["code"]: c for c in groups["building"]["children"]}
    assert building["stairwell_light"]["start_rung"] == 2
    assert building["stairwell_light"]["resolve_days"] == cat("stairwell_light").resolve_days
    neighbour = {c["code"] for c in groups["neighbour"]["children"]}
    assert "neighbour_dispute" in neighbour and "noise" not in neighbour


def test_the_inbox_shows_unread_first_and_marks_read(world, raise_case):
    first = raise_case(place=world.household_a1, title="第一件")
    raise_case(place=world.household_a1, title="第二件")
    undelivered = Notification.objects.filter(recipient=world.users["group_a1"])
    assert api(world, "group_a1").get("/notifications").json()["count"] == 0
    deliver_due()
    leader = api(world, "group_a1")
    inbox = leader.get("/notifications").json()
    assert (inbox["count"], inbox["unread"]) == (2, 2)
    older = next(n for n in inbox["items"] if n["case_id"] == first.pk)
    read = leader.post(f"/notifications/{older['id']}/read")
    assert read.status_code == 200 and read.json()["unread"] is False
    again = leader.post(f"/notifications/{older['id']}/read")
    assert again.json()["read_at"] == read.json()["read_at"]
    inbox = leader.get("/notifications").json()
    assert inbox["unread"] == 1
    assert [n["unread"] for n in inbox["items"]] == [True, False]
    # Someone else's notification is the same 404 as a missing one.
    note = undelivered.first()
    assert note is not None
    assert api(world, "branch_a").post(f"/notifications/{note.pk}/read").status_code == 404
    assert leader.post("/notifications/999999/read").status_code == 404


# --- Bad input never fails the server --------------------------------------------------------


def test_no_input_makes_the_api_fail(world, matrix):
    client = api(world, "secretary_a")
    case = matrix["a1"]
    gets = [
        ("/cases/abc", {}),
        ("/cases/0", {}),
        (f"/cases/{2**64}", {}),
        ("/cases/-1", {}),
        ("/cases/by-number/" + "9" * 40, {}),
        ("/cases/by-number/%00", {}),
        ("/cases", {"rung": "abc"}),
        ("/cases", {"rung": "9"}),
        ("/cases", {"status": "bogus"}),
        ("/cases", {"place": "-1"}),
        ("/cases", {"place": str(2**70)}),
        ("/cases", {"limit": "100000"}),
        ("/cases", {"limit": "0"}),
        ("/cases", {"limit": "x"}),
        ("/cases", {"overdue": "perhaps"}),
        ("/cases", {"mine": "everyone"}),
        ("/cases", {"q": "a\x00b"}),
        ("/cases", {"q": "x" * 101}),
        ("/cases", {"category": "x" * 41}),
        ("/cases", {"cursor": "x" * 1001}),
        (f"/cases/{case.pk}/photos/abc", {}),
        (f"/cases/{case.pk}/photos/99999", {}),
        ("/notifications", {"limit": "-5"}),
        ("/measures", {}),
    ]
    for path, params in gets:
        response = client.get(path, params)
        assert 400 <= response.status_code < 500, (path, params, response.status_code)
        assert {"code", "message"} <= set(response.json()), (path, params)
    posts = [
        (f"/cases/{case.pk}/escalate", {}),
        (f"/cases/{case.pk}/escalate", {"reason": 5}),
        (f"/cases/{case.pk}/escalate", {"reason": "a\x00"}),
        (f"/cases/{case.pk}/escalate", ["reason"]),
        (f"/cases/{case.pk}/extension", {"days": "x", "reason": "r"}),
        (f"/cases/{case.pk}/extension", {"days": 10**20, "reason": "r"}),
        (f"/cases/{case.pk}/transfer", {"reason": "r", "to_place": 2**70}),
        (f"/cases/{case.pk}/transfer", {"reason": "r", "to_place": 999999}),
        (f"/cases/{case.pk}/transfer", {"reason": "r", "to_department": 999999}),
        (f"/cases/{case.pk}/transfer", {"reason": "r"}),
        (f"/cases/{case.pk}/reroute", {"category": "nope"}),
        (f"/cases/{case.pk}/rate", {"solved": "maybe", "satisfaction": "satisfied"}),
        (f"/cases/{case.pk}/rate", {"solved": True, "satisfaction": "ecstatic"}),
        (f"/cases/{case.pk}/merge", {"into": "no-such-number"}),
        (f"/cases/{case.pk}/merge", {"into": str(case.pk)}),
        (f"/cases/{case.pk}/merge", {"into": "9" * 30}),
        (f"/cases/{case.pk}/comment", {"text": ""}),
        (f"/cases/{case.pk}/nonsense", {}),
        ("/cases/abc/acknowledge", {}),
        ("/notifications/abc/read", {}),
    ]
    for path, body in posts:
        response = client.post(path, body)
        assert 400 <= response.status_code < 500, (path, body, response.status_code)
        assert {"code", "message"} <= set(response.json()), (path, body)
    raw = client.post(f"/cases/{case.pk}/escalate", raw=b"\xff{not json")
    assert raw.status_code == 400
    resident = api(world, "nobody")
    before = counts()
    for fields in (
        {"place": "abc"},
        {"place": 999999},
        {"category": "no_such_category"},
        {"category": "building"},  # a parent category
        {"place": world.town_a.pk},  # not a place a case can be at
        {"title": ""},
        {"title": "x" * 101},
        {"latitude": "nan"},
        {"latitude": "91"},
        {"anonymous": "perhaps"},
        {"source": "camera"},
        {"raiser_phone": "123"},
    ):
        response = raise_via_api(resident, world, **fields)
        assert 400 <= response.status_code < 500, (fields, response.status_code)
        assert {"code", "message"} <= set(response.json()), fields
    # Requests Django will not read are malformed requests, not server errors.
    files = [io.BytesIO(b"x") for _ in range(101)]
    for i, f in enumerate(files):
        f.name = f"{i}.jpg"
    assert raise_via_api(resident, world, photos=files).status_code == 400
    assert raise_via_api(resident, world, description="x" * 3_000_000).status_code == 413
    no_boundary = resident.client.generic(
        "POST", f"{API_PREFIX}/cases", b"abc", content_type="multipart/form-data"
    )
    assert no_boundary.status_code == 400
    assert no_boundary.json()["code"] == "malformed_request"
    json_post = resident.post("/cases", {"category": "stairwell_light", "title": "x"})
    assert json_post.status_code == 422
    bad_key = raise_via_api(resident, world, headers={"Idempotency-Key": "x" * 201})
    assert bad_key.status_code in {400, 422}
    assert counts() == before
    assert snapshot(case)[0] == Status.SUBMITTED


# --- The document ----------------------------------------------------------------------------


def test_the_openapi_document_includes_the_cases_api(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    documented = {
        (method, path.removeprefix("/api/v1"))
        for path, item in spec["paths"].items()
        for method in item
    }
    steps = [
        "acknowledge", "start", "resolve", "return", "reroute", "transfer", "escalate",
        "extension", "extension/decision", "supervise", "hold", "resume", "rate", "merge",
        "comment",
    ]  # fmt: skip
    assert documented >= {
        ("get", "/categories"),
        ("get", "/cases"),
        ("post", "/cases"),
        ("get", "/cases/{case_id}"),
        ("get", "/cases/by-number/{number}"),
        ("get", "/cases/{case_id}/photos/{photo_id}"),
        ("get", "/measures"),
        ("get", "/measures/{name}/{part}"),
        ("get", "/notifications"),
        ("post", "/notifications/{notification_id}/read"),
        *{("post", f"/cases/{{case_id}}/{step}") for step in steps},
    }
    create = spec["paths"]["/api/v1/cases"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert {"201", "400", "401", "404", "422"} <= set(create["responses"])
    step = spec["paths"]["/api/v1/cases/{case_id}/escalate"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(step["responses"])
