"""What the case endpoints share: a case serialized (one, with its detail, a keyset page),
looking a category or a case up, and running one step on a case in the caller's scope."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja.params import functions as param_functions

from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import errors
from shequgang.cases.access import access_case, access_case_by_number, may_see_raiser
from shequgang.cases.api.schemas import (
    CaseDetailOut,
    CaseOut,
    EventOut,
    PhotoOut,
)
from shequgang.cases.models import Case, CaseEvent, CasePhoto, Category, children_exist
from shequgang.cases.queries.case_page import case_page_response
from shequgang.cases.queries.selectors import allowed_actions, case_timeline
from shequgang.errors import DomainError

CASE_RELATED = (
    "category",
    "place",
    "handler_place",
    "handler_department",
    "merged_into",
    "dispatcher_place",
)
PHOTOS_FILE = param_functions.File(None, description="照片（JPEG、PNG、WebP，最多9张）")
# What every step may answer: bad input, not allowed, not found, not from this status.
STEP_ERRORS = errors(400, 403, 404, 409)


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


def category_by_code(code: str) -> Category:
    category = (
        Category.objects.filter(code=code, active=True)
        .annotate(children_exist=children_exist())
        .first()
    )
    if category is None:
        raise DomainError("invalid_category", "请选择具体的事项小类")
    return category


def case_by_key(user: User, key: str) -> Case:
    """A case the user may see, by id or by number."""
    key = key.strip()
    return access_case(user, key) if key.isdigit() else access_case_by_number(user, key)


def case_reread(case: Case) -> Case:
    """The case as it is now, with the rows its serialization reads."""
    return Case.objects.select_related(*CASE_RELATED).get(pk=case.pk)


def photo_digests(photos: Sequence[Any]) -> list[str]:
    """The photos' content, for the idempotency fingerprint; each file is rewound."""
    digests = []
    for photo in photos:
        digest = hashlib.sha256()
        for chunk in photo.chunks():
            digest.update(chunk)
        photo.seek(0)
        digests.append(digest.hexdigest())
    return digests


def case_step(request: HttpRequest, case_id: int, run: Callable[[User, Case], object]) -> CaseOut:
    """Find the case in the caller's scope, run one service, answer with the case as it
    is now — also when the step took it out of the caller's scope (a transfer): the
    caller just acted on it, and a later read is the usual 404."""
    user = request_user(request)
    case = access_case(user, case_id)
    run(user, case)
    return case_out(user, case_reread(case))
