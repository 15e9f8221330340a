"""The activity pages: publish, sign up, the organiser's QR and roster, and the record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from shequgang.party import activities as svc
from shequgang.party.activity_models import Activity, Signup, SignupStatus
from shequgang.party.models import Member
from shequgang.testing import World


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_publish_signup_and_roster_pages(world: World) -> None:
    secretary = client_for(world.users["secretary_a"])
    assert secretary.get("/party/activities/new/").status_code == 200
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(
        second=0, microsecond=0
    )
    fmt = "%Y-%m-%dT%H:%M"
    r = secretary.post(
        "/party/activities/new/",
        {
            "publisher": f"c:{world.community_a.pk}",
            "kind": "activity",
            "title": "义务理发",
            "location": "社区服务站",
            "starts_at": start.strftime(fmt),
            "ends_at": (start + dt.timedelta(hours=2)).strftime(fmt),
            "capacity": "1",
            "points": "5",
        },
    )
    activity = Activity.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/party/activities/{activity.pk}/"
    assert activity.starts_at == start

    # Bad input: a clear message, nothing written.
    r = secretary.post(
        "/party/activities/new/",
        {
            "publisher": f"c:{world.community_a.pk}",
            "title": "x",
            "location": "y",
            "starts_at": "nonsense",
            "ends_at": "",
            "capacity": "1",
        },
    )
    assert r.status_code == 400 and "请填写开始和结束时间" in r.content.decode()
    assert Activity.objects.count() == 1
    # Someone with nowhere to publish does not get the form.
    assert client_for(world.users["nobody"]).get("/party/activities/new/").status_code == 404

    resident = User.objects.create_user("jumin", password="x")
    page = client_for(resident)
    assert "义务理发" in page.get("/party/activities/").content.decode()
    page.post(f"/party/activities/{activity.pk}/signup/")
    assert Signup.objects.get().status == SignupStatus.CONFIRMED
    detail = page.get(f"/party/activities/{activity.pk}/").content.decode()
    assert activity.code not in detail and "<svg" not in detail  # the code is the organiser's
    organiser = secretary.get(f"/party/activities/{activity.pk}/").content.decode()
    assert activity.code in organiser and "<svg" in organiser and "jumin" in organiser

    # A wrong check-in code shows the reason and writes nothing.
    svc_now = page.post(
        f"/party/activities/{activity.pk}/check_in/", {"code": "XXXXXX"}, follow=True
    )
    assert "不在签到时间内" in svc_now.content.decode()
    assert Signup.objects.get().checked_in_at is None
    assert page.post(f"/party/activities/{activity.pk}/bogus/").status_code == 302


def test_my_record_page(world: World) -> None:
    user = User.objects.create_user("dy", password="x")
    c = client_for(user)
    assert "尚未关联党员档案" in c.get("/party/my-record/").content.decode()
    Member.objects.create(
        name="李党员", employee_number="E1", work_unit=None, user=user, id_number_index="f" * 64
    )
    body = c.get("/party/my-record/?year=2026").content.decode()
    assert "不作为法定的志愿服务时长证明" in body
    pdf = c.get("/party/my-record/?year=2026&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert svc.CODE_LENGTH == 6


# Ids and numbers typed into a query string or a form: Unicode digits ("²" passes
# str.isdigit() but not int()) and numbers past 64 bits (SQLite cannot compare them) are
# a 404 or a message, never a 500.
GARBAGE_IDS = ["²", "٣", "99999999999999999999", "-1", "x"]


@pytest.mark.parametrize("value", GARBAGE_IDS)
def test_garbage_community_and_year_filters_are_ignored(world: World, value: str) -> None:
    c = client_for(world.users["secretary_a"])

    assert c.get("/party/activities/", {"community": value}).status_code == 200
    assert c.get("/party/my-record/", {"year": value}).status_code == 200


def _finished(world: World) -> tuple[Activity, Signup]:
    start = timezone.now() + dt.timedelta(hours=1)
    activity = svc.activity_publish(
        actor=world.users["secretary_a"],
        community=world.community_a,
        data=svc.ActivityInput(
            title="楼道清扫",
            location="滨东花园小区",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=2,
            points=5,
        ),
    )
    user = User.objects.create_user("jumin", password="x")
    signup, _ = svc.signup_create(actor=user, activity=activity)
    svc.check_in(actor=user, activity=activity, code=activity.code, now=activity.starts_at)
    svc.check_out(actor=user, activity=activity, code=activity.code, now=activity.ends_at)
    svc.activity_finish(actor=world.users["secretary_a"], activity=activity, now=activity.ends_at)
    return activity, signup


@pytest.mark.parametrize("value", GARBAGE_IDS)
def test_confirm_hours_for_a_garbage_signup_id_is_not_found(world: World, value: str) -> None:
    activity, signup = _finished(world)

    r = client_for(world.users["secretary_a"]).post(
        f"/party/activities/{activity.pk}/confirm/", {"signup": value}, follow=True
    )

    assert r.status_code == 200 and "报名不存在或无权访问" in r.content.decode()
    signup.refresh_from_db()
    assert signup.hours_confirmed_at is None


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999"])
def test_confirm_hours_that_are_not_a_finite_number_is_refused(world: World, hours: str) -> None:
    activity, signup = _finished(world)

    r = client_for(world.users["secretary_a"]).post(
        f"/party/activities/{activity.pk}/confirm/",
        {"signup": signup.pk, "hours": hours, "note": "补登"},
        follow=True,
    )

    assert r.status_code == 200 and "时长" in r.content.decode()
    signup.refresh_from_db()
    assert signup.hours_confirmed_at is None


@pytest.mark.parametrize("when", ["2026-13-45T10:00", "2026-02-30T10:00", "2026-12-01T25:00"])
def test_publish_with_an_impossible_date_is_a_message(world: World, when: str) -> None:
    r = client_for(world.users["secretary_a"]).post(
        "/party/activities/new/",
        {
            "publisher": f"c:{world.community_a.pk}",
            "title": "x",
            "location": "y",
            "starts_at": when,
            "ends_at": when,
            "capacity": "1",
        },
    )

    assert r.status_code == 400 and "请填写开始和结束时间" in r.content.decode()
    assert not Activity.objects.exists()


def test_cancelling_needs_a_reason_within_the_limit(world: World) -> None:
    activity, _ = _finished(world)
    Activity.objects.filter(pk=activity.pk).update(status="published")
    secretary = client_for(world.users["secretary_a"])
    url = f"/party/activities/{activity.pk}/cancel/"

    blank = secretary.post(url, {"reason": "   "}, follow=True)
    too_long = secretary.post(url, {"reason": "因" * 501}, follow=True)

    assert "请填写取消原因" in blank.content.decode()
    assert "取消原因不能超过500个字" in too_long.content.decode()
    activity.refresh_from_db()
    assert activity.status == "published"
    secretary.post(url, {"reason": "因" * 500})
    activity.refresh_from_db()
    assert activity.status == "cancelled"


@pytest.mark.parametrize("stars", ["", "x", "²"])
def test_rating_with_no_number_of_stars_is_a_message(world: World, stars: str) -> None:
    activity, signup = _finished(world)

    r = client_for(signup.user).post(
        f"/party/activities/{activity.pk}/rate/", {"stars": stars}, follow=True
    )

    assert r.status_code == 200 and "请选择1至5星" in r.content.decode()
    assert not activity.ratings.exists()
