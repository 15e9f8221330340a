"""Likely duplicates: the open cases a new report probably repeats (the same dark
streetlight, reported by ten neighbours), suggested while the report is being raised.

Which cases are candidates:
- open (``SUGGESTED_STATUSES``: ``OPEN_STATUSES``, waiting for dispatch or for
  verification), of the same leaf category or a related one (same 大类);
- raised within ``DuplicateRules.window_days`` before now (a case raised exactly at the
  window's edge is in);
- nearby: in the same compound as the given place (its building when the building
  stands directly in a community, the community for a community-level report), or, when
  coordinates are given, within ``DuplicateRules.radius_m`` metres of them (exactly at the
  radius is in; distances are great-circle, compared to the millimetre).

How they are ranked (``DuplicateRules`` holds the weights; the score is in [0, 1]):

    score = w_distance × proximity + w_recency × recency
            + w_text × text_similarity + w_category × same_leaf_category

- proximity: 1 − distance / radius when both sides have coordinates; 1 in the same
  building, ``same_compound_proximity`` elsewhere in the same compound (half of it in
  the same community); the larger of the two;
- recency: 1 − age / window;
- text similarity: the cosine of the sets of character bigrams of the two texts
  (title and description; NFKC, lower case, letters and digits only) — Chinese needs no
  word segmentation for this, and no model;
- cases under ``min_score`` are dropped; ties go to the newer case.

Speed: two small queries, each served by its own index on ``Case`` — (category, status,
place_path, created_at) for the compound and (category, status, latitude, longitude,
created_at) for the coordinates' bounding box — then the scoring of at most
``CANDIDATE_CAP`` rows in Python. ``bench/dupes_suggest.py`` measures it at 1,000,000
cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from shequgang.cases.models import (
    SUGGESTED_STATUSES,
    Case,
    CaseFollower,
    Category,
    DuplicateRules,
)
from shequgang.errors import DomainError
from shequgang.places.models import Kind, Place
from shequgang.places.paths import ancestor_paths

EARTH_RADIUS_M = 6_371_008.8
# At most this many rows per query are scored: a guard against a pathological place
# (every open case of a city in one compound), never reached in practice.
CANDIDATE_CAP = 500
# Only the beginning of a long description takes part in the text similarity.
TEXT_LIMIT = 600
_FIELDS = (
    "id",
    "number",
    "title",
    "description",
    "category_id",
    "place_id",
    "place_path",
    "latitude",
    "longitude",
    "status",
    "created_at",
    "raiser_id",
)
# The cases a new report may repeat: not yet solved, whoever holds them — with the
# handler, waiting for dispatch to a department, or for on-site verification.
# Where a report may be placed for suggestions: a community or anything below it.
_PLACE_KINDS = {Kind.COMMUNITY, Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}


# --- Text ------------------------------------------------------------------------------------


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of ``text``'s letters and digits (NFKC, lower case). A text
    of one such character is its own single gram; an empty one has none."""
    chars = "".join(
        ch for ch in unicodedata.normalize("NFKC", text[: TEXT_LIMIT * 2]).lower() if ch.isalnum()
    )[:TEXT_LIMIT]
    if len(chars) < 2:
        return frozenset({chars}) if chars else frozenset()
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def text_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of two bigram sets: |A ∩ B| / √(|A| × |B|), 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


# --- Distance --------------------------------------------------------------------------------


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lng: float, radius: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) around a circle of ``radius`` metres, a little wider
    than the circle so that a point exactly on it is inside the box."""
    dlat = math.degrees(radius / EARTH_RADIUS_M) * 1.01 + 1e-9
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


# --- The query -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Locality:
    """Where "the same place" is: the subtree ``path`` (a compound, or a building
    without one, or a community), and the building the report is in, if any."""

    path: str
    kind: str
    building_path: str | None


def locality_of(place: Place) -> Locality:
    if place.kind not in _PLACE_KINDS:
        raise DomainError("invalid_place", "地点应为社区、小区、楼栋、单元或户")
    kinds = dict(
        Place.objects.filter(path__in=ancestor_paths(place.path)).values_list("kind", "path")
    )
    building = kinds.get(Kind.BUILDING)
    area = kinds.get(Kind.COMPOUND) or building or kinds[Kind.COMMUNITY]
    return Locality(
        path=area,
        kind=next(k for k, p in kinds.items() if p == area),
        building_path=building,
    )


@dataclass(frozen=True)
class Suggestion:
    """One likely duplicate, with the parts of its score."""

    case: Case
    score: float
    proximity: float
    recency: float
    text_similarity: float
    same_category: bool
    distance_m: float | None
    place_name: str  # the compound's (or community's) name, never finer
    followers: int


def related_category_ids(category: Category) -> tuple[list[int], int | None]:
    """The categories searched for ``category``: its 大类's leaves (itself among them);
    for a 大类, its leaves. Also the leaf itself (None for a 大类)."""
    group = category.parent_id or category.pk
    ids = list(Category.objects.filter(parent_id=group).values_list("pk", flat=True).order_by())
    return ids, (category.pk if category.parent_id else None)


def _candidates(
    *,
    categories: list[int],
    since: dt.datetime,
    locality: Locality | None,
    box: tuple[float, float, float, float] | None,
) -> dict[int, Case]:
    base: QuerySet[Case] = Case.objects.filter(
        category_id__in=categories, status__in=sorted(SUGGESTED_STATUSES), created_at__gte=since
    ).only(*_FIELDS)
    found: dict[int, Case] = {}
    # Two queries rather than one OR: each is served by its own index on every database.
    if locality is not None:
        for case in base.filter(place_path__descendant=locality.path)[:CANDIDATE_CAP]:
            found[case.pk] = case
    if box is not None:
        south, north, west, east = box
        near = base.filter(latitude__range=(south, north), longitude__range=(west, east))
        for case in near[:CANDIDATE_CAP]:
            found[case.pk] = case
    return found


def compound_names(cases: Iterable[Case]) -> dict[str, str]:
    """place_path → the name of the compound it is in (or its community): the finest a
    resident may see of someone else's report."""
    paths = {c.place_path for c in cases}
    wanted = {a for p in paths for a in ancestor_paths(p)}
    nodes = {
        p.path: p
        for p in Place.objects.filter(path__in=wanted, kind__in=[Kind.COMPOUND, Kind.COMMUNITY])
    }
    names: dict[str, str] = {}
    for path in paths:
        chain = [nodes[a] for a in ancestor_paths(path) if a in nodes]  # root first
        names[path] = chain[-1].name if chain else ""
    return names


