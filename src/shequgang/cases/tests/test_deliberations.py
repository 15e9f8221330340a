"""Deliberations (议事): planning by the branch on a case of its compound, who sees them,
sign-in on the meeting day, the show of hands, the decision and its follow-up tasks on the
cases, the transition table, and the owners' vote under Civil Code Art. 278 counted on a
roll of the compound's households."""

import threading
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection

from shequgang.audit.models import AuditEntry
from shequgang.cases.deliberation.access import (
    access_deliberation,
    convenable_rungs,
    scoped_deliberations,
)
from shequgang.cases.deliberation.owners_result import owners_roll, owners_turnout
from shequgang.cases.deliberation.owners_vote import (
    owners_ballot_record,
    owners_roll_mark_developer,
    owners_vote_close,
    owners_vote_open,
)
from shequgang.cases.deliberation.services import (
    deliberation_add_option,
    deliberation_cancel,
    deliberation_decide,
    deliberation_hand_vote,
    deliberation_hold,
    deliberation_invite,
    deliberation_record_minutes,
    deliberation_sign_in,
    follow_up_add,
    follow_up_finish,
    hand_tally,
)
from shequgang.cases.deliberation.workflow import TRANSITIONS
from shequgang.cases.models import CaseEvent, EventKind, Rung
from shequgang.cases.models.deliberation import (
    Attendee,
    Deliberation,
    DeliberationStatus,
    FollowUp,
    OwnerBallot,
    OwnersVote,
    OwnersVoteStatus,
)
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.places.models import Place

from .conftest import at
from .deliberation_world import DURING, add_households, plan_meeting

PROPERTY_MANAGER, REBUILD = 4, 7


@pytest.fixture
def case(world, raise_case):
    # 停车管理 starts at the branch of compound A.
    return raise_case("parking", place=world.household_a2, title="小区停车位不足")


@pytest.fixture
def meeting(world, case):
    return plan_meeting(world, [case.pk], invitee_names=["张大爷", "李阿姨"])


def held(world, meeting):
    return deliberation_hold(actor=world.users["branch_a"], deliberation=meeting, now=DURING)


# --- Planning -----------------------------------------------------------------------------


def test_branch_plans_a_deliberation_on_a_case_of_its_compound(world, case, meeting):
    assert (meeting.rung, meeting.place) == (Rung.BRANCH, world.compound_a)
    assert meeting.convener == world.users["branch_a"]
    assert meeting.status == DeliberationStatus.PLANNED
    assert list(meeting.cases.all()) == [case]
    assert [a.name for a in meeting.attendees.all()] == ["张大爷", "李阿姨"]
    note = case.events.get(kind=EventKind.COMMENT)
    assert "安排小区党支部（组织议）" in note.reason and note.data["deliberation_id"] == meeting.pk
    assert AuditEntry.objects.filter(action="deliberation.plan", object_id=str(meeting.pk)).exists()


def test_the_planning_form_offers_the_rungs_the_user_may_convene(world, case):
    branch = convenable_rungs(world.users["branch_a"], case)
    secretary = convenable_rungs(world.users["secretary_a"], case)

    assert branch == [(Rung.BRANCH, world.compound_a)]
    # The community secretary holds the community and oversees everything below it.
    assert [r for r, _ in secretary] == [Rung.PARTY_GROUP, Rung.BRANCH, Rung.COMMUNITY]
    assert convenable_rungs(world.users["group_a1"], case) == []  # case is in building 2


def test_a_supervisor_above_may_convene_at_a_lower_rung(world, case):
    meeting = plan_meeting(world, [case.pk], actor=world.users["secretary_a"])
    assert meeting.place == world.compound_a and meeting.convener == world.users["secretary_a"]


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("group_a1", NotFound),  # cannot see a case of building 2
        ("grid_a1", NotFound),  # grid A1 covers building 1 only
        ("secretary_b", NotFound),
        ("grid_a2", Forbidden),  # sees the case but holds no rung of the ladder
        ("central_a1", NotFound),
    ],
)
def test_only_holders_and_supervisors_in_scope_may_convene(world, case, who, error):
    with pytest.raises(error):
        plan_meeting(world, [case.pk], actor=world.users[who])
    assert not Deliberation.objects.exists()


