import threading

import pytest
from django.db import connection

from shequgang.cases import services as s
from shequgang.cases.engine.workflow import TRANSITIONS
from shequgang.cases.models import Case, CaseEvent, Rung, Satisfaction, Status
from shequgang.errors import DomainError, Forbidden


def snapshot(case):
    case.refresh_from_db()
    return (case.status, case.rung, case.handler_place_id, case.resolve_due_at, case.events.count())


# One call per action, with the arguments it needs, run by the right actor.
def call(action, world, case, actor=None):
    a = actor or world.users["group_a1"]
    match action:
        case "acknowledge":
            return s.case_acknowledge(actor=a, case=case)
        case "start":
            return s.case_start(actor=a, case=case)
        case "resolve":
            return s.case_resolve(actor=a, case=case, resolution="已修好")
        case "return":
            return s.case_return(actor=a, case=case, reason="不归我们管")
        case "reroute":
            return s.case_reroute(actor=actor or world.users["secretary_a"], case=case)
        case "transfer":
            return s.case_transfer(
                actor=a, case=case, reason="楼栋报错", to_place=world.building_a2
            )
        case "escalate":
            return s.case_escalate(actor=a, case=case, reason="需要支部协调")
        case "request_extension":
            return s.case_request_extension(actor=a, case=case, days=3, reason="等配件")
        case "supervise":
            return s.case_supervise(
                actor=actor or world.users["secretary_a"], case=case, reason="尽快"
            )
        case "rate":
            return s.case_rate(actor=case.raiser, case=case, solved=True, satisfaction="satisfied")
        case "merge":
            other = Case.objects.exclude(pk=case.pk).first()
            assert other is not None
            return s.case_merge(actor=actor or world.users["secretary_a"], case=case, into=other)
    raise AssertionError(action)


ACTION_STATUSES = {
    "acknowledge": TRANSITIONS["acknowledge"][0],
    "start": TRANSITIONS["start"][0],
    "resolve": TRANSITIONS["resolve"][0],
    "return": TRANSITIONS["return"][0],
    "reroute": TRANSITIONS["reroute"][0],
    "transfer": TRANSITIONS["transfer"][0],
    "escalate": TRANSITIONS["escalate"][0],
    "request_extension": TRANSITIONS["request_extension"][0],
    "supervise": TRANSITIONS["supervise"][0],
    "rate": TRANSITIONS["rate_close"][0],
    "merge": TRANSITIONS["merge"][0],
}


FORBIDDEN = [
    (action, status)
    for action, allowed in sorted(ACTION_STATUSES.items())
    for status in sorted(Status.values)
    if status not in allowed
]


@pytest.mark.parametrize(("action", "status"), FORBIDDEN)
def test_transitions_outside_the_table_change_nothing(world, raise_case, action, status):
    raise_case()  # a second case, the merge target
    case = raise_case()
    Case.objects.filter(pk=case.pk).update(status=status)
    before = snapshot(case)
    with pytest.raises(DomainError) as err:
        call(action, world, case)
    assert err.value.code == "invalid_transition" and err.value.status == 409
    assert snapshot(case) == before


def test_only_the_holder_may_handle(world, raise_case):
    case = raise_case()
    for intruder in ("grid_a1", "branch_a", "secretary_b", "nobody"):
        with pytest.raises(Forbidden):
            s.case_acknowledge(actor=world.users[intruder], case=case)
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_the_ladder_journey(world, raise_case):
    """A resident raises; the party group escalates; the branch resolves; rating closes."""
    resident = world.users["nobody"]
    case = raise_case(actor=resident)
    case = s.case_acknowledge(actor=world.users["group_a1"], case=case)
    assert case.responded_on_time is True
    case = s.case_escalate(actor=world.users["group_a1"], case=case, reason="涉及全小区线路")
    assert (case.status, case.rung, case.handler_place) == (
        Status.SUBMITTED,
        Rung.BRANCH,
        world.compound_a,
    )
    case = s.case_acknowledge(actor=world.users["branch_a"], case=case)
    case = s.case_resolve(actor=world.users["branch_a"], case=case, resolution="更换线路")
    assert case.resolved_rung == Rung.BRANCH and case.resolved_on_time is True
    case = s.case_rate(actor=resident, case=case, solved=True, satisfaction=Satisfaction.SATISFIED)
    assert case.status == Status.CLOSED
    assert list(case.events.values_list("kind", flat=True)) == [
        "created",
        "assigned",
        "acknowledged",
        "escalated",
        "acknowledged",
        "resolved",
        "closed",
    ]


def test_unsatisfied_reopens_once_then_escalates(world, raise_case):
    resident = world.users["nobody"]
    case = raise_case(actor=resident)
    leader = world.users["group_a1"]
    s.case_acknowledge(actor=leader, case=case)
    s.case_resolve(actor=leader, case=case, resolution="修了")
    case = s.case_rate(actor=resident, case=case, solved=False, satisfaction="unsatisfied")
    assert (case.status, case.rung, case.reopens) == (Status.REOPENED, Rung.PARTY_GROUP, 1)
    s.case_resolve(actor=leader, case=case, resolution="又修了")
    case = s.case_rate(actor=resident, case=case, solved=True, satisfaction="unsatisfied")
    assert (case.status, case.rung) == (Status.SUBMITTED, Rung.BRANCH)
    assert case.satisfaction == "unsatisfied"


def test_only_the_raiser_or_a_supervisor_rates(world, raise_case):
    case = raise_case(actor=world.users["nobody"])
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    s.case_resolve(actor=world.users["group_a1"], case=case, resolution="好了")
    with pytest.raises(Forbidden):
        s.case_rate(actor=world.users["grid_a2"], case=case, solved=True, satisfaction="satisfied")
    # A community worker records a phone follow-up.
    case = s.case_rate(actor=world.users["worker_a"], case=case, solved=True, satisfaction="basic")
    assert case.status == Status.CLOSED


