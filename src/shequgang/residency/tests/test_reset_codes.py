"""The offline password reset: a desk code for a confirmed resident in the worker's scope,
6 digits, hashed at rest, 30 minutes, once, five wrong tries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db.models import F

from shequgang.errors import DomainError
from shequgang.residency.models import ResetCode, ResidentAccount
from shequgang.residency.resets import password_reset_with_code, reset_code_issue, reset_code_send
from shequgang.residency.services import resident_account_confirm
from shequgang.residency.tests.factories import PASSWORD, registered
from shequgang.testing import World

pytestmark = pytest.mark.django_db
NEW = "Another-Pass-2027"


@pytest.fixture
def resident(world: World) -> ResidentAccount:
    account = registered(world.household_a1, phone="13912300000")
    resident_account_confirm(account=account, actor=world.users["grid_a1"])
    account.refresh_from_db()
    return account


def code_for(world: World, account: ResidentAccount, who: str = "grid_a1") -> str:
    return reset_code_issue(actor=world.users[who], account_id=account.pk).code


def refused(**kwargs: str) -> str:
    with pytest.raises(DomainError) as caught:
        password_reset_with_code(**kwargs)
    return caught.value.code


def test_the_desk_code_sets_a_new_password_once(world: World, resident: ResidentAccount) -> None:
    code = code_for(world, resident)
    assert len(code) == 6 and code.isdigit()
    row = ResetCode.objects.get()
    assert code not in row.code_hash
    password_reset_with_code(phone="13912300000", code=code, password=NEW)
    user = User.objects.get(pk=resident.user_id)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    # Used: the same code again is refused.
    assert refused(phone="13912300000", code=code, password="Third-Pass-2028") == "reset_code_used"


def test_a_code_expires_after_thirty_minutes(world: World, resident: ResidentAccount) -> None:
    code = code_for(world, resident)
    ResetCode.objects.update(expires_at=F("issued_at") + dt.timedelta(minutes=30))
    ResetCode.objects.update(issued_at=F("issued_at") - dt.timedelta(minutes=30, seconds=1))
    ResetCode.objects.update(expires_at=F("expires_at") - dt.timedelta(minutes=30, seconds=1))
    assert refused(phone="13912300000", code=code, password=NEW) == "reset_code_expired"
    assert User.objects.get(pk=resident.user_id).check_password(PASSWORD)


def test_a_code_just_inside_its_time_works(world: World, resident: ResidentAccount) -> None:
    code = code_for(world, resident)
    ResetCode.objects.update(expires_at=F("expires_at") - dt.timedelta(minutes=29, seconds=50))
    password_reset_with_code(phone="13912300000", code=code, password=NEW)


def test_wrong_codes_count_and_the_fifth_voids_the_code(
    world: World, resident: ResidentAccount
) -> None:
    code = code_for(world, resident)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        assert refused(phone="13912300000", code=wrong, password=NEW) == "reset_code_wrong"
    assert ResetCode.objects.get().attempts == 4
    password_reset_with_code(phone="13912300000", code=code, password=NEW)  # 4 is still fine
    code = code_for(world, resident)
    for _ in range(5):
        refused(phone="13912300000", code=wrong, password=NEW)
    assert refused(phone="13912300000", code=code, password=NEW) == "reset_code_used"


def test_a_newer_code_voids_the_older(world: World, resident: ResidentAccount) -> None:
    first = code_for(world, resident)
    second = code_for(world, resident, who="worker_a")
    if first != second:
        assert refused(phone="13912300000", code=first, password=NEW) == "reset_code_wrong"
    password_reset_with_code(phone="13912300000", code=second, password=NEW)


def test_an_unknown_phone_is_just_a_wrong_code(world: World) -> None:
    assert refused(phone="13912300009", code="123456", password=NEW) == "reset_code_wrong"
    assert refused(phone="garbage", code="123456", password=NEW) == "reset_code_wrong"


def test_codes_only_for_confirmed_residents_in_scope(world: World) -> None:
    pending = registered(world.household_a1)
    with pytest.raises(DomainError) as caught:
        reset_code_issue(actor=world.users["grid_a1"], account_id=pending.pk)
    assert (caught.value.code, caught.value.status) == ("not_confirmed", 409)
    with pytest.raises(DomainError) as caught:
        reset_code_issue(actor=world.users["grid_a2"], account_id=pending.pk)
    assert caught.value.status == 404


def test_without_sms_nothing_pretends_to_send(world: World, resident: ResidentAccount) -> None:
    with pytest.raises(DomainError) as caught:
        reset_code_send(phone="13912300000")
    assert caught.value.code == "sms_not_configured"
    assert caught.value.message == "本平台未开通短信，请到社区服务站领取验证码"
    assert not ResetCode.objects.exists()


sent: list[tuple[str, str]] = []


class RecordingSms:
    def send(self, *, phone: str, text: str) -> None:
        sent.append((phone, text))


def test_a_configured_sms_backend_receives_the_code(
    world: World,
    resident: ResidentAccount,
    settings: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    settings.SMS_BACKEND = f"{__name__}.RecordingSms"  # type: ignore[attr-defined]
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        reset_code_send(phone="13912300000")
    assert [phone for phone, _ in sent] == ["+8613912300000"]
    code = sent[0][1].split("验证码为 ")[1][:6]
    password_reset_with_code(phone="13912300000", code=code, password=NEW)
