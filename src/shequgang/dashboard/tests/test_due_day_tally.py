"""The due-day tally (cases whose resolution clock runs, by county and Asia/Shanghai day of
their deadline) and the overdue count built on it: whole past days from the tally, today's
deadlines live. Exact at the day's edge, when a deadline moves, when a clock stops and
when a case changes county."""

import datetime as dt
import random

import pytest
from django.core.management import call_command

from shequgang.cases import services as s
from shequgang.cases.engine.deadlines import resolve_late_q
from shequgang.cases.models import CLOCK_STATUSES, Case, Status
from shequgang.dashboard.access import DashboardScope
from shequgang.dashboard.models import DueDayTally
from shequgang.dashboard.overdue import overdue_by_county
from shequgang.dashboard.recount import tallies_check, tallies_rebuild
from shequgang.dashboard.selectors import overdue_count
from shequgang.dashboard.triggers import tallies_named

from .conftest import assert_in_step

SH = dt.timezone(dt.timedelta(hours=8))
# Friday 2026-11-20, 00:00 in Beijing = Thursday 2026-11-19 16:00 UTC.
MIDNIGHT = dt.datetime(2026, 11, 20, 0, 0, tzinfo=SH)
TODAY, YESTERDAY = dt.date(2026, 11, 20), dt.date(2026, 11, 19)
SECOND, MICRO = dt.timedelta(seconds=1), dt.timedelta(microseconds=1)


@pytest.fixture
def scopes(world):
    return {
        "city": DashboardScope(world.city, None),
        "a": DashboardScope(world.county_a, world.county_a.code),
        "b": DashboardScope(world.county_b, world.county_b.code),
    }


def _set(case, **fields):
    Case.objects.filter(pk=case.pk).update(**fields)


def _days(county_code):
    return {
        row.due_day: row.n
        for row in DueDayTally.objects.filter(county_code=county_code).exclude(n=0)
    }


def _plain(when, county_code=None):
    qs = Case.objects.filter(resolve_late_q(when))
    return qs.filter(county_code=county_code).count() if county_code else qs.count()


def test_the_day_edge_in_beijing_time(world, raise_case, scopes):
    # Given four open cases of county A due at 23:59:59 and 23:59:59.999999 yesterday,
    # exactly midnight and one second after it (Beijing time)
    code = world.county_a.code
    dues = (MIDNIGHT - SECOND, MIDNIGHT - MICRO, MIDNIGHT, MIDNIGHT + SECOND)
    for due in dues:
        case = raise_case(now=MIDNIGHT - dt.timedelta(days=30))
        _set(case, status=Status.IN_PROGRESS, resolve_due_at=due)
    # Then the tally has two cases on each side of the edge
    assert _days(code) == {YESTERDAY: 2, TODAY: 2}
    assert_in_step()
    # and the count is exact around midnight, whichever part each case comes from.
    for now, expected in (
        (MIDNIGHT - 2 * SECOND, 0),
        (MIDNIGHT - SECOND, 0),  # due exactly now: not yet overdue
        (MIDNIGHT - SECOND + MICRO, 1),
        (MIDNIGHT - MICRO, 1),
        (MIDNIGHT, 2),  # yesterday's two, from the tally; the one due at midnight not yet
        (MIDNIGHT + MICRO, 3),
        (MIDNIGHT + SECOND, 3),
        (MIDNIGHT + SECOND + MICRO, 4),
        (MIDNIGHT + dt.timedelta(days=1), 4),  # all from the tally
    ):
        assert overdue_count(scopes["a"], now) == expected == _plain(now), now
        assert overdue_count(scopes["city"], now) == expected
        assert overdue_count(scopes["b"], now) == 0
        # The same instant given in UTC counts the same.
        assert overdue_count(scopes["a"], now.astimezone(dt.UTC)) == expected


