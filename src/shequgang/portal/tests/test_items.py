"""我的事项: my cases and the ones I follow, each with its progress; rating mine."""

from __future__ import annotations

import pytest
from django.test import Client

from shequgang.cases.models import Case, Category, Satisfaction, Source, Status
from shequgang.cases.services import case_acknowledge, case_create, case_resolve
from shequgang.cases.services.followers import case_follow
from shequgang.portal.tests.conftest import confirmed_resident
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def _raised(world: World, user, title: str = "楼道灯不亮") -> Case:
    return case_create(
        actor=user,
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title=title,
    )


def _resolved(world: World, case: Case) -> Case:
    holder = world.users["group_a1"]
    case_acknowledge(actor=holder, case=case)
    return case_resolve(actor=holder, case=case, resolution="已更换灯泡")


def test_my_case_shows_its_timeline_and_asks_for_a_rating_once_resolved(
    client: Client, world: World, resident
) -> None:
    case = _raised(world, resident)
    client.force_login(resident)
    page = client.get(f"/me/items/{case.pk}/").content.decode()
    assert "待签收" in page and "评价办理结果" not in page
    _resolved(world, case)
    page = client.get(f"/me/items/{case.pk}/").content.decode()
    assert "已更换灯泡" in page and "评价办理结果" in page


def test_rating_my_resolved_case_closes_it(client: Client, world: World, resident) -> None:
    case = _resolved(world, _raised(world, resident))
    client.force_login(resident)
    r = client.post(
        f"/me/items/{case.pk}/rate/",
        {"solved": "1", "satisfaction": Satisfaction.SATISFIED, "comment": "很及时"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.satisfaction == Satisfaction.SATISFIED


def test_a_neighbours_case_is_the_same_404_as_a_missing_one_until_i_follow_it(
    client: Client, world: World, resident
) -> None:
    neighbour = confirmed_resident(world, world.household_a1, name="赵邻居")
    case = _raised(world, neighbour, title="楼道灯又坏了")
    client.force_login(resident)
    assert client.get(f"/me/items/{case.pk}/").status_code == 404
    assert client.get("/me/items/999999/").status_code == 404
    assert client.post(f"/me/items/{case.pk}/rate/", {}).status_code == 404
    # "我也遇到了" (the resident raised a case here before, so it is their neighbourhood)
    _raised(world, resident, title="我家门口的灯")
    case_follow(actor=resident, case_id=case.pk)
    page = client.get(f"/me/items/{case.pk}/").content.decode()
    assert "楼道灯又坏了" in page and "您关注了这个事项" in page
    assert client.post(f"/me/items/{case.pk}/rate/", {}).status_code == 404  # not mine
    items = client.get("/me/items/").content.decode()
    assert "楼道灯又坏了" in items and "我家门口的灯" in items
