"""API for cases (mounted at /api/v1/cases): raise, list, read, and every step of the
「四议」 workflow.

Endpoints parse, call one service or selector, and serialize. A case is reached only
through ``access_case``: missing and out of scope are the same 404. The services decide
what is allowed under the row lock — a step the transition table does not allow from
the case's status is 409 ``invalid_transition`` and changes nothing; a step the caller
may not take is 403. Raising a case and resolving one take ``multipart/form-data``
(photos travel as files named ``photos``); every other step takes a JSON body."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Form, Query, Router, Status, UploadedFile
from ninja.params import functions as param_functions

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import HEADER, MAX_KEY_LENGTH, run_idempotent_prepared
from shequgang.apikit.schemas import PathId, SafeStr, errors
from shequgang.cases import services
from shequgang.cases.access import access_case, access_case_by_number, may_see_raiser
from shequgang.cases.case_page import case_page_response
from shequgang.cases.models import Case, CaseEvent, CasePhoto, Category, children_exist
from shequgang.cases.schemas import (
    CaseCreateIn,
    CaseDetailOut,
    CaseFilters,
    CaseOut,
    CasePageOut,
    CommentIn,
    EventOut,
    ExtensionDecisionIn,
    ExtensionIn,
    MergeIn,
    OptionalReasonIn,
    PhotoOut,
    RateIn,
    ReasonIn,
    RerouteIn,
    ResolveIn,
    TransferIn,
)
from shequgang.cases.selectors import allowed_actions, case_search, case_timeline
from shequgang.errors import DomainError, NotFound
from shequgang.people.scope import access_place, active_assignments
from shequgang.places.models import Department, Place

router = Router(tags=["事项"])

_RELATED = (
    "category",
    "place",
    "handler_place",
    "handler_department",
    "merged_into",
    "dispatcher_place",
)
_IDEMPOTENCY_KEY = param_functions.Header(
    None,
    alias=HEADER,
    max_length=MAX_KEY_LENGTH,
    description="重试时带上同一个键：只会生成一个事项，并返回第一次的结果",
)
_PHOTOS = param_functions.File(None, description="照片（JPEG、PNG、WebP，最多9张）")
_PHOTO_RESPONSE = {
    "description": "照片文件",
    "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
}
CaseNumber = Annotated[SafeStr, param_functions.Path(..., max_length=32, description="事项编号")]
# What every step may answer: bad input, not allowed, not found, not from this status.
_STEP_ERRORS = errors(400, 403, 404, 409)


# --- Serializing ---------------------------------------------------------------------------


def case_out(user: User, case: Case) -> CaseOut:
    return CaseOut.build(
        case,
        show_raiser=may_see_raiser(user, case),
        raised_by_me=case.raiser_id == user.pk,
        now=timezone.now(),
    )


def case_detail_out(
    user: User,
    case: Case,
    *,
    photos: Sequence[CasePhoto] | None = None,
    events: Sequence[CaseEvent] | None = None,
) -> CaseDetailOut:
    """``photos`` and ``events``: all of the case's, oldest first, when the caller has
    them (a case just created) — else they are read."""
    if photos is None:
        photos = list(case.photos.order_by("id"))
    return CaseDetailOut.build_detail(
        case,
        show_raiser=may_see_raiser(user, case),
        raised_by_me=case.raiser_id == user.pk,
        now=timezone.now(),
        events=[EventOut.build(e.event, actor=e.actor) for e in case_timeline(user, case, events)],
        photos=[
            PhotoOut.build(
                p, url=reverse("api:case_photo", kwargs={"case_id": case.pk, "photo_id": p.pk})
            )
            for p in photos
        ],
        actions=allowed_actions(user, case),
    )


def case_page_out(
    user: User, cases: QuerySet[Case], *, cursor: str | None, limit: int
) -> HttpResponse:
    """One keyset page of ``cases`` (ordered, ending with the id) after ``cursor``: the
    body of a ``CasePageOut``, rendered without a model or a schema per row
    (``case_page``). Endpoints returning it declare ``response={200: CasePageOut}``."""
    return case_page_response(user, cases, cursor=cursor, limit=limit, now=timezone.now())


# --- Looking things up ----------------------------------------------------------------------


def _category(code: str) -> Category:
    category = (
        Category.objects.filter(code=code, active=True)
        .annotate(children_exist=children_exist())
        .first()
    )
    if category is None:
        raise DomainError("invalid_category", "请选择具体的事项小类")
    return category


def _case_by_key(user: User, key: str) -> Case:
    """A case the user may see, by id or by number."""
    key = key.strip()
    return access_case(user, key) if key.isdigit() else access_case_by_number(user, key)


def _reread(case: Case) -> Case:
    """The case as it is now, with the rows its serialization reads."""
    return Case.objects.select_related(*_RELATED).get(pk=case.pk)


def _photo_digests(photos: Sequence[Any]) -> list[str]:
    """The photos' content, for the idempotency fingerprint; each file is rewound."""
    digests = []
    for photo in photos:
        digest = hashlib.sha256()
        for chunk in photo.chunks():
            digest.update(chunk)
        photo.seek(0)
        digests.append(digest.hexdigest())
    return digests


