"""API around the cases (mounted at /api/v1): the category tree a case is raised in, the
measures (三率 and the ladder shares) with the cases behind each figure, and the
caller's inbox of notifications."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from shequgang.apikit.auth import request_user
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.schemas import PathId, errors
from shequgang.cases.access import case_scope_q
from shequgang.cases.api.desk_schemas import (
    DrillQuery,
    MeasureName,
    MeasurePart,
    MeasuresOut,
    NotificationOut,
    NotificationPageOut,
    PeriodQuery,
)
from shequgang.cases.api.out import case_page_out
from shequgang.cases.api.schemas import CasePageOut, CategoryGroupOut, CategoryOut
from shequgang.cases.engine.measures import compute_measures, measure_cases
from shequgang.cases.models import Category
from shequgang.cases.services.notifications import inbox_of, notification_mark_read, unread_count
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place
from shequgang.places.schemas import PlaceRef

router = Router(tags=["事项分类·统计·消息"])


@router.get("/categories", response={200: list[CategoryGroupOut], **errors()}, summary="事项分类")
def category_tree(request: HttpRequest) -> list[CategoryGroupOut]:
    """The active categories: each 大类 with its active 小类, in the admin's order."""
    active = list(Category.objects.filter(active=True).order_by("sort", "id"))
    return [
        CategoryGroupOut(
            code=group.code,
            name=group.name,
            children=[CategoryOut.build(c) for c in active if c.parent_id == group.pk],
        )
        for group in active
        if group.parent_id is None
    ]


@router.get("/measures", response={200: MeasuresOut, **errors(404)}, summary="统计指标")
def measures(request: HttpRequest, query: Query[PeriodQuery]) -> MeasuresOut:
    """The figures for the cases raised in [start, end) inside ``place``'s subtree, a
    place where the caller may view cases (else 404)."""
    place = access_place(request_user(request), query.place, Perm.CASE_VIEW)
    start, end = query.period(timezone.now())
    figures = compute_measures(path=place.path, start=start, end=end)
    return MeasuresOut.build(figures, place=PlaceRef.from_orm(place), start=start, end=end)


@router.get(
    "/measures/{name}/{part}",
    response={200: CasePageOut, **errors(400, 404)},
    summary="指标明细（分子或分母的事项）",
)
def measure_drill_down(
    request: HttpRequest, name: MeasureName, part: MeasurePart, query: Query[DrillQuery]
) -> HttpResponse:
    """The cases one figure of ``GET /measures`` counts, for the same place and period:
    its numerator or its denominator. Keyset pages, as ``GET /cases``."""
    user = request_user(request)
    place = access_place(user, query.place, Perm.CASE_VIEW)
    start, end = query.period(timezone.now())
    cases = measure_cases(name=name, part=part, path=place.path, start=start, end=end)
    # Already inside the caller's scope (case.view over the place); kept as a guard.
    cases = cases.filter(case_scope_q(user)).order_by("resolve_due_at", "id")
    return case_page_out(user, cases, cursor=query.cursor, limit=query.limit)


@router.get("/notifications", response={200: NotificationPageOut, **errors()}, summary="我的消息")
def notification_list(request: HttpRequest, page: Query[PageParams]) -> NotificationPageOut:
    """The caller's delivered notifications: unread first, then newest first."""
    user = request_user(request)
    unread_first = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    notes = inbox_of(user).annotate(is_unread=unread_first)
    found = page_of(notes.order_by("-is_unread", "-created_at", "-id"), page)
    return NotificationPageOut(
        count=found["count"],
        limit=found["limit"],
        offset=found["offset"],
        items=[NotificationOut.build(n) for n in found["items"]],
        unread=unread_count(user),
    )


@router.post(
    "/notifications/{int:notification_id}/read",
    response={200: NotificationOut, **errors(404)},
    summary="标记已读",
)
def notification_read(request: HttpRequest, notification_id: PathId) -> NotificationOut:
    """Marks one of the caller's notifications read (again: no change)."""
    note = notification_mark_read(user=request_user(request), notification_id=notification_id)
    return NotificationOut.build(note)
