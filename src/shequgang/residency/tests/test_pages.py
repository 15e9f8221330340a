"""The residency pages: registering on a phone with the picker, the status page in each
state, the reset page without SMS, and the staff queue, confirm, refuse, code, export."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from shequgang.people import pii
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.residency.services import resident_account_confirm, resident_account_refuse
from shequgang.residency.tests.factories import PASSWORD, registered
from shequgang.spreadsheets.testing import cells_with
from shequgang.testing import World, synthetic_id

pytestmark = pytest.mark.django_db


def signup_form(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "name": "赵小红",
        "phone": "13600000001",
        "id_number": synthetic_id(),
        "relation": "tenant",
        "household": world.household_a2.pk,
        "password": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }


def test_signing_up_signs_in_and_shows_pending(world: World, client: Client) -> None:
    assert client.get("/signup/").status_code == 200
    answer = client.post("/signup/", signup_form(world))
    assert answer.status_code == 302 and answer["Location"] == "/signup/status/"
    account = ResidentAccount.objects.get()
    assert client.session[SESSION_KEY] == str(account.user_id)
    page = client.get("/signup/status/").content.decode()
    assert "待社区认证" in page and "滨东花园小区 2号楼 201" in page


def test_a_bad_id_number_is_shown_at_its_field_and_keeps_the_household(
    world: World, client: Client
) -> None:
    answer = client.post("/signup/", signup_form(world, id_number="141102198005170011"))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'data-field="id_number"' in page and "校验位" in page
    assert f'value="{world.household_a2.pk}" checked' in page
    assert not ResidentAccount.objects.exists()


def test_a_missing_household_and_mismatched_passwords_are_refused(
    world: World, client: Client
) -> None:
    answer = client.post("/signup/", signup_form(world, household="", password2="something-else-1"))
    assert answer.status_code == 400
    assert "两次输入的密码不一致" in answer.content.decode()
    answer = client.post("/signup/", signup_form(world, household=""))
    assert 'data-field="household"' in answer.content.decode()


def test_the_picker_partial_lists_names_only(world: World, client: Client) -> None:
    page = client.get("/signup/places/", {"q": "滨东"}).content.decode()
    assert "滨东花园小区" in page and f"parent={world.compound_a.pk}" in page
    page = client.get("/signup/places/", {"parent": world.building_a2.pk}).content.decode()
    assert f'name="household" value="{world.household_a2.pk}"' in page
    assert "居民a2" not in page


def test_the_picker_is_rate_limited(world: World, client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "residency.search": 2}
    codes = [client.get("/signup/places/", {"q": "滨"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_refused_see_why_and_can_ask_again(world: World, client: Client) -> None:
    account = registered(world.household_a1)
    resident_account_refuse(account=account, actor=world.users["grid_a1"], reason="门牌号不符")
    client.force_login(account.user)
    page = client.get("/signup/status/").content.decode()
    assert "未通过认证" in page and "门牌号不符" in page
    answer = client.post(
        "/signup/reapply/", {"household": world.household_a2.pk, "relation": "child"}
    )
    assert answer.status_code == 302
    account.refresh_from_db()
    assert account.status == AccountStatus.PENDING and account.household == world.household_a2


def test_the_reset_page_says_there_is_no_sms(world: World, client: Client) -> None:
    page = client.get("/password-reset/").content.decode()
    assert "本平台未开通短信，请到社区服务站领取验证码" in page
    assert "发送短信验证码" not in page
    answer = client.post(
        "/password-reset/",
        {
            "phone": "13600000009",
            "code": "123456",
            "password": "x-Y-z-2027-pass",
            "password2": "x-Y-z-2027-pass",
        },
    )
    assert answer.status_code == 400 and "手机号或验证码不正确" in answer.content.decode()


def test_staff_queue_detail_confirm_and_export(world: World, client: Client) -> None:
    listed = world.residents["a1"]
    account = registered(world.household_a1, id_number=pii.decrypt(listed.id_number_cipher))
    registered(world.household_b)
    client.force_login(world.users["grid_a1"])
    assert "待认证居民" in client.get("/").content.decode()
    queue = client.get("/residency/accounts/").content.decode()
    assert account.name in queue and account.id_number_masked in queue
    assert queue.count("/residency/accounts/") >= 1
    detail = client.get(f"/residency/accounts/{account.pk}/").content.decode()
    assert listed.id_number_masked in detail and "身份证号一致" in detail
    assert pii.decrypt(listed.id_number_cipher) not in detail
    sheet = client.get("/residency/accounts/export.xlsx").content
    assert cells_with(sheet, account.id_number_masked)
    answer = client.post(f"/residency/accounts/{account.pk}/confirm/", {"resident": listed.pk})
    assert answer.status_code == 302
    account.refresh_from_db()
    assert account.resident == listed
    again = client.post(f"/residency/accounts/{account.pk}/confirm/", {})
    assert again.status_code == 409 and 'data-code="already_decided"' in again.content.decode()


def test_staff_refuse_needs_a_reason(world: World, client: Client) -> None:
    account = registered(world.household_a1)
    client.force_login(world.users["worker_a"])
    answer = client.post(f"/residency/accounts/{account.pk}/refuse/", {"reason": ""})
    assert answer.status_code == 200 and "请填写原因" in answer.content.decode()
    client.post(f"/residency/accounts/{account.pk}/refuse/", {"reason": "查无此人"})
    account.refresh_from_db()
    assert account.refused_reason == "查无此人"


def test_staff_desk_code_is_shown_once(world: World, client: Client) -> None:
    account = registered(world.household_a1)
    resident_account_confirm(account=account, actor=world.users["grid_a1"])
    client.force_login(world.users["grid_a1"])
    page = client.post(f"/residency/accounts/{account.pk}/reset-code/").content.decode()
    assert "data-reset-code" in page
    assert (
        "data-reset-code" not in client.get(f"/residency/accounts/{account.pk}/").content.decode()
    )


@pytest.mark.parametrize("who", ["grid_a2", "secretary_b", "branch_a", "nobody"])
def test_staff_pages_outside_scope_are_404(world: World, client: Client, who: str) -> None:
    account = registered(world.household_a1)
    client.force_login(world.users[who])
    for path in ("", "confirm/", "refuse/", "reset-code/"):
        method = client.get if not path else client.post
        assert method(f"/residency/accounts/{account.pk}/{path}").status_code == 404
    account.refresh_from_db()
    assert account.status == AccountStatus.PENDING


def test_a_pending_resident_is_not_staff(world: World, client: Client) -> None:
    account = registered(world.household_a1)
    client.force_login(account.user)
    assert client.get("/residency/accounts/").status_code == 404
    assert client.get(f"/residency/accounts/{account.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "shown"),
    [("grid_a1", True), ("worker_a", True), ("secretary_a", True), ("branch_a", False),
     ("town_a_staff", False), ("county_a_command", False), ("nobody", False)],
)  # fmt: skip
def test_the_menu_entry_is_for_those_who_confirm(
    world: World, client: Client, who: str, shown: bool
) -> None:
    client.force_login(world.users[who])
    assert ('href="/residency/accounts/"' in client.get("/").content.decode()) is shown
