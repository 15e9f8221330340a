"""API for the steps of a case's workflow (mounted at /api/v1/cases, beside ``api.cases``):
one endpoint per act, each finding the case in scope, calling one service and answering with
the case as it is now. A step the caller may not take is 403; one the status does not allow
is 409 ``invalid_transition``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Form, Router, Status, UploadedFile

from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import PathId
from shequgang.cases import services
from shequgang.cases.access import access_case
from shequgang.cases.api.out import (
    PHOTOS_FILE,
    STEP_ERRORS,
    case_by_key,
    case_step,
    category_by_code,
    event_out,
)
from shequgang.cases.api.schemas import (
    CaseOut,
    CommentIn,
    EventOut,
    ExtensionDecisionIn,
    ExtensionIn,
    MergeIn,
    OptionalReasonIn,
    RateIn,
    ReasonIn,
    RerouteIn,
    ResolveIn,
    TransferIn,
)
from shequgang.cases.dispatch.services import case_hand_back
from shequgang.cases.models import Case
from shequgang.errors import NotFound
from shequgang.places.models import Department, Place

router = Router(tags=["事项"])


@router.post("/{int:case_id}/acknowledge", response={200: CaseOut, **STEP_ERRORS}, summary="签收")
def case_acknowledge(request: HttpRequest, case_id: PathId) -> dict[str, Any]:
    return case_step(request, case_id, lambda u, c: services.case_acknowledge(actor=u, case=c))


@router.post("/{int:case_id}/start", response={200: CaseOut, **STEP_ERRORS}, summary="开始办理")
def case_start(request: HttpRequest, case_id: PathId) -> dict[str, Any]:
    return case_step(request, case_id, lambda u, c: services.case_start(actor=u, case=c))


@router.post("/{int:case_id}/resolve", response={200: CaseOut, **STEP_ERRORS}, summary="办结")
def case_resolve(
    request: HttpRequest,
    case_id: PathId,
    payload: Form[ResolveIn],
    photos: list[UploadedFile] | None = PHOTOS_FILE,
) -> dict[str, Any]:
    """What was done (multipart/form-data), with optional evidence photos; the raiser is
    then asked to rate it."""
    files = list(photos or [])
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_resolve(
            actor=u, case=c, resolution=payload.resolution, photos=files
        ),
    )


@router.post("/{int:case_id}/return", response={200: CaseOut, **STEP_ERRORS}, summary="退回")
def case_return(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> dict[str, Any]:
    """Wrong rung or category: the community re-routes it (``/reroute``). A department's
    return (退单) puts the case back in its dispatcher's queue."""
    return case_step(
        request, case_id, lambda u, c: case_hand_back(actor=u, case=c, reason=payload.reason)
    )


@router.post("/{int:case_id}/reroute", response={200: CaseOut, **STEP_ERRORS}, summary="重新分派")
def case_reroute(request: HttpRequest, case_id: PathId, payload: RerouteIn) -> dict[str, Any]:
    """A returned case, with a corrected category and/or starting rung."""
    category = category_by_code(payload.category) if payload.category else None
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_reroute(
            actor=u, case=c, category=category, rung=payload.rung, reason=payload.reason
        ),
    )


@router.post("/{int:case_id}/transfer", response={200: CaseOut, **STEP_ERRORS}, summary="流转")
def case_transfer(request: HttpRequest, case_id: PathId, payload: TransferIn) -> dict[str, Any]:
    """To another holder on the same rung: ``to_place`` (a node of the same level) or
    ``to_department`` (another department of the county)."""
    to_place = to_department = None
    if payload.to_place is not None:
        to_place = Place.objects.filter(pk=payload.to_place).first()
        if to_place is None:
            raise NotFound("地点")
    if payload.to_department is not None:
        to_department = Department.objects.filter(pk=payload.to_department, active=True).first()
        if to_department is None:
            raise NotFound("部门")
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_transfer(
            actor=u,
            case=c,
            reason=payload.reason,
            to_place=to_place,
            to_department=to_department,
        ),
    )


