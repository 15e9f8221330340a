"""What the case endpoints share: a case serialized (one, with its detail, a keyset page),
looking a category or a case up, and running one step on a case in the caller's scope."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja.params import functions as param_functions

from shequgang.actors import UserLike
from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import errors
from shequgang.cases.access import access_case, access_case_by_number, may_see_raiser
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
    Category,
    EventKind,
    children_exist,
)
from shequgang.cases.queries.case_page import (
    body_response,
    case_item,
    case_page_response,
    render_body,
)
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
_EVENT_KINDS = {value: str(label) for value, label in EventKind.choices}
PHOTOS_FILE = param_functions.File(None, description="照片（JPEG、PNG、WebP，最多9张）")
# What every step may answer: bad input, not allowed, not found, not from this status.
STEP_ERRORS = errors(400, 403, 404, 409)


# --- Serializing ---------------------------------------------------------------------------
# Bodies are built as JSON-ready dicts, key for key what ``CaseOut`` / ``CaseDetailOut``
# dump (cases/tests/test_case_bodies.py validates them against the schemas), without a
# pydantic model per case, event and photo: building and then re-validating those was a
# fifth of the CPU of raising a case (docs/benchmarks.md). The case's own fields are
# ``case_page.case_item``'s, the one copy shared with the lists.


def case_row(case: Case) -> dict[str, Any]:
    """A case instance as the row of ``case_page.COLUMNS`` that ``case_item`` renders."""
    place, holder, dept = case.place, case.handler_place, case.handler_department
    # The id first: most cases were never dispatched, and reading the relation of a row
    # fetched without it would cost a query.
    dispatcher = case.dispatcher_place if case.dispatcher_place_id is not None else None
    return {
        "id": case.pk,
        "number": case.number,
        "source": case.source,
        "category__code": case.category.code,
        "category__name": case.category.name,
        "title": case.title,
        "place_id": place.pk,
        "place__kind": place.kind,
        "place__name": place.name,
        "place_path": case.place_path,
        "status": case.status,
        "rung": case.rung,
        "handler_place_id": holder.pk if holder is not None else None,
        "handler_place__kind": holder.kind if holder is not None else None,
        "handler_place__name": holder.name if holder is not None else None,
        "handler_department_id": dept.pk if dept is not None else None,
        "handler_department__name": dept.name if dept is not None else None,
        "created_at": case.created_at,
        "assigned_at": case.assigned_at,
        "ack_due_at": case.ack_due_at,
        "resolve_due_at": case.resolve_due_at,
        "dispatcher_place_id": dispatcher.pk if dispatcher is not None else None,
        "dispatcher_place__kind": dispatcher.kind if dispatcher is not None else None,
        "dispatcher_place__name": dispatcher.name if dispatcher is not None else None,
        "verify_due_at": case.verify_due_at,
        "supervised_at": case.supervised_at,
        "anonymous": case.anonymous,
        "raiser_id": case.raiser_id,
        "raiser_name": case.raiser_name,
        "raiser_phone_masked": case.raiser_phone_masked,
    }


def case_out(user: UserLike, case: Case, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The ``CaseOut`` body of ``case`` for ``user``."""
    return case_item(
        case_row(case),
        show_raiser=may_see_raiser(user, case),
        user_id=user.pk,
        now=now or timezone.now(),
    )


def event_out(event: CaseEvent, *, actor: str | None) -> dict[str, Any]:
    """An ``EventOut`` body."""
    return {
        "id": event.pk,
        "at": event.at,
        "kind": event.kind,
        "kind_label": _EVENT_KINDS.get(event.kind, event.kind),
        "actor": actor,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "from_rung": event.from_rung,
        "to_rung": event.to_rung,
        "reason": event.reason,
        "data": event.data,
    }


def photo_out(photo: CasePhoto, *, case_id: int) -> dict[str, Any]:
    """A ``PhotoOut`` body."""
    return {
        "id": photo.pk,
        "url": reverse("api:case_photo", kwargs={"case_id": case_id, "photo_id": photo.pk}),
        "purpose": photo.purpose,
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "size": photo.size,
        "uploaded_at": photo.uploaded_at,
    }


def case_detail_out(
    user: User,
    case: Case,
    *,
    photos: Sequence[CasePhoto] | None = None,
    events: Sequence[CaseEvent] | None = None,
) -> dict[str, Any]:
    """The ``CaseDetailOut`` body. ``photos`` and ``events``: all of the case's, oldest
    first, when the caller has them (a case just created) — else they are read."""
    if photos is None:
        photos = list(case.photos.order_by("id"))
    return {
        **case_out(user, case),
        "description": case.description,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "acknowledged_at": case.acknowledged_at,
        "supervised_at": case.supervised_at,
        "extension_days_requested": case.extension_days_requested,
        "escalations": case.escalations,
        "reopens": case.reopens,
        "resolved_at": case.resolved_at,
        "resolved_rung": case.resolved_rung,
        "resolution": case.resolution,
        "closed_at": case.closed_at,
        "solved": case.solved,
        "satisfaction": case.satisfaction,
        "rating_comment": case.rating_comment,
        "rated_at": case.rated_at,
        "hold_reason": case.hold_reason,
        "merged_into": case.merged_into.number if case.merged_into is not None else None,
        "events": [event_out(e.event, actor=e.actor) for e in case_timeline(user, case, events)],
        "photos": [photo_out(p, case_id=case.pk) for p in photos],
        "actions": allowed_actions(user, case),
    }


def case_detail_response(user: User, case: Case, *, status: int = 200) -> HttpResponse:
    """``case_detail_out`` rendered as ninja renders a ``CaseDetailOut``."""
    return body_response(render_body(case_detail_out(user, case)), status=status)


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


def case_step(
    request: HttpRequest, case_id: int, run: Callable[[User, Case], object]
) -> dict[str, Any]:
    """Find the case in the caller's scope, run one service, answer with the case as it
    is now — also when the step took it out of the caller's scope (a transfer): the
    caller just acted on it, and a later read is the usual 404."""
    user = request_user(request)
    case = access_case(user, case_id)
    run(user, case)
    return case_out(user, case_reread(case))
