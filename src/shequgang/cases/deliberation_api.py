"""Deliberation API (mounted at /api/v1/deliberations): plan a meeting on cases, invite,
sign in, put options to a show of hands, record minutes, the decision and follow-up
actions (tasks on the cases), and run a compound's owners' vote under Civil Code Art. 278
with each ratio against its threshold.

A deliberation the caller may not see is the same 404 as a missing one; one they see but
may not manage is a 403. Endpoints parse, call one service and answer with its result."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, Field

from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import BodyId, PageOut, PathId, SafeStr, errors
from shequgang.cases import deliberation_access as access
from shequgang.cases import deliberations as svc
from shequgang.cases import owners_vote as ov
from shequgang.cases.deliberation_models import (
    Attendee,
    Deliberation,
    DeliberationStatus,
    FollowUp,
    OwnerBallot,
    OwnerRollEntry,
    OwnersVote,
)
from shequgang.cases.models import Rung
from shequgang.errors import NotFound
from shequgang.people.scope import access_place

router = Router(tags=["议事"])

Title = Annotated[SafeStr, Field(min_length=1, max_length=100)]
Name = Annotated[SafeStr, Field(min_length=1, max_length=50)]
LongText = Annotated[SafeStr, Field(max_length=4000)]

# --- Schemas ------------------------------------------------------------------------------


class PlaceBriefOut(Schema):
    id: int
    name: str


class CaseBriefOut(Schema):
    id: int
    number: str
    title: str
    status: str


class AttendeeOut(Schema):
    id: int
    name: str
    user_id: int | None
    invited: bool = Field(description="false：未受邀、到场签到")
    signed_in_at: dt.datetime | None


class OptionOut(Schema):
    id: int
    text: str
    votes: int = Field(description="举手票数")


class HandVoteOut(Schema):
    id: int
    attendee_id: int
    option_id: int
    recorded_at: dt.datetime


class FollowUpOut(Schema):
    id: int
    text: str
    assignee_id: int | None
    assignee_name: str
    due_on: dt.date | None
    created_at: dt.datetime
    done_at: dt.datetime | None
    done_note: str


class CheckOut(Schema):
    name: Literal["quorum_area", "quorum_owners", "approval_area", "approval_owners"]
    label: str
    numerator: str = Field(description="面积（平方米，精确小数）或人数")
    denominator: str
    unit: str
    ratio: str = Field(description="精确比值（分数）", examples=["4/5"])
    percent: str = Field(description="百分比，向结论方向取整，不会与结论矛盾")
    threshold: str = Field(examples=["2/3"])
    threshold_label: str = Field(examples=["≥ 2/3（三分之二以上）"])
    threshold_percent: str = Field(description="门槛的百分比（仅供绘图）", examples=["66.67%"])
    inclusive: bool = Field(description="true：达到即可（以上）；false：须超过（过半数）")
    met: bool
    explanation_zh: str


class VoteResultOut(Schema):
    quorum_met: bool
    passed: bool
    summary_zh: str
    checks: list[CheckOut] = Field(description="参与门槛两项；达到时再有同意比例两项")
    tally: dict[str, str]


class RollEntryOut(Schema):
    id: int
    household_id: int
    unit_label: str
    floor_area: str = Field(description="登记专有面积（平方米）")
    owner_name: str
    owner_unverified: bool = Field(description="该户未登记户主身份证号，以户为业主计")
    developer_unsold: bool
    choice: Literal["for", "against", "abstain"] | None = Field(description="该业主的选票")


class OwnersVoteOut(Schema):
    matter_type: int
    matter_label: str
    supermajority: bool = Field(description="第（六）至（八）项：须四分之三以上同意")
    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    parties: int = Field(description="业主人数（建设单位未售出部分合计为一人）")
    ballots: int
    result: VoteResultOut | None = Field(description="计票后的结果")
    roll: list[RollEntryOut] | None = Field(
        description="业主名册与各户选票；仅召集方和可查看居民的工作人员可见"
    )


class DeliberationBriefOut(Schema):
    id: int
    rung: int
    rung_label: str
    place: PlaceBriefOut
    title: str
    scheduled_at: dt.datetime
    location: str
    status: DeliberationStatus
    status_label: str
    convener_name: str


class DeliberationOut(DeliberationBriefOut):
    agenda: str
    minutes: str
    decision: str
    decided_at: dt.datetime | None
    cancel_reason: str
    cases: list[CaseBriefOut]
    attendees: list[AttendeeOut]
    options: list[OptionOut]
    hands_summary_zh: str
    follow_ups: list[FollowUpOut]
    owners_vote: OwnersVoteOut | None = Field(description="业主共同决定表决（不含名册）")
    may_manage: bool = Field(description="当前用户可否主持、记录")


class DeliberationPage(PageOut):
    items: list[DeliberationBriefOut]


class PlanIn(Schema):
    rung: int = Field(ge=1, le=6, description="议事层级：1 党员中心户 … 5 乡镇（街道）")
    case_ids: list[BodyId] = Field(min_length=1, max_length=svc.MAX_CASES)
    place_id: BodyId | None = Field(None, description="议事节点；缺省为首个事项在该层级的节点")
    title: Title
    scheduled_at: AwareDatetime
    location: Annotated[SafeStr, Field(max_length=200)] = ""
    agenda: LongText = ""
    invitee_ids: list[BodyId] = Field(default_factory=list, max_length=svc.MAX_INVITEES)
    invitee_names: list[Name] = Field(default_factory=list, max_length=svc.MAX_INVITEES)


class InviteIn(Schema):
    invitee_ids: list[BodyId] = Field(default_factory=list, max_length=svc.MAX_INVITEES)
    invitee_names: list[Name] = Field(default_factory=list, max_length=svc.MAX_INVITEES)


class SignInIn(Schema):
    attendee_id: BodyId | None = Field(None, description="为受邀人签到")
    name: Annotated[SafeStr, Field(max_length=50)] = Field("", description="未受邀到场者")


class OptionIn(Schema):
    text: Annotated[SafeStr, Field(min_length=1, max_length=100)]


class HandVoteIn(Schema):
    attendee_id: BodyId
    option_id: BodyId


class MinutesIn(Schema):
    minutes: Annotated[SafeStr, Field(min_length=1, max_length=20000)]


class DecideIn(Schema):
    decision: Annotated[SafeStr, Field(min_length=1, max_length=4000)]


class CancelIn(Schema):
    reason: Annotated[SafeStr, Field(min_length=1, max_length=500)]


class FollowUpIn(Schema):
    text: Annotated[SafeStr, Field(min_length=1, max_length=500)]
    assignee_id: BodyId | None = None
    due_on: dt.date | None = None


class FinishIn(Schema):
    note: Annotated[SafeStr, Field(max_length=500)] = ""


class OpenVoteIn(Schema):
    matter_type: int = Field(ge=1, le=9, description="民法典第二百七十八条第（一）至（九）项")


class RollEntryIn(Schema):
    developer_unsold: bool


class BallotIn(Schema):
    entry_id: BodyId = Field(description="名册中该业主任一房屋的编号")
    choice: Literal["for", "against", "abstain"]


class BallotOut(Schema):
    id: int
    entry_id: int
    choice: str
    recorded_at: dt.datetime


class ListFilters(Schema):
    status: DeliberationStatus | None = None
    case_id: BodyId | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


# --- Building the answers -----------------------------------------------------------------


def _brief(d: Deliberation) -> DeliberationBriefOut:
    return DeliberationBriefOut(
        id=d.pk,
        rung=d.rung,
        rung_label=Rung(d.rung).label,
        place=PlaceBriefOut(id=d.place.pk, name=d.place.name),
        title=d.title,
        scheduled_at=d.scheduled_at,
        location=d.location,
        status=DeliberationStatus(d.status),
        status_label=d.get_status_display(),
        convener_name=d.convener.get_full_name() or d.convener.username,
    )


def _follow_up(t: FollowUp) -> FollowUpOut:
    assignee = t.assignee
    return FollowUpOut(
        id=t.pk,
        text=t.text,
        assignee_id=t.assignee_id,
        assignee_name=(assignee.get_full_name() or assignee.username) if assignee else "",
        due_on=t.due_on,
        created_at=t.created_at,
        done_at=t.done_at,
        done_note=t.done_note,
    )


def _attendee(a: Attendee) -> AttendeeOut:
    return AttendeeOut(
        id=a.pk, name=a.name, user_id=a.user_id, invited=a.invited, signed_in_at=a.signed_in_at
    )


def _vote(user: User, d: Deliberation, vote: OwnersVote, *, with_roll: bool) -> OwnersVoteOut:
    turnout = ov.owners_turnout(vote)
    roll = None
    if with_roll and ov.may_see_roll(user, d):
        roll = [
            RollEntryOut(
                id=line.entry.pk,
                household_id=line.entry.household_id,
                unit_label=line.entry.unit_label,
                floor_area=format(line.entry.floor_area, "f"),
                owner_name=line.entry.owner_name,
                owner_unverified=line.entry.owner_unverified,
                developer_unsold=line.entry.developer_unsold,
                choice=line.choice.value if line.choice else None,
            )
            for line in ov.owners_roll(vote)
        ]
    return OwnersVoteOut(
        matter_type=vote.matter_type,
        matter_label=vote.matter.label,
        supermajority=vote.matter.needs_supermajority,
        status=vote.status,
        opened_at=vote.opened_at,
        closed_at=vote.closed_at,
        parties=turnout.parties,
        ballots=turnout.ballots,
        result=VoteResultOut.model_validate(vote.result) if vote.result else None,
        roll=roll,
    )


def _detail(user: User, d: Deliberation) -> DeliberationOut:
    d = (
        Deliberation.objects.select_related("place", "convener")
        .prefetch_related(
            "cases",
            "attendees",
            Prefetch("follow_ups", FollowUp.objects.select_related("assignee")),
        )
        .get(pk=d.pk)
    )
    vote = ov.owners_vote_of(d)
    tally = svc.hand_tally(deliberation=d)
    return DeliberationOut(
        **_brief(d).model_dump(),
        agenda=d.agenda,
        minutes=d.minutes,
        decision=d.decision,
        decided_at=d.decided_at,
        cancel_reason=d.cancel_reason,
        cases=[
            CaseBriefOut(id=c.pk, number=c.number, title=c.title, status=c.status)
            for c in sorted(d.cases.all(), key=lambda c: c.pk)
        ],
        attendees=[_attendee(a) for a in d.attendees.all()],
        options=[OptionOut(id=r.option.pk, text=r.option.text, votes=r.votes) for r in tally.rows],
        hands_summary_zh=tally.summary_zh,
        follow_ups=[_follow_up(t) for t in d.follow_ups.all()],
        owners_vote=_vote(user, d, vote, with_roll=False) if vote else None,
        may_manage=access.may_manage(user, d),
    )


def _access(request: HttpRequest, deliberation_id: int) -> tuple[User, Deliberation]:
    user = request_user(request)
    return user, access.access_deliberation(user, deliberation_id)


def _owners_vote(d: Deliberation) -> OwnersVote:
    vote = ov.owners_vote_of(d)
    if vote is None:
        raise NotFound("业主表决")
    return vote


# --- Meetings -----------------------------------------------------------------------------


@router.get("", response={200: DeliberationPage, **errors()}, summary="议事列表（本人可见）")
def deliberation_list(request: HttpRequest, filters: Query[ListFilters]) -> DeliberationPage:
    user = request_user(request)
    qs = svc.deliberation_list(
        user=user, status=filters.status or "", case_id=filters.case_id
    ).distinct()
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return DeliberationPage(
        count=qs.count(),
        limit=filters.limit,
        offset=filters.offset,
        items=[_brief(d) for d in items],
    )


@router.post("", response={201: DeliberationOut, **errors(400, 403, 404)}, summary="召集议事")
def deliberation_plan(request: HttpRequest, payload: PlanIn) -> Status[DeliberationOut]:
    """Convene a deliberation at ``rung`` on cases the caller can see (404 otherwise):
    holders of the rung's node and supervisors above it may (403 otherwise)."""
    user = request_user(request)
    place = access_place(user, payload.place_id) if payload.place_id is not None else None
    d = svc.deliberation_plan(
        actor=user,
        rung=payload.rung,
        case_ids=payload.case_ids,
        place=place,
        title=payload.title,
        scheduled_at=payload.scheduled_at,
        location=payload.location,
        agenda=payload.agenda,
        invitee_ids=payload.invitee_ids,
        invitee_names=payload.invitee_names,
    )
    return Status(201, _detail(user, d))


