"""Opening a campaign: households resolved in walking order, split per visitor, scoped."""

from __future__ import annotations

import datetime as dt

import pytest

from shequgang.errors import DomainError, NotFound
from shequgang.needs.access import (
    access_campaign,
    scoped_campaigns,
    scoped_lists,
    scoped_stops,
)
from shequgang.needs.campaigns import Visitor, campaign_close, campaign_open, split_walking_order
from shequgang.needs.models import Campaign, CampaignStatus, ListHousehold
from shequgang.places.models import Kind
from shequgang.places.services import place_create
from shequgang.testing import World

DAY = dt.date(2026, 5, 1)


def _open(world: World, **kw: object) -> Campaign:
    fields: dict[str, object] = {
        "actor": world.users["worker_a"],
        "community": world.community_a,
        "title": "敲门",
        "targets": [world.compound_a],
        "visitors": [Visitor(world.users["grid_a1"])],
        "starts_on": DAY,
        "ends_on": DAY,
    }
    fields.update(kw)
    return campaign_open(**fields)  # type: ignore[arg-type]


def test_split_keeps_stretches_and_differs_by_at_most_one() -> None:
    assert [len(r) for r in split_walking_order(7, 3)] == [3, 2, 2]
    assert split_walking_order(2, 2) == [range(0, 1), range(1, 2)]


def test_every_household_once_in_walking_order(campaign: Campaign, world: World) -> None:
    stops = list(ListHousehold.objects.filter(campaign=campaign).order_by("household__path"))
    assert [s.household for s in stops] == [world.household_a1, world.household_a2]
    assert campaign.household_count == 2
    lists = list(campaign.lists.order_by("pk"))
    assert [vl.visitor.username for vl in lists] == ["grid_a1", "nobody"]
    assert [list(vl.households.values_list("position", flat=True)) for vl in lists] == [[1], [1]]


def test_a_building_inside_a_chosen_compound_is_not_counted_twice(world: World) -> None:
    campaign = _open(world, targets=[world.compound_a, world.building_a1])
    assert campaign.household_count == 2
    assert list(campaign.targets.all()) == [world.compound_a]


def test_refusals_write_nothing(world: World) -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"targets": []}, "targets_required"),
        ({"targets": [world.household_a1]}, "invalid_target"),
        ({"visitors": []}, "visitors_required"),
        ({"ends_on": DAY - dt.timedelta(days=1)}, "invalid_dates"),
        ({"ends_on": DAY + dt.timedelta(days=367)}, "invalid_dates"),
        ({"title": "  "}, "title_required"),
    ]
    for kw, code in cases:
        with pytest.raises(DomainError) as err:
            _open(world, **kw)
        assert err.value.code == code, kw
    # the last day allowed: a year and a day
    _open(world, ends_on=DAY + dt.timedelta(days=366))
    assert Campaign.objects.count() == 1


def test_an_empty_building_has_no_households(world: World) -> None:
    empty = place_create(
        parent=world.compound_a, kind=Kind.BUILDING, name="9号楼", actor=world.admin
    )
    with pytest.raises(DomainError) as err:
        _open(world, targets=[empty])
    assert err.value.code == "no_households"


def test_only_staff_of_the_community_open_a_campaign(world: World) -> None:
    for name in ("secretary_b", "grid_a1", "nobody"):
        with pytest.raises(NotFound):
            _open(world, actor=world.users[name])
    with pytest.raises(DomainError) as err:
        _open(world, targets=[world.household_b.parent])
    assert err.value.code == "invalid_target"


def test_scope_a_worker_of_another_community_sees_nothing(campaign: Campaign, world: World) -> None:
    assert access_campaign(world.users["secretary_a"], campaign.pk) == campaign
    # the volunteer sees it through their list
    assert access_campaign(world.users["nobody"], campaign.pk) == campaign
    for name in ("secretary_b", "grid_a2", "dept_handler"):
        with pytest.raises(NotFound):
            access_campaign(world.users[name], campaign.pk)
        assert not scoped_campaigns(world.users[name]).exists()
    with pytest.raises(NotFound):
        access_campaign(world.users["secretary_a"], "x")
    # an unrestricted administrator sees every campaign (an empty scope is not "none")
    assert list(scoped_campaigns(world.admin)) == [campaign]
    assert scoped_lists(world.admin).count() == 2
    assert scoped_stops(world.admin).count() == 2


def test_closing_twice_is_a_conflict(campaign: Campaign, world: World) -> None:
    campaign_close(actor=world.users["worker_a"], campaign=campaign, summary="完成")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    with pytest.raises(DomainError) as err:
        campaign_close(actor=world.users["worker_a"], campaign=campaign)
    assert err.value.code == "campaign_closed"
