"""The deliberation API: a branch meeting from planning to the decision and its task, an
owners' vote counted with each ratio against its threshold, and the 401 / 403 / 404 / 409
matrix, through a browser session and through a bearer token."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from shequgang.cases.models import EventKind
from shequgang.cases.models.deliberation import Deliberation
from shequgang.people.services import api_token_issue

from .deliberation_world import add_households, plan_meeting

API = "/api/v1/deliberations"


class Caller:
    """One persona calling the API by session (default) or bearer token."""

    def __init__(self, user=None, via="session"):
        self.client, self.headers = Client(), {}
        if user is not None and via == "session":
            self.client.force_login(user)
        elif user is not None:
            _, token = api_token_issue(actor=user, user=user, name="tests")
            self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path=""):
        return self.client.get(API + path, headers=self.headers)

    def post(self, path="", body=None):
        return self._send("post", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def _send(self, method, path, body):
        data = json.dumps(body if body is not None else {})
        send = getattr(self.client, method)
        return send(API + path, data, content_type="application/json", headers=self.headers)


def today_at(hour):
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def case(world, raise_case):
    return raise_case("parking", place=world.household_a2, title="小区停车位不足")


@pytest.fixture
def branch(world):
    return Caller(world.users["branch_a"])


@pytest.fixture
def planned(world, case, branch):
    response = branch.post(
        "",
        {
            "rung": 3,
            "case_ids": [case.pk],
            "title": "停车位议事",
            "scheduled_at": today_at(12).isoformat(),
            "location": "党群服务站",
            "invitee_names": ["张大爷", "李阿姨"],
            "invitee_ids": [world.users["nobody"].pk],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_branch_meeting_from_plan_to_decision_and_task(world, case, branch, planned):
    path = f"/{planned['id']}"
    assert planned["status"] == "planned" and planned["place"]["name"] == "滨东花园小区"
    assert planned["rung_label"] == "小区党支部（组织议）" and planned["may_manage"]
    assert [c["number"] for c in planned["cases"]] == [case.number]
    zhang = next(a for a in planned["attendees"] if a["name"] == "张大爷")

    assert branch.post(path + "/options", {"text": "同意增划"}).status_code == 201
    option = branch.post(path + "/options", {"text": "不同意"}).json()
    signed = branch.post(path + "/sign-in", {"attendee_id": zhang["id"]})
    assert signed.status_code == 200 and signed.json()["signed_in_at"]
    me = Caller(world.users["nobody"]).post(path + "/sign-in", {})
    assert me.status_code == 200 and me.json()["user_id"] == world.users["nobody"].pk
    assert branch.post(path + "/hold").json()["status"] == "held"
    vote = branch.post(
        path + "/hand-votes", {"attendee_id": zhang["id"], "option_id": option["id"]}
    )
    assert vote.status_code == 201
    again = branch.post(
        path + "/hand-votes", {"attendee_id": zhang["id"], "option_id": option["id"]}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    assert branch.post(path + "/minutes", {"minutes": "到会3人"}).json()["minutes"] == "到会3人"
    decided = branch.post(path + "/decide", {"decision": "北侧增划车位"}).json()
    task = branch.post(
        path + "/follow-ups",
        {"text": "联系物业施划", "assignee_id": world.users["grid_a2"].pk},
    )
    assert task.status_code == 201
    done = Caller(world.users["grid_a2"]).post(
        f"{path}/follow-ups/{task.json()['id']}/done", {"note": "已完成"}
    )

    assert decided["status"] == "decided" and decided["decision"] == "北侧增划车位"
    assert decided["options"][1] == {"id": option["id"], "text": "不同意", "votes": 1}
    assert decided["hands_summary_zh"].startswith("签到2人，表决1人")
    assert done.status_code == 200 and done.json()["done_note"] == "已完成"
    states = [e.data["state"] for e in case.events.filter(kind=EventKind.TASK).order_by("id")]
    assert states == ["open", "done"]
    listed = branch.get(f"?case_id={case.pk}").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "decided"


def test_a_transition_outside_the_table_is_409(branch, planned):
    response = branch.post(f"/{planned['id']}/decide", {"decision": "未召开就决定"})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("via", ["session", "token"])
def test_an_owners_vote_counted_with_each_ratio_against_its_threshold(world, case, via):
    extra = add_households(world, ["100.00"] * 8)
    meeting = plan_meeting(world, [case.pk], now=timezone.now(), scheduled_at=today_at(12))
    branch = Caller(world.users["branch_a"], via)
    path = f"/{meeting.pk}/owners-vote"

    opened = branch.post(path, {"matter_type": 4})
    assert opened.status_code == 201, opened.content
    roll = {e["household_id"]: e for e in opened.json()["roll"]}
    assert opened.json()["parties"] == 10 and len(roll) == 10
    assert roll[world.household_a1.pk]["floor_area"] == "89.50"
    households = [world.household_a1, world.household_a2, *extra]
    for h, choice in zip(households, ["for"] * 7 + ["against"], strict=False):
        response = branch.post(path + "/ballots", {"entry_id": roll[h.pk]["id"], "choice": choice})
        assert response.status_code == 201
    duplicate = branch.post(
        path + "/ballots", {"entry_id": roll[extra[0].pk]["id"], "choice": "for"}
    )
    closed = branch.post(path + "/close")

    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_ballot"
    result = closed.json()["result"]
    assert closed.status_code == 200 and result["passed"] and result["quorum_met"]
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["quorum_area"] | {"explanation_zh": ""} == {
        "name": "quorum_area",
        "label": "参与表决的专有面积",
        "numerator": "809.50",
        "denominator": "1009.50",
        "unit": "㎡",
        "ratio": "1619/2019",
        "percent": "80.19%",
        "threshold": "2/3",
        "threshold_label": "≥ 2/3（三分之二以上）",
        "threshold_percent": "66.67%",
        "inclusive": True,
        "met": True,
        "explanation_zh": "",
    }
    assert checks["approval_owners"]["ratio"] == "7/8"
    assert checks["approval_owners"]["threshold_label"] == "> 1/2（过半数）"
    assert result["summary_zh"].startswith("表决通过（第4项")
    detail = branch.get(f"/{meeting.pk}").json()
    assert detail["owners_vote"]["result"]["passed"] and detail["owners_vote"]["roll"] is None


def test_owners_roll_marks_the_developer_before_the_first_ballot(world, case, branch):
    add_households(world, ["100.00"] * 2)
    meeting = plan_meeting(world, [case.pk], now=timezone.now(), scheduled_at=today_at(12))
    roll = branch.post(f"/{meeting.pk}/owners-vote", {"matter_type": 8}).json()["roll"]

    marked = branch.patch(
        f"/{meeting.pk}/owners-vote/roll/{roll[-1]['id']}", {"developer_unsold": True}
    )

    assert marked.status_code == 200 and marked.json()["developer_unsold"]
    assert branch.get(f"/{meeting.pk}/owners-vote").json()["parties"] == 4


def test_households_without_area_are_refused_with_their_list(world, case, branch):
    (missing,) = add_households(world, [None])
    meeting = plan_meeting(world, [case.pk], now=timezone.now(), scheduled_at=today_at(12))

    response = branch.post(f"/{meeting.pk}/owners-vote", {"matter_type": 4})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "floor_area_missing" and body["households"] == [missing.pk]
    assert "2号楼 301" in body["message"]


def test_the_roll_is_shown_to_managers_only(world, case, branch):
    meeting = plan_meeting(
        world,
        [case.pk],
        now=timezone.now(),
        scheduled_at=today_at(12),
        invitee_ids=[world.users["nobody"].pk],
    )
    branch.post(f"/{meeting.pk}/owners-vote", {"matter_type": 4})

    invitee = Caller(world.users["nobody"]).get(f"/{meeting.pk}/owners-vote")

    assert invitee.status_code == 200 and invitee.json()["roll"] is None
    assert len(branch.get(f"/{meeting.pk}/owners-vote").json()["roll"]) == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None),
        (
            "post",
            "",
            {"rung": 3, "case_ids": [1], "title": "x", "scheduled_at": "2030-01-01T10:00+08:00"},
        ),
        ("get", "/{id}", None),
        ("post", "/{id}/sign-in", {}),
        ("post", "/{id}/hold", None),
        ("get", "/{id}/owners-vote", None),
        ("post", "/{id}/owners-vote", {"matter_type": 4}),
        ("post", "/{id}/owners-vote/ballots", {"entry_id": 1, "choice": "for"}),
    ],
)
def test_anonymous_callers_get_401(planned, method, path, body):
    caller = Caller()
    path = path.format(id=planned["id"])
    response = caller.get(path) if method == "get" else caller.post(path, body)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("via", ["session", "token"])
@pytest.mark.parametrize("who", ["secretary_b", "grid_a2", "group_a1", "dept_handler"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/{id}", None),
        ("post", "/{id}/sign-in", {}),
        ("post", "/{id}/hold", None),
        ("post", "/{id}/options", {"text": "同意"}),
        ("get", "/{id}/owners-vote", None),
        ("post", "/{id}/owners-vote", {"matter_type": 4}),
        ("post", "/{id}/follow-ups/1/done", {}),
    ],
)
def test_out_of_scope_callers_get_the_same_404_as_for_a_missing_one(
    world, planned, via, who, method, path, body
):
    caller = Caller(world.users[who], via)
    for pk in (planned["id"], 999_999):
        url = path.format(id=pk)
        response = caller.get(url) if method == "get" else caller.post(url, body)
        assert response.status_code == 404, (url, response.content)
        assert response.json()["code"] == "not_found"


def test_out_of_scope_callers_do_not_list_it(world, planned):
    assert Caller(world.users["secretary_b"]).get().json()["count"] == 0
    assert Caller(world.users["secretary_a"]).get().json()["count"] == 1


def test_an_invitee_reads_but_may_not_manage(world, planned):
    nobody = Caller(world.users["nobody"])
    detail = nobody.get(f"/{planned['id']}")
    assert detail.status_code == 200 and not detail.json()["may_manage"]
    response = nobody.post(f"/{planned['id']}/hold")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_planning_on_a_case_out_of_scope_is_404_and_bad_input_is_4xx(world, case, raise_case):
    elsewhere = raise_case("parking", place=world.household_b)
    branch = Caller(world.users["branch_a"])
    base = {"rung": 3, "title": "议事", "scheduled_at": today_at(12).isoformat()}

    hidden = branch.post("", {**base, "case_ids": [elsewhere.pk]})
    naive = branch.post("", {**base, "case_ids": [case.pk], "scheduled_at": "2030-01-01T10:00"})
    forbidden = Caller(world.users["grid_a2"]).post("", {**base, "case_ids": [case.pk]})
    bad_rung = branch.post("", {**base, "case_ids": [case.pk], "rung": 6})

    assert hidden.status_code == 404
    assert naive.status_code == 422 and naive.json()["code"] == "invalid_input"
    assert forbidden.status_code == 403
    assert bad_rung.status_code == 400 and bad_rung.json()["code"] == "invalid_rung"


def test_a_bad_choice_is_422(world, case, branch):
    meeting = plan_meeting(world, [case.pk], now=timezone.now(), scheduled_at=today_at(12))
    roll = branch.post(f"/{meeting.pk}/owners-vote", {"matter_type": 4}).json()["roll"]
    response = branch.post(
        f"/{meeting.pk}/owners-vote/ballots", {"entry_id": roll[0]["id"], "choice": "maybe"}
    )
    assert response.status_code == 422


def test_the_openapi_document_describes_every_operation(db):
    spec = Client().get("/api/v1/openapi.json").json()
    ours = {p: item for p, item in spec["paths"].items() if p.startswith(API)}
    assert {
        f"{API}",
        f"{API}/{{deliberation_id}}",
        f"{API}/{{deliberation_id}}/owners-vote",
        f"{API}/{{deliberation_id}}/owners-vote/ballots",
        f"{API}/{{deliberation_id}}/owners-vote/close",
        f"{API}/{{deliberation_id}}/follow-ups/{{follow_up_id}}/done",
    } <= set(ours)
    for item in ours.values():
        for operation in item.values():
            assert operation["security"] and "401" in operation["responses"]


def test_a_meeting_time_past_the_calendar_is_400_and_plans_nothing(world, case):
    # 9999-12-31 23:00 at −12:00 is year 10000 in Beijing time and in UTC.
    body = {"rung": 3, "title": "议事", "case_ids": [case.pk]}

    far = Caller(world.users["branch_a"]).post(
        "", {**body, "scheduled_at": "9999-12-31T23:00:00-12:00"}
    )

    assert far.status_code == 400 and far.json()["code"] == "invalid_time"
    assert not Deliberation.objects.exists()
