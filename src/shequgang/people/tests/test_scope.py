"""The role matrix over the register: each role sees its node's subtree and nothing else."""

import pytest

from shequgang.errors import NotFound
from shequgang.people.roles import Perm
from shequgang.people.scope import (
    access_place,
    access_resident,
    may_view_full_pii,
    scope_roots,
    scoped_places,
    scoped_residents,
)

# persona -> residents (by World.residents key) it may read
VISIBLE = {
    "city_admin": {"a1", "a2", "b"},
    "county_a_command": {"a1", "a2"},
    "town_a_staff": {"a1", "a2"},
    "secretary_a": {"a1", "a2"},
    "worker_a": {"a1", "a2"},
    "secretary_b": {"b"},
    "grid_a1": {"a1"},
    "grid_a2": {"a2"},
    "branch_a": {"a1", "a2"},
    "group_a1": {"a1"},
    "central_a1": set(),
    "dept_handler": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_residents_visible_to_each_role(world, persona):
    user = world.users[persona]
    seen = set(scoped_residents(user).values_list("pk", flat=True))
    expected = {world.residents[k].pk for k in VISIBLE[persona]}
    assert seen == expected
    for key, resident in world.residents.items():
        if key in VISIBLE[persona]:
            assert access_resident(user, resident.pk) == resident
        else:
            with pytest.raises(NotFound) as err:
                access_resident(user, resident.pk)
            assert err.value.code == "not_found"


def test_missing_and_forbidden_look_the_same(world):
    user = world.users["grid_a1"]
    with pytest.raises(NotFound) as missing:
        access_resident(user, 10**9)
    with pytest.raises(NotFound) as forbidden:
        access_resident(user, world.residents["b"].pk)
    assert (missing.value.code, missing.value.message) == (
        forbidden.value.code,
        forbidden.value.message,
    )
    with pytest.raises(NotFound):
        access_resident(user, "not-a-number")


def test_grid_worker_places_are_the_grid_only(world):
    user = world.users["grid_a1"]
    places = set(scoped_places(user).values_list("pk", flat=True))
    assert world.building_a1.pk in places and world.household_a1.pk in places
    assert world.building_a2.pk not in places and world.household_a2.pk not in places
    assert world.compound_a.pk not in places
    assert [p.pk for p in scope_roots(user)] == [world.building_a1.pk]


def test_moving_a_building_between_grids_moves_scope(world):
    from shequgang.places.services import grid_assign_buildings

    grid_assign_buildings(grid=world.grid_a2, buildings=[world.building_a1], actor=world.admin)
    assert not scoped_residents(world.users["grid_a1"]).exists()
    assert set(scoped_residents(world.users["grid_a2"]).values_list("pk", flat=True)) == {
        world.residents["a1"].pk,
        world.residents["a2"].pk,
    }


def test_revoked_role_grants_nothing(world):
    from django.contrib.auth.models import User

    from shequgang.people.services import role_revoke

    user = world.users["worker_a"]
    role_revoke(actor=world.admin, assignment=user.role_assignments.get())
    fresh = User.objects.get(pk=user.pk)
    assert not scoped_residents(fresh).exists()
    with pytest.raises(NotFound):
        access_place(fresh, world.community_a.pk)


def test_full_pii_is_per_assignment_and_subtree(world):
    assert may_view_full_pii(world.users["secretary_a"], world.household_a1)
    assert not may_view_full_pii(world.users["secretary_a"], world.household_b)
    assert not may_view_full_pii(world.users["worker_a"], world.household_a1)
    assert not may_view_full_pii(world.users["secretary_b"], world.household_a1)


def test_permissions_differ_by_role(world):
    # A party-group leader may read the building's register but not edit it.
    leader = world.users["group_a1"]
    assert scoped_residents(leader, Perm.RESIDENT_VIEW).exists()
    assert not scoped_residents(leader, Perm.RESIDENT_EDIT).exists()
    with pytest.raises(NotFound):
        access_place(leader, world.household_a1.pk, Perm.PLACE_EDIT)