@router.get(
    "/{int:deliberation_id}", response={200: DeliberationOut, **errors(404)}, summary="议事详情"
)
def deliberation_detail(request: HttpRequest, deliberation_id: PathId) -> DeliberationOut:
    user, d = _access(request, deliberation_id)
    return _detail(user, d)


_WRITE_ERRORS = errors(400, 403, 404, 409)


@router.post(
    "/{int:deliberation_id}/invitees",
    response={201: list[AttendeeOut], **_WRITE_ERRORS},
    summary="邀请参会人",
)
def deliberation_invite(
    request: HttpRequest, deliberation_id: PathId, payload: InviteIn
) -> Status[list[AttendeeOut]]:
    user, d = _access(request, deliberation_id)
    added = svc.deliberation_invite(
        actor=user,
        deliberation=d,
        invitee_ids=payload.invitee_ids,
        invitee_names=payload.invitee_names,
    )
    return Status(201, [_attendee(a) for a in added])


@router.post(
    "/{int:deliberation_id}/sign-in",
    response={200: AttendeeOut, **_WRITE_ERRORS},
    summary="签到（会议当天）",
)
def deliberation_sign_in(
    request: HttpRequest, deliberation_id: PathId, payload: SignInIn
) -> AttendeeOut:
    """With neither ``attendee_id`` nor ``name`` the caller signs themselves in."""
    user, d = _access(request, deliberation_id)
    return _attendee(
        svc.deliberation_sign_in(
            actor=user, deliberation=d, attendee_id=payload.attendee_id, name=payload.name
        )
    )


