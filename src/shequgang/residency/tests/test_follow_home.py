"""A confirmed resident who never raised a case may still say "我也遇到了" about a public
case in their own compound: confirming the account links the register's row to the
login (``Resident.user``), and the follow scope takes the home from there. Pending and
refused accounts get nothing; leaving the household (moved out, erased) ends it, in the
API and on the resident pages alike."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from shequgang.apikit.testing import api_client
from shequgang.cases.access import access_case_to_follow
from shequgang.cases.models import Case, CaseFollower, Category, Source
from shequgang.cases.services import case_create
from shequgang.errors import NotFound
from shequgang.people.models import Resident, ResidentStatus
from shequgang.people.selectors import home_households
from shequgang.people.services import ResidentInput, resident_update
from shequgang.places.models import Place
from shequgang.portal.tests.conftest import confirmed_resident
from shequgang.privacy.erasure import resident_anonymise
from shequgang.residency.services import resident_account_refuse
from shequgang.residency.tests.factories import registered
from shequgang.testing import World


def _case(world: World, place: Place, code: str = "stairwell_light") -> Case:
    return case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code=code),
        place=place,
        title="楼道灯不亮，晚上看不见",
    )


def _may_follow(user: User, case: Case) -> bool:
    try:
        access_case_to_follow(user, case.pk)
    except NotFound:
        return False
    return True


def _me_too(user: User, case: Case) -> int:
    return int(api_client(user).post(f"/cases/{case.pk}/me-too").status_code)


@pytest.fixture
def newcomer(world: World) -> User:
    """Confirmed for household A1 (building 1 of 滨东花园小区) and nothing else: no case
    raised, no role."""
    user = confirmed_resident(world, world.household_a1, name="张新居")
    assert not Case.objects.filter(raiser=user).exists()
    return user


def test_a_confirmed_resident_with_no_case_may_follow_a_public_case_in_their_compound(
    world, newcomer
):
    # Given a public case in building 2 of the same compound
    case = _case(world, world.household_a2)
    # When the newcomer says "me too" through the API
    assert _me_too(newcomer, case) == 201
    # Then they follow it and read its public progress, and it shows on 我的事项
    assert CaseFollower.objects.filter(case=case, user=newcomer).exists()
    assert api_client(newcomer).get(f"/cases/following/{case.pk}").status_code == 200
    page = Client()
    page.force_login(newcomer)
    assert case.title in page.get(reverse("portal:items")).content.decode()
    assert page.get(reverse("portal:item", args=[case.pk])).status_code == 200


def test_the_similar_cases_before_raising_offer_the_neighbours_case(world, newcomer):
    case = _case(world, world.household_a2)
    answer = api_client(newcomer).get(
        "/cases/similar",
        {"category": "stairwell_light", "place": world.household_a1.pk, "text": "楼道灯不亮"},
    )
    assert answer.status_code == 200
    assert case.pk in [row["id"] for row in answer.json()]


def test_not_another_compound_nor_a_private_category(world, newcomer):
    other = _case(world, world.household_b)
    private = _case(world, world.household_a2, code="family_dispute")
    for case in (other, private):
        assert not _may_follow(newcomer, case)
        assert _me_too(newcomer, case) == 404
    assert not CaseFollower.objects.filter(user=newcomer).exists()


def test_pending_and_refused_accounts_get_nothing(world):
    case = _case(world, world.household_a2)
    pending = registered(world.household_a1, name="李待审")
    refused = registered(world.household_a1, name="赵未过")
    resident_account_refuse(account=refused, actor=world.users["grid_a1"], reason="查无此人")
    for account in (pending, refused):
        assert not home_households(account.user).exists()
        assert not _may_follow(account.user, case)
        assert _me_too(account.user, case) == 404


def test_moving_out_ends_the_right_and_the_follow_reads(world, newcomer):
    case = _case(world, world.household_a2)
    assert _me_too(newcomer, case) == 201
    # When the register says they moved out
    row = Resident.objects.get(user=newcomer)
    resident_update(
        actor=world.users["secretary_a"],
        resident=row,
        data=ResidentInput(status=ResidentStatus.MOVED_OUT),
    )
    # Then the follow scope and the pages know them no more
    assert not _may_follow(newcomer, case)
    assert api_client(newcomer).get(f"/cases/following/{case.pk}").status_code == 404
    page = Client()
    page.force_login(newcomer)
    assert page.get(reverse("portal:item", args=[case.pk])).status_code == 404
    home = page.get(reverse("portal:home")).content.decode()
    assert "已不在该户登记" in home
    # And coming back restores it (the link stayed; the status decides)
    resident_update(
        actor=world.users["secretary_a"],
        resident=row,
        data=ResidentInput(status=ResidentStatus.ACTIVE),
    )
    assert _may_follow(newcomer, case)


def test_erasure_unlinks_the_login(world, newcomer):
    case = _case(world, world.household_a2)
    row = Resident.objects.get(user=newcomer)
    resident_anonymise(resident=row, actor=world.users["secretary_a"], reason="本人申请删除")
    row.refresh_from_db()
    assert row.user_id is None
    assert not home_households(newcomer).exists()
    assert not _may_follow(newcomer, case)
