"""The place and grid pages: who sees which node, what the page shows, the children list
and its search, and the create, edit and grid-assignment forms."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequgang.audit.models import AuditEntry
from shequgang.people import pii
from shequgang.places.models import Kind, Place
from shequgang.places.services import places_create_children

# node (World attribute) -> personas that may open its page
VISIBLE = {
    "community_a": {"city_admin", "county_a_command", "town_a_staff", "secretary_a", "worker_a"},
    "building_a1": {
        "city_admin",
        "county_a_command",
        "town_a_staff",
        "secretary_a",
        "worker_a",
        "grid_a1",
        "branch_a",
        "group_a1",
    },
    "household_a1": {
        "city_admin",
        "county_a_command",
        "town_a_staff",
        "secretary_a",
        "worker_a",
        "grid_a1",
        "branch_a",
        "group_a1",
        "central_a1",
    },
    "household_a2": {
        "city_admin",
        "county_a_command",
        "town_a_staff",
        "secretary_a",
        "worker_a",
        "grid_a2",
        "branch_a",
    },
    "household_b": {"city_admin", "secretary_b"},
}
PERSONAS = [
    "city_admin",
    "county_a_command",
    "town_a_staff",
    "secretary_a",
    "worker_a",
    "secretary_b",
    "grid_a1",
    "grid_a2",
    "branch_a",
    "group_a1",
    "central_a1",
    "dept_handler",
    "nobody",
]


def detail(place):
    return reverse("places:place_detail", args=[place.pk])


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_opens_only_the_places_in_its_subtree(client, world, persona):
    client.force_login(world.users[persona])
    for node, allowed in VISIBLE.items():
        response = client.get(detail(getattr(world, node)))
        expected = 200 if persona in allowed else 404
        assert response.status_code == expected, (persona, node)


def test_a_place_outside_scope_looks_exactly_like_a_missing_one(client, world):
    client.force_login(world.users["secretary_b"])
    forbidden = client.get(detail(world.community_a))
    missing = client.get(reverse("places:place_detail", args=[10**9]))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def test_breadcrumbs_link_only_the_ancestors_the_user_may_open(client, world):
    # Given a grid worker on a household in their grid
    client.force_login(world.users["grid_a1"])
    html = client.get(detail(world.household_a1)).content.decode()
    # Then the building and unit are links, the compound and community plain text
    unit = world.household_a1.parent
    assert f'href="{detail(world.building_a1)}"' in html
    assert f'href="{detail(unit)}"' in html
    assert "城东社区" in html and "滨东花园小区" in html
    assert f'href="{detail(world.community_a)}"' not in html
    assert f'href="{detail(world.compound_a)}"' not in html


def test_secretary_breadcrumbs_stop_linking_above_the_community(client, world):
    client.force_login(world.users["secretary_a"])
    html = client.get(detail(world.household_a1)).content.decode()
    assert f'href="{detail(world.community_a)}"' in html
    assert f'href="{detail(world.town_a)}"' not in html and "滨河街道" in html


def test_compound_page_shows_its_governance(client, world):
    client.force_login(world.users["branch_a"])
    html = client.get(detail(world.compound_a)).content.decode()
    assert "管理方式" in html and "物业公司" in html and "吕梁某物业" in html
    assert "业委会/物管会" in html


def test_household_page_shows_area_and_members_masked(client, world):
    # Given a grid worker on a household of their grid
    client.force_login(world.users["grid_a1"])
    resident = world.residents["a1"]
    html = client.get(detail(world.household_a1)).content.decode()
    # Then the floor area and the members are shown, personal data masked
    assert "89.50 ㎡" in html
    assert "家庭成员" in html and "居民a1" in html
    assert resident.id_number_masked in html and resident.phone_masked in html
    assert pii.decrypt(resident.id_number_cipher) not in html
    assert "13800000001" not in html
    # And the grid it belongs to is a link
    assert reverse("places:grid_detail", args=[world.grid_a1.pk]) in html


def test_community_page_lists_residents_of_the_subtree_and_its_grids(client, world):
    client.force_login(world.users["secretary_a"])
    html = client.get(detail(world.community_a)).content.decode()
    assert "居民a1" in html and "居民a2" in html and "居民b" not in html
    for r in (world.residents["a1"], world.residents["a2"]):
        assert pii.decrypt(r.id_number_cipher) not in html
        assert pii.decrypt(r.phone_cipher)[-11:] not in html
    assert reverse("places:grid_detail", args=[world.grid_a1.pk]) in html
    assert reverse("places:grid_detail", args=[world.grid_a2.pk]) in html


def test_grid_worker_sees_only_the_residents_of_the_grid_on_a_shared_page(client, world):
    client.force_login(world.users["grid_a1"])
    html = client.get(detail(world.building_a1)).content.decode()
    assert "居民a1" in html and "居民a2" not in html


def test_places_above_a_community_offer_resident_search_instead_of_a_list(client, world):
    client.force_login(world.users["town_a_staff"])
    html = client.get(detail(world.town_a)).content.decode()
    assert "请输入姓名" in html and "居民a1" not in html


def test_central_household_sees_its_household_but_no_residents(client, world):
    client.force_login(world.users["central_a1"])
    html = client.get(detail(world.household_a1)).content.decode()
    assert "家庭成员" not in html and "居民a1" not in html


@pytest.fixture
def many_households(world):
    unit = world.household_a1.parent
    return places_create_children(
        parent=unit,
        kind=Kind.HOUSEHOLD,
        rows=[{"name": f"{n}02"} for n in range(2, 14)],
        actor=world.admin,
    )


def test_children_are_paginated(client, world, settings, many_households):
    # Given a unit with 13 households and five rows per page
    settings.PAGE_SIZE = 5
    unit = world.household_a1.parent
    client.force_login(world.users["worker_a"])
    # When the third page is opened
    html = client.get(detail(unit), {"page": 3}, HTTP_HX_REQUEST="true").content.decode()
    # Then it holds the last three, in the order they were created
    assert "第 3 / 3 页，共 13 条" in html
    names = [p.name for p in Place.objects.filter(parent=unit).order_by("path")]
    assert names[-3:] == ["1102", "1202", "1302"]
    for place in Place.objects.filter(parent=unit):
        assert (f'href="{detail(place)}"' in html) == (place.name in names[-3:])


def test_children_search_finds_nodes_anywhere_below_and_htmx_gets_the_partial(
    client, world, many_households
):
    client.force_login(world.users["secretary_a"])
    # When an htmx search for "1302" is made from the community page
    response = client.get(detail(world.community_a), {"q": "1302"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # Then only the children partial comes back, with the household deep below
    assert html.lstrip().startswith('<div id="place-children">')
    assert "<html" not in html
    assert "1302" in html and "1202" not in html
    assert "HX-Request" in response["Vary"]
    # And without htmx the same URL is the whole page
    full = client.get(detail(world.community_a), {"q": "1302"}).content.decode()
    assert "<html" in full and "1302" in full


def test_search_below_a_building_stays_inside_the_grid_workers_scope(client, world):
    client.force_login(world.users["grid_a1"])
    html = client.get(detail(world.building_a1), {"q": "01"}, HTTP_HX_REQUEST="true")
    text = html.content.decode()
    assert "101" in text and "201" not in text


# --- Create and edit -----------------------------------------------------------------


def test_secretary_creates_a_building_in_a_compound(client, world):
    client.force_login(world.users["secretary_a"])
    url = reverse("places:place_create", args=[world.compound_a.pk, "building"])
    assert "新增楼栋" in client.get(url).content.decode()

    response = client.post(url, {"name": "3号楼", "latitude": "37.52", "longitude": "111.14"})

    building = Place.objects.get(parent=world.compound_a, name="3号楼")
    assert response.status_code == 302 and response["Location"] == detail(building)
    assert building.kind == Kind.BUILDING and building.latitude == 37.52
    assert AuditEntry.objects.filter(action="place.create", object_id=str(building.pk)).exists()


def test_a_duplicate_name_is_a_form_error_and_nothing_is_written(client, world):
    client.force_login(world.users["worker_a"])
    before = Place.objects.count()
    url = reverse("places:place_create", args=[world.compound_a.pk, "building"])
    response = client.post(url, {"name": "1号楼"})
    assert response.status_code == 200
    assert "已有同名楼栋" in response.content.decode()
    assert Place.objects.count() == before


def test_a_kind_that_cannot_sit_under_the_node_is_not_offered(client, world):
    client.force_login(world.users["secretary_a"])
    url = reverse("places:place_create", args=[world.community_a.pk, "household"])
    assert client.get(url).status_code == 404
    html = client.get(detail(world.community_a)).content.decode()
    assert reverse("places:place_create", args=[world.community_a.pk, "compound"]) in html
    assert reverse("places:place_create", args=[world.community_a.pk, "household"]) not in html


@pytest.mark.parametrize(
    ("persona", "node"),
    [
        ("grid_a1", "building_a1"),  # may view, may not edit places
        ("branch_a", "compound_a"),
        ("secretary_b", "compound_a"),
        ("dept_handler", "compound_a"),
        ("nobody", "compound_a"),
    ],
)
def test_place_forms_are_404_without_place_edit_on_the_node(client, world, persona, node):
    client.force_login(world.users[persona])
    place = getattr(world, node)
    child = "unit" if place.kind == Kind.BUILDING else "building"
    create = reverse("places:place_create", args=[place.pk, child])
    edit = reverse("places:place_edit", args=[place.pk])
    assert client.get(create).status_code == 404
    assert client.post(create, {"name": "X"}).status_code == 404
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "X"}).status_code == 404
    assert "编辑</a>" not in client.get(detail(place)).content.decode()


def test_editing_a_compound_changes_its_governance_and_is_audited(client, world):
    client.force_login(world.users["worker_a"])
    url = reverse("places:place_edit", args=[world.compound_a.pk])
    form = client.get(url).content.decode()
    assert 'value="吕梁某物业"' in form

    response = client.post(
        url,
        {
            "name": "滨东花园小区",
            "management_mode": "owners_committee",
            "property_company": "",
            "owners_committee": "滨东花园业委会",
        },
    )

    assert response.status_code == 302
    world.compound_a.refresh_from_db()
    assert world.compound_a.management_mode == "owners_committee"
    assert world.compound_a.owners_committee == "滨东花园业委会"
    entry = AuditEntry.objects.filter(action="place.update").latest("id")
    assert entry.changes["owners_committee"] == ["", "滨东花园业委会"]


def test_a_service_rule_shows_as_a_chinese_form_error(client, world):
    client.force_login(world.users["secretary_a"])
    url = reverse("places:place_edit", args=[world.household_a1.pk])
    response = client.post(url, {"name": "101", "floor_area": "-3"})
    assert response.status_code == 200
    assert "专有面积必须大于0" in response.content.decode()
    world.household_a1.refresh_from_db()
    assert str(world.household_a1.floor_area) == "89.50"


# --- Grids ---------------------------------------------------------------------------


def grid_url(grid):
    return reverse("places:grid_detail", args=[grid.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("city_admin", 200),
        ("secretary_a", 200),
        ("worker_a", 200),
        ("grid_a1", 200),
        ("grid_a2", 404),
        ("branch_a", 404),
        ("secretary_b", 404),
        ("dept_handler", 404),
        ("nobody", 404),
    ],
)
def test_grid_page_is_for_the_community_and_the_grids_own_workers(client, world, persona, status):
    client.force_login(world.users[persona])
    assert client.get(grid_url(world.grid_a1)).status_code == status


def test_grid_page_lists_buildings_and_workers(client, world):
    client.force_login(world.users["grid_a1"])
    html = client.get(grid_url(world.grid_a1)).content.decode()
    assert "第一网格" in html and "1号楼" in html and "2号楼" not in html
    assert "grid_a1" in html  # the worker's account
    assert "划入本网格" not in html  # no form without grid.manage


def test_secretary_moves_a_building_into_a_grid(client, world):
    # Given the secretary on grid A1's page, where building 2 (grid A2) is offered
    client.force_login(world.users["secretary_a"])
    html = client.get(grid_url(world.grid_a1)).content.decode()
    assert "2号楼（现属第二网格）" in html
    # When they move building 2 into grid A1
    response = client.post(grid_url(world.grid_a1), {"buildings": [world.building_a2.pk]})
    # Then the building and its households are in grid A1, and it is audited
    assert response.status_code == 302
    world.household_a2.refresh_from_db()
    assert world.household_a2.grid_id == world.grid_a1.pk
    assert AuditEntry.objects.filter(
        action="grid.assign_buildings", object_id=str(world.grid_a1.pk)
    ).exists()
    # And grid A1's worker now sees the moved household
    client.force_login(world.users["grid_a1"])
    assert client.get(detail(world.household_a2)).status_code == 200


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "x", "-1"])
def test_a_garbage_building_id_is_a_form_error(client, world, value):
    # SQLite cannot compare an integer past 64 bits; "²" passes isdigit() but not int().
    client.force_login(world.users["secretary_a"])

    response = client.post(grid_url(world.grid_a1), {"buildings": [value]})

    assert response.status_code == 200 and "errorlist" in response.content.decode()
    world.building_a2.refresh_from_db()
    assert world.building_a2.grid_id == world.grid_a2.pk


def test_a_building_of_another_community_cannot_be_assigned(client, world):
    client.force_login(world.users["city_admin"])
    building_b = world.household_b.parent
    response = client.post(grid_url(world.grid_a1), {"buildings": [building_b.pk]})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    building_b.refresh_from_db()
    assert building_b.grid_id is None


def test_viewers_without_grid_manage_cannot_post_the_form(client, world):
    client.force_login(world.users["worker_a"])
    response = client.post(grid_url(world.grid_a1), {"buildings": [world.building_a2.pk]})
    assert response.status_code == 403
    world.building_a2.refresh_from_db()
    assert world.building_a2.grid_id == world.grid_a2.pk


def test_place_page_queries_do_not_grow_with_children(client, world, many_households):
    client.force_login(world.users["secretary_a"])
    unit = world.household_a1.parent
    with CaptureQueriesContext(connection) as with_13:
        assert client.get(detail(unit)).status_code == 200
    places_create_children(
        parent=unit,
        kind=Kind.HOUSEHOLD,
        rows=[{"name": f"{n}03"} for n in range(1, 20)],
        actor=world.admin,
    )
    with CaptureQueriesContext(connection) as with_32:
        assert client.get(detail(unit)).status_code == 200
    assert len(with_32) == len(with_13)
