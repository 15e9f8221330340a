"""Scope review of 双服务 and 双评价: ids given in a request body that point at another
county's members or at units not paired with the community."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequgang.apikit.testing import api_client
from shequgang.errors import DomainError
from shequgang.party import activities as svc
from shequgang.party.activity_models import Activity, Appraisal
from shequgang.party.models import Member, MemberReport, PairedUnit, PairedUnitKind, UnitPairing
from shequgang.testing import World

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def member_b(world: World) -> Member:
    """A member of county B who never reported to community_a."""
    unit = PairedUnit.objects.create(
        name="汾阳市财政局", kind=PairedUnitKind.ORGAN, place=world.county_b
    )
    member = Member.objects.create(
        name="王秘密", employee_number="B001", work_unit=unit, community=world.community_b
    )
    MemberReport.objects.create(
        member=member, community=world.community_b, reported_at=dt.datetime(2025, 3, 1, tzinfo=TZ)
    )
    return member


def test_appraising_another_countys_member_is_the_same_404_and_names_nobody(
    world: World, member_b: Member
) -> None:
    secretary = api_client(world.users["secretary_a"], "token")
    body = {"year": 2025, "community": world.community_a.pk, "grade": "good"}
    missing = secretary.post("/party/appraisals", {**body, "member": 999999})
    other = secretary.post("/party/appraisals", {**body, "member": member_b.pk})
    assert missing.status_code == 404
    assert other.status_code == 404
    assert other.json() == missing.json()
    assert "王秘密" not in other.content.decode()
    assert not Appraisal.objects.exists()


def test_appraisal_refuses_who_may_not_rate_before_looking_at_the_member(
    world: World, member_b: Member
) -> None:
    # secretary_b may not rate for community_a: the answer is the same 404 whether the
    # member exists or not (and as for a missing community), so the endpoint is no probe.
    body = {"year": 2025, "community": world.community_a.pk, "grade": "good"}
    client = api_client(world.users["secretary_b"], "token")
    missing = client.post("/party/appraisals", {**body, "member": 999999})
    other = client.post("/party/appraisals", {**body, "member": member_b.pk})
    assert missing.status_code == other.status_code == 404
    assert missing.json() == other.json()


def test_staff_may_not_publish_in_the_name_of_a_unit_not_paired_with_the_community(
    world: World,
) -> None:
    unit_b = PairedUnit.objects.create(
        name="别县供水公司", kind=PairedUnitKind.STATE_ENTERPRISE, place=world.county_b
    )
    start = timezone.now() + dt.timedelta(hours=1)
    data = svc.ActivityInput(
        title="义诊",
        location="x",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=5,
    )
    with pytest.raises(DomainError) as err:
        svc.activity_publish(
            actor=world.users["secretary_a"], community=world.community_a, data=data, unit=unit_b
        )
    assert err.value.code == "unit_not_paired"
    assert not Activity.objects.exists()
    # Once paired, community staff publish for it.
    UnitPairing.objects.create(
        unit=unit_b, community=world.community_a, started_on=timezone.localdate()
    )
    activity = svc.activity_publish(
        actor=world.users["secretary_a"], community=world.community_a, data=data, unit=unit_b
    )
    assert activity.unit_id == unit_b.pk


def test_the_activity_list_takes_any_community_parameter_without_a_500(world: World) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world.users["nobody"])
    for value in ("99999999999999999999999", "abc", "-1", ""):
        response = client.get("/party/activities/", {"community": value})
        assert response.status_code == 200, value


def test_the_activities_api_refuses_ids_no_database_stores(world: World) -> None:
    client = api_client(world.users["secretary_a"], "token")
    huge = 10**20
    assert client.get("/party/activities", {"community": huge}).status_code == 422
    appraisal = {"year": 2025, "community": world.community_a.pk, "grade": "good"}
    assert client.post("/party/appraisals", {**appraisal, "member": huge}).status_code == 422
    assert client.post("/party/appraisals", {**appraisal, "community": huge}).status_code == 422


def test_an_activity_id_no_database_stores_is_a_404_page(world: World) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world.users["nobody"])
    assert client.get("/party/activities/99999999999999999999999/").status_code == 404
