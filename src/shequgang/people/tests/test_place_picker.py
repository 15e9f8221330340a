"""The searchable place picker: matches by name and by the names above, scoped to the
field's permission; a login without roles searches the whole tree."""

from __future__ import annotations

import pytest
from django.test import Client

from shequgang.people.place_picker import place_matches
from shequgang.people.roles import Perm
from shequgang.places.models import Kind
from shequgang.testing import World

pytestmark = pytest.mark.django_db
HOUSEHOLD = [Kind.HOUSEHOLD.value]


def _ids(world: World, user: str, query: str, perm: str = Perm.CASE_RAISE) -> set[int]:
    return {o.pk for o in place_matches(world.users[user], query=query, perm=perm, kinds=HOUSEHOLD)}


def test_a_grid_worker_finds_only_the_households_of_their_grid(world: World) -> None:
    assert _ids(world, "grid_a1", "101") == {world.household_a1.pk}
    assert world.household_a1.pk not in _ids(world, "grid_a2", "101")
    assert world.household_b.pk not in _ids(world, "secretary_a", world.household_b.name)


def test_the_names_above_narrow_the_search(world: World) -> None:
    a1 = world.household_a1
    found = place_matches(
        world.users["secretary_a"],
        query=f"{world.building_a1.name} {a1.name}",
        perm=Perm.RESIDENT_EDIT,
        kinds=HOUSEHOLD,
    )
    assert [o.pk for o in found] == [a1.pk]
    assert (
        found[0].label.startswith(world.community_a.name)
        and world.compound_a.name in found[0].label
    )


def test_a_login_without_roles_searches_everywhere(world: World) -> None:
    everywhere = _ids(world, "nobody", world.household_b.name)
    assert world.household_b.pk in everywhere


def test_the_endpoint_answers_radios_named_like_the_field(client: Client, world: World) -> None:
    client.force_login(world.users["grid_a1"])
    r = client.get(
        "/places/search/",
        {"name": "intake", "perm": "case.raise", "kinds": "household", "intake__q": "101"},
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert f'name="intake" value="{world.household_a1.pk}"' in page
    assert client.get("/places/search/", {"perm": "nonsense", "kinds": "x,y"}).status_code == 200


def test_visitors_cannot_search(client: Client, world: World) -> None:
    assert client.get("/places/search/", {"place__q": "101"}).status_code == 302
