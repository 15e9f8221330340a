"""Every eligibility rule at its boundary, with the reason a resident is given.

The 2026 notice: born on or before 1965-12-31; applications from 2026-05-01 00:00 to
2026-07-31 24:00 Beijing time; 吕梁籍; holders of the 优待证; veterans and the 三属."""

import datetime as dt

import pytest

from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError
from shequgang.people.id_numbers import check_character
from shequgang.veterans.models import Application, Group
from shequgang.veterans.services import application_check, application_submit
from shequgang.veterans.tests.factories import IN_WINDOW, applicant, beijing, id_for


def first_failure(result):
    failure = result.first_failure
    assert failure is not None
    return failure


def failure_code(program, data, now=IN_WINDOW):
    result = application_check(program=program, data=data, now=now)
    failure = result.first_failure
    return failure.code if failure else ""


def submit_code(program, data, now=IN_WINDOW):
    try:
        application_submit(actor=None, program=program, data=data, now=now)
    except DomainError as exc:
        return exc.code
    return "accepted"


# --- Age: the birth-date cut-off ------------------------------------------------------------


def test_born_on_the_cutoff_day_is_eligible(program):
    data = applicant(id_number=id_for(dt.date(1965, 12, 31)))
    assert failure_code(program, data) == ""
    assert submit_code(program, data) == "accepted"


def test_born_the_day_after_the_cutoff_is_too_young(program):
    data = applicant(id_number=id_for(dt.date(1966, 1, 1)))
    result = application_check(program=program, data=data, now=IN_WINDOW)
    age = next(c for c in result.checks if c.rule == "age")
    assert (age.passed, age.code) == (False, "too_young")
    assert "1966年1月1日" in age.message and "1965年12月31日" in age.message
    assert submit_code(program, data) == "too_young"
    assert Application.objects.count() == 0


# --- The application window, in Beijing time -------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (beijing(2026, 4, 30, 23, 59, 59), "not_open"),
        (beijing(2026, 5, 1, 0, 0, 0), "accepted"),
        (beijing(2026, 7, 31, 23, 59, 59), "accepted"),
        (beijing(2026, 8, 1, 0, 0, 0), "window_closed"),
    ],
)
def test_window_boundaries(program, instant, expected):
    assert submit_code(program, applicant(), now=instant) == expected


def test_window_is_judged_in_beijing_time_whatever_the_clock_zone(program):
    # 2026-07-31 16:00 UTC is 2026-08-01 00:00 in Beijing: already closed.
    utc = dt.datetime(2026, 7, 31, 16, 0, tzinfo=dt.UTC)
    assert submit_code(program, applicant(), now=utc) == "window_closed"
    assert submit_code(program, applicant(), now=utc - dt.timedelta(seconds=1)) == "accepted"


def test_closed_window_says_the_year_is_forfeited(program):
    result = application_check(program=program, data=applicant(), now=beijing(2026, 8, 1))
    failure = first_failure(result)
    assert failure.code == "window_closed"
    assert "2026年7月31日24时" in failure.message
    assert "放弃本年度参保资格" in failure.message


def test_naive_datetimes_are_refused(program):
    with pytest.raises(ValueError):
        application_check(program=program, data=applicant(), now=dt.datetime(2026, 6, 1))  # noqa: DTZ001


# --- The ID number ---------------------------------------------------------------------------


def test_wrong_check_digit(program):
    good = id_for(dt.date(1958, 3, 5))
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert failure_code(program, applicant(id_number=wrong)) == "id_number_checksum"
    assert submit_code(program, applicant(id_number=wrong)) == "id_number_checksum"


def test_february_30th_inside_an_id_number(program):
    first17 = "141102" + "19600230" + "123"
    # A correct check character, so only the date is wrong.
    bad = first17 + check_character(first17)
    result = application_check(program=program, data=applicant(id_number=bad), now=IN_WINDOW)
    assert first_failure(result).code == "id_number_birth_date"
    # The age and duplicate rules cannot be judged on an invalid number, and say so.
    assert {c.rule: c.passed for c in result.checks}["age"] is None
    assert submit_code(program, applicant(id_number=bad)) == "id_number_birth_date"


def test_malformed_id_number(program):
    assert failure_code(program, applicant(id_number="14110219580305")) == "id_number_format"
    assert failure_code(program, applicant(id_number="")) == "id_number_format"


