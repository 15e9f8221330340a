"""Suggested matches between the 需求清单 and the 资源清单 (reads only).

For a demand: the live resources of its type offered in its town (街道/乡镇) or at a place
above the town (a county-wide offer), nearest first — same compound, then community,
then town, then wider — then those available now, this week, later, then the most
capacity left. Each suggestion carries its reasons ("同社区 · 类型一致 · 本周可用").
For a resource: the open demands of its type it could reach, ranked the same way.

The demand's query reads two partial indexes over the live rows (``(type, town,
valid_until)`` and ``(type, place)``), so its cost grows with the offers of one type in one
town, not with the city's. An expired or exhausted resource is never suggested:
``ResourceQuerySet.live`` is the filter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from shequgang.needs.models import Demand, DemandStatus, Urgency
from shequgang.needs.supply_models import Resource
from shequgang.places.models import Kind, Place
from shequgang.places.paths import ancestor_paths

TIER_LABELS = {0: "同小区", 1: "同社区", 2: "同街道", 3: "县市通用"}
WEEKDAY_NAMES = "一二三四五六日"


@dataclass(frozen=True)
class Ranked:
    """A suggestion's distance tier and the reasons shown with it."""

    tier: int
    reasons: tuple[str, ...]

    @property
    def reason_text(self) -> str:
        return " · ".join(self.reasons)


@dataclass(frozen=True)
class Suggestion(Ranked):
    resource: Resource


@dataclass(frozen=True)
class DemandSuggestion(Ranked):
    demand: Demand


@dataclass(frozen=True)
class Chain:
    """The demand's compound, community and town paths, and the ids above its town."""

    compound_path: str | None
    community_id: int | None
    town_id: int | None
    above_town_ids: tuple[int, ...]


def chain_of(place: Place) -> Chain:
    """One query: the place's ancestors (and itself), by path."""
    rows = list(
        Place.objects.filter(path__in=ancestor_paths(place.path)).values_list(
            "pk", "kind", "path", "depth"
        )
    )
    by_kind = {kind: (pk, path) for pk, kind, path, _ in rows}
    town = by_kind.get(Kind.TOWN)
    town_depth = next((d for _, k, _, d in rows if k == Kind.TOWN), None)
    # Offers placed above the town (county- or city-wide) reach it too.
    above = tuple(pk for pk, _, _, depth in rows if town_depth is None or depth < town_depth)
    return Chain(
        compound_path=by_kind[Kind.COMPOUND][1] if Kind.COMPOUND in by_kind else None,
        community_id=by_kind[Kind.COMMUNITY][0] if Kind.COMMUNITY in by_kind else None,
        town_id=town[0] if town else None,
        above_town_ids=above,
    )


def _week_end(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=6 - today.weekday())


def _open_on(resource: Resource, day: dt.date) -> bool:
    within = resource.available_from <= day and (
        resource.available_until is None or day <= resource.available_until
    )
    return within and day <= resource.valid_until and bool(resource.days & (1 << day.weekday()))


def time_reason(resource: Resource, today: dt.date) -> str:
    if _open_on(resource, today):
        return "今日可用"
    day = today
    while day <= _week_end(today):
        if _open_on(resource, day):
            return "本周可用"
        day += dt.timedelta(days=1)
    return f"{resource.available_from:%m月%d日}起可用"


def _tier_case(chain: Chain) -> Case:
    whens = []
    if chain.compound_path is not None:
        whens.append(When(place_path__startswith=chain.compound_path, then=Value(0)))
    if chain.community_id is not None:
        whens.append(When(community_id=chain.community_id, then=Value(1)))
    if chain.town_id is not None:
        whens.append(When(town_id=chain.town_id, then=Value(2)))
    return Case(*whens, default=Value(3), output_field=IntegerField())


def candidate_resources(demand: Demand, *, today: dt.date) -> QuerySet[Resource]:
    """Live resources of the demand's type within its reach, ranked, with ``tier``."""
    chain = chain_of(demand.place)
    reach = Q(place_id__in=chain.above_town_ids)
    if chain.town_id is not None:
        reach |= Q(town_id=chain.town_id)
    # Started already, starting this week, later.
    later = Case(
        When(available_from__lte=today, then=Value(0)),
        When(available_from__lte=_week_end(today), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Resource.objects.live(today)
        .filter(reach, type=demand.type)
        .annotate(tier=_tier_case(chain), later=later)
        .order_by("tier", "later", "-remaining", "valid_until", "id")
    )


def suggest_for_demand(demand: Demand, *, today: dt.date, limit: int = 10) -> list[Suggestion]:
    """The best ``limit`` live resources for an open demand; none for a demand that is
    no longer open."""
    if demand.status != DemandStatus.OPEN:
        return []
    rows = candidate_resources(demand, today=today).select_related("unit", "partner")[:limit]
    return [
        Suggestion(
            resource=r,
            tier=r.tier,  # type: ignore[attr-defined]
            reasons=(
                TIER_LABELS[r.tier],  # type: ignore[attr-defined]
                "类型一致",
                time_reason(r, today),
                f"余量{r.remaining}",
            ),
        )
        for r in rows
    ]


def suggest_for_resource(
    resource: Resource, *, today: dt.date, limit: int = 20
) -> list[DemandSuggestion]:
    """The open demands a live resource could meet: of its type, in its town (or below
    the place it is offered at, when that is above a town), nearest and most urgent
    first, then the longest waiting. None for an expired or exhausted resource."""
    if not Resource.objects.live(today).filter(pk=resource.pk).exists():
        return []
    root_path = resource.place_path
    if resource.town_id is not None:
        root_path = Place.objects.values_list("path", flat=True).get(pk=resource.town_id)
    resource_chain = chain_of(resource.place)
    whens = []
    if resource.place.kind in (Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD):
        compound = resource_chain.compound_path or resource.place_path
        whens.append(When(place__path__startswith=compound, then=Value(0)))
    if resource.community_id is not None:
        community_path = Place.objects.values_list("path", flat=True).get(pk=resource.community_id)
        whens.append(When(place__path__startswith=community_path, then=Value(1)))
    tier = Case(*whens, default=Value(2 if resource.town_id else 3), output_field=IntegerField())
    urgency = Case(
        When(urgency=Urgency.HIGH, then=Value(0)),
        When(urgency=Urgency.NORMAL, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    rows = (
        Demand.objects.filter(
            status=DemandStatus.OPEN, type=resource.type, place__path__descendant=root_path
        )
        .annotate(tier=tier, urgency_rank=urgency)
        .select_related("place")
        .order_by("tier", "urgency_rank", "created_at", "id")[:limit]
    )
    return [
        DemandSuggestion(
            demand=d,
            tier=d.tier,
            reasons=(TIER_LABELS[d.tier], "类型一致", d.get_urgency_display()),
        )
        for d in rows
    ]
