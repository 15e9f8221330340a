import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequgang.cases import services as s
from shequgang.cases.models import Case, CaseEvent, Notification, Rung, Status
from shequgang.cases.services.sweep import run_sweep

from .conftest import at

# 楼道照明: 24 working hours to sign, 3 working days to resolve. Raised Monday 2026-11-30
# 10:00, it must be resolved by the end of Thursday 2026-12-03.
RAISED = at(2026, 11, 30, 10, 0)


@pytest.fixture
def case(world, raise_case):
    return raise_case("stairwell_light", now=RAISED)


def test_clocks_follow_the_calendar(case):
    assert case.resolve_due_at == at(2026, 12, 3, 23, 59, 59, 999999)
    assert case.warn_at == at(2026, 12, 2, 23, 59, 59, 999999)


def test_yellow_card_one_working_day_before(case):
    assert run_sweep(now=at(2026, 12, 2, 23, 59)).yellow == 0
    assert run_sweep(now=at(2026, 12, 3, 0, 0)).yellow == 1
    assert run_sweep(now=at(2026, 12, 3, 0, 5)).yellow == 0  # once only
    case.refresh_from_db()
    assert case.yellow_card_at == at(2026, 12, 3, 0, 0)
    assert case.events.filter(kind="yellow_card").count() == 1


def test_red_card_escalates_one_rung_when_the_deadline_passes(world, case):
    assert run_sweep(now=at(2026, 12, 3, 23, 59, 59)).escalated == 0
    report = run_sweep(now=at(2026, 12, 4, 0, 0))
    assert report.escalated == 1
    case.refresh_from_db()
    assert (case.status, case.rung, case.handler_place) == (
        Status.SUBMITTED,
        Rung.BRANCH,
        world.compound_a,
    )
    assert case.red_card_at == at(2026, 12, 4, 0, 0) and case.escalations == 1
    # New clocks at the new rung: 3 working days from Friday 12-04 → Wednesday 12-09.
    assert case.resolve_due_at == at(2026, 12, 9, 23, 59, 59, 999999)
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["red_card", "escalated"]
    assert run_sweep(now=at(2026, 12, 4, 0, 1)).escalated == 0


def test_acknowledgement_overdue_is_flagged_once(case):
    # 24 working hours from Monday 10:00 → Tuesday 10:00.
    assert run_sweep(now=at(2026, 12, 1, 9, 59)).ack_overdue == 0
    assert run_sweep(now=at(2026, 12, 1, 10, 1)).ack_overdue == 1
    assert run_sweep(now=at(2026, 12, 1, 10, 2)).ack_overdue == 0


def test_acknowledged_case_is_not_flagged(world, case):
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    assert run_sweep(now=at(2026, 12, 2, 10, 0)).ack_overdue == 0


def test_top_rung_gets_a_red_card_only(world, case):
    Case.objects.filter(pk=case.pk).update(
        rung=Rung.DEPARTMENT, handler_place=None, handler_department=world.department
    )
    report = run_sweep(now=at(2026, 12, 4, 0, 0))
    assert (report.escalated, report.red_at_top) == (0, 1)
    assert run_sweep(now=at(2026, 12, 4, 1, 0)).red_at_top == 0
    case.refresh_from_db()
    assert case.rung == Rung.DEPARTMENT and case.events.filter(kind="red_card").count() == 1


def test_unrated_resolved_case_closes_automatically(world, case):
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    s.case_resolve(actor=world.users["group_a1"], case=case, resolution="修好了")
    case.refresh_from_db()
    assert run_sweep(now=case.close_due_at - dt.timedelta(seconds=1)).auto_closed == 0
    assert run_sweep(now=case.close_due_at + dt.timedelta(seconds=1)).auto_closed == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None


def test_resolved_and_closed_cases_are_left_alone(world, case):
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    s.case_resolve(actor=world.users["group_a1"], case=case, resolution="好了")
    report = run_sweep(now=timezone.now())
    assert (report.escalated, report.yellow) == (0, 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_escalate_once():
    from shequgang.cases.models import Category, Source
    from shequgang.testing import build_world

    world = build_world()
    category = Category.objects.get(code="stairwell_light")
    ids = [
        s.case_create(
            actor=world.users["nobody"],
            source=Source.RESIDENT,
            category=category,
            place=world.household_a1,
            title=f"灯{i}",
            now=RAISED,
        ).pk
        for i in range(20)
    ]
    barrier = threading.Barrier(2)
    reports = []

    def sweep() -> None:
        try:
            barrier.wait()
            reports.append(run_sweep(now=at(2026, 12, 4, 0, 0), batch=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.escalated for r in reports) == 20
    assert CaseEvent.objects.filter(case_id__in=ids, kind="escalated").count() == 20
    assert set(Case.objects.filter(pk__in=ids).values_list("rung", flat=True)) == {Rung.BRANCH}


def test_a_swept_escalation_leaves_the_row_a_manual_one_leaves(world, raise_case, monkeypatch):
    """The sweep and ``case_escalate`` route with the same function: the rows agree on
    every field but the ones that must differ (ids, numbers, times of writing, the sweep's
    token and its red card) — including the verification clocks both reset."""
    manual, swept = (raise_case("stairwell_light", now=RAISED) for _ in range(2))
    leftover = {"verify_due_at": RAISED, "verify_overdue_at": RAISED}
    Case.objects.filter(pk__in=[manual.pk, swept.pk]).update(**leftover)
    when = at(2026, 12, 4, 0, 0)
    monkeypatch.setattr(timezone, "now", lambda: when)
    s.case_escalate(actor=world.users["group_a1"], case=manual, reason="超期")
    assert run_sweep(now=when).escalated == 1
    manual.refresh_from_db()
    swept.refresh_from_db()
    differ = {"id", "number", "created_at", "updated_at", "swept_by", "red_card_at"}
    fields = [f.attname for f in Case._meta.concrete_fields if f.attname not in differ]
    assert "verify_due_at" in fields and "resolve_due_at" in fields
    assert {f: getattr(swept, f) for f in fields} == {f: getattr(manual, f) for f in fields}
    assert (swept.verify_due_at, swept.verify_overdue_at) == (None, None)
    assert (swept.rung, swept.escalations, swept.red_card_at) == (Rung.BRANCH, 1, when)


def test_escalation_costs_two_statements_per_group_and_the_reads_per_batch(world, raise_case):
    """Each holder x category group is one UPDATE and one notice INSERT; everything else
    (reads, routes, claims, events, legs) is per batch, however many groups."""

    def sweep(places):
        cases = [raise_case(place=place, now=RAISED) for place in places for _ in range(2)]
        with CaptureQueriesContext(connection) as queries:
            report = run_sweep(now=at(2026, 12, 4, 0, 0))
        assert report.escalated == len(cases)
        for case in cases:
            case.refresh_from_db()
            assert case.rung > Rung.CENTRAL_HOUSEHOLD and case.red_card_at is not None
            kinds = list(case.events.values_list("kind", flat=True))
            assert kinds[-2:] == ["red_card", "escalated"]
        return len(queries)

    homes = [world.household_a1, world.household_a2, world.household_b]
    sweep(homes)  # the places' chains and ladders are read once, then kept (reference_cache)
    # Given one group of overdue cases, then three (the earlier cases have moved up and
    # got new clocks: they are not overdue again)
    one = sweep(homes[:1])
    three = sweep(homes)
    # Then two more groups cost at most four more statements
    assert three - one <= 2 * 2
    assert Notification.objects.filter(title="2件超期事项提级至您处").count() >= 7
