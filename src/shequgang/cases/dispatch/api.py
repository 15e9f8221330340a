"""API of the dispatch loop (mounted at /api/v1): dispatch, request dispatch, report
back and verify a case (``/cases/{id}/…``, beside the ladder's steps — signing is
``/acknowledge``, transferring ``/transfer``, returning (退单) ``/return``), the
departments a case may go to, the caller's queue of cases to dispatch, and the measures
per department and per grid worker. Errors as in the cases API: 404 out of scope, 403
not the caller's step, 409 not from this status."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Form, Query, Router, Schema, UploadedFile
from ninja.params import functions as param_functions

from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import BodyId, PathId, SafeStr, errors
from shequgang.cases.access import access_case, case_scope_q
from shequgang.cases.api.desk_schemas import PeriodQuery, RatioOut
from shequgang.cases.api.out import STEP_ERRORS, case_page_out, case_step
from shequgang.cases.api.schemas import CaseOut, CasePageOut, Cursor, PageSize, Reason, ReasonIn
from shequgang.cases.dispatch import rules
from shequgang.cases.dispatch import services as dispatch
from shequgang.cases.dispatch.measures import (
    DispatchMeasures,
    department_figure_cases,
    department_figures,
    dispatch_measures,
)
from shequgang.cases.engine.measures import Ratio
from shequgang.cases.models import Case
from shequgang.errors import NotFound
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place
from shequgang.places.models import Department
from shequgang.places.schemas import PlaceRef

router = Router(tags=["派遣·核查"])

_PHOTOS = param_functions.File(None, description="照片（JPEG、PNG、WebP，最多9张）")


# --- Schemas -------------------------------------------------------------------------------


class DispatchIn(Schema):
    department: BodyId | None = Field(
        None, description="派遣给哪个部门；不填则按派遣路由表（分类 × 县）"
    )
    reason: Reason = ""


class ReportIn(Schema):
    """Form fields of ``POST /cases/{id}/report`` (multipart, evidence as ``photos``)."""

    result: Annotated[SafeStr, Field(max_length=4000)] = Field(description="办理结果")


class VerifyIn(Schema):
    """Form fields of ``POST /cases/{id}/verify`` (multipart, at least one ``photos``)."""

    passed: bool = Field(description="true：核查通过，办结；false：退回部门继续办理")
    reason: Annotated[SafeStr, Field(max_length=1000)] = Field(
        "", description="核查说明；未通过时必填"
    )


class DepartmentOut(Schema):
    id: int
    name: str
    level: str = Field(description="city 市级 / county 县级")
    sort: str = Field(description="government 政府部门 / utility 公用事业单位 / other")
    default: bool = Field(description="派遣路由表为该事项给出的部门")


class QueueQuery(Schema):
    cursor: Cursor | None = None
    limit: PageSize = 50


def _ratio(r: Ratio) -> RatioOut:
    value = r.value
    return RatioOut(
        label=r.label,
        numerator=r.numerator,
        denominator=r.denominator,
        value=None if value is None else float(value),
    )


class DepartmentMeasuresOut(Schema):
    department: DepartmentOut
    legs: int = Field(description="期间派遣（含流转、提级）到该部门的件次")
    open: int = Field(description="其中仍在该部门办理的件次")
    acknowledged: RatioOut = Field(description="签收及时率：按时签收（或退单、流转）/ 应签收")
    on_time: RatioOut = Field(description="按时办结率：按时回复且核查通过 / 核查通过")
    returned: RatioOut = Field(description="退单率：退单 / 件次")
    transferred: RatioOut = Field(description="流转率：流转 / 件次")
    verified: RatioOut = Field(description="核查通过率：通过 / 核查次数")


class WorkerMeasuresOut(Schema):
    user_id: int
    name: str
    reported: int = Field(description="期间网格巡查上报的事项数")
    verify_on_time: RatioOut = Field(description="核查及时率：核查时限内 / 核查次数")
    verify_passed: RatioOut = Field(description="核查通过率：通过 / 核查次数")


class DispatchMeasuresOut(Schema):
    place: PlaceRef
    start: dt.datetime
    end: dt.datetime
    verify_overdue: int = Field(description="当前超过核查时限仍待核查的事项数")
    departments: list[DepartmentMeasuresOut]
    workers: list[WorkerMeasuresOut]

    @staticmethod
    def build(m: DispatchMeasures) -> DispatchMeasuresOut:
        return DispatchMeasuresOut(
            place=PlaceRef.from_orm(m.place),
            start=m.start,
            end=m.end,
            verify_overdue=m.verify_overdue,
            departments=[
                DepartmentMeasuresOut(
                    department=_department_out(row.department, default=False),
                    legs=row.legs,
                    open=row.open,
                    acknowledged=_ratio(row.acknowledged),
                    on_time=_ratio(row.on_time),
                    returned=_ratio(row.returned),
                    transferred=_ratio(row.transferred),
                    verified=_ratio(row.verified),
                )
                for row in m.departments
            ],
            workers=[
                WorkerMeasuresOut(
                    user_id=row.user.pk,
                    name=row.user.get_full_name() or row.user.get_username(),
                    reported=row.reported,
                    verify_on_time=_ratio(row.verify_on_time),
                    verify_passed=_ratio(row.verify_passed),
                )
                for row in m.workers
            ],
        )


def _department_out(d: Department, *, default: bool) -> DepartmentOut:
    return DepartmentOut(id=d.pk, name=d.name, level=d.level, sort=d.sort, default=default)


# --- Steps -----------------------------------------------------------------------------------


@router.post(
    "/cases/{int:case_id}/request-dispatch",
    response={200: CaseOut, **STEP_ERRORS},
    summary="提请派遣",
)
def case_request_dispatch(
    request: HttpRequest, case_id: PathId, payload: ReasonIn
) -> dict[str, Any]:
    """The community or town holding the case hands it to the county command centre's
    queue of cases to dispatch."""
    return case_step(
        request,
        case_id,
        lambda u, c: dispatch.case_request_dispatch(actor=u, case=c, reason=payload.reason),
    )


@router.post(
    "/cases/{int:case_id}/dispatch", response={200: CaseOut, **STEP_ERRORS}, summary="派遣"
)
def case_dispatch(request: HttpRequest, case_id: PathId, payload: DispatchIn) -> dict[str, Any]:
    """To ``department`` (see ``GET /cases/{id}/dispatch-targets``), or by default to
    the routing table's department for the case's category and county (400
    ``no_department`` when there is none). The county command centre dispatches cases
    at the town rung and above and those in its queue; the community, the cases it
    holds and those back in its own queue. A department's 退单 returns the case to the
    dispatcher's queue."""
    department = None
    if payload.department is not None:
        department = Department.objects.filter(pk=payload.department).first()
        if department is None:
            raise NotFound("部门")
    return case_step(
        request,
        case_id,
        lambda u, c: dispatch.case_dispatch(
            actor=u, case=c, department=department, reason=payload.reason
        ),
    )


