"""Patrols: start and end, one open at a time (a database constraint), GPS tracks, and
reports that become grid_patrol cases in the worker's grid."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.cases.models import Case, CaseEvent, Source, Status
from shequgang.errors import DomainError
from shequgang.grid.models import Patrol, PatrolPoint, PatrolReport
from shequgang.grid.patrols import TrackPoint, patrol_end, patrol_report, patrol_start, patrol_track

from .conftest import jpeg


@pytest.fixture
def patrol(world):
    return patrol_start(actor=world.users["grid_a1"])


def test_start_and_end_are_timestamped(world):
    t0 = timezone.now()
    patrol = patrol_start(actor=world.users["grid_a1"], now=t0)
    assert (patrol.grid, patrol.started_at, patrol.ended_at) == (world.grid_a1, t0, None)
    ended = patrol_end(actor=world.users["grid_a1"], patrol=patrol, now=t0 + dt.timedelta(hours=1))
    assert ended.ended_at == t0 + dt.timedelta(hours=1)
    with pytest.raises(DomainError) as err:
        patrol_end(actor=world.users["grid_a1"], patrol=patrol)
    assert err.value.code == "patrol_ended" and err.value.status == 409


def test_one_open_patrol_per_worker(world, patrol):
    with pytest.raises(DomainError) as err:
        patrol_start(actor=world.users["grid_a1"])
    assert err.value.code == "patrol_open" and err.value.status == 409
    # Another worker may patrol at the same time; after ending, a new one may start.
    patrol_start(actor=world.users["grid_a2"])
    patrol_end(actor=world.users["grid_a1"], patrol=patrol)
    assert patrol_start(actor=world.users["grid_a1"]).is_open
    assert Patrol.objects.filter(worker=world.users["grid_a1"]).count() == 2


def test_the_database_refuses_a_second_open_patrol(world, patrol):
    with pytest.raises(IntegrityError), transaction.atomic():
        Patrol.objects.create(
            worker=world.users["grid_a1"], grid=world.grid_a1, started_at=timezone.now()
        )
    # A closed one is fine.
    Patrol.objects.create(
        worker=world.users["grid_a1"],
        grid=world.grid_a1,
        started_at=timezone.now(),
        ended_at=timezone.now(),
    )


def test_only_grid_workers_patrol_their_own_grids(world):
    for name in ("secretary_a", "nobody", "dept_handler"):
        with pytest.raises(DomainError) as err:
            patrol_start(actor=world.users[name])
        assert err.value.status == 403
    with pytest.raises(DomainError) as err:
        patrol_start(actor=world.users["grid_a1"], grid=world.grid_a2)
    assert err.value.status == 404
    assert not Patrol.objects.exists()


def test_someone_elses_patrol_is_not_found(world, patrol):
    with pytest.raises(DomainError) as err:
        patrol_end(actor=world.users["grid_a2"], patrol=patrol)
    assert err.value.status == 404
    assert Patrol.objects.get().is_open


def test_track_points_are_stored_with_their_time(world, patrol):
    now = timezone.now()
    added = patrol_track(
        actor=world.users["grid_a1"],
        patrol=patrol,
        points=[TrackPoint(now, 37.52, 111.14, 8.0), TrackPoint(now, 37.521, 111.141)],
    )
    assert added == 2
    assert list(PatrolPoint.objects.order_by("id").values_list("latitude", "accuracy")) == [
        (37.52, 8.0),
        (37.521, None),
    ]


# Times are built when the test runs, not when pytest collects it: on a slow run
# "ten minutes from now" at collection time had become the past.
@pytest.mark.parametrize(
    "make_point",
    [
        lambda now: TrackPoint(dt.datetime(2026, 1, 1, 8, 0), 37.5, 111.1),  # noqa: DTZ001  naive on purpose
        lambda now: TrackPoint(now, 91.0, 111.1),
        lambda now: TrackPoint(now, 37.5, 181.0),
        lambda now: TrackPoint(now + dt.timedelta(minutes=10), 37.5, 111.1),
        lambda now: TrackPoint(now - dt.timedelta(days=1), 37.5, 111.1),
        lambda now: TrackPoint(now, float("nan"), 111.1),
    ],
)
def test_bad_track_point_stores_nothing(world, patrol, make_point):
    point = make_point(timezone.now())
    good = TrackPoint(timezone.now(), 37.5, 111.1)
    with pytest.raises(DomainError) as err:
        patrol_track(actor=world.users["grid_a1"], patrol=patrol, points=[good, point])
    assert err.value.code == "invalid_point"
    assert not PatrolPoint.objects.exists()


def test_no_track_after_the_end(world, patrol):
    patrol_end(actor=world.users["grid_a1"], patrol=patrol)
    with pytest.raises(DomainError) as err:
        patrol_track(
            actor=world.users["grid_a1"],
            patrol=patrol,
            points=[TrackPoint(timezone.now(), 37.5, 111.1)],
        )
    assert err.value.code == "patrol_ended"


def test_report_needing_dispatch_is_a_grid_patrol_case_in_the_grid(world, patrol, cat):
    report = patrol_report(
        actor=world.users["grid_a1"],
        patrol=patrol,
        category=cat("street_light"),
        place=world.household_a1,
        title="路灯不亮",
        latitude=37.52,
        longitude=111.14,
        photos=[jpeg()],
    )
    case = report.case
    # It waits in the county command centre's 待派遣 queue, handed over on the timeline.
    assert (case.source, case.grid, case.status) == (
        Source.GRID_PATROL,
        world.grid_a1,
        Status.TO_DISPATCH,
    )
    assert case.dispatcher_place == world.county_a
    assert (case.handler_place, case.handler_department) == (None, None)
    assert case.events.filter(kind="dispatch_requested").count() == 1
    assert case.raiser == world.users["grid_a1"] and case.photos.count() == 1
    assert (report.patrol, report.handled_on_the_spot) == (patrol, False)
    assert (case.latitude, case.longitude) == (37.52, 111.14)


def test_report_handled_on_the_spot_is_resolved_on_the_timeline(world, patrol, cat):
    report = patrol_report(
        actor=world.users["grid_a1"],
        patrol=patrol,
        category=cat("stairwell_clutter"),
        place=world.building_a1,
        title="楼道堆放杂物",
        handled_on_the_spot=True,
        handling="已联系住户当场清理",
    )
    case = Case.objects.get(pk=report.case_id)
    assert case.status == Status.RESOLVED and case.resolution == "已联系住户当场清理"
    assert case.resolved_at is not None and case.resolved_on_time is True
    events = list(case.events.values_list("kind", "actor_id", "reason"))
    assert [e[0] for e in events] == ["created", "assigned", "acknowledged", "resolved"]
    assert events[-1] == ("resolved", world.users["grid_a1"].pk, "已联系住户当场清理")
    assert CaseEvent.objects.get(case=case, kind="resolved").data == {"on_the_spot": True}
    assert report.handled_on_the_spot


def test_on_the_spot_needs_the_handling_text(world, patrol, cat):
    with pytest.raises(DomainError) as err:
        patrol_report(
            actor=world.users["grid_a1"],
            patrol=patrol,
            category=cat("stairwell_clutter"),
            place=world.building_a1,
            title="楼道堆放杂物",
            handled_on_the_spot=True,
            handling=" ",
        )
    assert err.value.code == "resolution_required"
    assert not Case.objects.exists() and not PatrolReport.objects.exists()


@pytest.mark.parametrize("place", ["household_a2", "household_b", "compound_a"])
def test_place_outside_the_grid_is_refused(world, patrol, cat, place):
    for spot in (False, True):
        with pytest.raises(DomainError) as err:
            patrol_report(
                actor=world.users["grid_a1"],
                patrol=patrol,
                category=cat("street_light"),
                place=getattr(world, place),
                title="路灯不亮",
                handled_on_the_spot=spot,
                handling="已处理",
            )
        assert err.value.status == 404
    assert not Case.objects.exists() and not PatrolReport.objects.exists()


def test_no_report_on_an_ended_patrol(world, patrol, cat):
    patrol_end(actor=world.users["grid_a1"], patrol=patrol)
    with pytest.raises(DomainError) as err:
        patrol_report(
            actor=world.users["grid_a1"],
            patrol=patrol,
            category=cat("street_light"),
            place=world.household_a1,
            title="路灯不亮",
        )
    assert err.value.code == "patrol_ended"
    assert not Case.objects.exists()


def test_bad_report_creates_nothing(world, patrol, cat):
    with pytest.raises(DomainError) as err:
        patrol_report(
            actor=world.users["grid_a1"],
            patrol=patrol,
            category=cat("street_light"),
            place=world.household_a1,
            title="",
        )
    assert err.value.code == "title_required"
    assert not Case.objects.exists() and not PatrolReport.objects.exists()


def test_worker_of_two_grids_names_the_grid_and_reports_only_in_it(world, cat):
    from shequgang.people.services import role_grant

    worker = world.users["grid_a1"]
    role_grant(actor=world.admin, user=worker, role="grid_worker", grid=world.grid_a2)
    with pytest.raises(DomainError) as err:
        patrol_start(actor=worker)
    assert err.value.code == "grid_required"
    patrol = patrol_start(actor=worker, grid=world.grid_a1)
    # Household A2 is in the worker's scope (grid A2) but not in this patrol's grid.
    with pytest.raises(DomainError) as err:
        patrol_report(
            actor=worker,
            patrol=patrol,
            category=cat("street_light"),
            place=world.household_a2,
            title="路灯不亮",
        )
    assert err.value.status == 404
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_starts_open_one_patrol(world):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers; the race needs PostgreSQL's row-level concurrency")
    barrier = threading.Barrier(4)
    outcomes = []

    def start():
        from django.contrib.auth.models import User

        barrier.wait()
        try:
            patrol_start(actor=User.objects.get(username="grid_a1"))
            outcomes.append("started")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["patrol_open"] * 3 + ["started"]
    assert Patrol.objects.filter(ended_at__isnull=True).count() == 1