def test_every_case_must_lie_under_the_node(world, case, raise_case):
    elsewhere = raise_case("parking", place=world.household_b, actor=world.users["nobody"])

    with pytest.raises(NotFound):  # not even visible to the branch
        plan_meeting(world, [case.pk, elsewhere.pk])
    with pytest.raises(DomainError) as err:
        plan_meeting(world, [case.pk, elsewhere.pk], actor=world.admin, place=world.compound_a)
    assert err.value.code == "case_outside_node"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"case_ids": []}, "cases_required"),
        ({"title": "  "}, "title_required"),
        ({"title": "议" * 101}, "title_too_long"),
        ({"rung": Rung.DEPARTMENT}, "invalid_rung"),
        ({"scheduled_at": at(2030, 5, 31, 19, 0)}, "scheduled_in_past"),
        ({"invitee_names": ["王", "王"]}, "duplicate_invitee"),
        ({"invitee_ids": [999_999]}, "unknown_user"),
    ],
)
def test_bad_plans_are_refused_with_a_stable_code(world, case, kwargs, code):
    kwargs = {"case_ids": [case.pk], **kwargs}
    with pytest.raises(DomainError) as err:
        plan_meeting(world, **kwargs)
    assert err.value.code == code and err.value.status == 400


def test_planning_on_the_day_itself_is_allowed(world, case):
    meeting = plan_meeting(world, [case.pk], now=at(2030, 6, 12, 8, 0))
    assert meeting.pk


# --- Who sees it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("branch_a", True),
        ("secretary_a", True),
        ("town_a_staff", True),
        ("county_a_command", True),
        ("city_admin", True),
        ("grid_a2", False),  # its grid covers buildings, not the compound node
        ("group_a1", False),
        ("secretary_b", False),
        ("dept_handler", False),
        ("nobody", False),
    ],
)
def test_reading_needs_case_view_over_the_node(world, meeting, who, sees):
    user = world.users[who]
    assert scoped_deliberations(user).filter(pk=meeting.pk).exists() is sees
    if not sees:
        with pytest.raises(NotFound):
            access_deliberation(user, meeting.pk)


def test_invitees_and_assignees_see_it_too(world, meeting):
    nobody, worker = world.users["nobody"], world.users["grid_a2"]
    deliberation_invite(
        actor=world.users["branch_a"], deliberation=meeting, invitee_ids=[nobody.pk]
    )
    held(world, meeting)
    follow_up_add(
        actor=world.users["branch_a"],
        deliberation=meeting,
        text="统计车位",
        assignee_id=worker.pk,
        now=DURING,
    )

    assert access_deliberation(nobody, meeting.pk) == meeting
    assert access_deliberation(worker, meeting.pk) == meeting
    with pytest.raises(NotFound):
        access_deliberation(world.users["secretary_b"], meeting.pk)


def test_a_reader_who_does_not_manage_it_is_forbidden_to_write(world, meeting):
    # Supervisors above (the county command centre) manage it; an invitee only reads it.
    nobody = world.users["nobody"]
    deliberation_invite(
        actor=world.users["county_a_command"], deliberation=meeting, invitee_ids=[nobody.pk]
    )
    assert access_deliberation(nobody, meeting.pk) == meeting
    with pytest.raises(Forbidden):
        deliberation_hold(actor=nobody, deliberation=meeting, now=DURING)
    with pytest.raises(Forbidden):
        deliberation_add_option(actor=nobody, deliberation=meeting, text="同意")


# --- Sign-in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "ok"),
    [
        (at(2030, 6, 11, 23, 59), False),  # the day before
        (at(2030, 6, 12, 0, 0), True),  # the day, from midnight in Shanghai
        (at(2030, 6, 12, 23, 59, 59), True),  # (15:59 UTC)
        (at(2030, 6, 13, 0, 0), False),  # the day after (still 12 June in UTC)
    ],
)
def test_sign_in_only_on_the_meeting_day(world, meeting, now, ok):
    zhang = meeting.attendees.get(name="张大爷")
    if not ok:
        with pytest.raises(DomainError) as err:
            deliberation_sign_in(
                actor=world.users["branch_a"], deliberation=meeting, attendee_id=zhang.pk, now=now
            )
        assert err.value.code == "not_meeting_day" and err.value.status == 409
        return
    signed = deliberation_sign_in(
        actor=world.users["branch_a"], deliberation=meeting, attendee_id=zhang.pk, now=now
    )
    assert signed.signed_in_at == now and signed.signed_in_by == world.users["branch_a"]


