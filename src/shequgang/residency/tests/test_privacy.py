"""A resident's own account under PIPL: it is in their data export, and erasing the
register entry erases the account's personal data and stops the login."""

from __future__ import annotations

import pytest

from shequgang.people import pii
from shequgang.privacy.collect import subject_data
from shequgang.privacy.erasure import resident_anonymise
from shequgang.residency.models import ResidentAccount
from shequgang.residency.services import resident_account_confirm
from shequgang.residency.tests.factories import PASSWORD, registered
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def confirmed(world: World) -> ResidentAccount:
    listed = world.residents["a1"]
    account = registered(
        world.household_a1,
        phone="13500000001",
        id_number=pii.decrypt(listed.id_number_cipher),
    )
    resident_account_confirm(account=account, actor=world.users["grid_a1"])
    account.refresh_from_db()
    return account


def test_the_export_holds_the_account(world: World) -> None:
    account = confirmed(world)
    data = subject_data(world.residents["a1"])
    mine = [a for a in data["accounts"] if a["username"] == account.user.username]
    assert mine and mine[0]["resident_account"][0]["phone"] == "+8613500000001"
    assert mine[0]["resident_account"][0]["status"] == "已认证"


def test_erasure_erases_the_account(world: World) -> None:
    account = confirmed(world)
    resident_anonymise(
        resident=world.residents["a1"], actor=world.users["secretary_a"], reason="本人申请删除"
    )
    account.refresh_from_db()
    assert account.name != "王秀英"
    assert (account.id_number_cipher, account.phone_cipher, account.phone_masked) == ("", "", "")
    assert not account.user.is_active and not account.user.check_password(PASSWORD)
    # The phone may register again.
    registered(world.household_a1, phone="13500000001")
