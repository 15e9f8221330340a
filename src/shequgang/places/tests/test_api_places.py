"""The place-tree and grid endpoints: the role matrix for every endpoint through both
doors (session and bearer token), then each endpoint's own rules."""

import pytest

from shequgang.apikit.pagination import MAX_LIMIT
from shequgang.apikit.testing import VIAS, api_client
from shequgang.audit.models import AuditEntry
from shequgang.places.models import Kind, Place
from shequgang.places.services import grid_assign_buildings, grid_create

# Each household key of the world ("a1": grid A1, "a2": grid A2 of the same community,
# "b": another county) is visible to exactly these personas among those tested.
VISIBLE_TO = {"grid_a1": {"a1"}, "secretary_b": {"b"}, "dept_handler": set(), "nobody": set()}


@pytest.fixture
def targets(world):
    """Per key: the household, its parent (a unit or building) and its grid."""
    household_b = world.household_b
    grid_b = grid_create(community=world.community_b, name="第一网格", actor=world.admin)
    grid_assign_buildings(grid=grid_b, buildings=[household_b.parent], actor=world.admin)
    return {
        "a1": (world.household_a1, world.grid_a1),
        "a2": (world.household_a2, world.grid_a2),
        "b": (household_b, grid_b),
    }


def _building_of(household):
    node = household
    while node.kind != Kind.BUILDING:
        node = node.parent
    return node


# name -> (request builder, status when the target is visible, per persona)
ENDPOINTS = {
    "place detail": (lambda h, g: ("get", f"/places/{h.pk}", None), {"grid_a1": 200, "secretary_b": 200}),
    "children": (lambda h, g: ("get", f"/places/{h.parent_id}/children", None), {"grid_a1": 200, "secretary_b": 200}),
    "subtree counts": (lambda h, g: ("get", f"/places/{h.pk}/subtree-counts", None), {"grid_a1": 200, "secretary_b": 200}),
    "add child": (
        lambda h, g: ("post", f"/places/{h.parent_id}/children", {"kind": "household", "name": "新户"}),
        {"grid_a1": 403, "secretary_b": 201},
    ),
    "change place": (lambda h, g: ("patch", f"/places/{h.pk}", {"name": "新门牌"}), {"grid_a1": 403, "secretary_b": 200}),
    "grid detail": (lambda h, g: ("get", f"/grids/{g.pk}", None), {"grid_a1": 200, "secretary_b": 200}),
    "grid buildings": (
        lambda h, g: ("post", f"/grids/{g.pk}/buildings", {"building_ids": [_building_of(h).pk]}),
        {"grid_a1": 403, "secretary_b": 200},
    ),
}  # fmt: skip


def _call(api, method, path, body):
    return api.get(path) if method == "get" else getattr(api, method)(path, body)


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("persona", sorted(VISIBLE_TO))
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_role_matrix(world, targets, endpoint, persona, via):
    build, allowed = ENDPOINTS[endpoint]
    api = api_client(world.users[persona], via)
    for key, (household, grid) in targets.items():
        # given a target in grid A1, in grid A2 or in county B
        method, path, body = build(household, grid)
        # when the persona calls the endpoint on it
        response = _call(api, method, path, body)
        # then only its own part of the tree answers; elsewhere it is "not found"
        expected = allowed[persona] if key in VISIBLE_TO[persona] else 404
        assert response.status_code == expected, (key, response.json())
        if expected >= 400:
            assert response.json()["code"] == {403: "forbidden", 404: "not_found"}[expected]


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_anonymous_and_revoked_token_are_unauthenticated(world, targets, endpoint):
    build, _ = ENDPOINTS[endpoint]
    method, path, body = build(*targets["a1"])
    revoked = api_client(world.users["secretary_a"], "token")
    revoked.delete(f"/tokens/{world.users['secretary_a'].api_tokens.get().pk}")
    for api in (api_client(None), revoked):
        response = _call(api, method, path, body)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("via", VIAS)
def test_roots_are_the_callers_part_of_the_tree(world, via):
    def roots(persona):
        response = api_client(world.users[persona], via).get("/places")
        assert response.status_code == 200
        return [p["id"] for p in response.json()]

    assert roots("grid_a1") == [world.building_a1.pk]
    assert roots("secretary_b") == [world.community_b.pk]
    assert roots("secretary_a") == [world.community_a.pk]
    assert roots("dept_handler") == [] and roots("nobody") == []
    assert api_client(None).get("/places").status_code == 401


def test_detail_lists_only_the_ancestors_the_caller_sees(world):
    unit_a1 = world.household_a1.parent
    response = api_client(world.users["grid_a1"]).get(f"/places/{world.household_a1.pk}")
    body = response.json()
    assert body["kind"] == "household" and body["kind_label"] == "户"
    assert body["floor_area"] == "89.50"
    assert [a["id"] for a in body["ancestors"]] == [world.building_a1.pk, unit_a1.pk]

    body = api_client(world.users["secretary_a"]).get(f"/places/{world.household_a1.pk}").json()
    assert [a["id"] for a in body["ancestors"]] == [
        world.community_a.pk,
        world.compound_a.pk,
        world.building_a1.pk,
        unit_a1.pk,
    ]


def test_children_are_paged_with_a_maximum_page_size(world):
    api = api_client(world.users["secretary_a"])
    path = f"/places/{world.compound_a.pk}/children"

    first = api.get(path, {"limit": 1}).json()
    second = api.get(path, {"limit": 1, "offset": 1}).json()
    past_end = api.get(path, {"limit": 1, "offset": 5}).json()

    assert (first["count"], first["limit"], first["offset"]) == (2, 1, 0)
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [
        world.building_a1.pk,
        world.building_a2.pk,
    ]
    assert past_end["items"] == [] and past_end["count"] == 2
    assert api.get(path, {"limit": MAX_LIMIT}).status_code == 200
    for bad in ({"limit": MAX_LIMIT + 1}, {"limit": 0}, {"offset": -1}, {"limit": "x"}):
        response = api.get(path, bad)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "invalid_input"


