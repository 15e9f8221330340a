"""The household, resident and token endpoints: the role matrix for every endpoint through
both doors (session and bearer token), personal data masked everywhere but the audited
reveal, retries that never register twice, CSRF on session writes, and no 500 on any
input."""

import json

import pytest
from django.test import Client

from shequgang.apikit.models import IdempotencyRecord
from shequgang.apikit.testing import VIAS, api_client
from shequgang.audit.models import AuditEntry
from shequgang.people import pii
from shequgang.people.models import ApiToken, Resident
from shequgang.people.services import ResidentInput, resident_update
from shequgang.testing import synthetic_id

VISIBLE_TO = {"grid_a1": {"a1"}, "secretary_b": {"b"}, "dept_handler": set(), "nobody": set()}

# name -> (request builder on a resident, status when it is visible, per persona)
ENDPOINTS = {
    "household": (lambda r: ("get", f"/households/{r.household_id}", None), {"grid_a1": 200, "secretary_b": 200}),
    "search within": (lambda r: ("get", f"/residents?within={r.household_id}", None), {"grid_a1": 200, "secretary_b": 200}),
    "detail": (lambda r: ("get", f"/residents/{r.pk}", None), {"grid_a1": 200, "secretary_b": 200}),
    "create": (
        lambda r: ("post", "/residents", {"household_id": r.household_id, "name": "新登记"}),
        {"grid_a1": 201, "secretary_b": 201},
    ),
    "change": (lambda r: ("patch", f"/residents/{r.pk}", {"note": "已走访"}), {"grid_a1": 200, "secretary_b": 200}),
    # grid workers see residents but hold no full-view grant
    "reveal": (lambda r: ("post", f"/residents/{r.pk}/reveal", {"field": "phone"}), {"grid_a1": 403, "secretary_b": 200}),
}  # fmt: skip


def confirm_password(api):
    """The password typed again, as the reveal endpoint asks of a session."""
    assert api.post("/auth/confirm-password", {"password": "x"}).status_code == 200


def _call(api, method, path, body):
    return api.get(path) if method == "get" else getattr(api, method)(path, body)


def _plaintexts(world):
    """Every full personal value in the world, which no response but reveal may carry."""
    values = set()
    for resident in Resident.objects.all():
        for cipher in (resident.id_number_cipher, resident.phone_cipher, resident.address_cipher):
            if cipher:
                full = pii.decrypt(cipher)
                values |= {full, full.removeprefix("+86")}
    return values


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("persona", sorted(VISIBLE_TO))
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_role_matrix(world, endpoint, persona, via):
    build, allowed = ENDPOINTS[endpoint]
    api = api_client(world.users[persona], via)
    if endpoint == "reveal" and via == "session":
        confirm_password(api)
    secrets = _plaintexts(world)
    for key, resident in world.residents.items():
        # given a resident of grid A1, of grid A2 or of county B
        method, path, body = build(resident)
        # when the persona calls the endpoint on it
        response = _call(api, method, path, body)
        # then only residents in its own part of the tree answer
        expected = allowed[persona] if key in VISIBLE_TO[persona] else 404
        if endpoint == "reveal" and via == "token" and expected == 200:
            expected = 403  # tokens cannot reveal (apikit/reauth.py)
        assert response.status_code == expected, (key, response.json())
        if expected >= 400:
            assert response.json()["code"] == {403: "forbidden", 404: "not_found"}[expected]
        if endpoint != "reveal":
            assert not any(s in response.content.decode() for s in secrets)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_anonymous_and_revoked_token_are_unauthenticated(world, endpoint):
    build, _ = ENDPOINTS[endpoint]
    method, path, body = build(world.residents["a1"])
    revoked = api_client(world.users["secretary_a"], "token")
    assert revoked.delete(f"/tokens/{ApiToken.objects.get().pk}").status_code == 204
    for api in (api_client(None), revoked):
        response = _call(api, method, path, body)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("via", VIAS)
def test_search_sees_only_the_callers_residents(world, via):
    def found(persona, **params):
        response = api_client(world.users[persona], via).get("/residents", params)
        assert response.status_code == 200
        return {r["id"] for r in response.json()["items"]}

    ids = {key: r.pk for key, r in world.residents.items()}
    assert found("grid_a1") == {ids["a1"]}
    assert found("secretary_a") == {ids["a1"], ids["a2"]}
    assert found("secretary_b") == {ids["b"]}
    assert found("dept_handler") == set() and found("nobody") == set()
    # an exact phone finds the resident in scope, and nothing outside it
    assert found("secretary_a", q="13800000002") == {ids["a2"]}
    assert found("grid_a1", q="13800000002") == set()
    assert found("secretary_a", q="居民a") == {ids["a1"], ids["a2"]}
    assert found("secretary_a", within=world.building_a2.pk) == {ids["a2"]}


