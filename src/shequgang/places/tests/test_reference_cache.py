"""The reference generation: every write to a watched table changes it (in the writing
transaction), reads do not, and a process's copies are used only under the value they
were made under."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequgang import reference_cache
from shequgang.people.models import RoleAssignment
from shequgang.people.roles import Role
from shequgang.people.scope import active_assignments, load_assignments_cached
from shequgang.people.services import api_token_issue, api_token_user, role_grant, role_revoke
from shequgang.places.models import Kind, Place
from shequgang.places.selectors import place_ancestors, place_ancestors_cached, place_by_id_cached
from shequgang.places.services import place_create, place_update


def test_every_write_to_a_watched_table_changes_the_generation_and_reads_do_not(world):
    """Given the world, when a place is created, renamed and deleted, a role granted and
    revoked, and a department renamed, then the generation changes at each write — to a
    value it never had — and not at reads."""
    seen = [reference_cache.read_generation()]

    def changed() -> None:
        now = reference_cache.read_generation()
        assert now is not None and now not in seen
        seen.append(now)

    list(Place.objects.all())
    list(RoleAssignment.objects.all())
    assert reference_cache.read_generation() == seen[-1]
    home = place_create(
        parent=world.building_a1, kind=Kind.HOUSEHOLD, name="9901", actor=world.admin
    )
    changed()
    place_update(place=home, actor=world.admin, name="9902")
    changed()
    grant = role_grant(
        actor=world.admin, user=world.users["nobody"], role=Role.CENTRAL_HOUSEHOLD, place=home
    )
    changed()
    role_revoke(actor=world.admin, assignment=grant)
    changed()
    world.department.name = "另一个部门"
    world.department.save(update_fields=["name"])
    changed()
    RoleAssignment.objects.filter(pk=grant.pk).delete()
    changed()


def test_a_copy_is_used_under_its_generation_and_read_again_after_a_write(world):
    """Given a place read through the cache, when nothing changed, then the next read
    makes no query; when the place is renamed, then the next read (under the new
    generation) gives the new name; and the copies handed out are separate objects."""
    place = world.household_a1
    first = place_by_id_cached(pk=place.pk, generation=reference_cache.read_generation())
    assert first is not None and first.name == place.name
    generation = reference_cache.read_generation()
    with CaptureQueriesContext(connection) as captured:
        again = place_by_id_cached(pk=place.pk, generation=generation)
        chain = place_ancestors_cached(place=place, generation=generation)
        chain = place_ancestors_cached(place=place, generation=generation)
    assert len(captured.captured_queries) == 1  # the chain, once
    assert again is not None and again is not first and again.name == place.name
    assert [p.pk for p in chain] == [p.pk for p in place_ancestors(place=place)]
    place_update(place=world.building_a1, actor=world.admin, name="新楼名")
    renamed = place_ancestors_cached(place=place, generation=reference_cache.read_generation())
    assert [p.name for p in renamed if p.kind == Kind.BUILDING] == ["新楼名"]


def test_role_changes_reach_cached_assignments_at_once(world):
    """Given a user's assignments read through the cache, when a role is granted, then
    the next read under the new generation has it; without a generation (None) nothing
    is kept."""
    user = world.users["nobody"]
    assert load_assignments_cached(user, generation=reference_cache.read_generation()) == []
    role_grant(actor=world.admin, user=user, role=Role.CENTRAL_HOUSEHOLD, place=world.household_a2)
    user.refresh_from_db()
    got = load_assignments_cached(user, generation=reference_cache.read_generation())
    assert [(a.role, a.place_id) for a in got] == [(Role.CENTRAL_HOUSEHOLD, world.household_a2.pk)]
    assert active_assignments(user) == got  # kept on the user as active_assignments does
    with CaptureQueriesContext(connection) as captured:
        load_assignments_cached(user, generation=None)
        load_assignments_cached(user, generation=None)
    assert len(captured.captured_queries) == 2


def test_a_bearer_token_brings_the_generation_without_another_query(world):
    """Given a token, when it is looked up, then the user carries the generation read by
    the same query, and asking for it makes no query; a user without one reads it."""
    _, token = api_token_issue(actor=world.admin, user=world.users["nobody"], name="t")
    api_token_user(token)  # touches last_used_at
    with CaptureQueriesContext(connection) as captured:
        user = api_token_user(token)
        assert user is not None
        assert reference_cache.generation_of(user) == reference_cache.read_generation()
    assert len(captured.captured_queries) == 2  # the token's, then read_generation's
    other = world.users["worker_a"]
    with CaptureQueriesContext(connection) as captured:
        reference_cache.generation_of(other)
        reference_cache.generation_of(other)
    assert len(captured.captured_queries) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_row_nothing_is_kept():
    """Given a database whose generation row is gone (a test flush), when a place is
    read through the cache, then it is read each time; the next watched write brings the
    row back."""
    reference_cache.cached(1, ("place", -1), lambda: None)  # a copy under an old value
    connection.cursor().execute(f"DELETE FROM {reference_cache.TABLE}")
    assert reference_cache.read_generation() is None
    with CaptureQueriesContext(connection) as captured:
        place_by_id_cached(pk=1, generation=None)
        place_by_id_cached(pk=1, generation=None)
    assert len(captured.captured_queries) == 2
    Place.objects.create(kind=Kind.CITY, name="市", path="1/", depth=1)
    assert reference_cache.read_generation() is not None
