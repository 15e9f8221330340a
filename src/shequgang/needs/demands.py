"""The 需求清单: recording a demand (deduplicated per household and type), its status
workflow, and turning it into a case.

The workflow is a table enforced in one function, ``demand_transition``: it locks the
row, checks the table, saves with ``update_fields`` and appends a ``DemandEvent``."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.cases.models import Case, Category, Source
from shequgang.cases.services import case_create
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.needs.access import may_manage, may_visit
from shequgang.needs.models import (
    ACTIVE_DEMAND_STATUSES,
    Demand,
    DemandEvent,
    DemandSource,
    DemandStatus,
    DemandType,
    Urgency,
    Visit,
)
from shequgang.people.models import Resident
from shequgang.places.models import Kind, Place
from shequgang.text_rules import text_clean

S = DemandStatus
# Where a demand may go from each status. Going back to open (a match fell through, a
# "cannot meet" proved wrong) and "cannot meet" itself need a reason.
ALLOWED: dict[str, set[str]] = {
    S.OPEN: {S.MATCHED, S.IN_PROJECT, S.MET, S.CANNOT_MEET},
    S.MATCHED: {S.OPEN, S.IN_PROJECT, S.MET, S.CANNOT_MEET},
    S.IN_PROJECT: {S.MATCHED, S.MET, S.CANNOT_MEET},
    S.MET: set(),
    S.CANNOT_MEET: {S.OPEN},
}
NEEDS_REASON = {S.OPEN, S.CANNOT_MEET}

# The case category a demand of each type becomes by default (a worker may choose another).
CASE_CATEGORY: dict[str, str] = {
    DemandType.REPAIR: "building_safety",
    DemandType.ELDERLY_CARE: "elderly_care",
    DemandType.DISPUTE: "neighbour_dispute",
    DemandType.ENVIRONMENT: "compound_sanitation",
}
FALLBACK_CATEGORY = "social_assistance"
CASE_PLACE_KINDS = {Kind.COMMUNITY, Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}


def _event(demand: Demand, kind: str, actor: Actor, *, before: str = "", reason: str = "") -> None:
    DemandEvent.objects.create(
        demand=demand,
        kind=kind,
        from_status=before,
        to_status=demand.status if kind != "heard_again" else "",
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def _may_record(actor: Actor, place: Place, visit: Visit | None) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if visit is not None:
        return visit.household_id == place.pk and may_visit(actor, visit.stop)
    return may_manage(actor, place)


def _check_choices(type: str, urgency: str, source: str) -> None:
    if type not in DemandType.values:
        raise DomainError("invalid_type", f"未知的需求类型：{type}")
    if urgency not in Urgency.values:
        raise DomainError("invalid_urgency", f"未知的紧急程度：{urgency}")
    if source not in DemandSource.values:
        raise DomainError("invalid_source", f"未知的需求来源：{source}")


def demand_record(
    *,
    actor: Actor,
    place: Place,
    type: str,
    description: str,
    source: str,
    consent: bool,
    urgency: str = Urgency.LOW,
    visit: Visit | None = None,
    case: Case | None = None,
    resident: Resident | None = None,
) -> tuple[Demand, bool]:
    """Record a demand heard at ``place`` (a household, or a building/compound/community
    for a shared need). A demand from a visit is recorded by whoever may record that visit;
    otherwise ``resident.edit`` over the place is needed (else NotFound). Nothing is kept
    without the resident's consent (``consent_required``). When the household already has
    an active demand of the type, that one is returned (``created`` False) and the hearing
    is appended to its history — also when two record it at once (the unique index
    decides, the loser reads the winner)."""
    _check_choices(type, urgency, source)
    if not _may_record(actor, place, visit):
        raise NotFound("地点")
    if place.kind not in CASE_PLACE_KINDS:
        raise DomainError("invalid_place", "需求地点应为社区、小区、楼栋、单元或户")
    description = text_clean(
        description, field="description", label="需求描述", limit=500, required=True
    )
    if not consent:
        raise DomainError("consent_required", "居民同意后才能记录需求")
    household = place if place.kind == Kind.HOUSEHOLD else None
    if household is not None:
        existing = _active_of(household, type)
        if existing is not None:
            return _heard_again(existing, actor, description), False
    try:
        with transaction.atomic():
            demand = Demand.objects.create(
                household=household,
                place=place,
                type=type,
                description=description,
                urgency=urgency,
                consent=True,
                source=source,
                campaign_id=visit.campaign_id if visit is not None else None,
                visit=visit,
                case=case,
                resident=resident,
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
            _event(demand, "created", actor)
    except IntegrityError:
        existing = _active_of(household, type) if household is not None else None
        if existing is None:
            raise
        return _heard_again(existing, actor, description), False
    return demand, True


def _active_of(household: Place, type: str) -> Demand | None:
    return Demand.objects.filter(
        household=household, type=type, status__in=ACTIVE_DEMAND_STATUSES
    ).first()


def _heard_again(demand: Demand, actor: Actor, description: str) -> Demand:
    with transaction.atomic():
        _event(demand, "heard_again", actor, reason=description[:200])
    return demand


@transaction.atomic
def demand_transition(
    *,
    actor: Actor,
    demand: Demand,
    to: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Demand:
    """Move a demand along ``ALLOWED`` (``resident.edit`` over its place, else NotFound).
    Locks the row; "cannot meet" and going back to open need a reason; met stamps
    ``met_at``. Refuses a move the table does not allow (``invalid_transition``, 409) and a
    reopening while the household has another active demand of the type (409)."""
    demand = Demand.objects.select_for_update().select_related("place").get(pk=demand.pk)
    if actor is None or not may_manage(actor, demand.place):
        raise NotFound("需求")
    if to not in DemandStatus.values:
        raise DomainError("invalid_status", f"未知的状态：{to}")
    if to not in ALLOWED[demand.status]:
        raise Conflict(
            "invalid_transition",
            f"需求不能从“{demand.get_status_display()}”改为“{DemandStatus(to).label}”",
        )
    reason = text_clean(
        reason, field="reason", label="说明", limit=200, required=to in NEEDS_REASON
    )
    before = demand.status
    demand.status = to
    demand.status_reason = reason
    demand.met_at = (now or timezone.now()) if to == S.MET else None
    try:
        with transaction.atomic():
            demand.save(update_fields=["status", "status_reason", "met_at", "updated_at"])
    except IntegrityError:
        raise Conflict("duplicate_demand", "该户已有同类型的在办需求") from None
    _event(demand, "status", actor, before=before, reason=reason)
    return demand


def _located(place: Place) -> Place | None:
    """The nearest node at or above ``place`` with coordinates (a household usually has
    none; its building or compound does), so the case shows on the map."""
    if place.latitude is not None and place.longitude is not None:
        return place
    return (
        Place.objects.ancestors_of(place)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-depth")
        .first()
    )


def default_case_category(demand: Demand) -> Category | None:
    code = CASE_CATEGORY.get(demand.type, FALLBACK_CATEGORY)
    return Category.objects.filter(code=code, parent__isnull=False).first()


@transaction.atomic
def demand_to_case(*, actor: Actor, demand: Demand, category: Category | None = None) -> Case:
    """Turn an active demand into a case in one tap: ``case_create`` with source
    door-knocking (or staff for demands from elsewhere), placed at the demand's
    household/place, which checks ``case.raise`` there (else NotFound). The demand keeps
    the link; a second tap is ``already_case`` (409)."""
    demand = Demand.objects.select_for_update().select_related("place").get(pk=demand.pk)
    if demand.case_id is not None:
        raise Conflict("already_case", "该需求已转为诉求")
    if demand.status not in ACTIVE_DEMAND_STATUSES:
        raise Conflict("demand_closed", "该需求已办结")
    category = category or default_case_category(demand)
    if category is None:
        raise DomainError("invalid_category", "没有可用的事项类别")
    source = Source.DOOR_KNOCKING if demand.source == DemandSource.VISIT else Source.STAFF
    located = _located(demand.place)
    case = case_create(
        actor=actor,
        source=source,
        category=category,
        place=demand.place,
        latitude=located.latitude if located else None,
        longitude=located.longitude if located else None,
        title=f"{demand.get_type_display()}：{demand.description}"[:100],
        description=demand.description,
    )
    demand.case = case
    demand.save(update_fields=["case", "updated_at"])
    _event(demand, "to_case", actor, reason=f"转为诉求 {case.number}")
    return demand.case