def test_subtree_counts(world):
    body = api_client(world.users["secretary_a"]).get(
        f"/places/{world.community_a.pk}/subtree-counts"
    )
    assert body.json() == {
        "place_id": world.community_a.pk,
        "counts": {"compound": 1, "building": 2, "unit": 1, "household": 2},
        "residents": 2,
    }
    # The central household sees its household but not the register: no resident count.
    body = api_client(world.users["central_a1"]).get(
        f"/places/{world.household_a1.pk}/subtree-counts"
    )
    assert body.json()["residents"] is None


@pytest.mark.parametrize("via", VIAS)
def test_add_child_creates_audits_and_validates(world, via):
    api = api_client(world.users["worker_a"], via)
    audits = AuditEntry.objects.count()

    response = api.post(
        f"/places/{world.compound_a.pk}/children",
        {"kind": "building", "name": "3号楼", "latitude": 37.52, "longitude": 111.14},
    )

    assert response.status_code == 201
    created = Place.objects.get(pk=response.json()["id"])
    assert (created.parent_id, created.kind, created.name) == (
        world.compound_a.pk,
        "building",
        "3号楼",
    )
    assert AuditEntry.objects.count() == audits + 1
    again = api.post(
        f"/places/{world.compound_a.pk}/children", {"kind": "building", "name": "3号楼"}
    )
    assert (again.status_code, again.json()["code"]) == (400, "duplicate_name")
    wrong = api.post(f"/places/{world.compound_a.pk}/children", {"kind": "town", "name": "某镇"})
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_parent")
    area = api.post(
        f"/places/{world.compound_a.pk}/children",
        {"kind": "building", "name": "4号楼", "floor_area": "12.5"},
    )
    assert (area.status_code, area.json()["code"]) == (400, "invalid_field")


def test_change_place(world):
    api = api_client(world.users["worker_a"])
    path = f"/places/{world.compound_a.pk}"

    response = api.patch(path, {"management_mode": "self_managed", "property_company": None})

    assert response.status_code == 200
    assert response.json()["management_mode"] == "self_managed"
    assert response.json()["property_company"] == ""
    assert response.json()["name"] == "滨东花园小区"
    cleared = api.patch(path, {"name": None})
    assert (cleared.status_code, cleared.json()["code"]) == (400, "name_required")
    on_household = api.patch(f"/places/{world.household_a1.pk}", {"floor_area": "120.25"})
    assert on_household.json()["floor_area"] == "120.25"
    for bad in (
        {"management_mode": "bogus"},
        {"floor_area": "1e20"},
        {"floor_area": 0},
        {"latitude": 91},
        {"name": "x" * 101},
    ):
        response = api.patch(f"/places/{world.household_a1.pk}", bad)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "invalid_input"
    # Text no database can store, and NaN (not JSON), are refused by the parser.
    nul = api.patch(f"/places/{world.household_a1.pk}", {"name": "a\x00b"})
    assert (nul.status_code, nul.json()["code"]) == (400, "invalid_text")
    nan = api.patch(path, raw='{"latitude": NaN}')
    assert (nan.status_code, nan.json()["code"]) == (400, "malformed_request")


def test_grid_detail_lists_the_grids_visible_buildings(world):
    body = api_client(world.users["grid_a1"]).get(f"/grids/{world.grid_a1.pk}").json()
    assert body["community"] == {
        "id": world.community_a.pk,
        "kind": "community",
        "name": "城东社区",
    }
    assert [b["id"] for b in body["buildings"]] == [world.building_a1.pk]


@pytest.mark.parametrize("via", VIAS)
def test_assigning_buildings_moves_scope(world, via):
    api = api_client(world.users["secretary_a"], via)
    resident_a2 = world.residents["a2"].pk
    assert api_client(world.users["grid_a1"]).get(f"/residents/{resident_a2}").status_code == 404

    response = api.post(
        f"/grids/{world.grid_a1.pk}/buildings", {"building_ids": [world.building_a2.pk]}
    )

    assert response.status_code == 200
    assert response.json()["changed"] == 2  # the building and its household
    assert [b["id"] for b in response.json()["grid"]["buildings"]] == [
        world.building_a1.pk,
        world.building_a2.pk,
    ]
    assert api_client(world.users["grid_a1"]).get(f"/residents/{resident_a2}").status_code == 200


def test_assigning_buildings_checks_rights_and_input(world):
    path = f"/grids/{world.grid_a1.pk}/buildings"
    body = {"building_ids": [world.building_a2.pk]}
    # a community worker sees the grid but may not cut the community into grids
    worker = api_client(world.users["worker_a"]).post(path, body)
    assert (worker.status_code, worker.json()["code"]) == (403, "forbidden")

    api = api_client(world.users["secretary_a"])
    not_a_building = api.post(path, {"building_ids": [world.household_a2.pk]})
    assert (not_a_building.status_code, not_a_building.json()["code"]) == (400, "invalid_building")
    elsewhere = api.post(path, {"building_ids": [world.household_b.parent_id]})
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "not_found")
    bad_bodies: list[dict[str, object]] = [
        {"building_ids": []},
        {"building_ids": [0]},
        {"building_ids": "1"},
        {},
    ]
    for bad in bad_bodies:
        assert api.post(path, bad).status_code == 422, bad
