"""The register import's reads of what exists: the places a sheet may name, the units,
households and heads already registered, and the ID numbers already taken. Nothing
here writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TypeVar

from shequgang.people.models import Relation, Resident, ResidentStatus
from shequgang.places.models import Kind, Place
from shequgang.places.selectors import place_ancestors

# Values per IN (...) lookup, under every database's parameter limit.
_IN_CHUNK = 900

T = TypeVar("T")


class PlaceIndex:
    """The places a row may name: ``within``'s ancestors and the compounds and buildings
    below it, loaded once and keyed by (parent id, kind, name)."""

    _PATH = (
        ("county", Kind.COUNTY),
        ("town", Kind.TOWN),
        ("community", Kind.COMMUNITY),
        ("compound", Kind.COMPOUND),
        ("building", Kind.BUILDING),
    )

    def __init__(self, within: Place) -> None:
        chain = place_ancestors(place=within)
        self.root_id: int = chain[0].pk
        self.ids: dict[tuple[int | None, str, str], int] = {
            (p.parent_id, p.kind, p.name): p.pk for p in chain
        }
        below = Place.objects.filter(
            path__descendant=within.path, kind__in=[k for _, k in self._PATH]
        ).values_list("id", "parent_id", "kind", "name")
        for pk, parent_id, kind, name in below.iterator(chunk_size=5000):
            self.ids[(parent_id, kind, name)] = pk
        self.cache: dict[tuple[str, ...], int | tuple[str, str]] = {}

    def building(self, names: tuple[str, ...]) -> int | tuple[str, str]:
        """The building's id, or the (column, name) of the first level not found."""
        found = self.cache.get(names)
        if found is None:
            found = self.cache[names] = self._resolve(names)
        return found

    def _resolve(self, names: tuple[str, ...]) -> int | tuple[str, str]:
        parent = self.root_id
        for (column, kind), name in zip(self._PATH, names, strict=True):
            if column == "compound" and not name:
                continue  # a building standing directly in the community
            pk = self.ids.get((parent, kind, name))
            if pk is None:
                return (column, name)
            parent = pk
        return parent


def _chunks(values: Iterable[T], size: int = _IN_CHUNK) -> Iterator[list[T]]:
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def registered_indexes(indexes: Iterable[str]) -> set[str]:
    """Which of these ID-number blind indexes are already in the register."""
    taken: set[str] = set()
    for chunk in _chunks(indexes):
        found = Resident.objects.filter(id_number_index__in=chunk).values_list(
            "id_number_index", flat=True
        )
        taken.update(index for index in found if index)
    return taken


def existing_units(buildings: Iterable[int]) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    for chunk in _chunks(buildings):
        rows = Place.objects.filter(parent_id__in=chunk, kind=Kind.UNIT)
        for pk, parent_id, name in rows.values_list("id", "parent_id", "name"):
            out[(parent_id, name)] = pk
    return out


def existing_households(
    parents: Iterable[int],
) -> dict[tuple[int, str], tuple[int, Decimal | None]]:
    out: dict[tuple[int, str], tuple[int, Decimal | None]] = {}
    for chunk in _chunks(parents):
        rows = Place.objects.filter(parent_id__in=chunk, kind=Kind.HOUSEHOLD)
        for pk, parent_id, name, area in rows.values_list("id", "parent_id", "name", "floor_area"):
            out[(parent_id, name)] = (pk, area)
    return out


def households_with_head(households: Iterable[int]) -> dict[int, set[int]]:
    """Household id → its active heads' resident ids."""
    out: dict[int, set[int]] = {}
    for chunk in _chunks(households):
        heads = Resident.objects.filter(
            household_id__in=chunk, relation=Relation.HEAD, status=ResidentStatus.ACTIVE
        ).values_list("household_id", "pk")
        for household_id, pk in heads:
            out.setdefault(household_id, set()).add(pk)
    return out
