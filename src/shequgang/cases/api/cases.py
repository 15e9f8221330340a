"""API for cases (mounted at /api/v1/cases): raise, list, read, and every step of the
「四议」 workflow.

Endpoints parse, call one service or selector, and serialize. A case is reached only
through ``access_case``: missing and out of scope are the same 404. The services decide
what is allowed under the row lock — a step the transition table does not allow from
the case's status is 409 ``invalid_transition`` and changes nothing; a step the caller
may not take is 403. Raising a case and resolving one take ``multipart/form-data``
(photos travel as files named ``photos``); every other step takes a JSON body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Form, Query, Router, Status, UploadedFile
from ninja.params import functions as param_functions

from shequgang import reference_cache
from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import (
    HEADER,
    MAX_KEY_LENGTH,
    RenderedJSON,
    run_idempotent_prepared,
)
from shequgang.apikit.schemas import PathId, SafeStr, errors
from shequgang.cases import services
from shequgang.cases.access import access_case, access_case_by_number
from shequgang.cases.api.out import (
    PHOTOS_FILE,
    case_detail_out,
    case_detail_response,
    case_page_out,
    case_reread,
    category_by_code,
    photo_digests,
)
from shequgang.cases.api.schemas import (
    CaseCreateIn,
    CaseDetailOut,
    CaseFilters,
    CasePageOut,
)
from shequgang.cases.queries.case_page import body_response, render_body
from shequgang.cases.queries.selectors import case_search
from shequgang.errors import NotFound
from shequgang.people.scope import access_place, load_assignments_cached
from shequgang.places.selectors import place_by_id_cached

router = Router(tags=["事项"])

_IDEMPOTENCY_KEY = param_functions.Header(
    None,
    alias=HEADER,
    max_length=MAX_KEY_LENGTH,
    description="重试时带上同一个键：只会生成一个事项，并返回第一次的结果",
)
_PHOTO_RESPONSE = {
    "description": "照片文件",
    "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
}
CaseNumber = Annotated[SafeStr, param_functions.Path(..., max_length=32, description="事项编号")]


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
def case_detail(request: HttpRequest, case_id: PathId) -> HttpResponse:
    """The case with its timeline, photos and the actions the caller may take now."""
    user = request_user(request)
    return case_detail_response(user, access_case(user, case_id))


@router.get(
    "/by-number/{number}", response={200: CaseDetailOut, **errors(404)}, summary="按编号查事项"
)
def case_by_number(request: HttpRequest, number: CaseNumber) -> HttpResponse:
    user = request_user(request)
    case = access_case_by_number(user, number)
    return case_detail_response(user, case_reread(case))


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
    photos: list[UploadedFile] | None = PHOTOS_FILE,
    idempotency_key: str | None = _IDEMPOTENCY_KEY,
) -> HttpResponse | Status[Any]:
    """Raise a case (multipart/form-data). Anyone signed in raises as a resident; staff
    may give another ``source`` if they may raise cases over the place (else 404). Photos
    are checked (400 ``invalid_photo``, ``photo_too_large``, ``too_many_photos``) and
    stored without EXIF. With an ``Idempotency-Key`` header a retry returns the first
    response (same status and body) and never raises a second case."""
    user = request_user(request)
    files = list(photos or [])
    # Reads of rows that rarely change, from the process's copies while the database
    # says they are current (shequgang.reference_cache; for a token, at no extra query).
    generation = reference_cache.generation_of(user)
    place = place_by_id_cached(pk=payload.place, generation=generation)
    if place is None:
        raise NotFound("地点")
    category = reference_cache.fresh(
        reference_cache.cached(
            generation, ("category", payload.category), lambda: category_by_code(payload.category)
        )
    )

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
            generation=generation,
        )
        # The body reads them: load them before the writes too.
        load_assignments_cached(user, generation=generation)
        # The rows too: the transaction only numbers and sends them (create_write).
        rows = services.creation_rows(draft)

        def write() -> tuple[int, Any]:
            created = services.creation_write(rows)
            # The body from what was just written (the GET of the case gives the same),
            # rendered once: the answer and the idempotency record's copy.
            body = case_detail_out(user, created.case, photos=created.photos, events=created.events)
            return 201, RenderedJSON(render_body(body))

        return write

    fingerprint = {**payload.model_dump(mode="json"), "photos": photo_digests(files)}
    # Photos are files: a rolled-back duplicate would leave them behind, so a case with
    # photos takes the record first (apikit.idempotency).
    status, body = run_idempotent_prepared(
        request,
        operation="case.create",
        payload=fingerprint,
        prepare=prepare,
        record_last=not files,
    )
    if isinstance(body, RenderedJSON):
        return body_response(body, status=status)
    # A retry: the first answer as stored, through the schema (as every replay).
    return Status(status, body)
