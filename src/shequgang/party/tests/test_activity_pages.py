"""The activity pages: publish, sign up, the organiser's QR and roster, and the record."""

from __future__ import annotations

import datetime as dt

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