def test_sign_in_walk_ins_self_sign_in_and_twice_is_refused(world, meeting):
    branch, nobody = world.users["branch_a"], world.users["nobody"]
    deliberation_invite(actor=branch, deliberation=meeting, invitee_ids=[nobody.pk])

    walk_in = deliberation_sign_in(actor=branch, deliberation=meeting, name="赵师傅", now=DURING)
    me = deliberation_sign_in(actor=nobody, deliberation=meeting, now=DURING)

    assert (walk_in.invited, walk_in.user) == (False, None)
    assert (me.invited, me.user) == (True, nobody)
    with pytest.raises(DomainError) as err:
        deliberation_sign_in(actor=nobody, deliberation=meeting, now=DURING)
    assert err.value.code == "already_signed_in" and err.value.status == 409
    zhang = meeting.attendees.get(name="张大爷")
    with pytest.raises(Forbidden):  # an invitee signs in only themselves
        deliberation_sign_in(actor=nobody, deliberation=meeting, attendee_id=zhang.pk, now=DURING)


def test_sign_in_is_closed_once_decided_or_cancelled(world, meeting):
    held(world, meeting)
    deliberation_decide(actor=world.users["branch_a"], deliberation=meeting, decision="增划车位")
    with pytest.raises(DomainError) as err:
        deliberation_sign_in(
            actor=world.users["branch_a"], deliberation=meeting, name="迟到者", now=DURING
        )
    assert err.value.code == "invalid_transition"


# --- Show of hands, decision, follow-up ---------------------------------------------------


def sign_in_all(world, meeting, names):
    return [
        deliberation_sign_in(
            actor=world.users["branch_a"], deliberation=meeting, name=n, now=DURING
        )
        for n in names
    ]


def test_show_of_hands_one_vote_per_attendee_and_tally(world, meeting):
    branch = world.users["branch_a"]
    agree = deliberation_add_option(actor=branch, deliberation=meeting, text="同意增划车位")
    disagree = deliberation_add_option(actor=branch, deliberation=meeting, text="不同意")
    people = sign_in_all(world, meeting, ["张大爷", "李阿姨", "赵师傅", "钱老师"])
    held(world, meeting)

    for person, option in zip(people, [agree, agree, agree, disagree], strict=True):
        deliberation_hand_vote(
            actor=branch, deliberation=meeting, attendee_id=person.pk, option_id=option.pk
        )

    with pytest.raises(DomainError) as err:
        deliberation_hand_vote(
            actor=branch, deliberation=meeting, attendee_id=people[0].pk, option_id=disagree.pk
        )
    assert err.value.code == "already_voted" and err.value.status == 409
    with pytest.raises(DomainError) as err:
        deliberation_add_option(actor=branch, deliberation=meeting, text="再议")
    assert err.value.code == "voting_started"
    tally = hand_tally(deliberation=meeting)
    assert [(r.option.text, r.votes) for r in tally.rows] == [("同意增划车位", 3), ("不同意", 1)]
    assert (tally.signed_in, tally.voted) == (4, 4)
    assert tally.leading == [agree] and tally.leader_has_majority_of_attendance
    assert tally.summary_zh == (
        "签到4人，表决4人：同意增划车位3票，不同意1票。得票最多：同意增划车位，超过签到人数半数"
    )


def test_hands_need_a_held_meeting_and_a_signed_in_attendee(world, meeting):
    branch = world.users["branch_a"]
    option = deliberation_add_option(actor=branch, deliberation=meeting, text="同意")
    zhang = meeting.attendees.get(name="张大爷")
    with pytest.raises(DomainError) as err:
        deliberation_hand_vote(
            actor=branch, deliberation=meeting, attendee_id=zhang.pk, option_id=option.pk
        )
    assert err.value.code == "invalid_transition"  # still planned
    held(world, meeting)
    with pytest.raises(DomainError) as err:
        deliberation_hand_vote(
            actor=branch, deliberation=meeting, attendee_id=zhang.pk, option_id=option.pk
        )
    assert err.value.code == "not_signed_in"


