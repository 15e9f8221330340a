"""The grid pages: the community's cut for its staff, the patrol page for grid workers,
and the admin that shows a camera platform's secret once."""

import pytest
from django.test import Client
from django.urls import reverse

from shequgang.cases.models import Case, Category, Status
from shequgang.grid.models import CameraIntegration, Patrol
from shequgang.people.models import RoleAssignment
from shequgang.places.models import Grid, Place

from .conftest import jpeg


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_community_page_lists_grids_and_unassigned_buildings(world):
    response = client_for(world.users["secretary_a"]).get(
        reverse("grid:community", args=[world.community_a.pk])
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "第一网格" in text and "第二网格" in text and "每栋楼都已划入网格" in text
    assert reverse("grid:cut", args=[world.grid_a1.pk]) in text


@pytest.mark.parametrize("name", ["secretary_b", "grid_a1", "nobody"])
def test_cut_pages_are_404_outside_scope(world, name):
    client = client_for(world.users[name])
    assert client.get(reverse("grid:community", args=[world.community_a.pk])).status_code == 404
    assert client.get(reverse("grid:cut", args=[world.grid_a2.pk])).status_code == 404


def test_cut_pages_are_403_for_viewers_who_do_not_manage(world):
    client = client_for(world.users["county_a_command"])
    assert client.get(reverse("grid:community", args=[world.community_a.pk])).status_code == 200
    assert client.get(reverse("grid:cut", args=[world.grid_a1.pk])).status_code == 403
    assert client.post(reverse("grid:cut", args=[world.grid_a1.pk]), {}).status_code == 403
    assert Place.objects.get(pk=world.building_a1.pk).grid_id == world.grid_a1.pk


def test_new_grid_form_validates_the_boundary(world):
    client = client_for(world.users["secretary_a"])
    url = reverse("grid:grid_new", args=[world.community_a.pk])
    bad = client.post(
        url, {"name": "第三网格", "boundary": '{"type": "Point", "coordinates": [1, 2]}'}
    )
    assert bad.status_code == 200 and "Polygon 或 MultiPolygon" in bad.content.decode()
    assert not Grid.objects.filter(name="第三网格").exists()
    good = client.post(
        url,
        {
            "name": "第三网格",
            "code": "G3",
            "boundary": '{"type": "Polygon", "coordinates": [[[111.1, 37.5], [111.2, 37.5], [111.2, 37.6], [111.1, 37.5]]]}',
        },
    )
    grid = Grid.objects.get(name="第三网格")
    assert good.status_code == 302 and good["Location"] == reverse("grid:cut", args=[grid.pk])
    assert grid.boundary is not None and grid.boundary["type"] == "Polygon"
    assert grid.latitude is not None


def test_cut_page_moves_a_building_only_after_confirmation(world):
    client = client_for(world.users["secretary_a"])
    url = reverse("grid:cut", args=[world.grid_a1.pk])
    page = client.get(url).content.decode()
    assert "现属第二网格，勾选即移动" in page
    asked = client.post(url, {"buildings": [world.building_a1.pk, world.building_a2.pk]})
    assert asked.status_code == 200 and "确认移动" in asked.content.decode()
    assert "2号楼：第二网格 → 第一网格" in asked.content.decode()
    assert Place.objects.get(pk=world.building_a2.pk).grid_id == world.grid_a2.pk
    done = client.post(
        url, {"buildings": [world.building_a1.pk, world.building_a2.pk], "move": "on"}
    )
    assert done.status_code == 302
    assert Place.objects.get(pk=world.household_a2.pk).grid_id == world.grid_a1.pk


def test_cut_page_whole_compound(world):
    client = client_for(world.users["secretary_a"])
    response = client.post(
        reverse("grid:cut", args=[world.grid_a2.pk]),
        {"compounds": [world.compound_a.pk], "move": "on"},
    )
    assert response.status_code == 302
    assert set(
        Place.objects.filter(kind="building", grid=world.grid_a2).values_list("pk", flat=True)
    ) == {
        world.building_a1.pk,
        world.building_a2.pk,
    }


def test_workers_page_assigns_and_revokes(world):
    client = client_for(world.users["secretary_a"])
    url = reverse("grid:workers", args=[world.grid_a2.pk])
    assert client.post(url, {"action": "add", "username": "nobody"}).status_code == 302
    assignment = RoleAssignment.objects.get(user=world.users["nobody"], grid=world.grid_a2)
    again = client.post(url, {"action": "add", "username": "nobody"})
    assert "已是本网格的网格员" in again.content.decode()
    assert client.post(url, {"action": "revoke", "assignment": assignment.pk}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None


def test_patrol_page_flow(world):
    client = client_for(world.users["grid_a1"])
    page = client.get(reverse("grid:patrol"))
    assert page.status_code == 200 and "开始巡查" in page.content.decode()
    assert client.post(reverse("grid:patrol_start")).status_code == 302
    patrol = Patrol.objects.get()
    page = client.get(reverse("grid:patrol")).content.decode()
    assert (
        "上报事件" in page
        and "grid/patrol.js" in page
        and f"/api/v1/grid/patrols/{patrol.pk}/track" in page
    )
    category = Category.objects.get(code="stairwell_clutter")
    response = client.post(
        reverse("grid:patrol_report", args=[patrol.pk]),
        {
            "category": category.pk,
            "place": world.building_a1.pk,
            "title": "楼道堆物",
            "handled": "spot",
            "handling": "已当场清理",
            "latitude": "37.52",
            "longitude": "111.14",
            "photos": [jpeg()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.status == Status.RESOLVED and case.latitude == 37.52 and case.photos.count() == 1
    missing = client.post(
        reverse("grid:patrol_report", args=[patrol.pk]),
        {"category": category.pk, "place": world.building_a1.pk, "title": "x", "handled": "spot"},
    )
    assert missing.status_code == 400 and "请填写现场处置情况" in missing.content.decode()
    assert client.post(reverse("grid:patrol_end", args=[patrol.pk])).status_code == 302
    assert not Patrol.objects.get().is_open
    assert Case.objects.count() == 1


def test_patrol_page_offers_only_places_of_the_grid(world):
    client = client_for(world.users["grid_a1"])
    client.post(reverse("grid:patrol_start"))
    patrol = Patrol.objects.get()
    page = client.get(reverse("grid:patrol")).content.decode()
    assert 'name="place__q"' in page  # the searchable picker, no select
    search = {"name": "place", "perm": "case.raise", "kinds": "household", "place__q": "101"}
    places = client.get(reverse("people:place_search"), search).content.decode()
    assert (
        f'value="{world.household_a1.pk}"' in places
        and f'value="{world.household_a2.pk}"' not in places
    )
    response = client.post(
        reverse("grid:patrol_report", args=[patrol.pk]),
        {"category": 1, "place": world.household_a2.pk, "title": "x", "handled": "dispatch"},
    )
    assert response.status_code == 400 and not Case.objects.exists()


def test_patrol_page_is_404_for_non_workers_and_others_patrols(world):
    assert client_for(world.users["secretary_a"]).get(reverse("grid:patrol")).status_code == 404
    client_for(world.users["grid_a1"]).post(reverse("grid:patrol_start"))
    patrol = Patrol.objects.get()
    other = client_for(world.users["grid_a2"])
    assert other.post(reverse("grid:patrol_end", args=[patrol.pk])).status_code == 404
    assert Patrol.objects.get().is_open


def test_nav_links(world):
    assert "巡查" in client_for(world.users["grid_a1"]).get(reverse("grid:patrol")).content.decode()
    home = client_for(world.users["secretary_a"]).get(
        reverse("grid:community", args=[world.community_a.pk])
    )
    assert reverse("grid:index") in home.content.decode()


def test_admin_shows_the_secret_once(world):
    client = client_for(world.admin)
    response = client.post(
        reverse("admin:grid_cameraintegration_add"),
        {"name": "雪亮工程", "key": "xueliang", "active": "on"},
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    integration = CameraIntegration.objects.get()
    from shequgang.grid.camera_alerts import integration_secret

    secret = integration_secret(integration)
    assert secret in response.content.decode()
    change = client.get(reverse("admin:grid_cameraintegration_change", args=[integration.pk]))
    assert (
        secret not in change.content.decode()
        and integration.secret_cipher not in change.content.decode()
    )
    rotated = client.post(
        reverse("admin:grid_cameraintegration_changelist"),
        {"action": "rotate_secret", "_selected_action": [integration.pk]},
    )
    new = integration_secret(CameraIntegration.objects.get())
    assert new != secret and new in rotated.content.decode()


@pytest.mark.parametrize("value", ["abc", "99999999", "-1", "1e5", "9" * 30, "²", "٣"])
def test_garbage_ids_are_404_not_500(world, value):
    worker = client_for(world.users["grid_a1"])
    assert worker.post(reverse("grid:patrol_start"), {"grid": value}).status_code == 404
    secretary = client_for(world.users["secretary_a"])
    url = reverse("grid:workers", args=[world.grid_a1.pk])
    assert secretary.post(url, {"action": "revoke", "assignment": value}).status_code == 404
    cut = secretary.post(reverse("grid:cut", args=[world.grid_a1.pk]), {"buildings": [value]})
    assert (
        cut.status_code == 200
        and Place.objects.get(pk=world.building_a1.pk).grid_id == world.grid_a1.pk
    )
    assert not Patrol.objects.exists()


def test_patrol_page_counts_only_cases_still_to_work_on(world):
    # Given a grid worker who resolved one event on the spot (已办结, awaiting the rating)
    # and reported another for the community to handle
    client = client_for(world.users["grid_a1"])
    client.post(reverse("grid:patrol_start"))
    patrol = Patrol.objects.get()
    category = Category.objects.get(code="stairwell_clutter")
    common = {"category": category.pk, "place": world.building_a1.pk, "photos": [jpeg()]}
    spot = {"title": "楼道堆物", "handled": "spot", "handling": "已当场清理"}
    client.post(reverse("grid:patrol_report", args=[patrol.pk]), {**common, **spot})
    resolved = Case.objects.get()
    assert resolved.status == Status.RESOLVED
    section = client.get(reverse("grid:patrol")).content.decode().split("本网格事项")[1]
    # then the resolved case is neither counted nor listed as 未结
    assert "0 件未结" in section and resolved.number not in section
    # when an open case of the grid exists, then it is counted and listed
    Case.objects.filter(pk=resolved.pk).update(status=Status.ACKNOWLEDGED)
    section = client.get(reverse("grid:patrol")).content.decode().split("本网格事项")[1]
    assert "1 件未结" in section and resolved.number in section