@router.post(
    "/cases/{int:case_id}/report", response={200: CaseOut, **STEP_ERRORS}, summary="回复办理结果"
)
def case_report(
    request: HttpRequest,
    case_id: PathId,
    payload: Form[ReportIn],
    photos: list[UploadedFile] | None = _PHOTOS,
) -> dict[str, Any]:
    """The department holding the case reports its result (multipart/form-data) with
    evidence photos; the case then waits for on-site verification (``verifying``)."""
    files = list(photos or [])
    return case_step(
        request,
        case_id,
        lambda u, c: dispatch.case_report(actor=u, case=c, result=payload.result, photos=files),
    )


@router.post(
    "/cases/{int:case_id}/verify", response={200: CaseOut, **STEP_ERRORS}, summary="现场核查"
)
def case_verify(
    request: HttpRequest,
    case_id: PathId,
    payload: Form[VerifyIn],
    photos: list[UploadedFile] | None = _PHOTOS,
) -> dict[str, Any]:
    """The grid worker of the case's grid (community staff where it has none) verifies
    on site, with at least one photo (400 ``photo_required``): passed resolves the case
    and asks the raiser to rate it; not passed (reason required) sends it back to the
    department."""
    files = list(photos or [])
    return case_step(
        request,
        case_id,
        lambda u, c: dispatch.case_verify(
            actor=u, case=c, passed=payload.passed, note=payload.reason, photos=files
        ),
    )


