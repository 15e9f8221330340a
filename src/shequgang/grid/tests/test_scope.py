"""A grid worker's scope is their grid: its buildings and what is inside them, and the
cases there — anything else is the same 404 as a missing object."""

import pytest

from shequgang.cases.access import access_case, scoped_cases
from shequgang.cases.models import Source
from shequgang.cases.services import case_create
from shequgang.errors import NotFound
from shequgang.grid.services import grid_cut, grid_worker_add, grid_worker_remove
from shequgang.people.scope import access_grid, access_place, access_resident, scoped_places
from shequgang.places.models import Kind


def test_grid_worker_sees_own_grid_only(world):
    worker = world.users["grid_a1"]
    seen = set(scoped_places(worker).values_list("pk", flat=True))
    assert world.building_a1.pk in seen and world.household_a1.pk in seen
    assert world.building_a2.pk not in seen and world.community_a.pk not in seen
    assert access_place(worker, world.household_a1.pk) == world.household_a1
    for place in (world.household_a2, world.compound_a, world.household_b):
        with pytest.raises(NotFound):
            access_place(worker, place.pk)
    assert access_resident(worker, world.residents["a1"].pk)
    with pytest.raises(NotFound):
        access_resident(worker, world.residents["a2"].pk)
    assert access_grid(worker, world.grid_a1.pk) == world.grid_a1
    with pytest.raises(NotFound):
        access_grid(worker, world.grid_a2.pk)


def test_grid_worker_sees_cases_of_own_grid_only(world, cat):
    mine = case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=cat("street_light"),
        place=world.household_a1,
        title="路灯不亮",
    )
    theirs = case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=cat("street_light"),
        place=world.household_a2,
        title="路灯不亮",
    )
    worker = world.users["grid_a1"]
    assert list(scoped_cases(worker)) == [mine]
    assert access_case(worker, mine.pk) == mine
    with pytest.raises(NotFound):
        access_case(worker, theirs.pk)


def test_scope_follows_the_cut(world):
    # When building 2 moves into grid A1, A1's worker sees it and A2's no longer does.
    grid_cut(
        actor=world.users["secretary_a"],
        grid=world.grid_a1,
        buildings=[world.building_a1, world.building_a2],
        move=True,
    )
    assert access_place(world.users["grid_a1"], world.household_a2.pk)
    with pytest.raises(NotFound):
        access_place(world.users["grid_a2"], world.household_a2.pk)


def test_assigning_a_worker_gives_the_grid_scope(world):
    new = world.users["nobody"]
    assert not scoped_places(new).exists()
    assignment = grid_worker_add(actor=world.users["secretary_a"], grid=world.grid_a2, user=new)
    assert set(scoped_places(new).filter(kind=Kind.BUILDING)) == {world.building_a2}
    grid_worker_remove(actor=world.users["secretary_a"], assignment=assignment)
    new.refresh_from_db()
    from shequgang.people.scope import forget_assignments

    forget_assignments(new)
    assert not scoped_places(new).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appointments_make_one_assignment(world):
    """Two clicks on 任命 at once: one assignment, so revoking it really ends the scope."""
    import threading

    from django.contrib.auth.models import User
    from django.db import connection

    from shequgang.errors import DomainError
    from shequgang.people.models import RoleAssignment
    from shequgang.places.models import Grid

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers; the race needs PostgreSQL's row-level concurrency")
    barrier = threading.Barrier(4)
    outcomes = []

    def add():
        barrier.wait()
        try:
            grid_worker_add(
                actor=User.objects.get(username="secretary_a"),
                grid=Grid.objects.get(pk=world.grid_a2.pk),
                user=User.objects.get(username="nobody"),
            )
            outcomes.append("added")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=add) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["added"] + ["already_assigned"] * 3
    live = RoleAssignment.objects.filter(
        user__username="nobody", grid=world.grid_a2, revoked_at__isnull=True
    )
    assert live.count() == 1