def test_return_and_reroute(world, raise_case, cat):
    case = raise_case()
    s.case_return(actor=world.users["group_a1"], case=case, reason="这是路灯，不是楼道灯")
    with pytest.raises(Forbidden):
        s.case_reroute(actor=world.users["group_a1"], case=case, category=cat("street_light"))
    case = s.case_reroute(actor=world.users["secretary_a"], case=case, category=cat("street_light"))
    assert (case.status, case.rung, case.category.code) == (
        Status.SUBMITTED,
        Rung.COMMUNITY,
        "street_light",
    )
    assert case.handler_place == world.community_a


def test_reason_is_required(world, raise_case):
    case = raise_case()
    before = snapshot(case)
    with pytest.raises(DomainError) as err:
        s.case_escalate(actor=world.users["group_a1"], case=case, reason="  ")
    assert err.value.code == "reason_required"
    assert snapshot(case) == before


def test_extension_is_decided_one_rung_up(world, raise_case):
    case = raise_case()
    leader = world.users["group_a1"]
    s.case_acknowledge(actor=leader, case=case)
    due = Case.objects.get(pk=case.pk).resolve_due_at
    s.case_request_extension(actor=leader, case=case, days=2, reason="等电工")
    with pytest.raises(DomainError) as err:
        s.case_request_extension(actor=leader, case=case, days=2, reason="再等")
    assert err.value.code == "extension_pending"
    with pytest.raises(Forbidden):
        s.case_decide_extension(actor=leader, case=case, approve=True)
    case = s.case_decide_extension(actor=world.users["branch_a"], case=case, approve=True)
    assert case.resolve_due_at > due and case.extension_days_requested is None
    with pytest.raises(DomainError) as err:
        s.case_decide_extension(actor=world.users["branch_a"], case=case, approve=True)
    assert err.value.code == "no_extension_request"


def test_supervision_from_above_only(world, raise_case):
    case = raise_case()
    with pytest.raises(Forbidden):
        s.case_supervise(actor=world.users["secretary_b"], case=case, reason="x")
    with pytest.raises(Forbidden):
        s.case_supervise(actor=world.users["group_a1"], case=case, reason="x")
    case = s.case_supervise(actor=world.users["secretary_a"], case=case, reason="三天内办结")
    assert case.supervised_at is not None and case.status == Status.SUBMITTED


def test_hold_needs_the_community(world, raise_case):
    case = raise_case()
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    with pytest.raises(Forbidden):
        s.case_hold(actor=world.users["group_a1"], case=case, reason="资金不足")
    light = raise_case("street_light")
    s.case_acknowledge(actor=world.users["worker_a"], case=light)
    held = s.case_hold(actor=world.users["worker_a"], case=light, reason="待明年市政改造")
    assert held.status == Status.ON_HOLD and held.hold_reason == "待明年市政改造"
    assert s.case_resume(actor=world.users["worker_a"], case=held).status == Status.IN_PROGRESS


def test_merge_tells_the_duplicate_raiser(world, raise_case):
    from shequgang.cases.models import Notification

    first = raise_case("street_light", actor=world.users["grid_a2"], source="resident")
    dup = raise_case("street_light", actor=world.users["nobody"])
    merged = s.case_merge(actor=world.users["secretary_a"], case=dup, into=first, reason="同一路灯")
    assert merged.status == Status.MERGED and merged.merged_into == first
    s.case_acknowledge(actor=world.users["worker_a"], case=first)
    s.case_resolve(actor=world.users["worker_a"], case=first, resolution="已更换灯泡")
    told = Notification.objects.filter(case=first, title__startswith="您反映的事项已办结")
    assert set(told.values_list("recipient__username", flat=True)) == {"grid_a2", "nobody"}


def test_top_rung_cannot_escalate(world, raise_case):
    from shequgang.places.models import Department

    Department.objects.filter(pk=world.department.pk).update(name="离石区城市管理局")
    case = raise_case("street_light")
    Case.objects.filter(pk=case.pk).update(
        rung=Rung.DEPARTMENT, handler_place=None, handler_department=world.department
    )
    from django.contrib.auth.models import User

    handler = User.objects.get(username="dept_handler")
    with pytest.raises(DomainError) as err:
        s.case_escalate(actor=handler, case=case, reason="再往上")
    assert err.value.code == "top_rung"


def test_events_are_append_only(world, raise_case):
    event = raise_case().events.first()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_transitions_have_one_winner():
    from shequgang.cases.models import Category, Source
    from shequgang.testing import build_world

    world = build_world()
    case = s.case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="并发",
    )
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def act() -> None:
        try:
            barrier.wait()
            s.case_acknowledge(actor=world.users["group_a1"], case=case)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=act) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["invalid_transition"] * 3 + ["ok"]
    assert CaseEvent.objects.filter(case=case, kind="acknowledged").count() == 1


def test_transfer_stays_inside_the_county(world, raise_case):
    from shequgang.places.models import Kind, Place

    case = raise_case()  # held by building 1's party group
    other_county_building = Place.objects.get(kind=Kind.BUILDING, parent__name="昌瑞绿洲小区")
    before = snapshot(case)
    with pytest.raises(DomainError) as err:
        s.case_transfer(
            actor=world.users["group_a1"], case=case, reason="错报", to_place=other_county_building
        )
    assert err.value.code == "invalid_target"
    assert snapshot(case) == before
    moved = s.case_transfer(
        actor=world.users["group_a1"], case=case, reason="楼栋报错", to_place=world.building_a2
    )
    assert moved.handler_place == world.building_a2
