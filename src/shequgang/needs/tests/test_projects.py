"""Accepting matches into projects, and a project's workflow to completion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from shequgang.errors import DomainError, Forbidden
from shequgang.needs.models import DemandEvent, DemandStatus
from shequgang.needs.project_models import EvidenceKind, ProjectStatus
from shequgang.needs.projects import (
    evidence_add,
    match_accept,
    milestone_add,
    participant_add,
    project_create,
    project_transition,
)
from shequgang.needs.supply_models import Resource
from shequgang.needs.tests.supply_factories import NOON, TODAY, make_demand, offer
from shequgang.points.models import Account, Transaction
from shequgang.points.tests.factories import no_caps
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def test_accepting_a_match_creates_a_project_and_takes_a_place(world: World) -> None:
    worker = world.users["worker_a"]
    demand = make_demand(world.household_a1)
    resource = offer(world.admin, world.compound_a, capacity=2)
    project = match_accept(actor=worker, demand=demand, resource=resource, now=NOON)
    demand.refresh_from_db()
    resource.refresh_from_db()
    assert project.community == world.community_a and project.owner == worker
    assert demand.status == DemandStatus.IN_PROJECT
    assert resource.remaining == 1
    assert DemandEvent.objects.filter(demand=demand, to_status=DemandStatus.IN_PROJECT).exists()
    # a second demand extends the same project and takes the last place
    other = make_demand(world.household_a2)
    assert (
        match_accept(actor=worker, demand=other, resource=resource, project=project, now=NOON)
        == project
    )
    resource.refresh_from_db()
    assert resource.remaining == 0
    # the offer is used up: a third accept is refused and changes nothing
    third = make_demand(world.household_a2, type="childcare")
    with pytest.raises(DomainError) as err:
        match_accept(actor=worker, demand=third, resource=resource, project=project, now=NOON)
    assert err.value.code == "type_mismatch"
    third_repair = make_demand(world.community_a)
    with pytest.raises(DomainError) as err:
        match_accept(actor=worker, demand=third_repair, resource=resource, now=NOON)
    assert err.value.code == "resource_unavailable" and err.value.status == 409
    third_repair.refresh_from_db()
    assert third_repair.status == DemandStatus.OPEN


def test_a_demand_joins_one_project_only(world: World) -> None:
    worker = world.users["worker_a"]
    demand = make_demand(world.household_a1)
    match_accept(actor=worker, demand=demand, resource=None, title="楼道维修", now=NOON)
    with pytest.raises(DomainError) as err:
        match_accept(actor=worker, demand=demand, resource=None, now=NOON)
    assert err.value.code == "demand_not_open"


def test_out_of_scope_worker_cannot_accept(world: World) -> None:
    demand = make_demand(world.household_a1)
    with pytest.raises(Forbidden):
        match_accept(actor=world.users["secretary_b"], demand=demand, resource=None, now=NOON)
    with pytest.raises(Forbidden):
        match_accept(actor=world.users["grid_a1"], demand=demand, resource=None, now=NOON)


def test_completion_needs_evidence_marks_demands_met_and_pays_participants(world: World) -> None:
    worker = world.users["worker_a"]
    no_caps(world.community_a)
    volunteer = User.objects.create_user("volunteer", password="x")
    demand = make_demand(world.household_a1)
    project = project_create(
        actor=worker, community=world.community_a, title="助老", participant_points=15, now=NOON
    )
    match_accept(actor=worker, demand=demand, resource=None, project=project, now=NOON)
    milestone_add(actor=worker, project=project, title="入户", due_on=TODAY)
    participant_add(actor=worker, project=project, user=volunteer, role="志愿者")
    project_transition(actor=worker, project=project, to=ProjectStatus.ACTIVE, now=NOON)
    with pytest.raises(DomainError) as err:
        project_transition(actor=worker, project=project, to=ProjectStatus.COMPLETED, now=NOON)
    assert err.value.code == "evidence_required"
    evidence_add(
        actor=worker, project=project, kind=EvidenceKind.SIGNOFF, signed_by="王秀英", now=NOON
    )
    done_at = NOON + dt.timedelta(days=3)
    project = project_transition(
        actor=worker, project=project, to=ProjectStatus.COMPLETED, beneficiaries=2, now=done_at
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.MET and demand.met_at == done_at
    assert project.evidence.get().signed_by_masked == "王**"
    account = Account.objects.get(owner=volunteer, community=world.community_a)
    assert account.balance == 15
    # a completed project is final
    with pytest.raises(DomainError) as err:
        project_transition(actor=worker, project=project, to=ProjectStatus.CANCELLED, reason="x")
    assert err.value.code == "invalid_transition"
    assert Transaction.objects.filter(source_ref=f"needs_project:{project.pk}").count() == 1


def test_cancelling_returns_demands_and_places(world: World) -> None:
    worker = world.users["worker_a"]
    demand = make_demand(world.household_a1)
    resource = offer(world.admin, world.compound_a, capacity=1)
    project = match_accept(actor=worker, demand=demand, resource=resource, now=NOON)
    with pytest.raises(DomainError) as err:
        project_transition(actor=worker, project=project, to=ProjectStatus.CANCELLED)
    assert err.value.code == "reason_required"
    project_transition(
        actor=worker, project=project, to=ProjectStatus.CANCELLED, reason="资金未到位"
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.OPEN
    assert Resource.objects.get(pk=resource.pk).remaining == 1


def test_bad_budget_is_refused(world: World) -> None:
    worker = world.users["worker_a"]
    for bad in ("-1", "abc", "NaN"):
        with pytest.raises(DomainError) as err:
            project_create(actor=worker, community=world.community_a, title="x", budget=bad)
        assert err.value.code == "invalid_budget"
