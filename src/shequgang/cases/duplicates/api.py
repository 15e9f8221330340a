"""API for duplicate detection (mounted at /api/v1): the open cases a report being raised
probably repeats, "me too" on one of them, and the cases the caller follows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.params import functions as param_functions

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import HEADER, MAX_KEY_LENGTH, run_idempotent
from shequgang.apikit.schemas import PathId, errors
from shequgang.cases.duplicates.schemas import (
    FollowedCaseOut,
    FollowedPageOut,
    MeTooOut,
    SimilarCaseOut,
    SimilarQuery,
    followed_list_out,
    followed_out,
    suggestions_for,
)
from shequgang.cases.models import Category
from shequgang.cases.services.followers import case_follow, followed_case, followed_cases
from shequgang.errors import DomainError, NotFound
from shequgang.places.models import Place

router = Router(tags=["重复事项"])

_IDEMPOTENCY_KEY = param_functions.Header(
    None, alias=HEADER, max_length=MAX_KEY_LENGTH, description="重试时带上同一个键"
)
FOLLOWED_LIMIT = 200


@router.get(
    "/cases/similar",
    response={200: list[SimilarCaseOut], **errors(400, 404)},
    summary="可能重复的事项",
)
def similar(request: HttpRequest, query: Query[SimilarQuery]) -> list[SimilarCaseOut]:
    """The open cases a report of ``category`` at ``place`` (and/or ``lat``/``lng``) with
    ``text`` most likely repeats, best first: the same or a related category (same 大类),
    in the same compound or within the configured radius, raised within the configured
    window; ranked by distance, recency and text similarity (see ``DuplicateRules``).
    400 ``invalid_category`` for an unknown category, ``place_required`` without a place
    or coordinates, ``invalid_coordinates`` for only one of them; 404 for an unknown
    place. Other residents' reports show no raiser, phone, building or household."""
    user = request_user(request)
    category = Category.objects.filter(code=query.category, active=True).first()
    if category is None:
        raise DomainError("invalid_category", "未知的事项类别")
    place = None
    if query.place is not None:
        place = Place.objects.filter(pk=query.place).first()
        if place is None:
            raise NotFound("地点")
    return suggestions_for(
        user,
        category=category,
        place=place,
        latitude=query.lat,
        longitude=query.lng,
        text=query.text,
    )


@router.post(
    "/cases/{int:case_id}/me-too",
    response={200: MeTooOut, 201: MeTooOut, **errors(404, 409)},
    summary="我也遇到了",
)
def me_too(
    request: HttpRequest, case_id: PathId, idempotency_key: str | None = _IDEMPOTENCY_KEY
) -> Status[Any]:
    """Join an open case instead of raising a new one: the caller then hears what its
    raiser hears. 201 when joined now, 200 when already following (or the raiser): a
    retry writes nothing. 404 for a missing case, 409 ``case_not_open`` for one that is
    resolved, closed or merged."""
    user = request_user(request)

    def write() -> tuple[int, Any]:
        done = case_follow(actor=user, case_id=case_id)
        body = MeTooOut(case_id=done.case.pk, created=done.created)
        return (201 if done.created else 200), body.model_dump(mode="json")

    return Status(
        *run_idempotent(request, operation="case.me_too", payload={"case": case_id}, write=write)
    )


@router.get("/cases/following", response={200: FollowedPageOut, **errors()}, summary="我关注的事项")
def following(request: HttpRequest) -> FollowedPageOut:
    """The cases the caller joined ("me too", or their duplicate was merged into it),
    newest first, with their progress (at most 200)."""
    user = request_user(request)
    cases = list(followed_cases(user)[:FOLLOWED_LIMIT])
    return FollowedPageOut(items=followed_list_out(cases))


@router.get(
    "/cases/following/{int:case_id}",
    response={200: FollowedCaseOut, **errors(404)},
    summary="关注事项的进展",
)
def following_detail(request: HttpRequest, case_id: PathId) -> FollowedCaseOut:
    """One followed case with its milestones (no names, no internal notes)."""
    case = followed_case(request_user(request), case_id)
    return followed_out(case, with_milestones=True)
