"""双服务 activities: places and the waiting list, check-in windows, hours, no-shows,
ratings, and capacity under concurrent sign-ups."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.utils import timezone

from shequgang.apikit.testing import api_client
from shequgang.cases.models import Notification
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.party import activities as svc
from shequgang.party.activity_models import (
    Activity,
    ActivityStatus,
    Attendance,
    Signup,
    SignupStatus,
)
from shequgang.party.models import PairedUnit, PairedUnitKind, UnitPairing
from shequgang.points.selectors import balance_of
from shequgang.testing import World, build_world

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def residents(n: int, prefix: str = "r") -> list[User]:
    return [User.objects.create_user(f"{prefix}{i}", password="x") for i in range(n)]


def publish(
    world: World, *, capacity: int = 2, start_in: dt.timedelta = 2 * H, **kw: Any
) -> Activity:
    start = timezone.now() + start_in
    data = svc.ActivityInput(
        title=str(kw.pop("title", "楼道清扫")),
        location="滨东花园小区",
        starts_at=start,
        ends_at=start + 2 * H,
        capacity=capacity,
        points=5,
    )
    return svc.activity_publish(
        actor=world.users["secretary_a"], community=world.community_a, data=data, **kw
    )


def move(activity: Activity, *, starts_at: dt.datetime) -> Activity:
    """Shift an activity in time (tests need one that is running or over)."""
    length = activity.ends_at - activity.starts_at
    Activity.objects.filter(pk=activity.pk).update(starts_at=starts_at, ends_at=starts_at + length)
    activity.refresh_from_db()
    return activity


def test_places_then_waiting_list_and_cancel_promotes_the_first_waiting(world: World) -> None:
    activity = publish(world, capacity=2)
    a, b, c, d = residents(4)
    assert svc.signup_create(actor=a, activity=activity)[0].status == SignupStatus.CONFIRMED
    assert svc.signup_create(actor=b, activity=activity)[0].status == SignupStatus.CONFIRMED
    sc, _ = svc.signup_create(actor=c, activity=activity)
    sd, _ = svc.signup_create(actor=d, activity=activity)
    assert (sc.status, sd.status) == (SignupStatus.WAITING, SignupStatus.WAITING)
    # Signing up again returns the live sign-up.
    again, created = svc.signup_create(actor=c, activity=activity)
    assert again.pk == sc.pk and not created

    # A waiting person cancelling frees nothing; a confirmed one promotes the FIRST waiting.
    first_a = Signup.objects.get(activity=activity, user=a)
    svc.signup_cancel(actor=a, signup=first_a)
    sc.refresh_from_db()
    sd.refresh_from_db()
    assert sc.status == SignupStatus.CONFIRMED and sc.promoted_at is not None
    assert sd.status == SignupStatus.WAITING
    assert Notification.objects.filter(recipient=c, title__startswith="候补转正").count() == 1
    assert Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count() == 2
    # The cancelled person may sign up again and joins the back of the queue.
    back, created = svc.signup_create(actor=a, activity=activity)
    assert created and back.status == SignupStatus.WAITING


def test_signup_closes_when_the_activity_starts(world: World) -> None:
    activity = publish(world)
    move(activity, starts_at=timezone.now() - M)
    (a,) = residents(1)
    with pytest.raises(DomainError) as err:
        svc.signup_create(actor=a, activity=activity)
    assert err.value.code == "signup_closed"
    assert not Signup.objects.exists()


def test_check_in_window_and_code(world: World) -> None:
    activity = publish(world)
    (a,) = residents(1)
    svc.signup_create(actor=a, activity=activity)
    start = activity.starts_at
    with pytest.raises(DomainError) as err:
        svc.check_in(
            actor=a,
            activity=activity,
            code=activity.code,
            now=start - 30 * M - dt.timedelta(seconds=1),
        )
    assert err.value.code == "outside_window"
    with pytest.raises(DomainError) as err:
        svc.check_in(actor=a, activity=activity, code="WRONG1", now=start)
    assert err.value.code == "wrong_code"
    # Opens exactly 30 minutes before the start; the code is case-insensitive.
    s = svc.check_in(actor=a, activity=activity, code=activity.code.lower(), now=start - 30 * M)
    assert s.checked_in_at == start - 30 * M
    # Check-out after the end counts hours only inside the window; closes 30 min after.
    with pytest.raises(DomainError) as err:
        svc.check_out(
            actor=a,
            activity=activity,
            code=activity.code,
            now=activity.ends_at + 30 * M + dt.timedelta(seconds=1),
        )
    assert err.value.code == "outside_window"
    s = svc.check_out(actor=a, activity=activity, code=activity.code, now=activity.ends_at + 30 * M)
    assert s.hours == Decimal("2.00") and s.attendance == Attendance.ATTENDED


def test_waiting_list_people_cannot_check_in(world: World) -> None:
    activity = publish(world, capacity=1)
    a, b = residents(2)
    svc.signup_create(actor=a, activity=activity)
    svc.signup_create(actor=b, activity=activity)
    with pytest.raises(DomainError) as err:
        svc.check_in(actor=b, activity=activity, code=activity.code, now=activity.starts_at)
    assert err.value.code == "not_signed_up"


def test_hours_are_rounded_down_to_the_minute() -> None:
    start = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    activity = Activity(starts_at=start, ends_at=start + 2 * H)
    assert svc.computed_hours(
        activity, start + 10 * M, start + 50 * M + dt.timedelta(seconds=59)
    ) == Decimal("0.66")
    assert svc.computed_hours(activity, start - H, start + 3 * H) == Decimal("2.00")
    assert svc.computed_hours(activity, start + 3 * H, start + 4 * H) == Decimal("0.00")


def test_finish_records_no_shows_and_hours_are_confirmed_by_the_organiser(world: World) -> None:
    activity = publish(world, capacity=3)
    came, left_early, absent = residents(3)
    for u in (came, left_early, absent):
        svc.signup_create(actor=u, activity=activity)
    start = activity.starts_at
    svc.check_in(actor=came, activity=activity, code=activity.code, now=start)
    svc.check_out(actor=came, activity=activity, code=activity.code, now=start + 90 * M)
    svc.check_in(actor=left_early, activity=activity, code=activity.code, now=start + H)
    secretary = world.users["secretary_a"]

    with pytest.raises(DomainError) as err:
        svc.activity_finish(
            actor=secretary, activity=activity, now=activity.ends_at - dt.timedelta(seconds=1)
        )
    assert err.value.code == "not_over"
    with pytest.raises(Forbidden):
        svc.activity_finish(actor=came, activity=activity, now=activity.ends_at)
    result = svc.activity_finish(actor=secretary, activity=activity, now=activity.ends_at)
    assert result == {"no_shows": 1, "not_checked_out": 1}
    by_user = {s.user_id: s for s in Signup.objects.filter(activity=activity)}
    assert by_user[absent.pk].attendance == Attendance.NO_SHOW
    assert by_user[left_early.pk].hours == Decimal("1.00")
    assert by_user[came.pk].hours == Decimal("1.50")

    # Confirm as computed; a correction needs a reason; a no-show needs hours and a reason.
    s = svc.hours_confirm(actor=secretary, signup=by_user[came.pk])
    assert s.hours_confirmed_at is not None and s.hours == Decimal("1.50")
    with pytest.raises(DomainError) as err:
        svc.hours_confirm(actor=secretary, signup=by_user[left_early.pk], hours=Decimal("2"))
    assert err.value.code == "note_required"
    with pytest.raises(DomainError) as err:
        svc.hours_confirm(
            actor=secretary, signup=by_user[left_early.pk], hours=Decimal("2.01"), note="x"
        )
    assert err.value.code == "invalid_hours"
    s = svc.hours_confirm(
        actor=secretary, signup=by_user[left_early.pk], hours=Decimal("2"), note="签退忘记"
    )
    assert s.hours == Decimal("2.00")
    with pytest.raises(DomainError) as err:
        svc.hours_confirm(actor=secretary, signup=by_user[absent.pk])
    assert err.value.code == "not_attended"
    # Not the organiser: it is not theirs to see.
    with pytest.raises(NotFound):
        svc.hours_confirm(actor=came, signup=by_user[absent.pk], hours=Decimal(1), note="x")


def _served(world: World, activity: Activity, user: User) -> Signup:
    s, _ = svc.signup_create(actor=user, activity=activity)
    svc.check_in(actor=user, activity=activity, code=activity.code, now=activity.starts_at)
    svc.check_out(actor=user, activity=activity, code=activity.code, now=activity.ends_at)
    return s


def test_confirmed_hours_earn_the_activity_points_once(world: World) -> None:
    activity = publish(world, capacity=2)  # 5 points each, fixed
    a, b = residents(2)
    sa, sb = _served(world, activity, a), _served(world, activity, b)
    secretary = world.users["secretary_a"]
    svc.activity_finish(actor=secretary, activity=activity, now=activity.ends_at)
    svc.hours_confirm(actor=secretary, signup=sa)
    svc.hours_confirm(actor=secretary, signup=sa)  # again: nothing more
    assert balance_of(user_id=a.pk, community=world.community_a) == 5
    assert balance_of(user_id=b.pk, community=world.community_a) == 0  # not yet confirmed
    # Hours corrected to 0 earn nothing.
    svc.hours_confirm(actor=secretary, signup=sb, hours=Decimal(0), note="未实际服务")
    assert balance_of(user_id=b.pk, community=world.community_a) == 0


def test_without_fixed_points_the_hourly_rule_applies(world: World) -> None:
    start = timezone.now() + 2 * H
    data = svc.ActivityInput(
        title="巡逻", location="x", starts_at=start, ends_at=start + 2 * H, capacity=1
    )
    activity = svc.activity_publish(
        actor=world.users["secretary_a"], community=world.community_a, data=data
    )
    assert (activity.points, activity.activity_type) == (0, "volunteer_hour")
    (a,) = residents(1)
    s = _served(world, activity, a)
    svc.activity_finish(actor=world.users["secretary_a"], activity=activity, now=activity.ends_at)
    svc.hours_confirm(actor=world.users["secretary_a"], signup=s)
    # The city-wide default: 5 points per hour served, 2 hours.
    assert balance_of(user_id=a.pk, community=world.community_a) == 10


def test_who_may_publish(world: World) -> None:
    # Outside their community: refused, nothing written.
    start = timezone.now() + H
    data = svc.ActivityInput(
        title="义诊", location="x", starts_at=start, ends_at=start + H, capacity=5
    )
    with pytest.raises(Forbidden):
        svc.activity_publish(
            actor=world.users["secretary_b"], community=world.community_a, data=data
        )
    # A unit's liaison account publishes only where the unit is paired.
    unit = PairedUnit.objects.create(
        name="市供电公司", kind=PairedUnitKind.STATE_ENTERPRISE, place=world.county_a
    )
    liaison = User.objects.create_user("liaison", password="x")
    unit.accounts.add(liaison)
    with pytest.raises(Forbidden):
        svc.activity_publish(actor=liaison, community=world.community_a, data=data, unit=unit)
    UnitPairing.objects.create(
        unit=unit, community=world.community_a, started_on=timezone.localdate()
    )
    activity = svc.activity_publish(
        actor=liaison, community=world.community_a, data=data, unit=unit
    )
    assert activity.publisher_name == "市供电公司"
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"capacity": 0}, "invalid_capacity"),
        ({"ends_at_delta": dt.timedelta(0)}, "invalid_time"),
        ({"ends_at_delta": dt.timedelta(days=7, seconds=1)}, "invalid_time"),
        ({"title": " "}, "title_required"),
        ({"points": 1001}, "invalid_points"),
        ({"activity_type": "两个字"}, "invalid_activity_type"),
    ],
)
def test_bad_activities_are_refused(world: World, change: dict[str, Any], code: str) -> None:
    start = timezone.now() + H
    delta = change.pop("ends_at_delta", H)
    fields: dict[str, Any] = {
        "title": "义诊",
        "location": "x",
        "starts_at": start,
        "ends_at": start + delta,
        "capacity": 5,
    }  # type: ignore[operator]
    fields.update(change)
    with pytest.raises(DomainError) as err:
        svc.activity_publish(
            actor=world.users["secretary_a"],
            community=world.community_a,
            data=svc.ActivityInput(**fields),
        )  # type: ignore[arg-type]
    assert err.value.code == code
    assert not Activity.objects.exists()


def test_ratings_once_after_the_start(world: World) -> None:
    activity = publish(world)
    (a,) = residents(1)
    with pytest.raises(DomainError) as err:
        svc.activity_rate(actor=a, activity=activity, stars=5)
    assert err.value.code == "not_started"
    activity = move(activity, starts_at=timezone.now() - H)
    svc.activity_rate(actor=a, activity=activity, stars=5, comment="很好")
    with pytest.raises(DomainError) as err:
        svc.activity_rate(actor=a, activity=activity, stars=4)
    assert err.value.code == "already_rated"
    with pytest.raises(DomainError):
        svc.activity_rate(actor=a, activity=activity, stars=6)


def test_cancel_activity_tells_everyone_signed_up(world: World) -> None:
    activity = publish(world, capacity=1)
    a, b = residents(2)
    svc.signup_create(actor=a, activity=activity)
    svc.signup_create(actor=b, activity=activity)
    with pytest.raises(DomainError):
        svc.activity_cancel(actor=world.users["secretary_a"], activity=activity, reason=" ")
    svc.activity_cancel(actor=world.users["secretary_a"], activity=activity, reason="暴雨")
    assert Activity.objects.get().status == ActivityStatus.CANCELLED
    assert Notification.objects.filter(title__startswith="活动已取消").count() == 2
    with pytest.raises(DomainError) as err:
        svc.signup_create(actor=residents(1, "late")[0], activity=activity)
    assert err.value.code == "not_published"


def test_api_journey(world: World) -> None:
    secretary = api_client(world.users["secretary_a"], "token")
    start = timezone.now() + 2 * H
    body = {
        "community": world.community_a.pk,
        "title": "关爱独居老人",
        "location": "城东社区服务站",
        "starts_at": start.isoformat(),
        "ends_at": (start + 2 * H).isoformat(),
        "capacity": 1,
        "points": 10,
    }
    r = secretary.post("/party/activities", body, headers={"Idempotency-Key": "act-1"})
    assert r.status_code == 201, r.content
    again = secretary.post("/party/activities", body, headers={"Idempotency-Key": "act-1"})
    assert again.json()["id"] == r.json()["id"] and Activity.objects.count() == 1
    activity_id = r.json()["id"]
    assert r.json()["code"]

    a, b = residents(2)
    ra, rb = api_client(a, "token"), api_client(b, "token")
    assert ra.post(f"/party/activities/{activity_id}/signup").status_code == 201
    assert ra.post(f"/party/activities/{activity_id}/signup").status_code == 200
    assert rb.post(f"/party/activities/{activity_id}/signup").json()["status"] == "waiting"
    seen = rb.get(f"/party/activities/{activity_id}").json()
    assert (seen["confirmed"], seen["waiting"], seen["code"]) == (1, 1, None)
    assert rb.get(f"/party/activities/{activity_id}/roster").status_code == 404
    roster = secretary.get(f"/party/activities/{activity_id}/roster").json()
    assert [line["status"] for line in roster] == ["confirmed", "waiting"]
    assert ra.post(f"/party/activities/{activity_id}/signup/cancel").json()["status"] == "cancelled"
    assert rb.get(f"/party/activities/{activity_id}").json()["confirmed"] == 1
    r = rb.post(f"/party/activities/{activity_id}/check-in", {"code": "ABCDEF"})
    assert r.status_code == 409 and r.json()["code"] == "outside_window"
    bad = secretary.post("/party/activities", {**body, "capacity": 0})
    assert bad.status_code == 422 and Activity.objects.count() == 1
    assert ra.get("/party/activities/999999").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_thirty_concurrent_signups_for_ten_places() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency: PostgreSQL (SQLite serialises writers)")
    world = build_world()
    activity = publish(world, capacity=10)
    users = residents(30)
    barrier = threading.Barrier(30)
    errors: list[BaseException] = []

    def sign(u: User) -> None:
        try:
            barrier.wait()
            svc.signup_create(actor=u, activity=activity)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    statuses = list(Signup.objects.filter(activity=activity).values_list("status", flat=True))
    assert statuses.count(SignupStatus.CONFIRMED) == 10
    assert statuses.count(SignupStatus.WAITING) == 20


def test_an_organiser_does_not_confirm_their_own_hours(world: World) -> None:
    activity = publish(world, capacity=2)
    secretary = world.users["secretary_a"]
    own = _served(world, activity, secretary)
    svc.activity_finish(actor=secretary, activity=activity, now=activity.ends_at)
    with pytest.raises(Forbidden):
        svc.hours_confirm(actor=secretary, signup=own)
    own.refresh_from_db()
    assert own.hours_confirmed_at is None
    assert balance_of(user_id=secretary.pk, community=world.community_a) == 0
    # Another organiser of the community confirms them.
    svc.hours_confirm(actor=world.users["worker_a"], signup=own)
    assert balance_of(user_id=secretary.pk, community=world.community_a) == 5


def test_a_time_past_the_end_of_the_calendar_in_utc_is_refused(world: World) -> None:
    # 9999-12-31 20:00 at −12:00 is year 10000 in UTC, which no database stores.
    secretary = api_client(world.users["secretary_a"], "token")
    body = {
        "community": world.community_a.pk,
        "title": "跨年活动",
        "location": "城东社区服务站",
        "starts_at": "9999-12-31T20:00:00-12:00",
        "ends_at": "9999-12-31T22:00:00-12:00",
        "capacity": 1,
    }

    r = secretary.post("/party/activities", body)

    assert r.status_code == 400 and r.json()["code"] == "invalid_time"
    assert not Activity.objects.exists()
