"""The residency API: public picker, registration and reset; the resident's own status;
the staff queue, confirm, refuse and reset code — errors as {code, message}, the same 404
outside scope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shequgang.people import pii
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.residency.services import resident_account_confirm
from shequgang.residency.tests.factories import PASSWORD, registered
from shequgang.testing import World, synthetic_id

pytestmark = pytest.mark.django_db
BASE = "/api/v1/residency"


def post(client: Client, path: str, payload: dict[str, Any] | None = None, **headers: Any) -> Any:
    return client.post(
        BASE + path, data=json.dumps(payload or {}), content_type="application/json", **headers
    )


def as_user(client: Client, world: World, who: str) -> Client:
    client.force_login(world.users[who])
    return client


def form(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "name": "李建国",
        "phone": "13700000001",
        "id_number": synthetic_id(),
        "household_id": world.household_a1.pk,
        "password": PASSWORD,
        **changes,
    }


def test_the_picker_shows_place_names_only(world: World, client: Client) -> None:
    found = client.get(BASE + "/places", {"q": "滨东"}).json()
    assert [(c["name"], c["context"]) for c in found] == [("滨东花园小区", "城东社区")]
    buildings = client.get(BASE + "/places", {"parent": found[0]["id"]}).json()
    assert [b["name"] for b in buildings] == ["1号楼", "2号楼"]
    units = client.get(BASE + "/places", {"parent": buildings[0]["id"]}).json()
    households = client.get(BASE + "/places", {"parent": units[0]["id"]}).json()
    assert [(h["name"], h["is_household"]) for h in households] == [("101", True)]
    text = json.dumps([found, buildings, units, households], ensure_ascii=False)
    assert "居民a1" not in text
    assert client.get(BASE + "/places", {"parent": world.household_a1.pk}).json() == []


def test_registering_anonymously_then_reading_my_status(world: World, client: Client) -> None:
    answer = post(client, "/register", form(world))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "pending" and body["status_label"] == "待社区认证"
    assert body["household"] == "滨东花园小区 1号楼 1单元 101"
    assert body["phone"] == "137****0001"
    account = ResidentAccount.objects.get(pk=body["id"])
    client.force_login(account.user)
    assert client.get(BASE + "/me").json()["status"] == "pending"


def test_a_retried_registration_with_its_key_is_answered_once(world: World, client: Client) -> None:
    data = form(world)
    first = post(client, "/register", data, HTTP_IDEMPOTENCY_KEY="reg-1")
    again = post(client, "/register", data, HTTP_IDEMPOTENCY_KEY="reg-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert ResidentAccount.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"id_number": "141102198005170011"}, 400, "invalid_id_number"),
        ({"phone": "12"}, 400, "invalid_phone"),
        ({"household_id": 10**12}, 400, "invalid_household"),
        ({"name": "x" * 51}, 422, "invalid_input"),
        ({"household_id": "abc"}, 422, "invalid_input"),
    ],
)
def test_bad_registrations_are_codes(
    world: World, client: Client, changes: dict[str, Any], status: int, code: str
) -> None:
    answer = post(client, "/register", form(world, **changes))
    assert answer.status_code == status
    assert answer.json()["code"] == code and answer.json()["message"]


def test_a_taken_phone_is_409(world: World, client: Client) -> None:
    registered(world.household_a2, phone="13700000001")
    answer = post(client, "/register", form(world))
    assert (answer.status_code, answer.json()["code"]) == (409, "phone_taken")


def test_me_is_404_for_staff(world: World, client: Client) -> None:
    answer = as_user(client, world, "worker_a").get(BASE + "/me")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


def test_the_queue_is_scoped_and_paged(world: World, client: Client) -> None:
    mine = registered(world.household_a1)
    registered(world.household_a2)
    registered(world.household_b)
    page = as_user(client, world, "grid_a1").get(BASE + "/accounts").json()
    assert (page["count"], page["limit"], page["offset"]) == (1, page["limit"], 0)
    assert [i["id"] for i in page["items"]] == [mine.pk]
    assert page["items"][0]["id_number"].count("*") == 10
    assert client.get(BASE + "/accounts", {"limit": 0}).status_code == 422
    page = as_user(client, world, "secretary_a").get(BASE + "/accounts").json()
    assert page["count"] == 2


def test_confirm_as_match_shows_masked_members(world: World, client: Client) -> None:
    listed = world.residents["a1"]
    account = registered(world.household_a1, id_number=pii.decrypt(listed.id_number_cipher))
    as_user(client, world, "grid_a1")
    detail = client.get(f"{BASE}/accounts/{account.pk}").json()
    assert [(m["id"], m["same_id_number"]) for m in detail["members"]] == [(listed.pk, True)]
    assert detail["members"][0]["phone"] == "138****0001"
    answer = post(client, f"/accounts/{account.pk}/confirm", {"resident_id": listed.pk})
    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["resident_id"]) == ("confirmed", listed.pk)
    again = post(client, f"/accounts/{account.pk}/confirm", {})
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


def test_confirming_with_a_row_of_another_household_is_refused(
    world: World, client: Client
) -> None:
    account = registered(world.household_a1)
    answer = post(
        as_user(client, world, "secretary_a"),
        f"/accounts/{account.pk}/confirm",
        {"resident_id": world.residents["b"].pk},
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "resident_not_in_household")


@pytest.mark.parametrize("who", ["grid_a2", "secretary_b", "county_a_command", "nobody"])
def test_out_of_scope_is_the_same_404_as_missing(world: World, client: Client, who: str) -> None:
    account = registered(world.household_a1)
    as_user(client, world, who)
    for path in (f"/accounts/{account.pk}", "/accounts/999999"):
        assert client.get(BASE + path).status_code == 404
    for action, payload in (
        ("confirm", {}),
        ("refuse", {"reason": "查无此人"}),
        ("reset-code", {}),
    ):
        for pk in (account.pk, 999999):
            answer = post(client, f"/accounts/{pk}/{action}", payload)
            assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    account.refresh_from_db()
    assert account.status == AccountStatus.PENDING


def test_refused_resident_reads_the_reason(world: World, client: Client) -> None:
    account = registered(world.household_a1)
    answer = post(
        as_user(client, world, "worker_a"), f"/accounts/{account.pk}/refuse", {"reason": "门牌不符"}
    )
    assert answer.json()["status"] == "refused"
    client.force_login(account.user)
    me = client.get(BASE + "/me").json()
    assert (me["status_label"], me["refused_reason"]) == ("未通过认证", "门牌不符")


def test_desk_code_then_reset_by_phone(world: World, client: Client) -> None:
    account = registered(world.household_a1, phone="13700000002")
    resident_account_confirm(account=account, actor=world.users["grid_a1"])
    issued = post(as_user(client, world, "grid_a1"), f"/accounts/{account.pk}/reset-code")
    assert issued.status_code == 201
    code = issued.json()["code"]
    anonymous = Client()
    wrong = post(
        anonymous,
        "/password-reset",
        {
            "phone": "13700000002",
            "code": "000000" if code != "000000" else "111111",
            "password": "New-Pass-2027",
        },
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "reset_code_wrong")
    done = post(
        anonymous,
        "/password-reset",
        {"phone": "13700000002", "code": code, "password": "New-Pass-2027"},
    )
    assert done.status_code == 200
    assert (
        anonymous.post(
            "/login/", {"username": "13700000002", "password": "New-Pass-2027"}
        ).status_code
        == 302
    )


def test_sms_request_says_there_is_no_sms(world: World, client: Client) -> None:
    answer = post(client, "/password-reset/sms", {"phone": "13700000002"})
    assert answer.status_code == 409
    assert answer.json() == {
        "code": "sms_not_configured",
        "message": "本平台未开通短信，请到社区服务站领取验证码",
    }


def test_registration_is_rate_limited(world: World, client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "residency.register": 1}
    post(client, "/register", form(world))
    answer = post(client, "/register", form(world, phone="13700000003"))
    assert (answer.status_code, answer.json()["code"]) == (429, "rate_limited")