def test_search_by_tag_and_status(world):
    api = api_client(world.users["secretary_a"])
    a1, a2 = world.residents["a1"], world.residents["a2"]
    resident_update(actor=world.admin, resident=a1, data=ResidentInput(tags=["elder_alone"]))
    resident_update(actor=world.admin, resident=a2, data=ResidentInput(status="moved_out"))

    tagged = api.get("/residents", {"tag": "elder_alone"}).json()
    active = api.get("/residents").json()
    everyone = api.get("/residents", {"include_inactive": "true"}).json()

    assert [(r["id"], r["tags"]) for r in tagged["items"]] == [(a1.pk, ["elder_alone"])]
    assert [r["id"] for r in active["items"]] == [a1.pk]
    assert {r["id"] for r in everyone["items"]} == {a1.pk, a2.pk}


def test_household_lists_its_members_masked(world):
    body = api_client(world.users["grid_a1"]).get(f"/households/{world.household_a1.pk}").json()
    assert body["kind"] == "household" and body["name"] == "101"
    [member] = body["members"]
    assert member["id"] == world.residents["a1"].pk
    assert member["phone_masked"] == "138****0001"
    assert member["id_number_masked"].count("*") == 10
    assert not {"id_number", "phone", "address", "birth_date"} & set(member)
    # a building is a place, not a household
    response = api_client(world.users["grid_a1"]).get(f"/households/{world.building_a1.pk}")
    assert response.status_code == 404