def test_lowercase_x_and_spaces_are_normalized(program):
    # 11010519491231002X is the standard's own example number.
    data = applicant(id_number=" 110105 19491231 002x ")
    assert failure_code(program, data) == ""


def test_id_area_need_not_be_the_county_of_registration(program):
    # Born in 太原 (1401xx), registered in 离石区 now: eligible.
    data = applicant(id_number=id_for(dt.date(1955, 1, 1), area="140105"))
    assert failure_code(program, data) == ""


# --- Registration (吕梁籍) -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["141102", "141121", "141130", "141181", "141182"])
def test_each_lvliang_county_qualifies(program, code):
    assert failure_code(program, applicant(registration_code=code)) == ""


@pytest.mark.parametrize("code", ["140105", "141100", "elsewhere", "999999"])
def test_registered_outside_lvliang(program, code):
    assert failure_code(program, applicant(registration_code=code)) == "not_registered"
    assert submit_code(program, applicant(registration_code=code)) == "not_registered"


def test_registration_missing(program):
    assert failure_code(program, applicant(registration_code="")) == "registration_required"


def test_all_thirteen_counties_ship_with_the_program(program):
    assert sorted(program.areas.values_list("code", flat=True)) == [
        "141102",
        *[f"1411{n}" for n in range(21, 31)],
        "141181",
        "141182",
    ]


# --- Certificate and group -------------------------------------------------------------------


def test_no_certificate(program):
    assert failure_code(program, applicant(certificate="")) == "no_certificate"
    assert submit_code(program, applicant(certificate="  ")) == "no_certificate"


def test_malformed_certificate(program):
    assert failure_code(program, applicant(certificate="证件号")) == "invalid_certificate"


@pytest.mark.parametrize(
    "group", ["veteran", "martyr_survivor", "duty_death_survivor", "illness_death_survivor"]
)
def test_the_four_covered_groups(program, group):
    assert submit_code(program, applicant(group=group)) == "accepted"


def test_group_not_covered(program):
    Group.objects.create(code="active_duty_family", name="现役军人家属")
    result = application_check(
        program=program, data=applicant(group="active_duty_family"), now=IN_WINDOW
    )
    failure = first_failure(result)
    assert failure.code == "group_not_covered"
    assert "现役军人家属" in failure.message
    assert "烈士遗属" in failure.message  # and says who is covered
    assert failure_code(program, applicant(group="no-such-group")) == "group_not_covered"
    assert failure_code(program, applicant(group="")) == "group_required"


def test_age_limit_can_be_lifted_for_one_group_as_data(program):
    young = id_for(dt.date(1980, 6, 1))
    assert failure_code(program, applicant(group="martyr_survivor", id_number=young)) == (
        "too_young"
    )
    program.groups.filter(group__code="martyr_survivor").update(age_limit_applies=False)
    assert failure_code(program, applicant(group="martyr_survivor", id_number=young)) == ""
    assert failure_code(program, applicant(group="veteran", id_number=young)) == "too_young"


# --- Duplicates and the explanation --------------------------------------------------------


def test_already_applied_this_year_is_told_to_staff_only(program):
    data = applicant()
    application_submit(actor=None, program=program, data=data, now=IN_WINDOW)
    again = applicant(id_number=data.id_number)
    staff_check = application_check(
        program=program, data=again, now=IN_WINDOW, check_duplicate=True
    )
    assert staff_check.first_failure and staff_check.first_failure.code == "already_applied"
    # The public check judges the facts given, never whether the person has applied.
    assert failure_code(program, again) == ""
    with pytest.raises(DomainError) as err:
        application_submit(actor=None, program=program, data=again, now=IN_WINDOW)
    assert (err.value.code, err.value.status) == ("already_applied", 409)


def test_check_explains_every_rule_and_creates_nothing(program):
    audit_before = AuditEntry.objects.count()
    result = application_check(program=program, data=applicant(), now=IN_WINDOW)
    assert result.eligible
    assert [c.rule for c in result.checks] == [
        "window",
        "id_number",
        "group",
        "certificate",
        "age",
        "registration",
    ]
    assert all(c.passed and c.message for c in result.checks)
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_several_failures_are_all_explained(program):
    data = applicant(
        id_number=id_for(dt.date(1970, 1, 1)), registration_code="140105", certificate=""
    )
    result = application_check(program=program, data=data, now=IN_WINDOW)
    failed = {c.code for c in result.checks if c.passed is False}
    assert failed == {"too_young", "not_registered", "no_certificate"}
    assert not result.eligible