# --- Lists and reads ------------------------------------------------------------------------


@router.get("", response={200: CasePageOut, **errors(400, 404)}, summary="事项列表")
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> HttpResponse:
    """The cases the caller may see, soonest resolution deadline first (so overdue cases
    lead), then by id. Keyset pages: pass ``next_cursor`` back as ``cursor``; a cursor
    this server did not issue is 400 ``invalid_cursor``. ``place`` must be a place the
    caller may see (else 404)."""
    user = request_user(request)
    within = access_place(user, filters.place) if filters.place is not None else None
    cases = case_search(
        user=user,
        status=filters.status,
        rung=filters.rung,
        category=filters.category,
        within=within,
        overdue=filters.overdue,
        q=filters.q.strip(),
        mine=filters.mine,
    )
    return case_page_out(user, cases, cursor=filters.cursor, limit=filters.limit)


@router.get("/{int:case_id}", response={200: CaseDetailOut, **errors(404)}, summary="事项详情")
def case_detail(request: HttpRequest, case_id: PathId) -> CaseDetailOut:
    """The case with its timeline, photos and the actions the caller may take now."""
    user = request_user(request)
    return case_detail_out(user, access_case(user, case_id))


@router.get(
    "/by-number/{number}", response={200: CaseDetailOut, **errors(404)}, summary="按编号查事项"
)
def case_by_number(request: HttpRequest, number: CaseNumber) -> CaseDetailOut:
    user = request_user(request)
    case = access_case_by_number(user, number)
    return case_detail_out(user, _reread(case))


@router.get(
    "/{int:case_id}/photos/{int:photo_id}",
    response=errors(404),
    openapi_extra={"responses": {200: _PHOTO_RESPONSE}},
    url_name="case_photo",
    summary="事项照片",
)
def case_photo(request: HttpRequest, case_id: PathId, photo_id: PathId) -> FileResponse:
    """A photo of a case the caller may see (photos are not public media)."""
    case = access_case(request_user(request), case_id)
    photo = case.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound("照片")
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Raising --------------------------------------------------------------------------------


