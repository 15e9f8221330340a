"""A program is data: 2027 works by adding rows, with no code change."""

import datetime as dt
from decimal import Decimal

import pytest

from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.veterans.models import BEIJING, Group, Program, ProgramArea, ProgramGroup
from shequgang.veterans.programs import program_roll_over
from shequgang.veterans.selectors import program_current, program_get
from shequgang.veterans.services import application_check, application_submit
from shequgang.veterans.tests.factories import applicant, beijing, id_for


@pytest.fixture
def program_2027(program):
    """What an administrator would type in from a 2027 notice: a later cut-off, a new
    premium, and only veterans and martyrs' survivors, in three counties."""
    p = Program.objects.create(
        year=2027,
        title="2027年度吕梁籍优待证持证人员意外险与补充医疗保险",
        opens_at=beijing(2027, 4, 1),
        closes_at=beijing(2027, 7, 1),
        born_on_or_before=dt.date(1966, 12, 31),
        premium=Decimal("75.00"),
        payer="吕梁市财政全额保障",
        insurer="某保险公司吕梁中心支公司",
        published=True,
    )
    for code in ("veteran", "martyr_survivor"):
        ProgramGroup.objects.create(program=p, group=Group.objects.get(code=code))
    for code, name in [("141102", "离石区"), ("141181", "孝义市"), ("141182", "汾阳市")]:
        ProgramArea.objects.create(program=p, code=code, name=name)
    return p


def code_of(program, data, now):
    result = application_check(program=program, data=data, now=now)
    return result.first_failure.code if result.first_failure else ""


def test_2027_rules_come_from_its_rows(program, program_2027):
    born_1966 = id_for(dt.date(1966, 6, 1))
    in_2027 = beijing(2027, 5, 10)
    assert code_of(program_2027, applicant(id_number=born_1966), in_2027) == ""
    assert code_of(program, applicant(id_number=born_1966), beijing(2026, 6, 1)) == "too_young"
    assert code_of(program_2027, applicant(id_number=id_for(dt.date(1967, 1, 1))), in_2027) == (
        "too_young"
    )
    assert code_of(program_2027, applicant(), beijing(2027, 3, 31, 23, 59, 59)) == "not_open"
    assert code_of(program_2027, applicant(), beijing(2027, 7, 1)) == "window_closed"
    assert code_of(program_2027, applicant(registration_code="141123"), in_2027) == (
        "not_registered"
    )
    assert code_of(program_2027, applicant(group="illness_death_survivor"), in_2027) == (
        "group_not_covered"
    )


def test_one_person_applies_once_per_program_not_once_ever(program, program_2027):
    data = applicant()
    first = application_submit(actor=None, program=program, data=data, now=beijing(2026, 6, 1))
    second = application_submit(
        actor=None, program=program_2027, data=data, now=beijing(2027, 5, 1)
    )
    assert first.created and second.created
    assert second.application.reference.startswith("2027-")
    with pytest.raises(DomainError) as err:
        application_submit(
            actor=None,
            program=program_2027,
            data=applicant(id_number=data.id_number),
            now=beijing(2027, 5, 2),
        )
    assert err.value.code == "already_applied"


def test_roll_over_drafts_next_year(program, world):
    draft = program_roll_over(actor=world.admin, program=program)
    assert draft.year == 2027 and not draft.published
    assert draft.opens_at == beijing(2027, 5, 1)
    assert draft.closes_at == beijing(2027, 8, 1)
    assert draft.window_text == "2027年5月1日0时至2027年7月31日24时"
    assert draft.born_on_or_before == dt.date(1966, 12, 31)
    assert draft.premium == program.premium and draft.insurer == program.insurer
    assert draft.areas.count() == 13 and draft.groups.count() == 4
    assert "2027" in draft.title
    # A draft is invisible to residents until published.
    with pytest.raises(NotFound):
        program_get(year=2027)
    with pytest.raises(DomainError) as err:
        program_roll_over(actor=world.admin, program=program)
    assert err.value.code == "program_exists"
    with pytest.raises(Forbidden):
        program_roll_over(actor=world.users["county_a_command"], program=draft)


def test_shipped_2026_program_matches_the_notice(program):
    assert program.opens_at == dt.datetime(2026, 5, 1, 0, 0, tzinfo=BEIJING)
    assert program.closes_at == dt.datetime(2026, 8, 1, 0, 0, tzinfo=BEIJING)
    assert program.window_text == "2026年5月1日0时至2026年7月31日24时"
    assert program.born_on_or_before == dt.date(1965, 12, 31)
    assert program.premium == Decimal("60.00")
    assert program.insurer == "中国太平洋财产保险股份有限公司吕梁中心支公司"
    assert program.support_phone == "17301583620"
    assert sorted(program.groups.values_list("group__name", flat=True)) == sorted(
        ["退役军人", "烈士遗属", "因公牺牲军人遗属", "病故军人遗属"]
    )
    assert all(program.groups.values_list("age_limit_applies", flat=True))


def test_current_program_is_the_open_one(program, program_2027, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: beijing(2026, 6, 1))
    assert program_current() == program
    monkeypatch.setattr(timezone, "now", lambda: beijing(2026, 12, 1))
    assert program_current() == program_2027  # next to open
    monkeypatch.setattr(timezone, "now", lambda: beijing(2028, 1, 1))
    assert program_current() == program_2027  # latest
