"""The offline map of the command centre: grid polygons (``Grid.boundary``, GeoJSON) and
open cases at their stored coordinates, projected onto an SVG viewBox. No tiles, no
outside request: an equirectangular projection over the scope's bounding box, with the
longitude scaled by cos(latitude) so a square kilometre stays square."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from shequgang.cases.models import OPEN_STATUSES, Case, Status
from shequgang.dashboard.access import DashboardScope
from shequgang.places.models import Grid

WIDTH = 1000
PAD = 20
MAX_POINTS = 2000


@dataclass(frozen=True)
class MapGrid:
    id: int
    name: str
    points: list[str]  # one "x,y x,y …" per ring


@dataclass(frozen=True)
class MapPoint:
    case_id: int
    number: str
    title: str
    x: float
    y: float
    css: str  # red (红牌), overdue (超期), new (待签收), open


@dataclass(frozen=True)
class ScopeMap:
    width: int
    height: int
    grids: list[MapGrid]
    points: list[MapPoint]
    truncated: bool


def _rings(boundary: Any) -> Iterator[list[tuple[float, float]]]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon as (lon, lat); anything
    malformed is skipped, not an error (the boundary is admin-drawn data)."""
    if not isinstance(boundary, dict):
        return
    kind, coords = boundary.get("type"), boundary.get("coordinates")
    polygons: Any = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    if not isinstance(polygons, list):
        return
    for polygon in polygons:
        try:
            ring = [(float(p[0]), float(p[1])) for p in polygon[0]]
        except (TypeError, ValueError, IndexError):
            continue
        if len(ring) >= 3 and all(math.isfinite(a) and math.isfinite(b) for a, b in ring):
            yield ring


def _css(status: str, red: bool, overdue: bool) -> str:
    if red:
        return "red"
    if overdue:
        return "overdue"
    return "new" if status == Status.SUBMITTED else "open"


class _Projection:
    def __init__(self, coords: Iterable[tuple[float, float]]) -> None:
        lons, lats = zip(*coords, strict=True)
        self.west, self.east = min(lons), max(lons)
        self.south, self.north = min(lats), max(lats)
        # A single point or a line still needs an area to draw in.
        if self.east - self.west < 1e-3:
            self.west, self.east = self.west - 5e-4, self.east + 5e-4
        if self.north - self.south < 1e-3:
            self.south, self.north = self.south - 5e-4, self.north + 5e-4
        self.kx = math.cos(math.radians((self.north + self.south) / 2))
        span_x = (self.east - self.west) * self.kx
        self.scale = (WIDTH - 2 * PAD) / span_x
        self.height = min(max(round((self.north - self.south) * self.scale + 2 * PAD), 120), 1600)
        # A tall scope is fitted into the height cap instead.
        self.scale = min(self.scale, (self.height - 2 * PAD) / (self.north - self.south))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = PAD + (lon - self.west) * self.kx * self.scale
        y = PAD + (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)


def scope_map(
    *, scope: DashboardScope, now: dt.datetime, limit: int = MAX_POINTS
) -> ScopeMap | None:
    """The grids of the scope and its open cases with coordinates (soonest deadline
    first, at most ``limit``); None when nothing in the scope has coordinates."""
    grids = [
        (g.pk, str(g), list(_rings(g.boundary)))
        for g in Grid.objects.filter(
            community__path__descendant=scope.place.path, boundary__isnull=False
        ).select_related("community")
    ]
    cases = Case.objects.filter(
        status__in=OPEN_STATUSES, latitude__isnull=False, longitude__isnull=False
    )
    if scope.county_code is not None:
        cases = cases.filter(county_code=scope.county_code)
    rows = list(
        cases.order_by("resolve_due_at", "id").values_list(
            "pk", "number", "title", "status", "latitude", "longitude", "red_card_at",
            "resolve_due_at",
        )[: limit + 1]
    )  # fmt: skip
    truncated = len(rows) > limit
    points = [
        (pk, number, title, status, float(lat), float(lon), red is not None, due < now)
        for pk, number, title, status, lat, lon, red, due in rows[:limit]
        if lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon)
    ]
    coords = [p for _pk, _n, rings in grids for ring in rings for p in ring]
    coords += [(p[5], p[4]) for p in points]
    if not coords:
        return None
    proj = _Projection(coords)
    return ScopeMap(
        width=WIDTH,
        height=proj.height,
        grids=[
            MapGrid(
                pk, name, [" ".join("{},{}".format(*proj.xy(*p)) for p in ring) for ring in rings]
            )
            for pk, name, rings in grids
            if rings
        ],
        points=[
            MapPoint(pk, number, title, *proj.xy(lon, lat), _css(status, red, overdue))
            for pk, number, title, status, lat, lon, red, overdue in points
        ],
        truncated=truncated,
    )