def test_an_extension_moves_the_case_to_its_new_day(world, raise_case, scopes):
    # Given an acknowledged case of county A due yesterday afternoon
    now = dt.datetime(2026, 11, 20, 17, 0, tzinfo=SH)
    leader = world.users["group_a1"]
    case = raise_case(now=now - dt.timedelta(days=30))
    s.case_acknowledge(actor=leader, case=case)
    _set(case, resolve_due_at=now - dt.timedelta(days=1))
    assert _days(world.county_a.code) == {YESTERDAY: 1}
    assert overdue_count(scopes["a"], now) == 1
    # When an extension of two working days is granted
    s.case_request_extension(actor=leader, case=case, days=2, reason="等配件")
    case = s.case_decide_extension(actor=world.users["branch_a"], case=case, approve=True)
    # Then the case left yesterday's row for its new deadline's day and is no longer overdue
    new_day = case.resolve_due_at.astimezone(SH).date()
    assert new_day > TODAY
    assert _days(world.county_a.code) == {new_day: 1}
    assert DueDayTally.objects.get(county_code=world.county_a.code, due_day=YESTERDAY).n == 0
    assert overdue_count(scopes["a"], now) == 0
    assert_in_step()
    # And a deadline moved back into today is counted live again, to the second.
    _set(case, resolve_due_at=now - SECOND)
    assert _days(world.county_a.code) == {TODAY: 1}
    assert overdue_count(scopes["a"], now) == 1
    assert overdue_count(scopes["a"], now - SECOND) == 0


@pytest.mark.parametrize(
    "status", sorted(str(s) for s in set(Status.values) - {str(s) for s in CLOCK_STATUSES})
)
def test_a_case_whose_clock_stops_leaves_the_tally(world, raise_case, scopes, status):
    # Given an open case due yesterday (overdue, counted from the tally)
    now = MIDNIGHT + dt.timedelta(hours=9)
    case = raise_case(now=now - dt.timedelta(days=30))
    _set(case, resolve_due_at=MIDNIGHT - dt.timedelta(hours=3))
    assert overdue_count(scopes["a"], now) == 1
    # When its status leaves the clock statuses
    _set(case, status=status)
    # Then it is neither in the tally nor overdue; and back in when the clock runs again.
    assert _days(world.county_a.code) == {}
    assert overdue_count(scopes["a"], now) == 0
    assert_in_step()
    _set(case, status=Status.REOPENED)
    assert _days(world.county_a.code) == {YESTERDAY: 1}
    assert overdue_count(scopes["a"], now) == 1


def test_services_stop_the_clock(world, raise_case, scopes):
    # Given two overdue cases of county A, due yesterday
    now = MIDNIGHT + dt.timedelta(hours=9)
    leader = world.users["group_a1"]
    resolved, held = (
        raise_case(now=now - dt.timedelta(days=30)),
        raise_case("street_light", now=now - dt.timedelta(days=30)),
    )
    for case in (resolved, held):
        _set(case, resolve_due_at=now - dt.timedelta(days=1))
    assert overdue_count(scopes["a"], now) == 2
    # When one is resolved and the other put on hold through the services
    s.case_acknowledge(actor=leader, case=resolved)
    s.case_resolve(actor=leader, case=resolved, resolution="已修好")
    worker = world.users["worker_a"]
    s.case_acknowledge(actor=worker, case=held)
    s.case_hold(actor=worker, case=held, reason="待改造")
    # Then neither is overdue any more, and the tally equals a recount.
    assert Case.objects.get(pk=held.pk).status == Status.ON_HOLD
    assert overdue_count(scopes["a"], now) == 0
    assert _days(world.county_a.code) == {}
    assert_in_step()