@router.post("", response={201: CaseDetailOut, **errors(400, 403, 404)}, summary="上报事项")
def case_raise(
    request: HttpRequest,
    payload: Form[CaseCreateIn],
    photos: list[UploadedFile] | None = _PHOTOS,
    idempotency_key: str | None = _IDEMPOTENCY_KEY,
) -> Status[Any]:
    """Raise a case (multipart/form-data). Anyone signed in raises as a resident; staff
    may give another ``source`` if they may raise cases over the place (else 404). Photos
    are checked (400 ``invalid_photo``, ``photo_too_large``, ``too_many_photos``) and
    stored without EXIF. With an ``Idempotency-Key`` header a retry returns the first
    response (same status and body) and never raises a second case."""
    user = request_user(request)
    files = list(photos or [])
    place = Place.objects.filter(pk=payload.place).first()
    if place is None:
        raise NotFound("地点")
    category = _category(payload.category)

    def prepare() -> Callable[[], tuple[int, Any]]:
        # Checks and reads, outside the writing transaction.
        draft = services.case_draft(
            actor=user,
            source=payload.source,
            category=category,
            place=place,
            title=payload.title,
            description=payload.description,
            latitude=payload.latitude,
            longitude=payload.longitude,
            raiser_name=payload.raiser_name,
            raiser_phone=payload.raiser_phone,
            anonymous=payload.anonymous,
            photos=files,
        )
        active_assignments(user)  # the body reads them: load them before the writes too

        def write() -> tuple[int, Any]:
            created = services.case_draft_save(draft)
            # The body from what was just written (the GET of the case gives the same).
            body = case_detail_out(user, created.case, photos=created.photos, events=created.events)
            return 201, body.model_dump(mode="json")

        return write

    fingerprint = {**payload.model_dump(mode="json"), "photos": _photo_digests(files)}
    return Status(
        *run_idempotent_prepared(
            request, operation="case.create", payload=fingerprint, prepare=prepare
        )
    )


# --- Steps of the workflow ------------------------------------------------------------------


def _step(request: HttpRequest, case_id: int, run: Callable[[User, Case], object]) -> CaseOut:
    """Find the case in the caller's scope, run one service, answer with the case as it
    is now — also when the step took it out of the caller's scope (a transfer): the
    caller just acted on it, and a later read is the usual 404."""
    user = request_user(request)
    case = access_case(user, case_id)
    run(user, case)
    return case_out(user, _reread(case))


@router.post("/{int:case_id}/acknowledge", response={200: CaseOut, **_STEP_ERRORS}, summary="签收")
def case_acknowledge(request: HttpRequest, case_id: PathId) -> CaseOut:
    return _step(request, case_id, lambda u, c: services.case_acknowledge(actor=u, case=c))


@router.post("/{int:case_id}/start", response={200: CaseOut, **_STEP_ERRORS}, summary="开始办理")
def case_start(request: HttpRequest, case_id: PathId) -> CaseOut:
    return _step(request, case_id, lambda u, c: services.case_start(actor=u, case=c))


@router.post("/{int:case_id}/resolve", response={200: CaseOut, **_STEP_ERRORS}, summary="办结")
def case_resolve(
    request: HttpRequest,
    case_id: PathId,
    payload: Form[ResolveIn],
    photos: list[UploadedFile] | None = _PHOTOS,
) -> CaseOut:
    """What was done (multipart/form-data), with optional evidence photos; the raiser is
    then asked to rate it."""
    files = list(photos or [])
    return _step(
        request,
        case_id,
        lambda u, c: services.case_resolve(
            actor=u, case=c, resolution=payload.resolution, photos=files
        ),
    )


