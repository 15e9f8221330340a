"""Reads over the place tree. Every subtree read is one indexed query on the path."""

from __future__ import annotations

from django.db.models import QuerySet

from shequgang import reference_cache
from shequgang.places.models import Kind, Place
from shequgang.places.paths import ancestor_paths


def place_subtree(*, place: Place, include_self: bool = True) -> QuerySet[Place]:
    return Place.objects.subtree_of(place, include_self=include_self)


def place_ancestors(*, place: Place) -> list[Place]:
    """The chain from the root down to ``place`` itself, in one query."""
    return list(Place.objects.ancestors_of(place))


def place_by_id_cached(*, pk: int, generation: int | None) -> Place | None:
    """The place ``pk`` (or None), from the process's copy under ``generation``
    (``shequgang.reference_cache``): a fresh instance each time."""
    found = reference_cache.cached(
        generation, ("place", pk), lambda: Place.objects.filter(pk=pk).first()
    )
    return None if found is None else reference_cache.fresh(found)


def place_ancestors_cached(*, place: Place, generation: int | None) -> list[Place]:
    """``place_ancestors`` from the process's copy under ``generation``: the chain above
    ``place`` is kept by its parent's path (shared by every household of a unit), then
    ``place`` itself ends it."""
    above = ancestor_paths(place.path)[:-1]
    chain = reference_cache.cached(
        generation,
        ("ancestors", above[-1] if above else ""),
        lambda: tuple(Place.objects.filter(path__in=above).order_by("depth")),
    )
    return [*(reference_cache.fresh(p) for p in chain), place]


def place_ancestor_of_kind(*, place: Place, kind: Kind | str) -> Place | None:
    """The nearest node of ``kind`` at or above ``place`` (``place`` itself if it is one)."""
    return Place.objects.ancestor_of_kind(place, kind)


def place_by_names(county: str, *names: str) -> Place | None:
    """The place reached from the county named ``county`` by child names, e.g.
    ``place_by_names("离石区", "滨河街道", "城东社区")``; None when any step is missing."""
    place = Place.objects.filter(kind=Kind.COUNTY, name=county).first()
    for name in names:
        if place is None:
            return None
        place = Place.objects.filter(parent=place, name=name).first()
    return place


def place_children(*, place: Place) -> QuerySet[Place]:
    return Place.objects.filter(parent=place).order_by("path")


def place_counts_by_kind(*, place: Place) -> dict[str, int]:
    """How many nodes of each kind lie in the subtree (self excluded)."""
    from django.db.models import Count

    rows = (
        place_subtree(place=place, include_self=False)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["kind"]: row["n"] for row in rows}