def test_a_county_change_moves_the_case(world, raise_case, scopes):
    now = MIDNIGHT + dt.timedelta(hours=9)
    case = raise_case(now=now - dt.timedelta(days=30))
    _set(case, resolve_due_at=now - dt.timedelta(days=2))
    assert (overdue_count(scopes["a"], now), overdue_count(scopes["b"], now)) == (1, 0)
    # As the admin would: save() of every column.
    case = Case.objects.get(pk=case.pk)
    case.county_code = world.county_b.code
    case.save()
    assert (overdue_count(scopes["a"], now), overdue_count(scopes["b"], now)) == (0, 1)
    assert _days(world.county_b.code) == {TODAY - dt.timedelta(days=2): 1}
    assert _days(world.county_a.code) == {}
    assert_in_step()


def test_equals_a_plain_count_over_days_and_set_wise_writes(world, raise_case, scopes):
    # Given cases of both counties in every status (and one the engine does not know
    # yet) with deadlines spread over five days around midnight, inserted in bulk
    rng = random.Random(7)
    statuses = [*Status.values, "brand_new_status"]
    template = raise_case(now=MIDNIGHT - dt.timedelta(days=30))
    fields = {f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields}
    fields.pop("id")
    copies = []
    for i in range(60):
        offset = dt.timedelta(seconds=rng.randrange(-3 * 86400, 2 * 86400))
        row = dict(fields, number=f"X-{i}", status=statuses[i % len(statuses)])
        row["county_code"] = world.county_b.code if i % 3 == 0 else world.county_a.code
        row["resolve_due_at"] = MIDNIGHT + offset
        copies.append(Case(**row))
    cases = Case.objects.bulk_create(copies, batch_size=25)
    moments = [MIDNIGHT + dt.timedelta(hours=h) for h in range(-50, 50, 7)]
    moments += [MIDNIGHT, MIDNIGHT - MICRO, MIDNIGHT.astimezone(dt.UTC).replace(hour=0)]

    def check() -> None:
        assert_in_step()
        for when in moments:
            by_county = overdue_by_county(when)
            assert sum(by_county.values()) == _plain(when), when
            for key, county in (("a", world.county_a), ("b", world.county_b)):
                assert overdue_count(scopes[key], when) == _plain(when, county.code), when

    check()
    # When a set-wise UPDATE moves every deadline by a day and a half (one statement:
    # PostgreSQL's trigger sees all rows at once), others change statuses and delete
    for case in cases:
        case.resolve_due_at += dt.timedelta(hours=36)
    Case.objects.bulk_update(cases, ["resolve_due_at"], batch_size=100)
    check()
    Case.objects.filter(pk__in=[c.pk for c in cases[::4]]).update(status="in_progress")
    Case.objects.filter(pk__in=[c.pk for c in cases[1::5]]).update(status="closed")
    check()
    Case.objects.filter(pk__in=[c.pk for c in cases[::3]]).delete()
    check()
    assert tallies_check() == []


def test_recount_checks_and_rebuilds_the_due_day_tally(world, raise_case):
    now = MIDNIGHT + dt.timedelta(hours=9)
    case = raise_case(now=now - dt.timedelta(days=30))
    _set(case, resolve_due_at=now - dt.timedelta(days=1))
    assert tallies_check() == []
    # A lost increment, and a row for a case that does not exist
    DueDayTally.objects.filter(county_code=world.county_a.code).update(n=0)
    DueDayTally.objects.create(county_code=world.county_b.code, due_day=TODAY, n=3)
    differences = tallies_check()
    assert {d.tally for d in differences} == {"due_day"}
    assert len(differences) == 2
    with pytest.raises(SystemExit):
        call_command("recount_tallies", "--check")
    with pytest.raises(SystemExit):
        call_command("recount_tallies", "--check", "--tally", "due_day")
    call_command("recount_tallies", "--check", "--tally", "state")  # the others are equal
    # When only this tally is rebuilt
    call_command("recount_tallies", "--tally", "due_day")
    # Then it equals the recount again.
    assert tallies_check() == []
    assert_in_step()
    assert tallies_rebuild(tallies_named("due_day")) == 1
    call_command("recount_tallies", "--check")