@router.post("/{int:case_id}/return", response={200: CaseOut, **_STEP_ERRORS}, summary="退回")
def case_return(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> CaseOut:
    """Wrong rung or category: the community re-routes it (``/reroute``)."""
    return _step(
        request, case_id, lambda u, c: services.case_return(actor=u, case=c, reason=payload.reason)
    )


@router.post("/{int:case_id}/reroute", response={200: CaseOut, **_STEP_ERRORS}, summary="重新分派")
def case_reroute(request: HttpRequest, case_id: PathId, payload: RerouteIn) -> CaseOut:
    """A returned case, with a corrected category and/or starting rung."""
    category = _category(payload.category) if payload.category else None
    return _step(
        request,
        case_id,
        lambda u, c: services.case_reroute(
            actor=u, case=c, category=category, rung=payload.rung, reason=payload.reason
        ),
    )


@router.post("/{int:case_id}/transfer", response={200: CaseOut, **_STEP_ERRORS}, summary="流转")
def case_transfer(request: HttpRequest, case_id: PathId, payload: TransferIn) -> CaseOut:
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
    return _step(
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


@router.post("/{int:case_id}/escalate", response={200: CaseOut, **_STEP_ERRORS}, summary="提级上报")
def case_escalate(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> CaseOut:
    return _step(
        request,
        case_id,
        lambda u, c: services.case_escalate(actor=u, case=c, reason=payload.reason),
    )


@router.post(
    "/{int:case_id}/extension", response={200: CaseOut, **_STEP_ERRORS}, summary="申请延期"
)
def case_request_extension(request: HttpRequest, case_id: PathId, payload: ExtensionIn) -> CaseOut:
    """By ``days`` working days; the holder one rung up (or a supervisor) decides."""
    return _step(
        request,
        case_id,
        lambda u, c: services.case_request_extension(
            actor=u, case=c, days=payload.days, reason=payload.reason
        ),
    )


@router.post(
    "/{int:case_id}/extension/decision",
    response={200: CaseOut, **_STEP_ERRORS},
    summary="审批延期",
)
def case_decide_extension(
    request: HttpRequest, case_id: PathId, payload: ExtensionDecisionIn
) -> CaseOut:
    return _step(
        request,
        case_id,
        lambda u, c: services.case_decide_extension(
            actor=u, case=c, approve=payload.approve, reason=payload.reason
        ),
    )


@router.post("/{int:case_id}/supervise", response={200: CaseOut, **_STEP_ERRORS}, summary="督办")
def case_supervise(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> CaseOut:
    return _step(
        request,
        case_id,
        lambda u, c: services.case_supervise(actor=u, case=c, reason=payload.reason),
    )


@router.post("/{int:case_id}/hold", response={200: CaseOut, **_STEP_ERRORS}, summary="挂账")
def case_hold(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> CaseOut:
    """Not solvable now (community and above); the explanation stays on the case."""
    return _step(
        request, case_id, lambda u, c: services.case_hold(actor=u, case=c, reason=payload.reason)
    )


@router.post("/{int:case_id}/resume", response={200: CaseOut, **_STEP_ERRORS}, summary="恢复办理")
def case_resume(
    request: HttpRequest, case_id: PathId, payload: OptionalReasonIn | None = None
) -> CaseOut:
    """Back to work after 挂账; new resolution clocks start. The body may be omitted."""
    reason = payload.reason if payload is not None else ""
    return _step(
        request, case_id, lambda u, c: services.case_resume(actor=u, case=c, reason=reason)
    )


@router.post("/{int:case_id}/rate", response={200: CaseOut, **_STEP_ERRORS}, summary="回访评价")
def case_rate(request: HttpRequest, case_id: PathId, payload: RateIn) -> CaseOut:
    """The raiser (or community staff recording a phone follow-up) rates a resolved
    case: solved and (basically) satisfied closes it; otherwise it is handled again."""
    return _step(
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


@router.post("/{int:case_id}/merge", response={200: CaseOut, **_STEP_ERRORS}, summary="合并重复件")
def case_merge(request: HttpRequest, case_id: PathId, payload: MergeIn) -> CaseOut:
    """Merge this duplicate ``into`` another case (its number or id) of the county."""

    def run(user: User, case: Case) -> object:
        into = _case_by_key(user, payload.into)
        return services.case_merge(actor=user, case=case, into=into, reason=payload.reason)

    return _step(request, case_id, run)


@router.post("/{int:case_id}/comment", response={201: EventOut, **_STEP_ERRORS}, summary="添加备注")
def case_comment(request: HttpRequest, case_id: PathId, payload: CommentIn) -> Status[EventOut]:
    """An internal note on the timeline (the holder and supervisors)."""
    user = request_user(request)
    case = access_case(user, case_id)
    event = services.case_comment(actor=user, case=case, text=payload.text)
    return Status(201, EventOut.build(event, actor=user.get_full_name() or user.get_username()))