@pytest.mark.parametrize("via", VIAS)
def test_create_resident(world, via):
    api = api_client(world.users["worker_a"], via)
    audits = AuditEntry.objects.count()
    id_number = synthetic_id()

    response = api.post(
        "/residents",
        {
            "household_id": world.household_a2.pk,
            "name": "赵六",
            "relation": "spouse",
            "id_number": id_number,
            "phone": "139 0000 1234",
            "address": "山西省吕梁市离石区某街道某号",
            "tags": ["elder_alone"],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["household"]["id"] == world.household_a2.pk
    assert (body["relation"], body["relation_label"], body["tags"]) == (
        "spouse",
        "配偶",
        ["elder_alone"],
    )
    assert body["phone_masked"] == "139****1234"
    assert body["address_masked"].startswith("山西省吕梁市") and "*" in body["address_masked"]
    assert id_number not in response.content.decode()
    assert Resident.objects.get(pk=body["id"]).name == "赵六"
    assert AuditEntry.objects.count() == audits + 1


def test_create_needs_edit_rights_on_the_household(world):
    body = {"household_id": world.household_a1.pk, "name": "新登记"}
    # the county command centre sees the household but does not keep the register
    response = api_client(world.users["county_a_command"]).post("/residents", body)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    # another community's secretary does not even see it
    response = api_client(world.users["secretary_b"]).post("/residents", body)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not Resident.objects.filter(name="新登记").exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"id_number": "110105194912310021"}, 400, "id_number_checksum"),
        ({"id_number": "12345"}, 400, "id_number_format"),
        ({"phone": "123"}, 400, "invalid_phone"),
        ({"tags": ["no_such_tag"]}, 400, "unknown_tag"),
        ({"household_id": "PLACEHOLDER_BUILDING"}, 400, "invalid_household"),
        ({"relation": "boss"}, 422, "invalid_input"),
        ({"name": ""}, 422, "invalid_input"),
        ({"name": "x" * 51}, 422, "invalid_input"),
        ({"name": "张\x00三"}, 400, "invalid_text"),
        ({"name": 5}, 422, "invalid_input"),
        ({"household_id": "abc"}, 422, "invalid_input"),
        ({"household_id": 10**30}, 422, "invalid_input"),
        ({"household_id": -1}, 422, "invalid_input"),
        ({"tags": "elder_alone"}, 422, "invalid_input"),
        ({"note": "x" * 201}, 422, "invalid_input"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(world, change, status, code):
    api = api_client(world.users["secretary_a"])
    if change.get("household_id") == "PLACEHOLDER_BUILDING":
        change = {"household_id": world.building_a1.pk}
    counts = (
        Resident.objects.count(),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )

    response = api.post(
        "/residents",
        {"household_id": world.household_a1.pk, "name": "王五", **change},
        headers={"Idempotency-Key": "bad-input"},
    )

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code and response.json()["message"]
    assert counts == (
        Resident.objects.count(),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def test_duplicate_id_number_is_a_conflict(world):
    api = api_client(world.users["secretary_a"])
    id_number = pii.decrypt(world.residents["b"].id_number_cipher)

    response = api.post(
        "/residents",
        {"household_id": world.household_a1.pk, "name": "重号", "id_number": id_number},
    )

    assert (response.status_code, response.json()["code"]) == (409, "duplicate_id_number")
    assert not Resident.objects.filter(name="重号").exists()


@pytest.mark.parametrize("via", VIAS)
def test_a_retry_with_the_same_key_registers_once(world, via):
    api = api_client(world.users["worker_a"], via)
    body = {"household_id": world.household_a1.pk, "name": "孙七", "id_number": synthetic_id()}
    before = Resident.objects.count()

    first = api.post("/residents", body, headers={"Idempotency-Key": "c0ffee-1"})
    retry = api.post("/residents", body, headers={"Idempotency-Key": "c0ffee-1"})

    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert Resident.objects.count() == before + 1
    # the same key for another request is a client bug
    other = api.post(
        "/residents", {**body, "name": "孙八"}, headers={"Idempotency-Key": "c0ffee-1"}
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert Resident.objects.count() == before + 1


def test_keys_belong_to_their_user_and_must_be_printable(world):
    body = {"household_id": world.household_a1.pk, "name": "周九"}
    one = api_client(world.users["secretary_a"]).post(
        "/residents", body, headers={"Idempotency-Key": "k"}
    )
    two = api_client(world.users["worker_a"]).post(
        "/residents", body, headers={"Idempotency-Key": "k"}
    )
    assert one.status_code == two.status_code == 201 and one.json()["id"] != two.json()["id"]

    api = api_client(world.users["secretary_a"])
    for key in ("键", "a b", "x" * 201):
        response = api.post("/residents", body, headers={"Idempotency-Key": key})
        assert response.status_code in {400, 422}, key
        assert response.json()["code"] in {"invalid_idempotency_key", "invalid_input"}


def test_change_resident(world):
    api = api_client(world.users["secretary_a"])
    a1 = world.residents["a1"]

    response = api.patch(
        f"/residents/{a1.pk}",
        {"household_id": world.household_a2.pk, "phone": "", "note": "搬到2号楼", "reason": "搬家"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["household"]["id"] == world.household_a2.pk
    assert (body["phone_masked"], body["note"]) == ("", "搬到2号楼")
    assert body["id_number_masked"] == a1.id_number_masked  # absent fields stay
    # a grid worker may not move a resident into another grid's household
    response = api_client(world.users["grid_a2"]).patch(
        f"/residents/{a1.pk}", {"household_id": world.household_a1.pk, "reason": "搬家"}
    )
    assert response.status_code == 404
    response = api.patch(f"/residents/{a1.pk}", {"status": "gone"})
    assert response.status_code == 422


@pytest.mark.parametrize("field", ["id_number", "phone", "address"])
def test_reveal_gives_the_full_value_once_audited(world, field):
    a1 = world.residents["a1"]
    resident_update(
        actor=world.admin,
        resident=a1,
        data=ResidentInput(address="山西省吕梁市离石区滨河北路1号", reason="补登户籍地址"),
    )
    a1.refresh_from_db()
    expected = {
        "id_number": pii.decrypt(a1.id_number_cipher),
        "phone": "13800000001",
        "address": "山西省吕梁市离石区滨河北路1号",
    }[field]
    api = api_client(world.users["secretary_a"], "session")
    confirm_password(api)
    audits = AuditEntry.objects.count()

    response = api.post(f"/residents/{a1.pk}/reveal", {"field": field})

    assert response.status_code == 200
    assert response.json() == {"field": field, "value": expected}
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor, entry.object_id) == (
        f"resident.reveal_{field}",
        world.users["secretary_a"],
        str(a1.pk),
    )


@pytest.mark.parametrize("via", VIAS)
def test_reveal_without_the_grant_is_forbidden_and_not_logged(world, via):
    api = api_client(world.users["worker_a"], via)
    if via == "session":
        confirm_password(api)
    audits = AuditEntry.objects.count()

    response = api.post(f"/residents/{world.residents['a1'].pk}/reveal", {"field": "id_number"})

    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert AuditEntry.objects.count() == audits
    bad = api_client(world.users["secretary_a"]).post(
        f"/residents/{world.residents['a1'].pk}/reveal", {"field": "password"}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")


# --- CSRF ---------------------------------------------------------------------------------


def _csrf_session(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = "a" * 32
    return client


def test_session_writes_need_the_csrf_token(world):
    client = _csrf_session(world.users["secretary_a"])
    body = json.dumps({"household_id": world.household_a1.pk, "name": "吴十"})

    refused = client.post("/api/v1/residents", body, content_type="application/json")
    accepted = client.post(
        "/api/v1/residents",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": "a" * 32},
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
    assert accepted.status_code == 201
    assert Resident.objects.filter(name="吴十").count() == 1
    # reads need no token
    assert client.get("/api/v1/residents").status_code == 200


def test_bearer_tokens_and_anonymous_calls_are_not_csrf_checked(world):
    token = api_client(world.users["secretary_a"], "token", enforce_csrf=True)
    response = token.post("/residents", {"household_id": world.household_a1.pk, "name": "郑十一"})
    assert response.status_code == 201

    anonymous = api_client(None, enforce_csrf=True).post("/residents", {"name": "x"})
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")


# --- Tokens -------------------------------------------------------------------------------


def test_token_lifecycle(world):
    session = api_client(world.users["grid_a1"])

    issued = session.post("/tokens", {"name": "数据同步"})

    assert issued.status_code == 201
    assert "no-store" in issued["Cache-Control"]
    token = issued.json()["token"]
    assert token.startswith("sqg_") and issued.json()["prefix"] == token[:8]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/places").status_code == 200
    listed = session.get("/tokens").json()
    assert [t["id"] for t in listed] == [issued.json()["id"]]
    assert "token" not in listed[0]

    assert session.delete(f"/tokens/{issued.json()['id']}").status_code == 204

    response = client.get("/api/v1/places")
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    assert session.get("/tokens").json()[0]["revoked_at"] is not None


def test_tokens_are_private_and_cannot_mint_tokens(world):
    mine = api_client(world.users["secretary_a"], "token")
    theirs = ApiToken.objects.get(user=world.users["secretary_a"])

    other = api_client(world.users["secretary_b"])
    assert other.get("/tokens").json() == []
    response = other.delete(f"/tokens/{theirs.pk}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    response = mine.post("/tokens", {"name": "再签一个"})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert ApiToken.objects.count() == 1
    assert api_client(world.users["nobody"]).post("/tokens", {"name": ""}).status_code == 422
    assert api_client(None).get("/tokens").status_code == 401


# --- Garbage in, 4xx out ------------------------------------------------------------------


def test_no_input_makes_the_api_fail(world):
    api = api_client(world.users["secretary_a"], "token")
    r = world.residents["a1"].pk
    requests = [
        ("get", "/residents/abc", None, None),
        ("get", "/residents/0", None, None),
        ("get", f"/residents/{10**30}", None, None),
        ("get", "/residents?limit=1000000", None, None),
        ("get", "/residents?offset=-1", None, None),
        ("get", f"/residents?offset={10**30}", None, None),
        ("get", "/residents?within=abc", None, None),
        ("get", f"/residents?within={10**30}", None, None),
        ("get", "/residents?q=%00", None, None),
        ("get", "/residents?q=" + "x" * 1000, None, None),
        ("get", "/residents?tag=%00", None, None),
        ("get", "/residents?include_inactive=maybe", None, None),
        ("post", "/residents", None, "not json"),
        ("post", "/residents", None, "[1, 2]"),
        ("post", "/residents", None, '"text"'),
        ("post", "/residents", None, "\xff\xfe"),
        ("post", "/residents", None, ""),
        ("post", "/residents", None, "{"),
        ("post", "/residents", {"household_id": [1], "name": {"a": 1}}, None),
        ("post", "/residents", {"household_id": None, "name": None}, None),
        ("post", "/residents", {"household_id": 1.5, "name": "x"}, None),
        ("post", "/residents", {"household_id": True, "name": "x"}, None),
        ("patch", f"/residents/{r}", None, "[]"),
        ("patch", f"/residents/{r}", {"tags": [None]}, None),
        ("patch", f"/residents/{r}", {"phone": "\x00"}, None),
        ("patch", f"/residents/{r}", {"id_number": "１４１１０２１９８００５１７００１Ｘ"}, None),
        ("post", f"/residents/{r}/reveal", {}, None),
        ("post", f"/residents/{r}/reveal", {"field": ["phone"]}, None),
        ("post", "/tokens", {"name": "x" * 101}, None),
        ("delete", "/tokens/abc", None, None),
        ("delete", f"/tokens/{10**30}", None, None),
        ("get", f"/households/{10**30}", None, None),
        ("get", "/no/such/endpoint", None, None),
        ("post", "/no/such/endpoint", {}, None),
    ]
    for method, path, body, raw in requests:
        if method == "get" or method == "delete":
            response = getattr(api, method)(path)
        elif raw is not None:
            response = getattr(api, method)(path, raw=raw)
        else:
            response = getattr(api, method)(path, body)
        assert 400 <= response.status_code < 500, (method, path, body, raw, response.content)
        assert set(response.json()) >= {"code", "message"}, (method, path)
