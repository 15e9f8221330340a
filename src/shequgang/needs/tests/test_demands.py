"""The 需求清单: recording with consent, dedupe per household and type, the workflow
table at its edges, demand → case, and scope (a worker of 城东 sees no 建昌 demand)."""

from __future__ import annotations

import datetime as dt

import pytest

from shequgang.cases.models import Source
from shequgang.errors import DomainError, NotFound
from shequgang.needs.access import access_demand, scoped_demands
from shequgang.needs.demands import ALLOWED, demand_record, demand_to_case, demand_transition
from shequgang.needs.models import (
    Campaign,
    Demand,
    DemandEvent,
    DemandSource,
    DemandStatus,
    ListHousehold,
    Visit,
)
from shequgang.needs.visits import visit_record
from shequgang.testing import World

NOW = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)


def _visit(campaign: Campaign, world: World) -> Visit:
    stop = ListHousehold.objects.get(campaign=campaign, household=world.household_a1)
    return visit_record(
        actor=world.users["grid_a1"], stop=stop, outcome="met", met_whom="户主", now=NOW
    )


def _heard(world: World, visit: Visit, **kw: object) -> tuple[Demand, bool]:
    fields: dict[str, object] = {
        "actor": world.users["grid_a1"],
        "place": world.household_a1,
        "type": "repair",
        "description": "卫生间水管漏水",
        "source": DemandSource.VISIT,
        "consent": True,
        "urgency": "high",
        "visit": visit,
    }
    fields.update(kw)
    return demand_record(**fields)  # type: ignore[arg-type]


def test_a_demand_heard_at_a_visit(campaign: Campaign, world: World) -> None:
    visit = _visit(campaign, world)
    demand, created = _heard(world, visit)
    assert created
    assert (demand.household, demand.campaign, demand.status, demand.urgency) == (
        world.household_a1,
        campaign,
        DemandStatus.OPEN,
        "high",
    )


def test_no_consent_nothing_kept(campaign: Campaign, world: World) -> None:
    with pytest.raises(DomainError) as err:
        _heard(world, _visit(campaign, world), consent=False)
    assert err.value.code == "consent_required"
    assert not Demand.objects.exists()


def test_bad_choices_are_refused(campaign: Campaign, world: World) -> None:
    visit = _visit(campaign, world)
    for kw, code in [
        ({"type": "x"}, "invalid_type"),
        ({"urgency": "x"}, "invalid_urgency"),
        ({"source": "x"}, "invalid_source"),
        ({"description": " "}, "description_required"),
        ({"description": "长" * 501}, "description_too_long"),
    ]:
        with pytest.raises(DomainError) as err:
            _heard(world, visit, **kw)
        assert err.value.code == code
    _heard(world, visit, description="长" * 500)


def test_a_visit_records_only_at_its_own_household(campaign: Campaign, world: World) -> None:
    with pytest.raises(NotFound):
        _heard(world, _visit(campaign, world), place=world.household_a2)


def test_same_household_same_type_is_one_demand(campaign: Campaign, world: World) -> None:
    visit = _visit(campaign, world)
    first, _ = _heard(world, visit)
    again, created = _heard(world, visit, description="又说了一遍")
    assert (again, created) == (first, False)
    assert DemandEvent.objects.filter(demand=first, kind="heard_again").count() == 1
    other, created = _heard(world, visit, type="childcare")
    assert created and other != first
    # once met, the same need may be raised anew
    demand_transition(actor=world.users["worker_a"], demand=first, to="met", now=NOW)
    fresh, created = _heard(world, visit)
    assert created and fresh != first


def test_the_workflow_table_at_its_edges(campaign: Campaign, world: World) -> None:
    demand, _ = _heard(world, _visit(campaign, world))
    actor = world.users["worker_a"]
    with pytest.raises(DomainError) as err:
        demand_transition(actor=actor, demand=demand, to="cannot_meet", reason="")
    assert err.value.code == "reason_required"
    demand_transition(actor=actor, demand=demand, to="matched")
    demand_transition(actor=actor, demand=demand, to="in_project")
    with pytest.raises(DomainError) as err:
        demand_transition(actor=actor, demand=demand, to="open", reason="x")
    assert err.value.code == "invalid_transition"
    demand = demand_transition(actor=actor, demand=demand, to="met", now=NOW)
    assert demand.met_at == NOW
    for to in DemandStatus.values:
        with pytest.raises(DomainError):
            demand_transition(actor=actor, demand=demand, to=to, reason="x")
    assert ALLOWED[DemandStatus.MET] == set()
    with pytest.raises(DomainError) as err:
        demand_transition(actor=actor, demand=demand, to="nope")
    assert err.value.code == "invalid_status"


def test_reopening_is_refused_while_another_is_active(campaign: Campaign, world: World) -> None:
    visit = _visit(campaign, world)
    actor = world.users["worker_a"]
    first, _ = _heard(world, visit)
    demand_transition(actor=actor, demand=first, to="cannot_meet", reason="不属于社区职责")
    _second, created = _heard(world, visit)
    assert created
    with pytest.raises(DomainError) as err:
        demand_transition(actor=actor, demand=first, to="open", reason="重新受理")
    assert err.value.code == "duplicate_demand"
    first.refresh_from_db()
    assert first.status == DemandStatus.CANNOT_MEET


def test_a_demand_becomes_a_door_knocking_case_once(campaign: Campaign, world: World) -> None:
    demand, _ = _heard(world, _visit(campaign, world))
    case = demand_to_case(actor=world.users["grid_a1"], demand=demand)
    assert (case.source, case.place) == (Source.DOOR_KNOCKING, world.household_a1)
    demand.refresh_from_db()
    assert demand.case == case
    with pytest.raises(DomainError) as err:
        demand_to_case(actor=world.users["grid_a1"], demand=demand)
    assert err.value.code == "already_case"


def test_a_volunteer_cannot_raise_the_case(campaign: Campaign, world: World) -> None:
    stop = ListHousehold.objects.get(campaign=campaign, household=world.household_a2)
    visit = visit_record(
        actor=world.users["nobody"], stop=stop, outcome="met", met_whom="户主", now=NOW
    )
    demand, _ = _heard(world, visit, actor=world.users["nobody"], place=world.household_a2)
    with pytest.raises(NotFound):
        demand_to_case(actor=world.users["nobody"], demand=demand)
    demand.refresh_from_db()
    assert demand.case is None
    # the volunteer sees the demand they heard, nothing else
    assert list(scoped_demands(world.users["nobody"])) == [demand]


def test_a_worker_of_chengdong_sees_no_jianchang_demand(world: World) -> None:
    jianchang, _ = demand_record(
        actor=world.users["secretary_b"],
        place=world.household_b,
        type="policy",
        description="低保政策",
        source=DemandSource.RESIDENT,
        consent=True,
    )
    chengdong, _ = demand_record(
        actor=world.users["worker_a"],
        place=world.household_a1,
        type="policy",
        description="医保",
        source=DemandSource.RESIDENT,
        consent=True,
    )
    assert list(scoped_demands(world.users["worker_a"])) == [chengdong]
    with pytest.raises(NotFound):
        access_demand(world.users["worker_a"], jianchang.pk)
    with pytest.raises(NotFound):
        demand_transition(actor=world.users["worker_a"], demand=jianchang, to="met")
    with pytest.raises(NotFound):
        demand_record(
            actor=world.users["worker_a"],
            place=world.household_b,
            type="repair",
            description="x",
            source=DemandSource.RESIDENT,
            consent=True,
        )
    assert access_demand(world.users["secretary_b"], jianchang.pk) == jianchang