@router.post("/{int:case_id}/escalate", response={200: CaseOut, **STEP_ERRORS}, summary="提级上报")
def case_escalate(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> dict[str, Any]:
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_escalate(actor=u, case=c, reason=payload.reason),
    )


@router.post("/{int:case_id}/extension", response={200: CaseOut, **STEP_ERRORS}, summary="申请延期")
def case_request_extension(
    request: HttpRequest, case_id: PathId, payload: ExtensionIn
) -> dict[str, Any]:
    """By ``days`` working days; the holder one rung up (or a supervisor) decides."""
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_request_extension(
            actor=u, case=c, days=payload.days, reason=payload.reason
        ),
    )


@router.post(
    "/{int:case_id}/extension/decision",
    response={200: CaseOut, **STEP_ERRORS},
    summary="审批延期",
)
def case_decide_extension(
    request: HttpRequest, case_id: PathId, payload: ExtensionDecisionIn
) -> dict[str, Any]:
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_decide_extension(
            actor=u, case=c, approve=payload.approve, reason=payload.reason
        ),
    )


@router.post("/{int:case_id}/supervise", response={200: CaseOut, **STEP_ERRORS}, summary="督办")
def case_supervise(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> dict[str, Any]:
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_supervise(actor=u, case=c, reason=payload.reason),
    )


@router.post("/{int:case_id}/hold", response={200: CaseOut, **STEP_ERRORS}, summary="挂账")
def case_hold(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> dict[str, Any]:
    """Not solvable now (community and above); the explanation stays on the case."""
    return case_step(
        request, case_id, lambda u, c: services.case_hold(actor=u, case=c, reason=payload.reason)
    )


@router.post("/{int:case_id}/resume", response={200: CaseOut, **STEP_ERRORS}, summary="恢复办理")
def case_resume(
    request: HttpRequest, case_id: PathId, payload: OptionalReasonIn | None = None
) -> dict[str, Any]:
    """Back to work after 挂账; new resolution clocks start. The body may be omitted."""
    reason = payload.reason if payload is not None else ""
    return case_step(
        request, case_id, lambda u, c: services.case_resume(actor=u, case=c, reason=reason)
    )


@router.post("/{int:case_id}/rate", response={200: CaseOut, **STEP_ERRORS}, summary="回访评价")
def case_rate(request: HttpRequest, case_id: PathId, payload: RateIn) -> dict[str, Any]:
    """The raiser (or community staff recording a phone follow-up) rates a resolved
    case: solved and (basically) satisfied closes it; otherwise it is handled again."""
    return case_step(
        request,
        case_id,
        lambda u, c: services.case_rate(
            actor=u,
            case=c,
            solved=payload.solved,
            satisfaction=payload.satisfaction,
            comment=payload.comment,
        ),
    )


@router.post("/{int:case_id}/merge", response={200: CaseOut, **STEP_ERRORS}, summary="合并重复件")
def case_merge(request: HttpRequest, case_id: PathId, payload: MergeIn) -> dict[str, Any]:
    """Merge this duplicate ``into`` another case (its number or id) of the county."""

    def run(user: User, case: Case) -> object:
        into = case_by_key(user, payload.into)
        return services.case_merge(actor=user, case=case, into=into, reason=payload.reason)

    return case_step(request, case_id, run)


@router.post("/{int:case_id}/comment", response={201: EventOut, **STEP_ERRORS}, summary="添加备注")
def case_comment(
    request: HttpRequest, case_id: PathId, payload: CommentIn
) -> Status[dict[str, Any]]:
    """An internal note on the timeline (the holder and supervisors)."""
    user = request_user(request)
    case = access_case(user, case_id)
    event = services.case_comment(actor=user, case=case, text=payload.text)
    return Status(201, event_out(event, actor=user.get_full_name() or user.get_username()))