# --- Reads -----------------------------------------------------------------------------------


@router.get(
    "/cases/{int:case_id}/dispatch-targets",
    response={200: list[DepartmentOut], **errors(404)},
    summary="可派遣的部门",
)
def dispatch_targets(request: HttpRequest, case_id: PathId) -> list[DepartmentOut]:
    """The active departments of the case's county and city, county first; ``default``
    marks the routing table's choice."""
    case = access_case(request_user(request), case_id)
    default = rules.default_department(case)
    return [
        _department_out(d, default=default is not None and d.pk == default.pk)
        for d in rules.dispatch_targets(case)
    ]


@router.get("/dispatch/queue", response={200: CasePageOut, **errors(400)}, summary="待派遣")
def dispatch_queue(request: HttpRequest, query: Query[QueueQuery]) -> HttpResponse:
    """The cases waiting for the caller to dispatch them — returned by a department or
    handed up for dispatch to a node they dispatch from, and for a command centre the
    open cases at the town rung below it — longest waiting first. Keyset pages."""
    user: User = request_user(request)
    cases = (
        Case.objects.filter(rules.dispatch_queue_q(user))
        .filter(case_scope_q(user))
        .order_by("assigned_at", "id")
    )
    return case_page_out(user, cases, cursor=query.cursor, limit=query.limit)


DepartmentFigure = Literal["legs", "acknowledged", "on_time", "returned", "transferred", "verified"]
MeasurePartName = Literal["numerator", "denominator"]
# The path lists the figures, so a wrong one is a 422 and the document shows them.
assert set(get_args(DepartmentFigure)) == set(department_figures(dt.datetime.now(dt.UTC)))


class DrillQuery(PeriodQuery):
    cursor: Cursor | None = None
    limit: PageSize = 50


@router.get(
    "/dispatch/measures/departments/{int:department_id}/{figure}/{part}",
    response={200: CasePageOut, **errors(400, 404)},
    summary="部门指标明细（分子或分母的事项）",
)
def department_drill_down(
    request: HttpRequest,
    department_id: PathId,
    figure: DepartmentFigure,
    part: MeasurePartName,
    query: Query[DrillQuery],
) -> HttpResponse:
    """The cases behind one figure of a department's row in ``GET /dispatch/measures``
    for the same place and period (``verified``: turns with a passed / with any
    verification). Keyset pages, as ``GET /cases``."""
    user = request_user(request)
    place = access_place(user, query.place, Perm.CASE_VIEW)
    now = timezone.now()
    start, end = query.period(now)
    cases = department_figure_cases(
        place=place,
        start=start,
        end=end,
        now=now,
        department_id=department_id,
        figure=figure,
        part=part,
    )
    cases = cases.filter(case_scope_q(user)).order_by("resolve_due_at", "id")
    return case_page_out(user, cases, cursor=query.cursor, limit=query.limit)


@router.get(
    "/dispatch/measures",
    response={200: DispatchMeasuresOut, **errors(404)},
    summary="部门与网格员考核指标",
)
def measures(request: HttpRequest, query: Query[PeriodQuery]) -> DispatchMeasuresOut:
    """Per department and per grid worker, for the cases inside ``place`` (a county or
    the city where the caller may view cases, else 404) in [start, end): each figure
    with its numerator and denominator."""
    place = access_place(request_user(request), query.place, Perm.CASE_VIEW)
    now = timezone.now()
    start, end = query.period(now)
    return DispatchMeasuresOut.build(dispatch_measures(place=place, start=start, end=end, now=now))
