"""双服务 activities and 双评价 API (mounted at /api/v1/party/activities and
/api/v1/party/appraisals, /api/v1/party/service-records).

Anyone signed in sees published activities (they are public notices) and signs up;
organisers (the publisher's staff) see rosters, finish activities and confirm hours;
service records are visible to the member, their unit's liaison accounts and party staff
of their community."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import run_idempotent
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.schemas import MAX_PK, PageOut, PathId, SafeStr, errors
from shequgang.errors import DomainError, NotFound
from shequgang.party import activities as svc
from shequgang.party.activity_models import Activity, Signup
from shequgang.party.activity_selectors import access_activity, activity_list, activity_roster
from shequgang.party.appraisals import (
    access_member,
    access_unit,
    appraisal_candidates,
    appraisal_record,
    member_record,
    must_appraise,
    record_export,
    unit_record,
)
from shequgang.party.models import Branch, PairedUnit
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place
from shequgang.places.models import Kind, Place

router = Router(tags=["双服务·双评价"])


class ActivityIn(Schema):
    community: int = Field(ge=1, le=MAX_PK, description="社区 id")
    branch: int | None = Field(None, ge=1, le=MAX_PK, description="发布党支部 id（可选）")
    unit: int | None = Field(None, ge=1, le=MAX_PK, description="发布单位 id（可选）")
    kind: str = Field("activity", description="activity / task")
    activity_type: Annotated[SafeStr, Field(max_length=40)] = "volunteer_hour"
    title: Annotated[SafeStr, Field(min_length=1, max_length=100)]
    description: Annotated[SafeStr, Field(max_length=4000)] = ""
    location: Annotated[SafeStr, Field(min_length=1, max_length=200)]
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(ge=1, le=svc.MAX_CAPACITY)
    skills_wanted: Annotated[SafeStr, Field(max_length=200)] = ""
    points: int = Field(0, ge=0, le=svc.MAX_POINTS)


class ActivityOut(Schema):
    id: int
    community: int
    community_name: str
    publisher: str
    kind: str
    activity_type: str
    title: str
    description: str
    location: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    confirmed: int
    waiting: int
    skills_wanted: str
    points: int
    status: str
    code: str | None = Field(None, description="签到码（仅组织者可见）")

    @staticmethod
    def build(a: Activity, *, organiser: bool = False) -> ActivityOut:
        return ActivityOut(
            id=a.pk,
            community=a.community_id,
            community_name=a.community.name,
            publisher=a.publisher_name,
            kind=a.kind,
            activity_type=a.activity_type,
            title=a.title,
            description=a.description,
            location=a.location,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            capacity=a.capacity,
            confirmed=getattr(a, "n_confirmed", 0),
            waiting=getattr(a, "n_waiting", 0),
            skills_wanted=a.skills_wanted,
            points=a.points,
            status=a.status,
            code=a.code if organiser else None,
        )


class ActivityPageOut(PageOut):
    items: list[ActivityOut]


class SignupOut(Schema):
    id: int
    activity: int
    status: str
    signed_up_at: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    attendance: str
    hours: Decimal
    hours_confirmed: bool

    @staticmethod
    def build(s: Signup) -> SignupOut:
        return SignupOut(
            id=s.pk,
            activity=s.activity_id,
            status=s.status,
            signed_up_at=s.signed_up_at,
            checked_in_at=s.checked_in_at,
            checked_out_at=s.checked_out_at,
            attendance=s.attendance,
            hours=s.hours,
            hours_confirmed=s.hours_confirmed_at is not None,
        )


class RosterLineOut(SignupOut):
    name: str


class CodeIn(Schema):
    code: Annotated[SafeStr, Field(min_length=1, max_length=16)]


class ReasonIn(Schema):
    reason: Annotated[SafeStr, Field(min_length=1, max_length=500)]


class HoursIn(Schema):
    hours: Decimal | None = Field(None, ge=0, le=168, decimal_places=2)
    note: Annotated[SafeStr, Field(max_length=200)] = ""


class RatingIn(Schema):
    stars: int = Field(ge=1, le=5)
    comment: Annotated[SafeStr, Field(max_length=300)] = ""


class FinishOut(Schema):
    no_shows: int
    not_checked_out: int


class AppraisalIn(Schema):
    year: int = Field(ge=2000, le=2100)
    community: int = Field(ge=1, le=MAX_PK)
    member: int | None = Field(None, ge=1, le=MAX_PK)
    unit: int | None = Field(None, ge=1, le=MAX_PK)
    grade: str = Field(description="excellent / good / pass / fail")
    comment: Annotated[SafeStr, Field(max_length=500)] = ""


class AppraisalOut(Schema):
    id: int
    year: int
    community: int
    member: int | None
    unit: int | None
    grade: str
    comment: str
    hours: Decimal
    activities: int


class ServiceLineOut(Schema):
    activity: int
    title: str
    community: str
    starts_at: dt.datetime
    role: str
    hours: Decimal


class ServiceRecordOut(Schema):
    year: int
    name: str
    kind: str
    hours: Decimal
    activities: int
    lines: list[ServiceLineOut]
    grades: list[str]
    disclaimer: str


class ListFilters(PageParams):
    community: int | None = Field(None, ge=1, le=MAX_PK)
    upcoming: bool = False


class RecordQuery(Schema):
    year: int = Field(ge=2000, le=2100)
    format: str = Field("json", pattern="^(json|xlsx|pdf)$")


def _community(pk: int) -> Place:
    # Communities are public names; whether the user may act there is the service's check.
    community = Place.objects.filter(pk=pk, kind=Kind.COMMUNITY).first()
    if community is None:
        raise NotFound("社区")
    return community


def _publisher(payload: ActivityIn) -> tuple[Branch | None, PairedUnit | None]:
    branch = Branch.objects.filter(pk=payload.branch).first() if payload.branch else None
    unit = PairedUnit.objects.filter(pk=payload.unit).first() if payload.unit else None
    if payload.branch and branch is None:
        raise NotFound("党支部")
    if payload.unit and unit is None:
        raise NotFound("单位")
    return branch, unit


@router.get("/activities", response={200: ActivityPageOut, **errors()}, summary="服务活动列表")
def list_activities(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    user = request_user(request)
    qs = activity_list(user, community_id=filters.community, upcoming=filters.upcoming)
    return page_of(qs, filters, build=ActivityOut.build)


@router.post(
    "/activities",
    response={201: ActivityOut, **errors(400, 403, 404, 409)},
    summary="发布活动或任务（支持 Idempotency-Key）",
)
def publish(request: HttpRequest, payload: ActivityIn) -> Status[Any]:
    user = request_user(request)

    def write() -> tuple[int, Any]:
        community = _community(payload.community)
        branch, unit = _publisher(payload)
        activity = svc.activity_publish(
            actor=user,
            community=community,
            branch=branch,
            unit=unit,
            data=svc.ActivityInput(
                title=payload.title,
                location=payload.location,
                starts_at=payload.starts_at,
                ends_at=payload.ends_at,
                capacity=payload.capacity,
                kind=payload.kind,
                activity_type=payload.activity_type,
                description=payload.description,
                skills_wanted=payload.skills_wanted,
                points=payload.points,
            ),
        )
        return 201, ActivityOut.build(activity, organiser=True).model_dump(mode="json")

    status, body = run_idempotent(
        request,
        operation="party.activity.publish",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, body)


@router.get(
    "/activities/{activity_id}", response={200: ActivityOut, **errors(404)}, summary="活动详情"
)
def get_activity(request: HttpRequest, activity_id: PathId) -> ActivityOut:
    user = request_user(request)
    activity = access_activity(user, activity_id)
    return ActivityOut.build(activity, organiser=svc.may_organise(user, activity))


@router.post(
    "/activities/{activity_id}/cancel",
    response={200: ActivityOut, **errors(400, 403, 404, 409)},
    summary="取消活动（通知已报名者）",
)
def cancel_activity(request: HttpRequest, activity_id: PathId, payload: ReasonIn) -> ActivityOut:
    user = request_user(request)
    activity = svc.activity_cancel(
        actor=user, activity=access_activity(user, activity_id), reason=payload.reason
    )
    return ActivityOut.build(access_activity(user, activity.pk), organiser=True)


@router.post(
    "/activities/{activity_id}/signup",
    response={201: SignupOut, 200: SignupOut, **errors(404, 409)},
    summary="报名（名额满则候补；重复报名返回原报名）",
)
def signup(request: HttpRequest, activity_id: PathId) -> Status[SignupOut]:
    user = request_user(request)
    s, created = svc.signup_create(actor=user, activity=access_activity(user, activity_id))
    return Status(201 if created else 200, SignupOut.build(s))


@router.post(
    "/activities/{activity_id}/signup/cancel",
    response={200: SignupOut, **errors(404, 409)},
    summary="取消本人报名（名额顺延给第一位候补）",
)
def cancel_signup(request: HttpRequest, activity_id: PathId) -> SignupOut:
    user = request_user(request)
    activity = access_activity(user, activity_id)
    mine = Signup.objects.filter(activity=activity, user=user).exclude(status="cancelled").first()
    if mine is None:
        raise NotFound("报名")
    return SignupOut.build(svc.signup_cancel(actor=user, signup=mine))


@router.post(
    "/activities/{activity_id}/check-in",
    response={200: SignupOut, **errors(400, 404, 409)},
    summary="现场签到（签到码，开始前30分钟至结束）",
)
def check_in(request: HttpRequest, activity_id: PathId, payload: CodeIn) -> SignupOut:
    user = request_user(request)
    return SignupOut.build(
        svc.check_in(actor=user, activity=access_activity(user, activity_id), code=payload.code)
    )


@router.post(
    "/activities/{activity_id}/check-out",
    response={200: SignupOut, **errors(400, 404, 409)},
    summary="现场签退（签到码，开始后至结束后30分钟）",
)
def check_out(request: HttpRequest, activity_id: PathId, payload: CodeIn) -> SignupOut:
    user = request_user(request)
    return SignupOut.build(
        svc.check_out(actor=user, activity=access_activity(user, activity_id), code=payload.code)
    )


@router.get(
    "/activities/{activity_id}/roster",
    response={200: list[RosterLineOut], **errors(404)},
    summary="报名与出勤名单（组织者）",
)
def roster(request: HttpRequest, activity_id: PathId) -> list[RosterLineOut]:
    user = request_user(request)
    activity = access_activity(user, activity_id)
    if not svc.may_organise(user, activity):
        raise NotFound("活动")
    return [
        RosterLineOut(**SignupOut.build(s).model_dump(), name=display_name(s))
        for s in activity_roster(activity)
    ]


def display_name(s: Signup) -> str:
    if s.member_id and s.member:
        return s.member.name
    full = s.user.get_full_name() if hasattr(s.user, "get_full_name") else ""
    return full or s.user.get_username()


@router.post(
    "/activities/{activity_id}/finish",
    response={200: FinishOut, **errors(403, 404, 409)},
    summary="结束活动（登记未到人员）",
)
def finish(request: HttpRequest, activity_id: PathId) -> dict[str, int]:
    user = request_user(request)
    return svc.activity_finish(actor=user, activity=access_activity(user, activity_id))


@router.post(
    "/activities/{activity_id}/signups/{signup_id}/confirm-hours",
    response={200: SignupOut, **errors(400, 404, 409)},
    summary="确认服务时长（可修改，须说明理由）",
)
def confirm_hours(
    request: HttpRequest, activity_id: PathId, signup_id: PathId, payload: HoursIn
) -> SignupOut:
    user = request_user(request)
    activity = access_activity(user, activity_id)
    s = Signup.objects.filter(pk=signup_id, activity=activity).first()
    if s is None:
        raise NotFound("报名")
    return SignupOut.build(
        svc.hours_confirm(actor=user, signup=s, hours=payload.hours, note=payload.note)
    )


@router.post(
    "/activities/{activity_id}/ratings",
    response={201: dict[str, int], **errors(400, 404, 409)},
    summary="居民评价活动（每人一次）",
)
def rate(request: HttpRequest, activity_id: PathId, payload: RatingIn) -> Status[dict[str, int]]:
    user = request_user(request)
    r = svc.activity_rate(
        actor=user,
        activity=access_activity(user, activity_id),
        stars=payload.stars,
        comment=payload.comment,
    )
    return Status(201, {"id": r.pk, "stars": r.stars})


@router.post(
    "/appraisals",
    response={201: AppraisalOut, 200: AppraisalOut, **errors(400, 403, 404)},
    summary="双评价：社区年度评价报到党员或结对单位（再次提交即更正）",
)
def appraise(request: HttpRequest, payload: AppraisalIn) -> Status[AppraisalOut]:
    user = request_user(request)
    # Only a community the caller rates for (party.manage): another county's and a missing
    # one answer the same 404.
    community = access_place(user, payload.community, Perm.PARTY_MANAGE)
    if community.kind != Kind.COMMUNITY:
        raise NotFound("社区")
    must_appraise(user, community)
    member = (
        appraisal_candidates(community).filter(pk=payload.member).first()
        if payload.member
        else None
    )
    unit = PairedUnit.objects.filter(pk=payload.unit).first() if payload.unit else None
    if (payload.member and member is None) or (payload.unit and unit is None):
        raise NotFound()
    a, created = appraisal_record(
        actor=user,
        year=payload.year,
        community=community,
        member=member,
        unit=unit,
        grade=payload.grade,
        comment=payload.comment,
    )
    return Status(
        201 if created else 200,
        AppraisalOut(
            id=a.pk,
            year=a.year,
            community=a.community_id,
            member=a.member_id,
            unit=a.unit_id,
            grade=a.grade,
            comment=a.comment,
            hours=a.hours,
            activities=a.activities,
        ),
    )


def _record_response(user: Any, record: Any, subject: Any, fmt: str) -> Any:
    if fmt != "json":
        content, content_type, name = record_export(
            actor=user, record=record, fmt=fmt, subject=subject
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    from shequgang.party.appraisals import DISCLAIMER

    return ServiceRecordOut(
        year=record.year,
        name=record.name,
        kind=record.kind,
        hours=record.hours,
        activities=record.activities,
        lines=[
            ServiceLineOut(
                activity=line.activity.pk,
                title=line.activity.title,
                community=line.activity.community.name,
                starts_at=line.activity.starts_at,
                role=line.role,
                hours=line.hours,
            )
            for line in record.lines
        ],
        grades=[a.get_grade_display() for a in record.appraisals],
        disclaimer=DISCLAIMER,
    )


@router.get(
    "/service-records/members/{member_id}",
    response={200: ServiceRecordOut, **errors(404)},
    summary="党员年度服务记录（json / xlsx / pdf）",
)
def member_service_record(request: HttpRequest, member_id: PathId, q: Query[RecordQuery]) -> Any:
    user = request_user(request)
    member = access_member(user, member_id)
    return _record_response(user, member_record(member, q.year), member, q.format)


@router.get(
    "/service-records/units/{unit_id}",
    response={200: ServiceRecordOut, **errors(404)},
    summary="单位年度服务记录（json / xlsx / pdf）",
)
def unit_service_record(request: HttpRequest, unit_id: PathId, q: Query[RecordQuery]) -> Any:
    user = request_user(request)
    unit = access_unit(user, unit_id)
    return _record_response(user, unit_record(unit, q.year), unit, q.format)


__all__ = ["DomainError", "router"]