@router.post(
    "/{int:deliberation_id}/options",
    response={201: OptionOut, **_WRITE_ERRORS},
    summary="添加举手表决选项",
)
def deliberation_add_option(
    request: HttpRequest, deliberation_id: PathId, payload: OptionIn
) -> Status[OptionOut]:
    user, d = _access(request, deliberation_id)
    option = svc.deliberation_add_option(actor=user, deliberation=d, text=payload.text)
    return Status(201, OptionOut(id=option.pk, text=option.text, votes=0))


@router.post(
    "/{int:deliberation_id}/hand-votes",
    response={201: HandVoteOut, **_WRITE_ERRORS},
    summary="登记举手表决（每人一票）",
)
def deliberation_hand_vote(
    request: HttpRequest, deliberation_id: PathId, payload: HandVoteIn
) -> Status[HandVoteOut]:
    user, d = _access(request, deliberation_id)
    vote = svc.deliberation_hand_vote(
        actor=user, deliberation=d, attendee_id=payload.attendee_id, option_id=payload.option_id
    )
    return Status(
        201,
        HandVoteOut(
            id=vote.pk,
            attendee_id=vote.attendee_id,
            option_id=vote.option_id,
            recorded_at=vote.recorded_at,
        ),
    )


@router.post(
    "/{int:deliberation_id}/minutes",
    response={200: DeliberationOut, **_WRITE_ERRORS},
    summary="填写会议记录",
)
def deliberation_minutes(
    request: HttpRequest, deliberation_id: PathId, payload: MinutesIn
) -> DeliberationOut:
    user, d = _access(request, deliberation_id)
    return _detail(
        user, svc.deliberation_record_minutes(actor=user, deliberation=d, minutes=payload.minutes)
    )


