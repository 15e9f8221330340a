"""The patrol API: what a grid worker's phone calls."""

import datetime as dt

import pytest
from django.utils import timezone

from shequgang.apikit.testing import VIAS, api_client
from shequgang.cases.models import Case, Source, Status
from shequgang.grid.models import Patrol, PatrolPoint, PatrolReport

from .conftest import jpeg


@pytest.fixture
def worker(world):
    return api_client(world.users["grid_a1"])


def start(client):
    response = client.post("/grid/patrols", {})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize("via", VIAS)
def test_patrol_round_trip(world, via):
    client = api_client(world.users["grid_a1"], via)
    patrol = start(client)
    assert patrol["grid"] == world.grid_a1.pk and patrol["is_open"]
    assert client.get("/grid/patrols/current").json()["id"] == patrol["id"]
    again = client.post("/grid/patrols", {})
    assert again.status_code == 409 and again.json()["code"] == "patrol_open"
    now = timezone.now().isoformat()
    track = client.post(
        f"/grid/patrols/{patrol['id']}/track",
        {"points": [{"at": now, "latitude": 37.52, "longitude": 111.14, "accuracy": 5}]},
    )
    assert track.status_code == 200 and track.json() == {"added": 1}
    ended = client.post(f"/grid/patrols/{patrol['id']}/end", {"note": "一切正常"})
    assert ended.status_code == 200 and ended.json()["ended_at"] and not ended.json()["is_open"]
    assert client.get("/grid/patrols/current").status_code == 404
    assert PatrolPoint.objects.count() == 1


def test_track_point_without_timezone_is_refused(world, worker):
    patrol = start(worker)
    response = worker.post(
        f"/grid/patrols/{patrol['id']}/track",
        {"points": [{"at": "2026-11-29T10:00:00", "latitude": 37.52, "longitude": 111.14}]},
    )
    assert response.status_code == 422
    assert not PatrolPoint.objects.exists()


def test_other_workers_patrol_is_404(world, worker):
    patrol = start(worker)
    other = api_client(world.users["grid_a2"])
    bodies: list[tuple[str, dict[str, list[str]]]] = [("end", {}), ("track", {"points": []})]
    for path, body in bodies:
        response = other.post(f"/grid/patrols/{patrol['id']}/{path}", body)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Patrol.objects.get().is_open


def test_non_worker_cannot_patrol(world):
    response = api_client(world.users["secretary_a"]).post("/grid/patrols", {})
    assert response.status_code == 403
    response = api_client(world.users["grid_a1"]).post("/grid/patrols", {"grid": world.grid_a2.pk})
    assert response.status_code == 404
    assert api_client(None).post("/grid/patrols", {}).status_code == 401


def report(client, patrol_id, headers=None, files=None, **fields):
    data: dict[str, object] = {
        "category": "street_light",
        "place": fields.pop("place"),
        "title": "路灯不亮",
        **fields,
    }
    if files:
        data["photos"] = files
    return client.client.post(
        f"/api/v1/grid/patrols/{patrol_id}/reports",
        data,
        headers={**client.headers, **(headers or {})},
    )


def test_report_needing_dispatch(world, worker):
    patrol = start(worker)
    response = report(
        worker, patrol["id"], place=world.household_a1.pk, latitude="37.52", files=[jpeg()]
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["case_number"])
    assert (case.source, case.grid, case.status) == (
        Source.GRID_PATROL,
        world.grid_a1,
        Status.TO_DISPATCH,
    )
    assert body["handled_on_the_spot"] is False and case.photos.count() == 1
    assert PatrolReport.objects.get().patrol_id == patrol["id"]


def test_report_handled_on_the_spot(world, worker):
    patrol = start(worker)
    response = report(
        worker,
        patrol["id"],
        place=world.household_a1.pk,
        handled_on_the_spot="true",
        handling="已通知物业更换灯泡并确认恢复",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.RESOLVED
    case = Case.objects.get()
    assert list(case.events.values_list("kind", flat=True))[-2:] == ["acknowledged", "resolved"]


def test_report_outside_the_grid_is_404_and_creates_nothing(world, worker):
    patrol = start(worker)
    response = report(worker, patrol["id"], place=world.household_a2.pk)
    assert response.status_code == 404
    assert not Case.objects.exists() and not PatrolReport.objects.exists()


def test_report_retry_with_idempotency_key_creates_one_case(world, worker):
    patrol = start(worker)
    first = report(
        worker, patrol["id"], place=world.household_a1.pk, headers={"Idempotency-Key": "r-1"}
    )
    retry = report(
        worker, patrol["id"], place=world.household_a1.pk, headers={"Idempotency-Key": "r-1"}
    )
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert Case.objects.count() == 1


def test_queue_lists_own_grid_cases_only(world, worker):
    patrol = start(worker)
    report(worker, patrol["id"], place=world.household_a1.pk)
    other = api_client(world.users["grid_a2"])
    start(other)
    theirs = other.client.post(
        f"/api/v1/grid/patrols/{Patrol.objects.get(worker=world.users['grid_a2']).pk}/reports",
        {"category": "street_light", "place": world.household_a2.pk, "title": "路灯不亮"},
    )
    assert theirs.status_code == 201
    mine = worker.get("/grid/queue").json()["items"]
    assert [c["number"] for c in mine] == [Case.objects.get(grid=world.grid_a1).number]


def test_endpoints_are_in_the_openapi_document(world):
    doc = api_client(world.users["grid_a1"]).get("/openapi.json").json()
    for path in (
        "/api/v1/grid/patrols",
        "/api/v1/grid/patrols/{patrol_id}/end",
        "/api/v1/grid/patrols/{patrol_id}/track",
        "/api/v1/grid/patrols/{patrol_id}/reports",
        "/api/v1/integrations/camera-alerts",
    ):
        assert path in doc["paths"]
    webhook = doc["paths"]["/api/v1/integrations/camera-alerts"]["post"]
    assert 'timestamp + "." + body' in webhook["description"]
    assert not webhook.get("security")


def test_track_point_in_the_future_is_refused(world, worker):
    patrol = start(worker)
    later = (timezone.now() + dt.timedelta(minutes=10)).isoformat()
    response = worker.post(
        f"/grid/patrols/{patrol['id']}/track",
        {"points": [{"at": later, "latitude": 37.52, "longitude": 111.14}]},
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_point"


def test_retried_start_and_track_with_idempotency_keys_are_applied_once(world, worker):
    first = worker.post("/grid/patrols", {}, headers={"Idempotency-Key": "start-1"})
    again = worker.post("/grid/patrols", {}, headers={"Idempotency-Key": "start-1"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and Patrol.objects.count() == 1
    url = f"/grid/patrols/{first.json()['id']}/track"
    body = {"points": [{"at": timezone.now().isoformat(), "latitude": 37.52, "longitude": 111.14}]}
    for _ in range(2):
        response = worker.post(url, body, headers={"Idempotency-Key": "track-1"})
        assert response.status_code == 200 and response.json() == {"added": 1}
    assert PatrolPoint.objects.count() == 1
    # Without a key a second post is a second batch.
    assert worker.post(url, body).json() == {"added": 1}
    assert PatrolPoint.objects.count() == 2