def test_the_meeting_cannot_be_held_before_its_day(world, meeting):
    with pytest.raises(DomainError) as err:
        deliberation_hold(
            actor=world.users["branch_a"], deliberation=meeting, now=at(2030, 6, 11, 23, 59)
        )
    assert err.value.code == "not_yet"
    assert held(world, meeting).status == DeliberationStatus.HELD


def test_decision_and_follow_up_become_task_events_on_every_case(world, case, raise_case):
    other = raise_case("parking", place=world.household_a1, title="消防通道被占")
    meeting = plan_meeting(world, [case.pk, other.pk])
    branch, worker = world.users["branch_a"], world.users["grid_a2"]
    held(world, meeting)
    deliberation_record_minutes(actor=branch, deliberation=meeting, minutes="到会12人，一致同意。")

    decided = deliberation_decide(
        actor=branch, deliberation=meeting, decision="在北侧空地增划20个车位", now=DURING
    )
    task = follow_up_add(
        actor=branch,
        deliberation=meeting,
        text="联系物业施划车位",
        assignee_id=worker.pk,
        due_on=at(2030, 6, 30).date(),
        now=DURING,
    )

    assert decided.status == DeliberationStatus.DECIDED and decided.decided_at == DURING
    for c in (case, other):
        events = list(c.events.filter(kind=EventKind.TASK))
        assert len(events) == 1
        assert events[0].reason == "议事任务：联系物业施划车位，负责人：grid_a2，期限：2030-06-30"
        assert events[0].data == {
            "deliberation_id": meeting.pk,
            "follow_up_id": task.pk,
            "state": "open",
            "assignee_id": worker.pk,
            "due_on": "2030-06-30",
        }
        assert c.events.filter(kind=EventKind.COMMENT, data__step="decided").count() == 1
        c.refresh_from_db()
    first_event = CaseEvent.objects.get(case=case, kind=EventKind.TASK)

    # The assignee marks it done: a second task event, the first one untouched.
    follow_up_finish(actor=worker, follow_up=task, note="已施划", now=DURING)

    done = list(case.events.filter(kind=EventKind.TASK).order_by("id"))
    assert [e.data["state"] for e in done] == ["open", "done"]
    assert done[0].reason == first_event.reason and done[0].pk == first_event.pk
    assert FollowUp.objects.get(pk=task.pk).done_by == worker
    with pytest.raises(DomainError) as err:
        follow_up_finish(actor=branch, follow_up=task, now=DURING)
    assert err.value.code == "already_done" and err.value.status == 409
    other_task = follow_up_add(actor=branch, deliberation=meeting, text="公示", now=DURING)
    with pytest.raises(Forbidden):  # another task: neither its assignee nor a manager
        follow_up_finish(actor=worker, follow_up=other_task)


def test_follow_up_due_date_not_in_the_past(world, meeting):
    held(world, meeting)
    with pytest.raises(DomainError) as err:
        follow_up_add(
            actor=world.users["branch_a"],
            deliberation=meeting,
            text="施划",
            due_on=at(2030, 6, 11).date(),
            now=DURING,
        )
    assert err.value.code == "due_in_past"


def test_cancel_needs_a_reason_and_ends_the_meeting(world, meeting):
    branch = world.users["branch_a"]
    with pytest.raises(DomainError) as err:
        deliberation_cancel(actor=branch, deliberation=meeting, reason=" ")
    assert err.value.code == "reason_required"
    cancelled = deliberation_cancel(actor=branch, deliberation=meeting, reason="暴雨改期")
    assert (
        cancelled.status == DeliberationStatus.CANCELLED and cancelled.cancel_reason == "暴雨改期"
    )


# --- The transition table -----------------------------------------------------------------


def act(action, world, meeting):
    branch = world.users["branch_a"]
    match action:
        case "hold":
            return deliberation_hold(actor=branch, deliberation=meeting, now=DURING)
        case "decide":
            return deliberation_decide(actor=branch, deliberation=meeting, decision="同意")
        case "cancel":
            return deliberation_cancel(actor=branch, deliberation=meeting, reason="改期")
        case "invite":
            return deliberation_invite(actor=branch, deliberation=meeting, invitee_names=["周"])
        case "sign_in":
            return deliberation_sign_in(actor=branch, deliberation=meeting, name="周", now=DURING)
        case "add_option":
            return deliberation_add_option(actor=branch, deliberation=meeting, text="反对")
        case "hand_vote":
            attendee = meeting.attendees.first()
            option = meeting.options.first()
            return deliberation_hand_vote(
                actor=branch, deliberation=meeting, attendee_id=attendee.pk, option_id=option.pk
            )
        case "minutes":
            return deliberation_record_minutes(actor=branch, deliberation=meeting, minutes="记录")
        case "add_follow_up":
            return follow_up_add(actor=branch, deliberation=meeting, text="落实", now=DURING)
        case "open_owners_vote":
            return owners_vote_open(actor=branch, deliberation=meeting, matter_type=4)
    raise AssertionError(action)