@router.post(
    "/{int:deliberation_id}/hold",
    response={200: DeliberationOut, **_WRITE_ERRORS},
    summary="召开会议（已安排 → 已召开）",
)
def deliberation_hold(request: HttpRequest, deliberation_id: PathId) -> DeliberationOut:
    user, d = _access(request, deliberation_id)
    return _detail(user, svc.deliberation_hold(actor=user, deliberation=d))


@router.post(
    "/{int:deliberation_id}/decide",
    response={200: DeliberationOut, **_WRITE_ERRORS},
    summary="记录议定事项（已召开 → 已决定）",
)
def deliberation_decide(
    request: HttpRequest, deliberation_id: PathId, payload: DecideIn
) -> DeliberationOut:
    user, d = _access(request, deliberation_id)
    return _detail(
        user, svc.deliberation_decide(actor=user, deliberation=d, decision=payload.decision)
    )


@router.post(
    "/{int:deliberation_id}/cancel",
    response={200: DeliberationOut, **_WRITE_ERRORS},
    summary="取消议事（已安排 → 已取消）",
)
def deliberation_cancel(
    request: HttpRequest, deliberation_id: PathId, payload: CancelIn
) -> DeliberationOut:
    user, d = _access(request, deliberation_id)
    return _detail(user, svc.deliberation_cancel(actor=user, deliberation=d, reason=payload.reason))


