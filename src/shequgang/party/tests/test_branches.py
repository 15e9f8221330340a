"""Branches built alone (单建) or jointly (联建), party groups, central households and
their 联系户."""

from __future__ import annotations

import pytest

from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.party.models import BranchCompound, CentralHouseholdLink
from shequgang.party.services import (
    BranchInput,
    branch_create,
    branch_update,
    central_household_create,
    central_household_link,
    committee_create,
    group_create,
)
from shequgang.party.tests.conftest import Party, register
from shequgang.places.models import Kind
from shequgang.places.services import place_create


def test_a_joint_branch_covers_compounds_of_one_town(party: Party) -> None:
    world = party.world
    branch = branch_create(
        actor=world.users["town_a_staff"],
        committee=party.committee,
        data=BranchInput(
            name="东关联建党支部", mode="joint", compounds=[party.compound_a2, party.compound_n]
        ),
    )
    assert set(branch.compounds.all()) == {party.compound_a2, party.compound_n}


def test_a_joint_branch_may_not_leave_the_town(party: Party) -> None:
    world = party.world
    compound_b = world.community_b.children.get(kind=Kind.COMPOUND)
    with pytest.raises(DomainError) as err:
        branch_create(
            actor=world.admin,
            committee=party.committee,
            data=BranchInput(name="跨区", mode="joint", compounds=[party.compound_a2, compound_b]),
        )
    assert err.value.code == "compound_outside_town"
    assert not BranchCompound.objects.filter(compound=party.compound_a2).exists()


def test_single_means_one_and_joint_means_several(party: Party) -> None:
    world = party.world
    for mode, compounds, code in [
        ("single", [party.compound_a2, party.compound_a3], "single_needs_one_compound"),
        ("joint", [party.compound_a2], "joint_needs_compounds"),
        ("joint", [party.compound_a2, party.compound_a2], "joint_needs_compounds"),
        ("single", [world.building_a1], "invalid_place"),
    ]:
        with pytest.raises(DomainError) as err:
            branch_create(
                actor=world.admin,
                committee=party.committee,
                data=BranchInput(name="x", mode=mode, compounds=compounds),
            )
        assert err.value.code == code


def test_a_compound_has_at_most_one_branch(party: Party) -> None:
    with pytest.raises(Conflict) as err:
        branch_create(
            actor=party.admin,
            committee=party.committee,
            data=BranchInput(
                name="重复", mode="joint", compounds=[party.world.compound_a, party.compound_a2]
            ),
        )
    assert err.value.code == "compound_has_branch"


def test_a_compound_outside_the_actors_scope_is_not_found(party: Party) -> None:
    world = party.world
    # worker_a manages community_a only; the neighbouring community's compound is hidden.
    with pytest.raises(NotFound):
        branch_create(
            actor=world.users["worker_a"],
            committee=party.committee,
            data=BranchInput(
                name="联建", mode="joint", compounds=[party.compound_a2, party.compound_n]
            ),
        )


def test_one_shoulder_needs_a_secretary(party: Party) -> None:
    secretary = register(party.world, name="王书记")
    data = BranchInput(
        name="滨东花园党支部",
        mode="single",
        compounds=[party.world.compound_a],
        secretary_chairs_owners_committee=True,
    )
    with pytest.raises(DomainError) as err:
        branch_update(actor=party.admin, branch=party.branch, data=data)
    assert err.value.code == "chair_needs_secretary"
    branch = branch_update(
        actor=party.admin,
        branch=party.branch,
        data=BranchInput(**{**data.__dict__, "secretary": secretary}),
    )
    assert branch.secretary_chairs_owners_committee


def test_one_committee_per_community(party: Party) -> None:
    with pytest.raises(Conflict):
        committee_create(actor=party.admin, community=party.world.community_a, name="又一个")


def test_a_group_sits_on_a_building_of_the_branch(party: Party) -> None:
    world = party.world
    with pytest.raises(Conflict):
        group_create(actor=world.admin, branch=party.branch, building=world.building_a1, name="x")
    other = place_create(
        parent=party.compound_a2, kind=Kind.BUILDING, name="9号楼", actor=world.admin
    )
    with pytest.raises(DomainError) as err:
        group_create(actor=world.admin, branch=party.branch, building=other, name="x")
    assert err.value.code == "building_outside_branch"
    group = group_create(
        actor=world.admin, branch=party.branch, building=world.building_a2, name="2号楼"
    )
    assert group.branch == party.branch


def test_a_central_household_looks_after_neighbours_once(party: Party) -> None:
    world = party.world
    central = central_household_create(
        actor=world.users["secretary_a"],
        member=party.member,
        household=world.household_a1,
        group=party.group,
    )
    central_household_link(actor=world.admin, central=central, households=[world.household_a2])
    assert CentralHouseholdLink.objects.get(household=world.household_a2).central == central
    with pytest.raises(DomainError) as err:
        central_household_link(actor=world.admin, central=central, households=[world.household_b])
    assert err.value.code == "household_outside_community"
    with pytest.raises(DomainError) as err:
        central_household_link(actor=world.admin, central=central, households=[world.household_a1])
    assert err.value.code == "self_link"
    other = central_household_create(
        actor=world.admin,
        member=register(world, name="另一户"),
        household=place_create(
            parent=world.building_a2, kind=Kind.HOUSEHOLD, name="202", actor=world.admin
        ),
    )
    with pytest.raises(Conflict) as err:
        central_household_link(actor=world.admin, central=other, households=[world.household_a2])
    assert err.value.code == "household_linked"