ACTIONS = [
    "hold",
    "decide",
    "cancel",
    "invite",
    "sign_in",
    "add_option",
    "hand_vote",
    "minutes",
    "add_follow_up",
    "open_owners_vote",
]
FORBIDDEN = [
    (action, status)
    for action in ACTIONS
    for status in DeliberationStatus.values
    if status not in TRANSITIONS[action][0]
]


@pytest.mark.parametrize(("action", "status"), FORBIDDEN)
def test_actions_outside_the_table_change_nothing(world, meeting, action, status):
    branch = world.users["branch_a"]
    deliberation_add_option(actor=branch, deliberation=meeting, text="同意")
    sign_in_all(world, meeting, ["张大爷"])
    Deliberation.objects.filter(pk=meeting.pk).update(status=status)
    before = (
        Deliberation.objects.values().get(pk=meeting.pk),
        Attendee.objects.count(),
        AuditEntry.objects.count(),
        CaseEvent.objects.count(),
    )

    with pytest.raises(DomainError) as err:
        act(action, world, meeting)

    assert err.value.code == "invalid_transition" and err.value.status == 409
    after = (
        Deliberation.objects.values().get(pk=meeting.pk),
        Attendee.objects.count(),
        AuditEntry.objects.count(),
        CaseEvent.objects.count(),
    )
    assert after == before


def test_the_status_flow_is_planned_held_decided(world, meeting):
    assert TRANSITIONS["hold"] == (frozenset({"planned"}), "held")
    assert TRANSITIONS["decide"] == (frozenset({"held"}), "decided")
    assert TRANSITIONS["cancel"] == (frozenset({"planned"}), "cancelled")
    held(world, meeting)
    with pytest.raises(DomainError):
        deliberation_cancel(actor=world.users["branch_a"], deliberation=meeting, reason="迟了")


# --- Owners' vote (Civil Code Art. 278) ---------------------------------------------------

# Compound A has 101 (89.50 m², building 1) and 201 (120 m², building 2); eight more
# households of 100 m² make ten owners and 1009.50 m² in all.


@pytest.fixture
def compound(world):
    extra = add_households(world, ["100.00"] * 8)
    return [world.household_a1, world.household_a2, *extra]


@pytest.fixture
def vote(world, meeting, compound):
    return owners_vote_open(
        actor=world.users["branch_a"], deliberation=meeting, matter_type=PROPERTY_MANAGER
    )


def entries(vote):
    return {e.household_id: e for e in vote.roll.all()}


def cast(world, meeting, vote, households, choice):
    by_household = entries(vote)
    for h in households:
        owners_ballot_record(
            actor=world.users["branch_a"],
            deliberation=meeting,
            entry_id=by_household[h.pk].pk,
            choice=choice,
        )


def test_the_roll_is_a_snapshot_of_the_compound_households(world, vote, compound):
    roll = list(vote.roll.order_by("id"))
    assert [e.household_id for e in roll] == sorted(
        (h.pk for h in compound), key=lambda pk: Place.objects.get(pk=pk).path
    )
    first = next(e for e in roll if e.household_id == world.household_a1.pk)
    assert (first.unit_label, first.floor_area) == ("1号楼 1单元 101", Decimal("89.50"))
    assert first.owner_key == world.residents["a1"].id_number_index and len(first.owner_key) == 64
    assert first.owner_name == "居民a1" and not first.owner_unverified
    assert sum(e.floor_area for e in roll) == Decimal("1009.50")
    assert owners_turnout(vote).parties == 10


