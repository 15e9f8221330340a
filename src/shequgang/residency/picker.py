"""The household picker of the public registration form: 小区 → 楼栋 → 户.

It shows the names of places only — compounds, buildings, units, households — never who
lives there, and answers anonymous callers (rate-limited by the caller). The first step
searches compounds (and buildings standing directly in a community) by name; each later
step lists one node's children."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from shequgang.places.models import Kind, Place

LIMIT = 30
QUERY_MAX = 30
# What a registering person walks through; nothing above a compound is listed alone.
_STEPS = {Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}


@dataclass(frozen=True)
class PlaceChoice:
    id: int
    name: str
    kind: str
    kind_label: str
    # Where it is, for telling two 1号楼 apart: the community, or the chain below it.
    context: str

    @property
    def is_household(self) -> bool:
        return self.kind == Kind.HOUSEHOLD


def _choice(place: Place, context: str) -> PlaceChoice:
    return PlaceChoice(
        id=place.pk,
        name=place.name,
        kind=place.kind,
        kind_label=Kind(place.kind).label,
        context=context,
    )


def picker_search(*, query: str) -> list[PlaceChoice]:
    """Compounds, and buildings outside any compound, whose name contains ``query``
    (at least one character), each with its community's name."""
    text = (query or "").strip()[:QUERY_MAX]
    if not text:
        return []
    rows = (
        Place.objects.filter(
            Q(kind=Kind.COMPOUND) | Q(kind=Kind.BUILDING, parent__kind=Kind.COMMUNITY),
            name__icontains=text,
        )
        .select_related("parent")
        .order_by("name", "path")[:LIMIT]
    )
    return [_choice(p, p.parent.name if p.parent else "") for p in rows]


def picker_children(*, parent_id: int) -> tuple[PlaceChoice | None, list[PlaceChoice]]:
    """The step below a compound, building or unit: its children, in tree order. An id
    that is not such a place gives ``(None, [])``."""
    parent = Place.objects.filter(pk=parent_id, kind__in=_STEPS - {Kind.HOUSEHOLD}).first()
    if parent is None:
        return None, []
    children = Place.objects.filter(parent=parent, kind__in=_STEPS).order_by("path")
    head = _choice(parent, "")
    return head, [_choice(c, parent.name) for c in children[:500]]


def household_label(place: Place) -> str:
    """``滨东花园小区 1号楼 1单元 101``: the chain from the compound (or building) down."""
    chain = list(Place.objects.ancestors_of(place).filter(kind__in=_STEPS))
    return " ".join(p.name for p in chain)
