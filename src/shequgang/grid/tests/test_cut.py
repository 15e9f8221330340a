"""Cutting a community into grids: boundaries, a building in one grid at a time, moving
it only when confirmed, whole compounds, and who may do it."""

import pytest

from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError, Forbidden
from shequgang.grid.boundaries import parse_boundary
from shequgang.grid.services import cut_plan, grid_cut, grid_define, grid_update
from shequgang.places.models import Grid, Kind, Place
from shequgang.places.services import place_create

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[111.1, 37.5], [111.2, 37.5], [111.2, 37.6], [111.1, 37.6], [111.1, 37.5]]],
}


def grids_of(*places):
    return [Place.objects.get(pk=p.pk).grid_id for p in places]


def test_define_grid_with_boundary_takes_its_centre(world):
    grid = grid_define(
        actor=world.users["secretary_a"],
        community=world.community_a,
        name="第三网格",
        code="G3",
        boundary=SQUARE,
    )
    assert grid.boundary == SQUARE
    assert grid.latitude == pytest.approx(37.55) and grid.longitude == pytest.approx(111.15)


@pytest.mark.parametrize(
    ("boundary", "why"),
    [
        ({"type": "Point", "coordinates": [111.1, 37.5]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[111.1, 37.5], [111.2, 37.5], [111.1, 37.5]]]}, "4"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[111.1, 37.5], [111.2, 37.5], [111.2, 37.6], [111.1, 37.7]]],
            },
            "闭合",
        ),
        # Latitude first (a common mistake): 111 is no latitude.
        (
            {
                "type": "Polygon",
                "coordinates": [[[37.5, 111.1], [37.5, 111.2], [37.6, 111.2], [37.5, 111.1]]],
            },
            "纬度",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[180.5, 37.5], [111.2, 37.5], [111.2, 37.6], [180.5, 37.5]]],
            },
            "经度",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[["a", 37.5], [111.2, 37.5], [111.2, 37.6], ["a", 37.5]]],
            },
            "数字",
        ),
        ("{not json", "JSON"),
        ({"type": "MultiPolygon", "coordinates": []}, "MultiPolygon"),
    ],
)
def test_bad_boundary_creates_nothing(world, boundary, why):
    before = Grid.objects.count()
    with pytest.raises(DomainError) as err:
        grid_define(
            actor=world.users["secretary_a"],
            community=world.community_a,
            name="第三网格",
            boundary=boundary,
        )
    assert err.value.code == "invalid_boundary" and why in err.value.message
    assert Grid.objects.count() == before


def test_multipolygon_and_feature_are_accepted():
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], SQUARE["coordinates"]]}
    assert parse_boundary(multi) == multi
    assert parse_boundary({"type": "Feature", "geometry": SQUARE, "properties": {}}) == SQUARE


def test_update_checks_names_codes_and_centre(world):
    actor = world.users["secretary_a"]
    grid_update(actor=actor, grid=world.grid_a2, name="第二网格", code="G2")
    with pytest.raises(DomainError) as err:
        grid_update(actor=actor, grid=world.grid_a1, name="第一网格", code="G2")
    assert err.value.code == "duplicate_code"
    with pytest.raises(DomainError) as err:
        grid_update(actor=actor, grid=world.grid_a1, name="第二网格")
    assert err.value.code == "duplicate_name"
    with pytest.raises(DomainError) as err:
        grid_update(actor=actor, grid=world.grid_a1, name="第一网格", latitude=37.5)
    assert err.value.code == "invalid_centre"
    grid_update(actor=actor, grid=world.grid_a1, name="一网格", latitude=37.5, longitude=111.1)
    world.grid_a1.refresh_from_db()
    assert (world.grid_a1.name, world.grid_a1.latitude) == ("一网格", 37.5)
    assert AuditEntry.objects.filter(action="grid.update", object_id=str(world.grid_a1.pk)).exists()


def test_only_managers_of_the_community_cut_it(world):
    for name in ("grid_a1", "secretary_b", "branch_a", "county_a_command"):
        with pytest.raises(Forbidden):
            grid_define(actor=world.users[name], community=world.community_a, name="新网格")
        with pytest.raises(Forbidden):
            grid_cut(actor=world.users[name], grid=world.grid_a1, buildings=[world.building_a2])
    assert grids_of(world.building_a2) == [world.grid_a2.pk]


def test_building_in_another_grid_moves_only_when_confirmed(world):
    actor = world.users["secretary_a"]
    # Given building 2 in grid A2, when grid A1 is cut to hold buildings 1 and 2 …
    with pytest.raises(DomainError) as err:
        grid_cut(actor=actor, grid=world.grid_a1, buildings=[world.building_a1, world.building_a2])
    # … then without confirmation nothing moves, and the refusal names the move.
    assert err.value.code == "move_not_confirmed" and err.value.status == 409
    assert "2号楼（第二网格）" in err.value.message
    assert err.value.details["buildings"] == [world.building_a2.pk]
    assert grids_of(world.building_a2, world.household_a2) == [world.grid_a2.pk] * 2
    # When confirmed, the building and everything inside it is in A1 only.
    plan = grid_cut(
        actor=actor, grid=world.grid_a1, buildings=[world.building_a1, world.building_a2], move=True
    )
    assert [(b.pk, g.pk) for b, g in plan.moved] == [(world.building_a2.pk, world.grid_a2.pk)]
    assert grids_of(world.building_a2, world.household_a2) == [world.grid_a1.pk] * 2
    assert not Place.objects.filter(grid=world.grid_a2).exists()
    entry = AuditEntry.objects.get(action="grid.cut")
    assert entry.changes["moved"] == [None, [[world.building_a2.pk, world.grid_a2.pk]]]


def test_unticked_building_leaves_the_grid(world):
    plan = grid_cut(actor=world.users["secretary_a"], grid=world.grid_a1, buildings=[])
    assert [b.pk for b in plan.removed] == [world.building_a1.pk]
    assert grids_of(world.building_a1, world.household_a1) == [None, None]


def test_compound_selection_takes_all_its_buildings(world):
    admin = world.admin
    b3 = place_create(parent=world.compound_a, kind=Kind.BUILDING, name="3号楼", actor=admin)
    loose = place_create(parent=world.community_a, kind=Kind.BUILDING, name="散居楼", actor=admin)
    plan = cut_plan(grid=world.grid_a1, compounds=[world.compound_a])
    assert [b.pk for b in plan.added] == [b3.pk]
    assert [b.pk for b, _g in plan.moved] == [world.building_a2.pk]
    grid_cut(
        actor=world.users["secretary_a"],
        grid=world.grid_a1,
        compounds=[world.compound_a],
        move=True,
    )
    assert grids_of(world.building_a1, world.building_a2, b3, loose) == [world.grid_a1.pk] * 3 + [
        None
    ]


def test_nodes_outside_the_community_are_refused(world):
    other = Place.objects.get(kind=Kind.BUILDING, path__startswith=world.community_b.path)
    for kwargs in (
        {"buildings": [other]},
        {"buildings": [world.compound_a]},
        {"compounds": [world.building_a1]},
    ):
        with pytest.raises(DomainError) as err:
            grid_cut(actor=world.users["secretary_a"], grid=world.grid_a1, **kwargs)
        assert err.value.code == "invalid_building"
    assert grids_of(other) == [None]
