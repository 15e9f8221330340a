"""The enrolment API: public check, submit and status; staff list, detail, corrections,
withdrawal, summary and roster; the 401/404 matrix; OpenAPI."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from shequgang.audit.models import AuditEntry
from shequgang.veterans.models import Application, Status
from shequgang.veterans.roster import XLSX_TYPE
from shequgang.veterans.services import application_submit
from shequgang.veterans.tests.factories import IN_WINDOW, applicant, beijing, id_for

BASE = "/api/v1/veterans"


@pytest.fixture
def open_window(monkeypatch):
    """Endpoints take the time from the clock: put it inside the 2026 window."""
    monkeypatch.setattr(timezone, "now", lambda: IN_WINDOW)


def body(data, **extra):
    fields = {
        "name": data.name,
        "id_number": data.id_number,
        "phone": data.phone,
        "certificate": data.certificate,
        "group": data.group,
        "registration_code": data.registration_code,
        "consent": data.consent,
    }
    return {**fields, **extra}


def post(client, path, payload, **headers):
    return client.post(
        BASE + path, data=json.dumps(payload), content_type="application/json", **headers
    )


def make(program, registration_code="141102", **kw):
    return application_submit(
        actor=None,
        program=program,
        data=applicant(registration_code=registration_code, **kw),
        now=IN_WINDOW,
    ).application


# --- Public -------------------------------------------------------------------------------


def test_programs_are_public(client, program):
    listed = client.get(BASE + "/programs")
    assert listed.status_code == 200
    assert [p["year"] for p in listed.json()] == [2026]
    one = client.get(BASE + "/programs/2026").json()
    assert one["premium"] == "60.00" and len(one["areas"]) == 13 and len(one["groups"]) == 4
    assert one["window_text"] == "2026年5月1日0时至2026年7月31日24时"
    assert client.get(BASE + "/programs/2031").status_code == 404
    assert client.get(BASE + "/programs/99999").status_code == 422
    assert client.get(BASE + "/programs/abc").status_code == 422


def test_eligibility_check_explains_and_creates_nothing(client, program, open_window):
    data = applicant(id_number=id_for(dt.date(1966, 1, 1)))
    response = post(client, "/programs/2026/check", body(data))
    assert response.status_code == 200
    result = response.json()
    assert result["eligible"] is False and result["code"] == "too_young"
    assert {c["rule"]: c["passed"] for c in result["checks"]}["registration"] is True
    ok = post(client, "/programs/2026/check", body(applicant())).json()
    assert ok["eligible"] is True and ok["code"] == ""
    assert Application.objects.count() == 0


def test_check_with_only_an_id_number_explains_what_is_missing(client, program, open_window):
    result = post(client, "/programs/2026/check", {"id_number": id_for(dt.date(1950, 1, 1))})
    codes = {c["code"] for c in result.json()["checks"] if c["passed"] is False}
    assert codes == {"group_required", "no_certificate", "registration_required"}


def test_resident_applies_then_looks_up_status(client, program, open_window):
    data = applicant(name="王秀英")
    created = post(client, "/programs/2026/apply", body(data))
    assert created.status_code == 202, created.json()
    out = created.json()
    assert out["status"] == "accepted" and out["name"] == "王**"
    assert data.id_number not in created.content.decode()
    # Status: reference + the last 6 characters of the ID number.
    lookup = {"reference": out["reference"].lower(), "id_tail": data.id_number[-6:]}
    status = post(client, "/status", lookup)
    assert status.status_code == 200
    assert status.json()["status_label"] == "已受理"
    assert [e["kind"] for e in status.json()["events"]] == ["submitted"]


@pytest.mark.parametrize(
    "lookup",
    [
        {"reference": "2026-AAAA-BBBB", "id_tail": "123456"},
        {"reference": "garbage", "id_tail": "123456"},
        {"reference": "2026-AAAA-BBBB", "id_tail": "1"},
    ],
)
def test_status_lookup_misses_look_the_same(client, program, lookup):
    response = post(client, "/status", lookup)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "申请不存在或无权访问"}


def test_status_lookup_with_the_wrong_tail_is_not_found(client, program):
    app = make(program)
    response = post(client, "/status", {"reference": app.reference, "id_tail": "000000"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"id_number": "141102196002300000"}, 400, "id_number_birth_date"),
        ({"registration_code": "140105"}, 400, "not_registered"),
        ({"certificate": ""}, 400, "no_certificate"),
        ({"group": "neighbour"}, 400, "group_not_covered"),
        ({"consent": False}, 400, "consent_required"),
        ({"name": "bad\u0000name"}, 400, "invalid_text"),
        ({"phone": None}, 422, "invalid_input"),
        ({"group": "x" * 500}, 422, "invalid_input"),
    ],
)
def test_public_apply_errors(client, program, open_window, overrides, status, code):
    response = post(client, "/programs/2026/apply", body(applicant(), **overrides))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("instant", "status", "code"),
    [
        (beijing(2026, 4, 30, 23, 59, 59), 400, "not_open"),
        (beijing(2026, 5, 1, 0, 0, 0), 202, None),
        (beijing(2026, 7, 31, 23, 59, 59), 202, None),
        (beijing(2026, 8, 1, 0, 0, 0), 400, "window_closed"),
    ],
)
def test_apply_at_the_window_boundaries(client, program, monkeypatch, instant, status, code):
    monkeypatch.setattr(timezone, "now", lambda: instant)
    response = post(client, "/programs/2026/apply", body(applicant()))
    assert response.status_code == status
    assert response.json().get("code") == code


def test_malformed_bodies_never_500(client, program, open_window):
    for raw in ["[]", "not json", '{"id_number": 5}', '"x"', "{}"]:
        response = client.post(
            BASE + "/programs/2026/apply", data=raw, content_type="application/json"
        )
        assert 400 <= response.status_code < 500, (raw, response.status_code)
        assert "code" in response.json()


def test_public_endpoints_are_rate_limited(client, program, open_window):
    codes = [
        post(client, "/status", {"reference": "x", "id_tail": "1"}).status_code for _ in range(25)
    ]
    assert codes[0] == 404 and codes[-1] == 429
    last = post(client, "/status", {"reference": "x", "id_tail": "1"})
    assert last.json()["code"] == "rate_limited"


# --- Staff: who sees what ------------------------------------------------------------------


def test_staff_endpoints_need_authentication(client, program):
    app = make(program)
    for response in (
        client.get(BASE + "/programs/2026/applications"),
        client.get(BASE + "/programs/2026/summary"),
        client.get(BASE + "/programs/2026/roster.xlsx"),
        client.get(f"{BASE}/applications/{app.reference}"),
        post(client, f"/applications/{app.reference}/withdraw", {"reason": "x"}),
        post(client, "/programs/2026/applications", body(applicant())),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


# persona -> which of the three applications (see the fixture) it sees
VISIBLE = {
    "city_admin": {"lishi_self", "fenyang_self", "fenyang_via_a"},
    "county_a_command": {"lishi_self", "fenyang_via_a"},
    "town_a_staff": {"fenyang_via_a"},
    "secretary_a": {"fenyang_via_a"},
    "worker_a": {"fenyang_via_a"},
    "secretary_b": set(),
    "grid_a1": set(),
    "dept_handler": set(),
    "nobody": set(),
}


@pytest.fixture
def three(program, world):
    return {
        "lishi_self": make(program, "141102"),
        "fenyang_self": make(program, "141182"),
        # Registered in 汾阳, taken by a worker of 城东社区 (离石区).
        "fenyang_via_a": application_submit(
            actor=world.users["worker_a"],
            program=program,
            data=applicant(registration_code="141182", intake_place=world.community_a),
            now=IN_WINDOW,
        ).application,
    }


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_list_and_detail_follow_scope(client, world, three, persona):
    client.force_login(world.users[persona])
    listed = client.get(BASE + "/programs/2026/applications").json()
    refs = {item["reference"] for item in listed["items"]}
    assert refs == {three[k].reference for k in VISIBLE[persona]}
    assert listed["count"] == len(refs)
    for key, app in three.items():
        response = client.get(f"{BASE}/applications/{app.reference}")
        assert response.status_code == (200 if key in VISIBLE[persona] else 404)


def test_county_b_cannot_touch_county_a(client, program, world):
    app = make(program, "141102")
    client.force_login(world.users["secretary_b"])
    for response in (
        client.get(f"{BASE}/applications/{app.reference}"),
        post(client, f"/applications/{app.reference}/withdraw", {"reason": "x"}),
        client.patch(
            f"{BASE}/applications/{app.reference}",
            data=json.dumps({"reason": "x", "name": "王五"}),
            content_type="application/json",
        ),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Application.objects.get(pk=app.pk).status == Status.ACCEPTED


def test_missing_and_forbidden_look_the_same(client, program, world):
    app = make(program, "141182")
    client.force_login(world.users["county_a_command"])
    forbidden = client.get(f"{BASE}/applications/{app.reference}")
    missing = client.get(f"{BASE}/applications/2026-ZZZZ-ZZZZ")
    garbage = client.get(f"{BASE}/applications/%00%01")
    assert forbidden.json() == missing.json() == garbage.json()
    assert forbidden.status_code == missing.status_code == garbage.status_code == 404


def test_list_filters(client, world, three):
    client.force_login(world.users["city_admin"])

    def refs(**params):
        r = client.get(BASE + "/programs/2026/applications", params)
        assert r.status_code == 200
        return {i["reference"] for i in r.json()["items"]}

    assert refs(county="141182") == {
        three["fenyang_self"].reference,
        three["fenyang_via_a"].reference,
    }
    assert refs(q=three["lishi_self"].reference) == {three["lishi_self"].reference}
    assert refs(status="withdrawn") == set()
    assert refs(group="veteran", limit=1).__len__() == 1
    assert client.get(BASE + "/programs/2026/applications", {"q": "\x00"}).status_code == 400


def test_staff_withdraw_and_correct(client, world, three):
    app = three["lishi_self"]
    client.force_login(world.users["county_a_command"])
    corrected = client.patch(
        f"{BASE}/applications/{app.reference}",
        data=json.dumps({"reason": "姓名错字", "name": "张建军"}),
        content_type="application/json",
    )
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["name"] == "张建军"
    bad = client.patch(
        f"{BASE}/applications/{app.reference}",
        data=json.dumps({"reason": "x", "registration_code": "140105"}),
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "not_registered")
    withdrawn = post(client, f"/applications/{app.reference}/withdraw", {"reason": "本人放弃"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = post(client, f"/applications/{app.reference}/withdraw", {"reason": "再次"})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    detail = client.get(f"{BASE}/applications/{app.reference}").json()
    assert [e["kind"] for e in detail["events"]] == ["submitted", "corrected", "withdrawn"]
    assert detail["events"][1]["changes"]["name"] == ["张建国", "张建军"]


def test_staff_apply_on_behalf_with_idempotency_key(client, program, world, open_window):
    client.force_login(world.users["worker_a"])
    payload = body(applicant(), intake_place_id=world.community_a.pk)
    first = post(client, "/programs/2026/applications", payload, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    again = post(client, "/programs/2026/applications", payload, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert Application.objects.count() == 1
    elsewhere = post(
        client,
        "/programs/2026/applications",
        body(applicant(), intake_place_id=world.community_b.pk),
    )
    assert elsewhere.status_code == 404
    missing = post(client, "/programs/2026/applications", body(applicant(), intake_place_id=10**12))
    assert missing.status_code == 404


def test_summary_and_roster(client, world, three):
    client.force_login(world.users["city_admin"])
    summary = client.get(BASE + "/programs/2026/summary").json()
    assert summary["total"] == summary["accepted"] == 3
    assert summary["budget"] == "180.00"
    fenyang = next(r for r in summary["rows"] if r["code"] == "141182")
    assert fenyang["total"] == 2
    # the full roster is a reveal: the password again first
    refused = client.get(BASE + "/programs/2026/roster.xlsx", {"full": "true"})
    assert (refused.status_code, refused.json()["code"]) == (403, "reauth_required")
    assert AuditEntry.objects.filter(action="veterans.roster_export").count() == 0
    confirmed = client.post(
        "/api/v1/auth/confirm-password", {"password": "x"}, content_type="application/json"
    )
    assert confirmed.status_code == 200
    roster = client.get(BASE + "/programs/2026/roster.xlsx", {"full": "true"})
    assert roster.status_code == 200
    assert roster["Content-Type"] == XLSX_TYPE
    assert "attachment" in roster["Content-Disposition"]
    assert AuditEntry.objects.filter(action="veterans.roster_export").count() == 1

    client.force_login(world.users["county_a_command"])
    county = client.get(BASE + "/programs/2026/summary").json()
    assert county["total"] == 2  # its own county's self-application + the one taken in A
    no_grant = client.get(BASE + "/programs/2026/roster.xlsx", {"full": "true"})
    assert (no_grant.status_code, no_grant.json()["code"]) == (403, "forbidden")
    assert client.get(BASE + "/programs/2026/roster.xlsx").status_code == 200
    client.force_login(world.users["secretary_a"])
    assert client.get(BASE + "/programs/2026/roster.xlsx").status_code == 404


def test_openapi_documents_every_operation(client, program):
    schema = client.get("/api/v1/openapi.json").json()
    paths = {p for p in schema["paths"] if p.startswith(BASE)}
    assert paths == {
        BASE + "/programs",
        BASE + "/programs/{year}",
        BASE + "/programs/{year}/check",
        BASE + "/programs/{year}/apply",
        BASE + "/status",
        BASE + "/programs/{year}/applications",
        BASE + "/programs/{year}/summary",
        BASE + "/programs/{year}/roster.xlsx",
        BASE + "/applications/{reference}",
        BASE + "/applications/{reference}/withdraw",
    }
    check = schema["paths"][BASE + "/programs/{year}/check"]["post"]
    assert "security" not in check or check["security"] in ([], [{}])
    assert schema["paths"][BASE + "/programs/{year}/applications"]["get"]["security"]


def test_no_response_carries_personal_data_in_full(client, program):
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]

    def names(node, seen):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return set()
            seen.add(ref)
            return names(components[ref.rsplit("/", 1)[1]], seen)
        found = set(node.get("properties", {}))
        children = list(node.get("properties", {}).values())
        children += [
            node[k] for k in ("items", "additionalProperties") if isinstance(node.get(k), dict)
        ]
        for key in ("anyOf", "oneOf", "allOf"):
            children += node.get(key, [])
        for child in children:
            found |= names(child, seen)
        return found

    for path, item in schema["paths"].items():
        if not path.startswith(BASE):
            continue
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if code.startswith("2") and content:
                    found = names(content["schema"], set())
                    leaked = found & {"id_number", "phone", "certificate", "birth_date"}
                    assert not leaked, (method, path, leaked)
                    assert not {n for n in found if n.endswith(("_cipher", "_index"))}
