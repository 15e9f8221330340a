"""双评价 and the yearly service record: who may rate whom, the figures frozen into the
rating, and the exports with their disclaimer, visible only to the right people."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook

from shequgang.apikit.testing import api_client
from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError, Forbidden
from shequgang.party.activity_models import (
    Activity,
    ActivityStatus,
    Appraisal,
    Grade,
    Signup,
    SignupStatus,
)
from shequgang.party.appraisals import DISCLAIMER, appraisal_record, member_record, unit_record
from shequgang.party.models import Member, MemberReport, PairedUnit, PairedUnitKind, UnitPairing
from shequgang.spreadsheets.testing import (
    HOSTILE_FORMULA,
    cell_with,
    formula_cells,
    workbook_cells,
)
from shequgang.testing import World

TZ = ZoneInfo("Asia/Shanghai")


def served(
    world: World,
    user: User,
    member: Member | None,
    *,
    at: dt.datetime,
    hours: str,
    unit: PairedUnit | None = None,
) -> Signup:
    """An activity at ``at`` (finished), with ``user`` confirmed for ``hours``."""
    activity = Activity.objects.create(
        community=world.community_a,
        unit=unit,
        kind="activity",
        title=f"服务{at:%m%d}",
        location="x",
        starts_at=at,
        ends_at=at + dt.timedelta(hours=4),
        capacity=5,
        code="ABCDEF",
        status=ActivityStatus.FINISHED,
        created_by=world.users["secretary_a"],
    )
    return Signup.objects.create(
        activity=activity,
        user=user,
        member=member,
        status=SignupStatus.CONFIRMED,
        signed_up_at=at,
        attendance="attended",
        hours=Decimal(hours),
        hours_confirmed_at=at,
    )


@pytest.fixture
def member_setup(world: World) -> tuple[Member, User, PairedUnit]:
    unit = PairedUnit.objects.create(
        name="市财政局",
        kind=PairedUnitKind.ORGAN,
        place=world.county_a,
    )
    user = User.objects.create_user("dangyuan", password="x")
    member = Member.objects.create(
        name="张党员",
        employee_number="CZ001",
        work_unit=unit,
        user=user,
        community=world.community_a,
    )
    MemberReport.objects.create(
        member=member, community=world.community_a, reported_at=dt.datetime(2025, 3, 1, tzinfo=TZ)
    )
    return member, user, unit


def test_the_record_counts_confirmed_hours_inside_the_year(
    world: World, member_setup: tuple[Member, User, PairedUnit]
) -> None:
    member, user, _ = member_setup
    served(world, user, member, at=dt.datetime(2025, 12, 31, 23, 0, tzinfo=TZ), hours="1.5")
    served(world, user, None, at=dt.datetime(2026, 1, 1, 0, 0, tzinfo=TZ), hours="2")  # by account
    s = served(world, user, member, at=dt.datetime(2026, 6, 1, 9, tzinfo=TZ), hours="3")
    unconfirmed = served(world, user, member, at=dt.datetime(2026, 7, 1, 9, tzinfo=TZ), hours="9")
    Signup.objects.filter(pk=unconfirmed.pk).update(hours_confirmed_at=None)
    r = member_record(member, 2026)
    assert (r.hours, r.activities) == (Decimal("5.00"), 2)
    assert member_record(member, 2025).hours == Decimal("1.50")
    assert s.activity.title in [line.activity.title for line in r.lines]


def test_appraisal_rules(world: World, member_setup: tuple[Member, User, PairedUnit]) -> None:
    member, user, unit = member_setup
    served(world, user, member, at=dt.datetime(2025, 6, 1, 9, tzinfo=TZ), hours="4")
    secretary = world.users["secretary_a"]
    a, created = appraisal_record(
        actor=secretary,
        year=2025,
        community=world.community_a,
        member=member,
        grade=Grade.EXCELLENT,
        comment="积极",
    )
    assert created and (a.hours, a.activities) == (Decimal("4.00"), 1)
    # Rating again corrects it (one row per year), audited.
    a2, created = appraisal_record(
        actor=secretary, year=2025, community=world.community_a, member=member, grade=Grade.GOOD
    )
    assert not created and a2.pk == a.pk and Appraisal.objects.get().grade == Grade.GOOD
    assert AuditEntry.objects.filter(action="party.appraisal").count() == 2
    # Another community's secretary may not; a year the member had not reported: refused.
    with pytest.raises(Forbidden):
        appraisal_record(
            actor=world.users["secretary_b"],
            year=2025,
            community=world.community_a,
            member=member,
            grade=Grade.PASS,
        )
    with pytest.raises(DomainError) as err:
        appraisal_record(
            actor=secretary, year=2024, community=world.community_a, member=member, grade=Grade.PASS
        )
    assert err.value.code == "not_reported"
    # A unit needs a pairing that overlaps the year: ended 2024-12-31 is too early.
    UnitPairing.objects.create(
        unit=unit,
        community=world.community_a,
        started_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2024, 12, 31),
    )
    with pytest.raises(DomainError) as err:
        appraisal_record(
            actor=secretary, year=2025, community=world.community_a, unit=unit, grade=Grade.PASS
        )
    assert err.value.code == "not_paired"
    UnitPairing.objects.create(
        unit=unit, community=world.community_a, started_on=dt.date(2025, 12, 31)
    )
    appraisal_record(
        actor=secretary, year=2025, community=world.community_a, unit=unit, grade=Grade.PASS
    )
    with pytest.raises(DomainError) as err:
        appraisal_record(
            actor=secretary,
            year=2025,
            community=world.community_a,
            member=member,
            unit=unit,
            grade=Grade.PASS,
        )
    assert err.value.code == "one_target"
    with pytest.raises(DomainError) as err:
        appraisal_record(
            actor=secretary, year=2025, community=world.community_a, member=member, grade="great"
        )
    assert err.value.code == "invalid_grade"
    assert Appraisal.objects.count() == 2


def test_unit_record_counts_its_members_hours_and_what_it_organised(
    world: World, member_setup: tuple[Member, User, PairedUnit]
) -> None:
    member, user, unit = member_setup
    served(world, user, member, at=dt.datetime(2026, 3, 1, 9, tzinfo=TZ), hours="2")
    other = User.objects.create_user("other", password="x")
    served(world, other, None, at=dt.datetime(2026, 4, 1, 9, tzinfo=TZ), hours="3", unit=unit)
    r = unit_record(unit, 2026)
    assert r.hours == Decimal("2.00")  # its own members' hours
    assert [(line.role, line.hours) for line in r.lines] == [("组织", Decimal("3.00"))]


def test_exports_carry_the_disclaimer_and_only_the_right_people_get_them(
    world: World, member_setup: tuple[Member, User, PairedUnit]
) -> None:
    member, user, unit = member_setup
    served(world, user, member, at=dt.datetime(2026, 3, 1, 9, tzinfo=TZ), hours="2")
    mine = api_client(user, "token")
    r = mine.get(f"/party/service-records/members/{member.pk}", {"year": 2026})
    assert (
        r.status_code == 200
        and r.json()["hours"] == "2.00"
        and r.json()["disclaimer"] == DISCLAIMER
    )
    x = mine.get(f"/party/service-records/members/{member.pk}", {"year": 2026, "format": "xlsx"})
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert DISCLAIMER in cells and "服务03" + "01" in cells
    p = mine.get(f"/party/service-records/members/{member.pk}", {"year": 2026, "format": "pdf"})
    assert (
        p.status_code == 200
        and p.content.startswith(b"%PDF")
        and p["Content-Type"] == "application/pdf"
    )
    assert AuditEntry.objects.filter(action="party.service_record_export").count() == 2
    # The unit's liaison sees its member's and its own record; a stranger and another
    # community's secretary see nothing (404, as if it did not exist).
    liaison = User.objects.create_user("liaison", password="x")
    unit.accounts.add(liaison)
    assert (
        api_client(liaison)
        .get(f"/party/service-records/members/{member.pk}", {"year": 2026})
        .status_code
        == 200
    )
    assert (
        api_client(liaison)
        .get(f"/party/service-records/units/{unit.pk}", {"year": 2026})
        .status_code
        == 200
    )
    assert (
        api_client(world.users["nobody"])
        .get(f"/party/service-records/members/{member.pk}", {"year": 2026})
        .status_code
        == 404
    )
    assert (
        api_client(world.users["secretary_b"])
        .get(f"/party/service-records/members/{member.pk}", {"year": 2026})
        .status_code
        == 404
    )
    assert (
        api_client(world.users["secretary_a"])
        .get(f"/party/service-records/members/{member.pk}", {"year": 2026})
        .status_code
        == 200
    )
    bad = mine.get(f"/party/service-records/members/{member.pk}", {"year": 2026, "format": "doc"})
    assert bad.status_code == 422


def test_xlsx_is_a_real_workbook(
    world: World, member_setup: tuple[Member, User, PairedUnit]
) -> None:
    member, user, _ = member_setup
    x = api_client(user).get(
        f"/party/service-records/members/{member.pk}", {"year": 2026, "format": "xlsx"}
    )
    assert zipfile.is_zipfile(io.BytesIO(x.content))


def test_appraisal_api(world: World, member_setup: tuple[Member, User, PairedUnit]) -> None:
    member, _, _ = member_setup
    secretary = api_client(world.users["secretary_a"], "token")
    body = {
        "year": 2025,
        "community": world.community_a.pk,
        "member": member.pk,
        "grade": "excellent",
    }
    assert secretary.post("/party/appraisals", body).status_code == 201
    assert secretary.post("/party/appraisals", {**body, "grade": "good"}).status_code == 200
    # Another county's community answers like a missing one (issue #13).
    r = api_client(world.users["secretary_b"]).post("/party/appraisals", body)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert secretary.post("/party/appraisals", {**body, "member": 999999}).status_code == 404
    assert Appraisal.objects.get().grade == "good"


def test_the_xlsx_record_carries_typed_text_as_text_never_a_formula(
    world: World, member_setup: tuple[Member, User, PairedUnit]
) -> None:
    # Given a year with one activity whose place was typed as "-2+3", and an appraisal
    # whose comment is a live link,
    member, user, _ = member_setup
    signup = served(world, user, member, at=dt.datetime(2025, 6, 1, 9, tzinfo=TZ), hours="4")
    Activity.objects.filter(pk=signup.activity_id).update(location="-2+3")
    appraisal_record(
        actor=world.users["secretary_a"],
        year=2025,
        community=world.community_a,
        member=member,
        grade=Grade.EXCELLENT,
        comment=HOSTILE_FORMULA,
    )

    # when the member downloads the year's record as .xlsx,
    response = api_client(user, "token").get(
        f"/party/service-records/members/{member.pk}", {"year": 2025, "format": "xlsx"}
    )

    # then no cell is a formula, both texts are quoted, the hours are still a number,
    assert response.status_code == 200
    content = response.content
    assert formula_cells(content) == []
    assert cell_with(content, "HYPERLINK").value == "'" + HOSTILE_FORMULA
    assert cell_with(content, "-2+3").value == "'-2+3"
    assert 4.0 in [c.value for c in workbook_cells(content)]
    # and the export is audited with its row count, as holding no full personal data.
    entry = AuditEntry.objects.get(action="party.service_record_export")
    assert entry.actor == user
    assert entry.changes["rows"] == [None, 1] and entry.changes["full"] == [None, False]
