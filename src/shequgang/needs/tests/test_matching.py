"""Suggested matches on constructed cases: right type, nearest first, never an expired
or exhausted resource, reasons shown, and the reverse direction."""

from __future__ import annotations

import datetime as dt

import pytest

from shequgang.needs.matching import suggest_for_demand, suggest_for_resource
from shequgang.needs.models import DemandStatus, DemandType, Urgency
from shequgang.needs.resources import resource_update
from shequgang.needs.supply_models import Resource
from shequgang.needs.tests.supply_factories import (
    TODAY,
    make_demand,
    offer,
    second_compound,
)
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def titles(demand, today=TODAY):  # type: ignore[no-untyped-def]
    return [s.resource.title for s in suggest_for_demand(demand, today=today)]


def test_nearest_first_same_compound_then_community_then_town_then_county(world: World) -> None:
    # given offers of the demand's type at every distance, and one in another county
    demand = make_demand(world.household_a1)
    admin = world.admin
    other_compound = second_compound(world.community_a, admin)
    offer(admin, world.county_a, title="全区")
    offer(admin, world.town_a, title="街道")
    offer(admin, other_compound, title="本社区另一小区")
    offer(admin, world.building_a2, title="同小区2号楼")
    offer(admin, world.community_b, title="建昌社区")
    offer(admin, world.county_b, title="汾阳全市")
    # when / then: nearest first, nothing from the other county
    assert titles(demand) == ["同小区2号楼", "本社区另一小区", "街道", "全区"]


def test_only_the_demands_type(world: World) -> None:
    demand = make_demand(world.household_a1, DemandType.ELDERLY_CARE)
    offer(world.admin, world.compound_a, title="维修", type=DemandType.REPAIR)
    offer(world.admin, world.community_a, title="助老", type=DemandType.ELDERLY_CARE)
    assert titles(demand) == ["助老"]


def test_never_expired_paused_or_exhausted(world: World) -> None:
    demand = make_demand(world.household_a1)
    admin = world.admin
    # valid until yesterday: gone; valid until today: still there (the boundary)
    offer(
        admin,
        world.compound_a,
        title="昨天到期",
        available_from=TODAY - dt.timedelta(days=30),
        valid_until=TODAY - dt.timedelta(days=1),
    )
    offer(admin, world.compound_a, title="今天到期", valid_until=TODAY)
    offer(
        admin,
        world.compound_a,
        title="可用期已过",
        available_from=TODAY - dt.timedelta(days=10),
        available_until=TODAY - dt.timedelta(days=1),
    )
    paused = offer(admin, world.compound_a, title="暂停")
    resource_update(actor=admin, resource=paused, active=False)
    used_up = offer(admin, world.compound_a, title="用完", capacity=1)
    Resource.objects.filter(pk=used_up.pk).update(remaining=0)
    assert titles(demand) == ["今天到期"]
    # the day after, the last one drops out by itself
    assert titles(demand, TODAY + dt.timedelta(days=1)) == []


def test_this_week_before_later_and_more_capacity_first(world: World) -> None:
    demand = make_demand(world.household_a1)
    admin = world.admin
    offer(admin, world.compound_a, title="下月起", available_from=TODAY + dt.timedelta(days=30))
    offer(admin, world.compound_a, title="余量少", capacity=2)
    offer(admin, world.compound_a, title="余量多", capacity=9)
    # Sunday of this week (TODAY is a Wednesday): still this week
    offer(admin, world.compound_a, title="周日起", available_from=TODAY + dt.timedelta(days=4))
    assert titles(demand) == ["余量多", "余量少", "周日起", "下月起"]


def test_reasons_are_shown(world: World) -> None:
    demand = make_demand(world.household_a1)
    admin = world.admin
    offer(admin, world.community_a, title="社区", capacity=3)
    offer(admin, world.compound_a, title="周日", available_from=TODAY + dt.timedelta(days=4))
    offer(admin, world.town_a, title="下月", available_from=TODAY + dt.timedelta(days=40))
    found = {s.resource.title: s.reason_text for s in suggest_for_demand(demand, today=TODAY)}
    assert found["社区"] == "同社区 · 类型一致 · 今日可用 · 余量3"
    assert found["周日"] == "同小区 · 类型一致 · 本周可用 · 余量5"
    assert found["下月"].startswith("同街道 · 类型一致 · 01月18日起可用")


def test_weekday_limited_offer_is_not_available_today(world: World) -> None:
    demand = make_demand(world.household_a1)
    # only on Saturdays (bit 5); TODAY is a Wednesday
    offer(world.admin, world.compound_a, title="周六", days=1 << 5)
    [s] = suggest_for_demand(demand, today=TODAY)
    assert "本周可用" in s.reasons


def test_no_suggestions_for_a_demand_no_longer_open(world: World) -> None:
    demand = make_demand(world.household_a1, status=DemandStatus.MET)
    offer(world.admin, world.compound_a)
    assert suggest_for_demand(demand, today=TODAY) == []


def test_for_a_resource_the_demands_it_could_meet(world: World) -> None:
    admin = world.admin
    near = make_demand(world.household_a1, urgency=Urgency.LOW)
    urgent = make_demand(world.household_a2, urgency=Urgency.HIGH)
    make_demand(world.household_b)  # other county
    make_demand(world.community_a, DemandType.CHILDCARE)  # other type
    make_demand(world.community_a, status=DemandStatus.MET)  # not open
    resource = offer(admin, world.compound_a)
    found = suggest_for_resource(resource, today=TODAY)
    assert [d.demand.pk for d in found] == [urgent.pk, near.pk]
    assert found[0].reason_text == "同小区 · 类型一致 · 紧急"
    # an expired resource suggests nothing
    assert suggest_for_resource(resource, today=TODAY + dt.timedelta(days=61)) == []
