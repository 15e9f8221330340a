"""Reads for the GeoReport v2 endpoints: jurisdictions, services (the active leaf case
categories) and the public view of cases and their timelines.

Status mapping. GeoReport knows two statuses. A case is ``closed`` once the engine is
done with it or has delivered its answer — the final statuses (``FINAL_STATUSES``:
closed, merged) and resolved (办结, awaiting the raiser's rating) — and ``open`` in every
other status, so a status the engine adds later reads as open until it is listed here.

What the public sees. GET responses never carry the submitter's name, phone or email.
A case filed for a unit or household is shown at its building (address, address_id),
so a public feed does not point at anyone's door, and its coordinates are rounded to three
decimals (about 100 m). Disputes between neighbours (categories marked ``is_dispute``) are
listed without their description or notes; cases of a private category
(``Category.private``: family matters, hardship, and by default every dispute) are not
listed at all.

Which cases are published. Only those raised through a public door: Open311 itself, a
resident's own report, a grid patrol and a camera alert. Cases taken down by staff on
someone's behalf — the 12345 hotline, door-knocking visits, the livestream, staff
intake — are about people who did not choose to publish, and stay out of the feed.
Free text (the description and the public notes of the timeline) is shown only for
requests filed through Open311 and for patrol and camera reports about public space; a
resident's own report is listed with its service, status, dates and place, without the
words they wrote to their community."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from shequgang.cases.models import (
    FINAL_STATUSES,
    Case,
    CaseEvent,
    Category,
    EventKind,
    Rung,
    Source,
    Status,
)
from shequgang.open311.models import Open311Request, ServiceAttribute
from shequgang.open311.params import Open311Error
from shequgang.places.models import Kind, Place
from shequgang.places.paths import ancestor_paths

CLOSED_STATUSES = frozenset({*FINAL_STATUSES, Status.RESOLVED})
JURISDICTION_KINDS = (Kind.CITY, Kind.COUNTY)
# Places a case is shown at: a unit or household is generalized to its building.
_PRIVATE_KINDS = {Kind.UNIT, Kind.HOUSEHOLD}
# Timeline events whose reason is written for the public (a resolution, a hold's
# explanation, a merge note, an automatic close); other reasons are internal working
# notes, and a close by rating carries the raiser's own comment (never shown).
_PUBLIC_REASONS = {EventKind.RESOLVED, EventKind.ON_HOLD, EventKind.MERGED, EventKind.CLOSED}
# The doors whose cases the feed lists, and those whose free text it shows.
PUBLIC_SOURCES = frozenset({Source.OPEN311, Source.RESIDENT, Source.GRID_PATROL, Source.CAMERA})
TEXT_SOURCES = frozenset({Source.OPEN311, Source.GRID_PATROL, Source.CAMERA})
# Decimal places kept of the coordinates of a case at a unit or household (~110 m).
_ROUNDED = 3
# Events that never appear in the update feed: internal notes and tasks.
_INTERNAL_EVENTS = {EventKind.COMMENT, EventKind.TASK}


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def status_q(statuses: Iterable[str]) -> Q:
    """Cases whose GeoReport status is one of ``statuses`` ("open", "closed")."""
    wanted = set(statuses)
    if wanted >= {"open", "closed"}:
        return Q()
    if wanted == {"closed"}:
        return Q(status__in=CLOSED_STATUSES)
    return ~Q(status__in=CLOSED_STATUSES)


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C datetime in Beijing time with its offset: ``2026-11-29T09:00:00+08:00``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


# --- Jurisdictions --------------------------------------------------------------------------


def jurisdiction_get(jurisdiction_id: str) -> Place | None:
    """The city or county whose GB/T 2260 code is ``jurisdiction_id``; None when the
    parameter is absent; 404 when no such jurisdiction exists."""
    if not jurisdiction_id:
        return None
    place = (
        Place.objects.filter(kind__in=JURISDICTION_KINDS, code=jurisdiction_id)
        .order_by("depth")
        .first()
    )
    if place is None:
        raise Open311Error(
            "jurisdiction_not_found", f"未知的 jurisdiction_id：{jurisdiction_id[:40]}", status=404
        )
    return place


def within(place: Place, jurisdiction: Place | None) -> bool:
    return jurisdiction is None or place.path.startswith(jurisdiction.path)


# --- Services -------------------------------------------------------------------------------


def services_list() -> list[Category]:
    """Active leaf categories whose group (parent), if any, is active too."""
    return list(
        Category.objects.filter(active=True, children__isnull=True)
        .filter(Q(parent__isnull=True) | Q(parent__active=True))
        .select_related("parent")
        .order_by("parent__sort", "parent__id", "sort", "id")
        .distinct()
    )


def service_get(code: str) -> Category:
    for category in services_list():
        if category.code == code:
            return category
    raise Open311Error("service_code_not_found", f"未知的 service_code：{code[:40]}", status=404)


def service_attributes(categories: Sequence[Category]) -> dict[int, list[ServiceAttribute]]:
    found: dict[int, list[ServiceAttribute]] = {c.pk: [] for c in categories}
    rows = ServiceAttribute.objects.filter(category__in=[c.pk for c in categories])
    for attribute in rows.order_by("order", "id"):
        found[attribute.category_id].append(attribute)
    return found


def service_notice(category: Category) -> str:
    return f"{category.name}：{category.ack_hours}个工作小时内签收，{category.resolve_days}个工作日内办结"


def service_data(category: Category, attributes: Sequence[ServiceAttribute]) -> dict[str, Any]:
    group = category.parent.name if category.parent else ""
    keywords = [w for w in (category.name, group, category.department) if w]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": service_notice(category),
        "metadata": bool(attributes),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": group,
    }


def attribute_data(attribute: ServiceAttribute) -> dict[str, Any]:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [
            {"key": str(v.get("key", "")), "name": str(v.get("name", ""))}
            for v in attribute.values
            if isinstance(v, dict)
        ],
    }


# --- Requests (cases) -------------------------------------------------------------------------


def public_cases(jurisdiction: Place | None) -> QuerySet[Case]:
    cases = Case.objects.select_related(
        "category",
        "place",
        "handler_place",
        "handler_department",
        "merged_into",
        "open311_request",
    )
    # A private category (a family quarrel, someone's hardship: ``Category.private``) is
    # never published, not even without its text: its place alone tells on a household.
    cases = cases.filter(source__in=PUBLIC_SOURCES).exclude(
        Q(category__private=True) | Q(category__parent__private=True)
    )
    if jurisdiction is not None:
        cases = cases.filter(place_path__descendant=jurisdiction.path)
    return cases


def _text_shown(case: Case) -> bool:
    return case.source in TEXT_SOURCES and not case.category.is_dispute


def _coordinate(value: float | None, case: Case) -> float | None:
    if value is None or case.place.kind not in _PRIVATE_KINDS:
        return value
    return round(value, _ROUNDED)


def requests_by_ids(numbers: Sequence[str], *, jurisdiction: Place | None) -> list[Case]:
    return list(
        public_cases(jurisdiction).filter(number__in=numbers).order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class RequestQuery:
    start: dt.datetime
    end: dt.datetime
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()
    page: int = 1
    page_size: int = 1000


def requests_search(query: RequestQuery, *, jurisdiction: Place | None) -> list[Case]:
    """Cases requested within [start, end] (both inclusive), newest first, one page."""
    cases = public_cases(jurisdiction).filter(
        created_at__gte=query.start, created_at__lte=query.end
    )
    if query.service_codes:
        cases = cases.filter(category__code__in=query.service_codes)
    if query.statuses:
        cases = cases.filter(status_q(query.statuses))
    offset = (query.page - 1) * query.page_size
    return list(cases.order_by("-created_at", "-id")[offset : offset + query.page_size])


def request_by_number(number: str, *, jurisdiction: Place | None) -> Case:
    case = public_cases(jurisdiction).filter(number=number).first()
    if case is None:
        raise Open311Error("request_not_found", "该诉求不存在", status=404)
    return case


def request_by_token(token: str, *, jurisdiction: Place | None) -> Open311Request:
    row = Open311Request.objects.select_related("case").filter(token=token).first()
    if row is None or (
        jurisdiction is not None and not row.case.place_path.startswith(jurisdiction.path)
    ):
        raise Open311Error("token_not_found", "该 token 不存在", status=404)
    return row


def _public_places(cases: Sequence[Case]) -> tuple[dict[int, Place], dict[str, Place]]:
    """Each case's public place (by case id), and every ancestor needed to write the
    addresses (by path) — in one query for the whole page."""
    paths: set[str] = set()
    for case in cases:
        paths.update(ancestor_paths(case.place.path))
    by_path = {p.path: p for p in Place.objects.filter(path__in=paths)}
    shown: dict[int, Place] = {}
    for case in cases:
        place = case.place
        if place.kind in _PRIVATE_KINDS:
            chain = [by_path[p] for p in ancestor_paths(place.path) if p in by_path]
            buildings = [p for p in chain if p.kind == Kind.BUILDING]
            place = buildings[-1] if buildings else place
        shown[case.pk] = place
    return shown, by_path


def _address(place: Place, by_path: dict[str, Place]) -> str:
    """Most specific to most general, as the spec asks: "1号楼, 滨东花园小区, … 吕梁市"."""
    chain = [by_path[p] for p in ancestor_paths(place.path) if p in by_path]
    return ", ".join(p.name for p in reversed(chain))


def _agency(case: Case) -> str | None:
    if case.handler_department is not None:
        return case.handler_department.name
    if case.rung == Rung.CENTRAL_HOUSEHOLD:
        return Rung.CENTRAL_HOUSEHOLD.label  # a household: named by its role, not its door
    return case.handler_place.name if case.handler_place else None


def _status_notes(case: Case) -> str:
    label = Status(case.status).label if case.status in Status.values else case.status
    detail = ""
    if case.status == Status.MERGED and case.merged_into is not None:
        detail = f"与 {case.merged_into.number} 合并办理"
    elif case.status == Status.ON_HOLD:
        detail = case.hold_reason
    elif case.status in CLOSED_STATUSES:
        detail = case.resolution
    return f"{label}：{detail}" if detail else label


def _open311_row(case: Case) -> Open311Request | None:
    try:
        return case.open311_request
    except Open311Request.DoesNotExist:
        return None


def request_rows(cases: Sequence[Case]) -> list[dict[str, Any]]:
    """The spec's service request fields for each case, in the spec's order."""
    shown, by_path = _public_places(cases)
    rows = []
    for case in cases:
        place = shown[case.pk]
        private = not _text_shown(case)
        extra = _open311_row(case)
        if case.status in CLOSED_STATUSES:
            updated = case.closed_at or case.resolved_at or case.updated_at
        else:
            updated = case.updated_at
        rows.append(
            {
                "service_request_id": case.number,
                "status": open311_status(case.status),
                "status_notes": Status(case.status).label if private else _status_notes(case),
                "service_name": case.category.name,
                "service_code": case.category.code,
                "description": None if private else case.description or case.title,
                "agency_responsible": _agency(case),
                "service_notice": service_notice(case.category),
                "requested_datetime": w3c(case.created_at),
                "updated_datetime": w3c(updated),
                "expected_datetime": w3c(case.resolve_due_at),
                "address": _address(place, by_path),
                "address_id": place.pk,
                "zipcode": None,
                "lat": _coordinate(case.latitude, case)
                if case.latitude is not None
                else place.latitude,
                "long": _coordinate(case.longitude, case)
                if case.longitude is not None
                else place.longitude,
                "media_url": (extra.media_url or None) if extra else None,
            }
        )
    return rows


# --- Updates (mySociety's servicerequestupdates) ---------------------------------------------


def updates_search(
    *, start: dt.datetime, end: dt.datetime, jurisdiction: Place | None, page: int, page_size: int
) -> list[CaseEvent]:
    """Timeline events that changed a case's status (and each case's creation), within
    [start, end], oldest first — new event kinds appear once they change a status."""
    events = (
        CaseEvent.objects.filter(at__gte=start, at__lte=end)
        .exclude(kind__in=_INTERNAL_EVENTS)
        # Creation, and every event that moved the case from one status to another (the
        # routing event written with the creation has no "from" status).
        .filter(Q(kind=EventKind.CREATED) | (~Q(from_status="") & ~Q(from_status=F("to_status"))))
        .filter(case__source__in=PUBLIC_SOURCES)
        .select_related("case", "case__category", "case__open311_request")
    )
    if jurisdiction is not None:
        events = events.filter(case__place_path__descendant=jurisdiction.path)
    offset = (page - 1) * page_size
    return list(events.order_by("at", "id")[offset : offset + page_size])


def _is_rating(event: CaseEvent) -> bool:
    """A close by the raiser's rating (回访): its reason is what the raiser wrote."""
    return isinstance(event.data, dict) and "satisfaction" in event.data


def update_rows(events: Sequence[CaseEvent]) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        label = EventKind(event.kind).label if event.kind in EventKind.values else event.kind
        description = label
        if (
            event.reason
            and event.kind in _PUBLIC_REASONS
            and _text_shown(event.case)
            and not _is_rating(event)
        ):
            description = f"{label}：{event.reason}"
        extra = _open311_row(event.case)
        media = extra.media_url if extra and event.kind == EventKind.CREATED else ""
        rows.append(
            {
                "update_id": str(event.pk),
                "service_request_id": event.case.number,
                "status": open311_status(event.to_status or event.case.status),
                "updated_datetime": w3c(event.at),
                "description": description,
                "media_url": media or None,
            }
        )
    return rows
