"""Deliberation API (mounted at /api/v1/deliberations): plan a meeting on cases, invite,
sign in, put options to a show of hands, record minutes, the decision and follow-up
actions (tasks on the cases), and run a compound's owners' vote under Civil Code Art. 278
with each ratio against its threshold.

A deliberation the caller may not see is the same 404 as a missing one; one they see but
may not manage is a 403. Endpoints parse, call one service and answer with its result."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import PathId, errors
from shequgang.cases.deliberation import services as svc
from shequgang.cases.deliberation.api_out import (
    WRITE_ERRORS,
    attendee_out,
    brief_out,
    detail_out,
    follow_up_out,
    scoped_deliberation,
)
from shequgang.cases.deliberation.schemas import (
    AttendeeOut,
    CancelIn,
    DecideIn,
    DeliberationOut,
    DeliberationPage,
    FinishIn,
    FollowUpIn,
    FollowUpOut,
    HandVoteIn,
    HandVoteOut,
    InviteIn,
    ListFilters,
    MinutesIn,
    OptionIn,
    OptionOut,
    PlanIn,
    SignInIn,
)
from shequgang.cases.models.deliberation import (
    FollowUp,
)
from shequgang.errors import NotFound
from shequgang.people.scope import access_place

router = Router(tags=["议事"])


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
        items=[brief_out(d) for d in items],
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
    return Status(201, detail_out(user, d))


@router.get(
    "/{int:deliberation_id}", response={200: DeliberationOut, **errors(404)}, summary="议事详情"
)
def deliberation_detail(request: HttpRequest, deliberation_id: PathId) -> DeliberationOut:
    user, d = scoped_deliberation(request, deliberation_id)
    return detail_out(user, d)


@router.post(
    "/{int:deliberation_id}/invitees",
    response={201: list[AttendeeOut], **WRITE_ERRORS},
    summary="邀请参会人",
)
def deliberation_invite(
    request: HttpRequest, deliberation_id: PathId, payload: InviteIn
) -> Status[list[AttendeeOut]]:
    user, d = scoped_deliberation(request, deliberation_id)
    added = svc.deliberation_invite(
        actor=user,
        deliberation=d,
        invitee_ids=payload.invitee_ids,
        invitee_names=payload.invitee_names,
    )
    return Status(201, [attendee_out(a) for a in added])


@router.post(
    "/{int:deliberation_id}/sign-in",
    response={200: AttendeeOut, **WRITE_ERRORS},
    summary="签到（会议当天）",
)
def deliberation_sign_in(
    request: HttpRequest, deliberation_id: PathId, payload: SignInIn
) -> AttendeeOut:
    """With neither ``attendee_id`` nor ``name`` the caller signs themselves in."""
    user, d = scoped_deliberation(request, deliberation_id)
    return attendee_out(
        svc.deliberation_sign_in(
            actor=user, deliberation=d, attendee_id=payload.attendee_id, name=payload.name
        )
    )


@router.post(
    "/{int:deliberation_id}/options",
    response={201: OptionOut, **WRITE_ERRORS},
    summary="添加举手表决选项",
)
def deliberation_add_option(
    request: HttpRequest, deliberation_id: PathId, payload: OptionIn
) -> Status[OptionOut]:
    user, d = scoped_deliberation(request, deliberation_id)
    option = svc.deliberation_add_option(actor=user, deliberation=d, text=payload.text)
    return Status(201, OptionOut(id=option.pk, text=option.text, votes=0))


@router.post(
    "/{int:deliberation_id}/hand-votes",
    response={201: HandVoteOut, **WRITE_ERRORS},
    summary="登记举手表决（每人一票）",
)
def deliberation_hand_vote(
    request: HttpRequest, deliberation_id: PathId, payload: HandVoteIn
) -> Status[HandVoteOut]:
    user, d = scoped_deliberation(request, deliberation_id)
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
    response={200: DeliberationOut, **WRITE_ERRORS},
    summary="填写会议记录",
)
def deliberation_minutes(
    request: HttpRequest, deliberation_id: PathId, payload: MinutesIn
) -> DeliberationOut:
    user, d = scoped_deliberation(request, deliberation_id)
    return detail_out(
        user, svc.deliberation_record_minutes(actor=user, deliberation=d, minutes=payload.minutes)
    )


@router.post(
    "/{int:deliberation_id}/hold",
    response={200: DeliberationOut, **WRITE_ERRORS},
    summary="召开会议（已安排 → 已召开）",
)
def deliberation_hold(request: HttpRequest, deliberation_id: PathId) -> DeliberationOut:
    user, d = scoped_deliberation(request, deliberation_id)
    return detail_out(user, svc.deliberation_hold(actor=user, deliberation=d))


@router.post(
    "/{int:deliberation_id}/decide",
    response={200: DeliberationOut, **WRITE_ERRORS},
    summary="记录议定事项（已召开 → 已决定）",
)
def deliberation_decide(
    request: HttpRequest, deliberation_id: PathId, payload: DecideIn
) -> DeliberationOut:
    user, d = scoped_deliberation(request, deliberation_id)
    return detail_out(
        user, svc.deliberation_decide(actor=user, deliberation=d, decision=payload.decision)
    )


@router.post(
    "/{int:deliberation_id}/cancel",
    response={200: DeliberationOut, **WRITE_ERRORS},
    summary="取消议事（已安排 → 已取消）",
)
def deliberation_cancel(
    request: HttpRequest, deliberation_id: PathId, payload: CancelIn
) -> DeliberationOut:
    user, d = scoped_deliberation(request, deliberation_id)
    return detail_out(
        user, svc.deliberation_cancel(actor=user, deliberation=d, reason=payload.reason)
    )


@router.post(
    "/{int:deliberation_id}/follow-ups",
    response={201: FollowUpOut, **WRITE_ERRORS},
    summary="布置议事任务（记入各事项的办理记录）",
)
def follow_up_add(
    request: HttpRequest, deliberation_id: PathId, payload: FollowUpIn
) -> Status[FollowUpOut]:
    user, d = scoped_deliberation(request, deliberation_id)
    task = svc.follow_up_add(
        actor=user,
        deliberation=d,
        text=payload.text,
        assignee_id=payload.assignee_id,
        due_on=payload.due_on,
    )
    return Status(201, follow_up_out(task))


@router.post(
    "/{int:deliberation_id}/follow-ups/{int:follow_up_id}/done",
    response={200: FollowUpOut, **WRITE_ERRORS},
    summary="完成议事任务",
)
def follow_up_finish(
    request: HttpRequest, deliberation_id: PathId, follow_up_id: PathId, payload: FinishIn
) -> FollowUpOut:
    user, d = scoped_deliberation(request, deliberation_id)
    task = FollowUp.objects.filter(pk=follow_up_id, deliberation=d).first()
    if task is None:
        raise NotFound("议事任务")
    return follow_up_out(svc.follow_up_finish(actor=user, follow_up=task, note=payload.note))
