"""The dispatch loop's rules at their boundaries: the routing table's precedence, every
way into a department opening a turn with a dispatcher to return to, the measures per
department and per grid worker on time exactly at a deadline and late one second after,
and the sweep flagging overdue verification once."""

import datetime as dt

import pytest
from django.utils import timezone

from shequgang.cases import services as s
from shequgang.cases.dispatch import services as d
from shequgang.cases.dispatch.measures import dispatch_measures
from shequgang.cases.dispatch.rules import dispatch_queue_q
from shequgang.cases.engine.routing import department_for
from shequgang.cases.models import Case, Category, Rung, Source, Status
from shequgang.cases.models.dispatch import DepartmentRoute, DispatchLeg
from shequgang.cases.services.sweep import run_sweep
from shequgang.errors import DomainError
from shequgang.places.models import Department

from .conftest import jpeg_with_gps

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def reported(world, raise_case):
    return raise_case(
        "street_light",
        place=world.household_a1,
        actor=world.users["grid_a1"],
        source=Source.GRID_PATROL,
    )


class Clock:
    """Moves ``timezone.now`` for the services under test."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def set(self, when):
        self.monkeypatch.setattr(timezone, "now", lambda: when)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


# --- Routing table ---------------------------------------------------------------------------


def test_the_routing_table_wins_most_specific_first(world, depts):
    light = Category.objects.get(code="street_light")
    assert light.parent is not None
    # Without the table's row for county A: the short-name fallback.
    DepartmentRoute.objects.all().delete()
    Department.objects.filter(pk=depts.cgj.pk).update(short_name="城市管理")
    assert department_for(category=light, county=world.county_a) == depts.cgj
    rows = [
        (light.parent, None, depts.power),  # a 大类, every county
        (light.parent, world.county_a, depts.zjj),  # a 大类, this county
        (light, None, depts.power),  # the 小类, every county
        (light, world.county_a, depts.cgj),  # the 小类, this county
    ]
    expected = [depts.power, depts.zjj, depts.power, depts.cgj]
    for (category, county, dept), answer in zip(rows, expected, strict=True):
        DepartmentRoute.objects.create(category=category, county=county, department=dept)
        assert department_for(category=light, county=world.county_a) == answer
    # An inactive department is skipped for the next row.
    Department.objects.filter(pk=depts.cgj.pk).update(active=False)
    assert department_for(category=light, county=world.county_a) == depts.power


def test_the_ladder_into_a_department_opens_a_turn_that_returns_to_the_county(
    world, depts, reported
):
    s.case_escalate(actor=world.users["worker_a"], case=reported, reason="需上级")
    case = s.case_escalate(actor=world.users["town_a_staff"], case=reported, reason="需部门")
    assert (case.rung, case.handler_department, case.dispatcher_place) == (
        Rung.DEPARTMENT,
        depts.cgj,
        world.county_a,
    )
    leg = DispatchLeg.objects.get(case=case)
    assert (leg.via, leg.outcome, leg.ended_at) == ("escalation", "", None)
    # The ladder's 退回 is not a department's: its callers pick 退单 (case_hand_back).
    with pytest.raises(DomainError) as refused:
        s.case_return(actor=world.users["dept_handler"], case=case, reason="不归我们")
    assert (refused.value.code, refused.value.status) == ("department_return", 409)
    case = d.case_hand_back(actor=world.users["dept_handler"], case=case, reason="不归我们")
    assert case.status == Status.TO_DISPATCH and case.dispatcher_place == world.county_a
    assert list(Case.objects.filter(dispatch_queue_q(world.users["county_a_command"]))) == [case]


def test_the_sweep_escalating_into_a_department_opens_a_turn(world, depts, reported):
    Case.objects.filter(pk=reported.pk).update(
        rung=Rung.TOWN, handler_place=world.town_a, resolve_due_at=timezone.now() - SECOND
    )
    assert run_sweep().escalated == 1
    case = Case.objects.get(pk=reported.pk)
    assert case.handler_department == depts.cgj and case.dispatcher_place == world.county_a
    assert DispatchLeg.objects.get(case=case).via == "escalation"


def test_dispatch_refuses_a_department_outside_the_county_and_the_same_one(world, depts, reported):
    command = world.users["county_a_command"]
    s.case_escalate(actor=world.users["worker_a"], case=reported, reason="需上级")  # town
    with pytest.raises(DomainError) as err:
        d.case_dispatch(actor=command, case=reported, department=depts.other_county)
    assert err.value.code == "invalid_target"
    case = d.case_dispatch(actor=command, case=reported)  # the routing table's
    with pytest.raises(DomainError) as err:
        d.case_dispatch(actor=command, case=case, department=depts.cgj)
    assert err.value.code == "invalid_target"
    # Re-dispatching elsewhere ends the first turn as 改派.
    d.case_dispatch(actor=command, case=case, department=depts.power)
    outcomes = list(
        DispatchLeg.objects.filter(case=case).order_by("id").values_list("outcome", flat=True)
    )
    assert outcomes == ["redispatched", ""]


def test_no_routed_department_is_a_clear_error(world, depts, raise_case):
    case = raise_case("stairwell_light")  # no department for it anywhere
    Case.objects.filter(pk=case.pk).update(
        status=Status.TO_DISPATCH, dispatcher_place=world.county_a
    )
    with pytest.raises(DomainError) as err:
        d.case_dispatch(actor=world.users["county_a_command"], case=case)
    assert err.value.code == "no_department"


# --- Measures at their boundaries -----------------------------------------------------------


def _dispatched(world, depts, case):
    d.case_dispatch(actor=world.users["worker_a"], case=case, department=depts.cgj)
    return Case.objects.get(pk=case.pk)


def _figures(world, now):
    start = now - dt.timedelta(days=30)
    return dispatch_measures(
        place=world.county_a, start=start, end=now + dt.timedelta(days=30), now=now
    )


@pytest.mark.parametrize(("late", "counts"), [(dt.timedelta(0), (1, 1)), (SECOND, (0, 1))])
def test_signing_on_time_is_up_to_the_deadline_inclusive(
    world, depts, reported, clock, late, counts
):
    case = _dispatched(world, depts, reported)
    clock.set(case.ack_due_at + late)
    s.case_acknowledge(actor=world.users["dept_handler"], case=case)
    row = _figures(world, case.ack_due_at + late).departments[0]
    assert (row.acknowledged.numerator, row.acknowledged.denominator) == counts


def test_an_unanswered_turn_counts_against_signing_only_after_the_deadline(world, depts, reported):
    case = _dispatched(world, depts, reported)
    at_deadline = _figures(world, case.ack_due_at).departments[0].acknowledged
    after = _figures(world, case.ack_due_at + SECOND).departments[0].acknowledged
    assert (at_deadline.numerator, at_deadline.denominator) == (0, 0)
    assert (after.numerator, after.denominator) == (0, 1)


@pytest.mark.parametrize(("late", "on_time"), [(dt.timedelta(0), 1), (SECOND, 0)])
def test_resolution_on_time_is_the_report_by_the_deadline(
    world, depts, reported, clock, late, on_time
):
    case = _dispatched(world, depts, reported)
    s.case_acknowledge(actor=world.users["dept_handler"], case=case)
    clock.set(case.resolve_due_at + late)
    d.case_report(actor=world.users["dept_handler"], case=case, result="修好了")
    clock.set(case.resolve_due_at + dt.timedelta(hours=1))
    done = d.case_verify(
        actor=world.users["grid_a1"], case=case, passed=True, photos=[jpeg_with_gps()]
    )
    assert done.status == Status.RESOLVED and done.resolved_on_time is bool(on_time)
    row = _figures(world, case.resolve_due_at).departments[0]
    assert (row.on_time.numerator, row.on_time.denominator) == (on_time, 1)
    assert (row.verified.numerator, row.verified.denominator) == (1, 1)


@pytest.mark.parametrize(("late", "on_time"), [(dt.timedelta(0), 1), (SECOND, 0)])
def test_verification_on_time_and_pass_rate_per_grid_worker(
    world, depts, reported, clock, late, on_time
):
    case = _dispatched(world, depts, reported)
    handler, grid = world.users["dept_handler"], world.users["grid_a1"]
    s.case_acknowledge(actor=handler, case=case)
    d.case_report(actor=handler, case=case, result="修好了")
    case.refresh_from_db()
    clock.set(case.verify_due_at + late)
    d.case_verify(actor=grid, case=case, passed=False, note="仍不亮", photos=[jpeg_with_gps()])
    d.case_report(actor=handler, case=case, result="再修")
    d.case_verify(actor=grid, case=case, passed=True, photos=[jpeg_with_gps()])
    m = _figures(world, case.verify_due_at + late)
    [worker] = [w for w in m.workers if w.user == grid]
    assert worker.reported == 1
    assert (worker.verify_passed.numerator, worker.verify_passed.denominator) == (1, 2)
    # The second verification came right after its report: on time.
    assert (worker.verify_on_time.numerator, worker.verify_on_time.denominator) == (on_time + 1, 2)
    row = m.departments[0]
    assert (row.verified.numerator, row.verified.denominator) == (1, 2)


def test_returns_and_transfers_per_department(world, depts, reported, raise_case):
    handler = world.users["dept_handler"]
    case = _dispatched(world, depts, reported)
    s.case_transfer(actor=handler, case=case, reason="归住建", to_department=depts.zjj)
    other = _dispatched(world, depts, raise_case("street_light", place=world.household_a2))
    d.case_hand_back(actor=handler, case=other, reason="不归我们")
    rows = {r.department: r for r in _figures(world, timezone.now()).departments}
    cgj = rows[depts.cgj]
    assert (cgj.legs, cgj.returned.numerator, cgj.transferred.numerator) == (2, 1, 1)
    assert cgj.acknowledged.numerator == 2  # returning and transferring are responses
    assert (rows[depts.zjj].legs, rows[depts.zjj].open) == (1, 1)


# --- The sweep -------------------------------------------------------------------------------


def test_overdue_verification_is_flagged_once_and_visible(world, depts, reported):
    from shequgang.cases.queries.selectors import case_search

    case = _dispatched(world, depts, reported)
    s.case_acknowledge(actor=world.users["dept_handler"], case=case)
    case = d.case_report(actor=world.users["dept_handler"], case=case, result="修好了")
    due = case.verify_due_at
    assert due is not None
    assert run_sweep(now=due).verify_overdue == 0
    assert run_sweep(now=due + SECOND).verify_overdue == 1
    assert run_sweep(now=due + 2 * SECOND).verify_overdue == 0
    case.refresh_from_db()
    assert case.verify_overdue_at == due + SECOND and case.status == Status.VERIFYING
    assert case.events.filter(kind="verify_overdue").count() == 1
    command = world.users["county_a_command"]
    assert list(case_search(user=command, overdue=True, now=due + SECOND)) == [case]
    assert list(case_search(user=command, overdue=True, now=due)) == []
    assert _figures(world, due + SECOND).verify_overdue == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_verifications_have_one_winner():
    import threading

    from django.db import connection

    from shequgang.cases.models.dispatch import CaseVerification
    from shequgang.testing import build_world

    world = build_world()
    case = s.case_create(
        actor=world.users["grid_a1"],
        source=Source.GRID_PATROL,
        category=Category.objects.get(code="street_light"),
        place=world.household_a1,
        title="并发核查",
    )
    d.case_dispatch(actor=world.users["worker_a"], case=case, department=world.department)
    s.case_acknowledge(actor=world.users["dept_handler"], case=case)
    d.case_report(actor=world.users["dept_handler"], case=case, result="修好了")
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def verify() -> None:
        try:
            barrier.wait()
            d.case_verify(
                actor=world.users["grid_a1"], case=case, passed=True, photos=[jpeg_with_gps()]
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=verify) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["invalid_transition"] * 2 + ["ok"]
    assert CaseVerification.objects.filter(case=case).count() == 1
    assert DispatchLeg.objects.get(case=case).verifications == 1


def test_an_unhappy_rating_sends_a_department_case_round_the_loop_again(world, depts, reported):
    handler, grid = world.users["dept_handler"], world.users["grid_a1"]
    case = _dispatched(world, depts, reported)
    s.case_acknowledge(actor=handler, case=case)
    for round_ in range(3):  # past max_reopens: still the department, never an error
        d.case_report(actor=handler, case=case, result=f"第{round_ + 1}次处理")
        d.case_verify(actor=grid, case=case, passed=True, photos=[jpeg_with_gps()])
        case = s.case_rate(actor=grid, case=case, solved=False, satisfaction="unsatisfied")
        assert (case.status, case.handler_department) == (Status.REOPENED, depts.cgj)
    vias = list(DispatchLeg.objects.filter(case=case).order_by("id").values_list("via", "outcome"))
    assert vias == [
        ("dispatch", "resolved"),
        ("reopen", "resolved"),
        ("reopen", "resolved"),
        ("reopen", ""),
    ]