def test_majority_matter_passes_with_each_ratio_against_its_threshold(
    world, meeting, vote, compound
):
    a1, a2, *h = compound
    cast(world, meeting, vote, [a1, a2, *h[:5]], "for")  # 7 owners, 709.50 m²
    cast(world, meeting, vote, [h[5]], "against")  # h[6], h[7] stay away

    closed = owners_vote_close(actor=world.users["branch_a"], deliberation=meeting)

    assert closed.status == OwnersVoteStatus.CLOSED
    assert closed.quorum_met is True and closed.passed is True
    checks = {c["name"]: c for c in closed.result["checks"]}
    assert (checks["quorum_area"]["numerator"], checks["quorum_area"]["denominator"]) == (
        "809.50",
        "1009.50",
    )
    assert checks["quorum_area"]["percent"] == "80.19%" and checks["quorum_area"]["met"]
    assert (
        checks["quorum_owners"]["ratio"] == "4/5" and checks["quorum_owners"]["threshold"] == "2/3"
    )
    assert checks["quorum_owners"]["threshold_label"] == "≥ 2/3（三分之二以上）"
    assert checks["approval_area"]["threshold_label"] == "> 1/2（过半数）"
    assert Fraction(checks["approval_owners"]["ratio"]) == Fraction(7, 8)
    assert all(c["met"] for c in checks.values())
    assert closed.summary_zh.startswith("表决通过（第4项：选聘和解聘物业服务企业或者其他管理人）")
    assert closed.result["tally"]["for_area"] == "709.50"


def test_supermajority_matter_fails_below_three_quarters(world, meeting, compound):
    vote = owners_vote_open(
        actor=world.users["branch_a"], deliberation=meeting, matter_type=REBUILD
    )
    a1, a2, *h = compound
    cast(world, meeting, vote, [a1, a2, *h[:4]], "for")  # 6 owners, 609.50 m²
    cast(world, meeting, vote, h[4:6], "against")
    cast(world, meeting, vote, [h[6]], "abstain")  # takes part, does not agree

    closed = owners_vote_close(actor=world.users["branch_a"], deliberation=meeting)

    assert closed.quorum_met is True and closed.passed is False
    checks = {c["name"]: c for c in closed.result["checks"]}
    assert checks["approval_owners"]["ratio"] == "2/3"
    assert checks["approval_owners"]["percent"] == "66.66%"  # rounded towards "not met"
    assert checks["approval_owners"]["threshold_label"] == "≥ 3/4（四分之三以上）"
    assert not checks["approval_owners"]["met"] and not checks["approval_area"]["met"]
    assert closed.summary_zh.startswith("表决未通过（第7项")


def test_without_quorum_the_vote_is_invalid(world, meeting, vote, compound):
    a1, a2, *h = compound
    cast(world, meeting, vote, [a1, a2, *h[:4]], "for")  # 6 of 10 owners, 609.50 m²

    closed = owners_vote_close(actor=world.users["branch_a"], deliberation=meeting)

    assert closed.quorum_met is False and closed.passed is False
    assert [c["name"] for c in closed.result["checks"]] == ["quorum_area", "quorum_owners"]
    assert [c["met"] for c in closed.result["checks"]] == [False, False]
    assert closed.summary_zh.startswith("表决无效（参与人数或面积不足）")


def test_a_second_ballot_of_the_same_owner_is_a_conflict(world, meeting, vote, compound):
    cast(world, meeting, vote, [compound[0]], "for")
    with pytest.raises(DomainError) as err:
        cast(world, meeting, vote, [compound[0]], "against")
    assert err.value.code == "duplicate_ballot" and err.value.status == 409
    assert OwnerBallot.objects.filter(vote=vote).count() == 1


def test_the_developer_votes_once_for_all_its_units_and_the_roll_locks(
    world, meeting, vote, compound
):
    branch, by_household = world.users["branch_a"], entries(vote)
    for h in compound[-2:]:
        owners_roll_mark_developer(
            actor=branch,
            deliberation=meeting,
            entry_id=by_household[h.pk].pk,
            developer_unsold=True,
        )
    assert owners_turnout(vote).parties == 9  # eight owners and the developer

    cast(world, meeting, vote, [compound[-2]], "for")
    with pytest.raises(DomainError) as err:
        cast(world, meeting, vote, [compound[-1]], "for")
    assert err.value.code == "duplicate_ballot"
    with pytest.raises(DomainError) as err:
        owners_roll_mark_developer(
            actor=branch,
            deliberation=meeting,
            entry_id=by_household[compound[0].pk].pk,
            developer_unsold=True,
        )
    assert err.value.code == "roll_locked"
    lines = {line.entry.household_id: line.choice for line in owners_roll(vote)}
    assert lines[compound[-1].pk] == "for"  # the developer's other unit shows its ballot

    closed = owners_vote_close(actor=branch, deliberation=meeting)
    assert closed.result["tally"]["for_area"] == "200.00"
    assert closed.result["tally"]["total_owners"] == "9"


