"""A keyset page of cases for the list endpoints (``GET /cases``, the dispatch queue, the
measures' drill-downs, a grid's queue), read as ``.values()`` rows and rendered straight
to JSON.

The body is what ``CasePageOut`` of ``CaseOut.build`` items renders, key for key and
value for value — the same raiser masking (``raiser_visible``), ``raised_by_me`` and
``overdue`` rules, the same cursor — and cases/tests/test_case_page.py holds the two
equal. What it skips is the model path's cost per row: four model instances (the case,
its category, place and holder) and pydantic validating and dumping some fifty values,
most of a page's CPU time (docs/benchmarks.md, "Work queue"). The endpoints still
declare ``CasePageOut``, which documents this body in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import HttpResponse
from ninja.renderers import JSONRenderer

from shequgang.actors import UserLike
from shequgang.cases.access import raiser_visible
from shequgang.cases.engine.deadlines import lateness
from shequgang.cases.models import Case
from shequgang.cases.queries.keyset import keyset_page, ordering_fields

# What ``CaseOut.fields_of`` reads, as columns (the joins are those of its
# select_related: category, place, handler_place, handler_department, dispatcher_place).
COLUMNS: tuple[str, ...] = (
    "id",
    "number",
    "source",
    "category__code",
    "category__name",
    "title",
    "place_id",
    "place__kind",
    "place__name",
    "place_path",
    "status",
    "rung",
    "handler_place_id",
    "handler_place__kind",
    "handler_place__name",
    "handler_department_id",
    "handler_department__name",
    "created_at",
    "assigned_at",
    "ack_due_at",
    "resolve_due_at",
    "dispatcher_place_id",
    "dispatcher_place__kind",
    "dispatcher_place__name",
    "verify_due_at",
    "supervised_at",
    "anonymous",
    "raiser_id",
    "raiser_name",
    "raiser_phone_masked",
)


def _labels(name: str) -> dict[Any, str]:
    """The mapping Django's ``get_<name>_display()`` reads."""
    field = Case._meta.get_field(name)
    assert isinstance(field, models.Field)
    return {value: str(label) for value, label in field.flatchoices}


_SOURCE_LABELS = _labels("source")
_STATUS_LABELS = _labels("status")
_RUNG_LABELS = _labels("rung")
# ninja's default renderer, the one the API renders every other body with.
_RENDERER = JSONRenderer()
_CONTENT_TYPE = f"{_RENDERER.media_type}; charset={_RENDERER.charset}"


def _place(row: dict[str, Any], relation: str) -> dict[str, Any] | None:
    """A ``PlaceRef`` (id, kind, name) of ``relation``; None when unset."""
    if row[f"{relation}_id"] is None or row[f"{relation}__name"] is None:
        return None
    return {
        "id": row[f"{relation}_id"],
        "kind": row[f"{relation}__kind"],
        "name": row[f"{relation}__name"],
    }


def case_item(
    row: dict[str, Any], *, show_raiser: bool, user_id: Any, now: dt.datetime
) -> dict[str, Any]:
    """One ``CaseOut`` as the JSON-ready dict ninja would dump, from a row of ``COLUMNS``."""
    status = row["status"]
    verify_due_at = row["verify_due_at"]
    dept_id = row["handler_department_id"]
    return {
        "id": row["id"],
        "number": row["number"],
        "source": row["source"],
        "source_label": _SOURCE_LABELS.get(row["source"], row["source"]),
        "category": {"code": row["category__code"], "name": row["category__name"]},
        "title": row["title"],
        "place": _place(row, "place"),
        "status": status,
        "status_label": _STATUS_LABELS.get(status, status),
        "rung": row["rung"],
        "rung_label": _RUNG_LABELS.get(row["rung"], row["rung"]),
        "handler_place": _place(row, "handler_place"),
        "handler_department": {"id": dept_id, "name": row["handler_department__name"]}
        if dept_id is not None
        else None,
        "created_at": row["created_at"],
        "assigned_at": row["assigned_at"],
        "ack_due_at": row["ack_due_at"],
        "resolve_due_at": row["resolve_due_at"],
        "overdue": lateness(
            status=status,
            now=now,
            resolve_due_at=row["resolve_due_at"],
            verify_due_at=verify_due_at,
        ).overdue,
        "dispatcher": _place(row, "dispatcher_place"),
        "verify_due_at": verify_due_at,
        "supervised": row["supervised_at"] is not None,
        "anonymous": row["anonymous"],
        "raised_by_me": row["raiser_id"] == user_id,
        "raiser_name": row["raiser_name"] if show_raiser else None,
        "raiser_phone_masked": row["raiser_phone_masked"] if show_raiser else None,
    }


def case_page(
    user: UserLike, cases: QuerySet[Case], *, cursor: str | None, limit: int, now: dt.datetime
) -> dict[str, Any]:
    """One keyset page of ``cases`` (ordered, ending with the id) after ``cursor``, as
    the dict ``CasePageOut`` dumps to. Raises ``DomainError("invalid_cursor")``."""
    # Two reads: the page's ids, over the ordering columns alone, then their rows by
    # primary key. In one, SQLite joins every candidate row before it sorts them (the
    # city's 3,807 open cases for 51 shown: 7 ms against 2.5 ms at 100,000 cases).
    page = keyset_page(cases.values(*ordering_fields(cases)), cursor=cursor, size=limit)
    ids = [row["id"] for row in page.rows]
    read = {row["id"]: row for row in Case.objects.filter(pk__in=ids).values(*COLUMNS)}
    items = []
    for row in (read[pk] for pk in ids if pk in read):
        show = raiser_visible(
            user,
            anonymous=row["anonymous"],
            raiser_id=row["raiser_id"],
            place_path=row["place_path"],
        )
        items.append(case_item(row, show_raiser=show, user_id=user.pk, now=now))
    return {"items": items, "next_cursor": page.next_cursor}


def case_page_response(
    user: UserLike, cases: QuerySet[Case], *, cursor: str | None, limit: int, now: dt.datetime
) -> HttpResponse:
    """``case_page`` rendered as ninja renders a ``CasePageOut`` (status 200)."""
    return body_response(render_body(case_page(user, cases, cursor=cursor, limit=limit, now=now)))


def render_body(body: Any) -> str:
    """A JSON-ready body (datetimes and all) as ninja's renderer writes it."""
    return json.dumps(body, cls=_RENDERER.encoder_class, **_RENDERER.json_dumps_params)


def body_response(content: str, *, status: int = 200) -> HttpResponse:
    return HttpResponse(content, status=status, content_type=_CONTENT_TYPE)