@router.post(
    "/{int:deliberation_id}/follow-ups",
    response={201: FollowUpOut, **_WRITE_ERRORS},
    summary="布置议事任务（记入各事项的办理记录）",
)
def follow_up_add(
    request: HttpRequest, deliberation_id: PathId, payload: FollowUpIn
) -> Status[FollowUpOut]:
    user, d = _access(request, deliberation_id)
    task = svc.follow_up_add(
        actor=user,
        deliberation=d,
        text=payload.text,
        assignee_id=payload.assignee_id,
        due_on=payload.due_on,
    )
    return Status(201, _follow_up(task))


@router.post(
    "/{int:deliberation_id}/follow-ups/{int:follow_up_id}/done",
    response={200: FollowUpOut, **_WRITE_ERRORS},
    summary="完成议事任务",
)
def follow_up_finish(
    request: HttpRequest, deliberation_id: PathId, follow_up_id: PathId, payload: FinishIn
) -> FollowUpOut:
    user, d = _access(request, deliberation_id)
    task = FollowUp.objects.filter(pk=follow_up_id, deliberation=d).first()
    if task is None:
        raise NotFound("议事任务")
    return _follow_up(svc.follow_up_finish(actor=user, follow_up=task, note=payload.note))


# --- Owners' vote -------------------------------------------------------------------------


@router.get(
    "/{int:deliberation_id}/owners-vote",
    response={200: OwnersVoteOut, **errors(404)},
    summary="业主共同决定表决（含名册）",
)
def owners_vote_detail(request: HttpRequest, deliberation_id: PathId) -> OwnersVoteOut:
    user, d = _access(request, deliberation_id)
    return _vote(user, d, _owners_vote(d), with_roll=True)


@router.post(
    "/{int:deliberation_id}/owners-vote",
    response={201: OwnersVoteOut, **_WRITE_ERRORS},
    summary="发起业主共同决定表决（建立业主名册）",
)
def owners_vote_open(
    request: HttpRequest, deliberation_id: PathId, payload: OpenVoteIn
) -> Status[OwnersVoteOut]:
    """Snapshots the compound's households as the roll; refused (400
    ``floor_area_missing``, with ``households``) while any has no registered area."""
    user, d = _access(request, deliberation_id)
    vote = ov.owners_vote_open(actor=user, deliberation=d, matter_type=payload.matter_type)
    return Status(201, _vote(user, d, vote, with_roll=True))


@router.patch(
    "/{int:deliberation_id}/owners-vote/roll/{int:entry_id}",
    response={200: RollEntryOut, **_WRITE_ERRORS},
    summary="标记建设单位未售出/未交付的房屋（首张选票前）",
)
def owners_roll_edit(
    request: HttpRequest, deliberation_id: PathId, entry_id: PathId, payload: RollEntryIn
) -> RollEntryOut:
    user, d = _access(request, deliberation_id)
    entry: OwnerRollEntry = ov.owners_roll_mark_developer(
        actor=user, deliberation=d, entry_id=entry_id, developer_unsold=payload.developer_unsold
    )
    return RollEntryOut(
        id=entry.pk,
        household_id=entry.household_id,
        unit_label=entry.unit_label,
        floor_area=format(entry.floor_area, "f"),
        owner_name=entry.owner_name,
        owner_unverified=entry.owner_unverified,
        developer_unsold=entry.developer_unsold,
        choice=None,
    )


@router.post(
    "/{int:deliberation_id}/owners-vote/ballots",
    response={201: BallotOut, **_WRITE_ERRORS},
    summary="登记业主选票（每位业主一票）",
)
def owners_ballot_record(
    request: HttpRequest, deliberation_id: PathId, payload: BallotIn
) -> Status[BallotOut]:
    """A second ballot of the same owner (through any of their units) is 409
    ``duplicate_ballot``."""
    user, d = _access(request, deliberation_id)
    ballot: OwnerBallot = ov.owners_ballot_record(
        actor=user, deliberation=d, entry_id=payload.entry_id, choice=payload.choice
    )
    return Status(
        201,
        BallotOut(
            id=ballot.pk,
            entry_id=ballot.entry_id,
            choice=ballot.choice,
            recorded_at=ballot.recorded_at,
        ),
    )


@router.post(
    "/{int:deliberation_id}/owners-vote/close",
    response={200: OwnersVoteOut, **_WRITE_ERRORS},
    summary="计票（按民法典第二百七十八条）",
)
def owners_vote_close(request: HttpRequest, deliberation_id: PathId) -> OwnersVoteOut:
    user, d = _access(request, deliberation_id)
    vote = ov.owners_vote_close(actor=user, deliberation=d)
    return _vote(user, d, vote, with_roll=True)