def similar_cases(
    *,
    category: Category,
    place: Place | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    text: str = "",
    now: dt.datetime | None = None,
    rules: DuplicateRules | None = None,
) -> list[Suggestion]:
    """The open cases a report of ``category`` at ``place`` and/or (``latitude``,
    ``longitude``) with ``text`` most likely repeats, best first (see the module's
    docstring for the rules). Raises DomainError (400) without a place or coordinates,
    with only one coordinate, or with coordinates out of range. Reads only."""
    now = now or timezone.now()
    rules = rules or DuplicateRules.current()
    if (latitude is None) != (longitude is None):
        raise DomainError("invalid_coordinates", "经纬度须同时提供")
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise DomainError("invalid_coordinates", "经纬度超出范围")
    if place is None and latitude is None:
        raise DomainError("place_required", "请选择地点或提供经纬度")
    radius = float(rules.radius_m)
    window = dt.timedelta(days=rules.window_days)
    locality = locality_of(place) if place is not None else None
    box = (
        bounding_box(latitude, longitude, radius)
        if latitude is not None and longitude is not None and radius > 0
        else None
    )
    categories, leaf = related_category_ids(category)
    found = _candidates(categories=categories, since=now - window, locality=locality, box=box)
    query_grams = bigrams(text)
    w_dist, w_rec = float(rules.weight_distance), float(rules.weight_recency)
    w_text, w_cat = float(rules.weight_text), float(rules.weight_category)
    compound_prox = float(rules.same_compound_proximity)
    scored: list[Suggestion] = []
    for case in found.values():
        dist: float | None = None
        within_radius = False
        if latitude is not None and longitude is not None and case.latitude is not None:
            assert case.longitude is not None
            dist = round(distance_m(latitude, longitude, case.latitude, case.longitude), 3)
            within_radius = dist <= radius
        in_locality = locality is not None and case.place_path.startswith(locality.path)
        if not (in_locality or within_radius):
            continue  # in the bounding box's corner, outside the circle
        geo = 1 - dist / radius if within_radius and dist is not None and radius else 0.0
        local = 0.0
        if in_locality and locality is not None:
            if locality.building_path and case.place_path.startswith(locality.building_path):
                local = 1.0
            else:
                local = compound_prox if locality.kind != Kind.COMMUNITY else compound_prox / 2
        age = max(dt.timedelta(0), now - case.created_at)
        recency = max(0.0, 1 - age / window) if window else 0.0
        similarity = text_similarity(query_grams, bigrams(f"{case.title} {case.description}"))
        same = leaf is not None and case.category_id == leaf
        proximity = max(geo, local)
        score = w_dist * proximity + w_rec * recency + w_text * similarity + w_cat * same
        if score + 1e-9 < float(rules.min_score):
            continue
        scored.append(
            Suggestion(
                case=case,
                score=round(score, 4),
                proximity=round(proximity, 4),
                recency=round(recency, 4),
                text_similarity=round(similarity, 4),
                same_category=same,
                distance_m=dist,
                place_name="",
                followers=0,
            )
        )
    scored.sort(key=lambda s: (-s.score, -s.case.created_at.timestamp(), -s.case.pk))
    best = scored[: rules.max_results]
    if not best:
        return []
    names = compound_names(s.case for s in best)
    counts = dict(
        CaseFollower.objects.filter(case_id__in=[s.case.pk for s in best])
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    return [
        dataclasses.replace(
            s, place_name=names.get(s.case.place_path, ""), followers=counts.get(s.case.pk, 0)
        )
        for s in best
    ]
