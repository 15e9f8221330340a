"""The resident's tabs: 首页, 办事, 活动, 我的 — mobile pages with their own tab bar and
nothing of the staff menu."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_acknowledge, case_create, case_resolve
from shequgang.portal.tests.conftest import confirmed_resident
from shequgang.testing import World, synthetic_id
from shequgang.veterans.tests.factories import beijing, ensure_2026_program

pytestmark = pytest.mark.django_db

TABS = ("首页", "办事", "我的事项", "活动", "我的")


def test_the_home_shows_my_place_my_items_and_the_neighbourhoods_news(
    client: Client, world: World, resident
) -> None:
    # Given an open case of mine, and a neighbour's case resolved in the compound
    light = Category.objects.get(code="stairwell_light")
    mine = case_create(
        actor=resident,
        source=Source.RESIDENT,
        category=light,
        place=world.household_a1,
        title="三楼楼道灯不亮",
    )
    other = case_create(
        actor=world.users["grid_a1"],
        source=Source.GRID_PATROL,
        category=light,
        place=world.building_a1,
        title="一楼灯泡更换",
    )
    holder = world.users["group_a1"]
    case_acknowledge(actor=holder, case=other)
    case_resolve(actor=holder, case=other, resolution="已更换")
    client.force_login(resident)
    # When the resident opens the home
    page = client.get("/me/").content.decode()
    # Then: the tab bar and no staff menu; my open case; the resolved one nearby
    for tab in TABS:
        assert f"</span>{tab}</a>" in page
    assert 'class="topbar"' not in page and "台账" not in page
    assert world.household_a1.name in page
    assert mine.title in page and f"/me/items/{mine.pk}/" in page
    assert "一楼灯泡更换" in page and "已办结" in page


def test_a_pending_resident_sees_their_status_and_cannot_raise_yet(client: Client, pending) -> None:
    client.force_login(pending.user)
    assert "等待社区认证" in client.get("/me/").content.decode()
    page = client.get("/me/raise/").content.decode()
    assert "等待社区认证" in page and 'name="description"' not in page


@pytest.mark.parametrize(
    ("instant", "shown"),
    [(beijing(2026, 4, 1), True), (beijing(2026, 6, 1), True), (beijing(2026, 8, 1), False)],
)
def test_veterans_enrolment_is_offered_to_elders_while_its_window_is_not_over(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch, instant, shown
) -> None:
    # Given the 2026 programme (born on or before 1965-12-31), an elder and a younger
    # resident (born 1980)
    ensure_2026_program()
    elder = confirmed_resident(
        world,
        world.household_a2,
        name="张大爷",
        confirmer="grid_a2",
        id_number=synthetic_id(birth=dt.date(1950, 3, 2)),
    )
    young = confirmed_resident(world, world.household_a1)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    # When each opens 办事
    client.force_login(elder)
    elder_page = client.get("/me/services/").content.decode()
    client.force_login(young)
    young_page = client.get("/me/services/").content.decode()
    # Then only the elder is offered it, and only until the window closes
    assert ("/veterans/2026/apply/" in elder_page) is shown
    assert "/veterans/2026/apply/" not in young_page


def test_me_shows_the_household_masked_data_and_points(client: Client, resident) -> None:
    client.force_login(resident)
    page = client.get("/me/account/").content.decode()
    account = resident.resident_account
    assert account.phone_masked in page and account.id_number_masked in page
    assert "积分" in page and "/me/account/data/" in page  # 我的数据: the download