def test_households_without_a_registered_area_are_refused_and_listed(world, meeting, compound):
    missing = add_households(world, [None, None])

    with pytest.raises(DomainError) as err:
        owners_vote_open(actor=world.users["branch_a"], deliberation=meeting, matter_type=4)

    assert err.value.code == "floor_area_missing"
    assert err.value.details == {"households": [h.pk for h in missing]}
    assert "2号楼 309、2号楼 310（共2户）" in err.value.message
    assert not OwnersVote.objects.exists()  # nothing half-made: the opening rolled back


def test_a_household_without_a_registered_head_counts_under_a_placeholder(world, meeting):
    (empty,) = add_households(world, ["95.00"], heads=False)

    vote = owners_vote_open(actor=world.users["branch_a"], deliberation=meeting, matter_type=4)

    entry = vote.roll.get(household=empty)
    assert entry.owner_key == f"household:{empty.pk}" and entry.owner_unverified
    assert entry.owner_name == ""


def test_owners_vote_only_for_compound_deliberations_and_only_once(world, case, meeting, compound):
    community = plan_meeting(
        world, [case.pk], actor=world.users["secretary_a"], rung=Rung.COMMUNITY
    )
    with pytest.raises(DomainError) as err:
        owners_vote_open(actor=world.users["secretary_a"], deliberation=community, matter_type=4)
    assert err.value.code == "not_a_compound"
    with pytest.raises(DomainError) as err:
        owners_vote_open(actor=world.users["branch_a"], deliberation=meeting, matter_type=10)
    assert err.value.code == "invalid_matter_type"
    owners_vote_open(actor=world.users["branch_a"], deliberation=meeting, matter_type=4)
    with pytest.raises(DomainError) as err:
        owners_vote_open(actor=world.users["branch_a"], deliberation=meeting, matter_type=6)
    assert err.value.code == "owners_vote_exists" and err.value.status == 409


def test_the_decision_waits_for_the_count_and_a_closed_vote_takes_no_ballots(
    world, meeting, vote, compound
):
    branch = world.users["branch_a"]
    held(world, meeting)
    with pytest.raises(DomainError) as err:
        deliberation_decide(actor=branch, deliberation=meeting, decision="续聘")
    assert err.value.code == "owners_vote_open"
    owners_vote_close(actor=branch, deliberation=meeting)
    with pytest.raises(DomainError) as err:
        cast(world, meeting, vote, [compound[0]], "for")
    assert err.value.code == "owners_vote_closed"
    with pytest.raises(DomainError) as err:
        owners_vote_close(actor=branch, deliberation=meeting)
    assert err.value.code == "owners_vote_closed"
    assert deliberation_decide(actor=branch, deliberation=meeting, decision="续聘").decision


def test_a_ballot_needs_a_known_choice(world, meeting, vote, compound):
    with pytest.raises(DomainError) as err:
        cast(world, meeting, vote, [compound[0]], "maybe")
    assert err.value.code == "invalid_choice"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_ballots_of_one_owner_have_one_winner():
    from shequgang.cases.models import Category, Source
    from shequgang.cases.services import case_create
    from shequgang.testing import build_world

    world = build_world()
    case = case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="parking"),
        place=world.household_a2,
        title="并发",
    )
    meeting = plan_meeting(world, [case.pk])
    vote = owners_vote_open(actor=world.users["branch_a"], deliberation=meeting, matter_type=4)
    entry = vote.roll.get(household=world.household_a1)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def record(choice: str) -> None:
        try:
            barrier.wait()
            owners_ballot_record(
                actor=world.users["branch_a"],
                deliberation=meeting,
                entry_id=entry.pk,
                choice=choice,
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=record, args=(c,)) for c in ("for", "against", "abstain", "for")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate_ballot"] * 3 + ["ok"]
    assert OwnerBallot.objects.filter(vote=vote).count() == 1
