"""Grid boundaries for the demo: a rectangle around each grid's buildings (their stored
positions, see ``builder._building_position``), padded by about 25 m, stored through
``grid.services.grid_update`` like a boundary drawn by hand; the grid's centre beside it."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import User

from shequgang.grid.services import grid_update
from shequgang.places.models import Grid, Kind, Place

_PAD = 0.00025  # degrees: about 28 m north-south, 22 m east-west here


def grid_boundaries_load(*, actor: User) -> int:
    """Give every grid whose buildings have positions a boundary. Returns how many."""
    corners: dict[int, list[tuple[float, float]]] = defaultdict(list)
    rows = Place.objects.filter(kind=Kind.BUILDING, grid__isnull=False, latitude__isnull=False)
    for grid_id, lat, lon in rows.values_list("grid_id", "latitude", "longitude"):
        if lat is not None and lon is not None:
            corners[grid_id].append((lat, lon))
    done = 0
    for grid in Grid.objects.filter(pk__in=list(corners)).order_by("pk"):
        points = corners[grid.pk]
        south, north = min(p[0] for p in points) - _PAD, max(p[0] for p in points) + _PAD
        west, east = min(p[1] for p in points) - _PAD, max(p[1] for p in points) + _PAD
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        grid_update(
            actor=actor,
            grid=grid,
            name=grid.name,
            code=grid.code,
            boundary={"type": "Polygon", "coordinates": [_round(ring)]},
            latitude=round((south + north) / 2, 6),
            longitude=round((west + east) / 2, 6),
        )
        done += 1
    return done


def _round(ring: list[list[float]]) -> list[list[float]]:
    return [[round(lon, 6), round(lat, 6)] for lon, lat in ring]


def near(place: Place, rng: random.Random) -> dict[str, Any]:
    """A case's coordinates: its building's (or nearest ancestor's) position, give or take
    twenty metres."""
    node: Place | None = place
    while node is not None and node.latitude is None:
        node = node.parent
    if node is None or node.latitude is None or node.longitude is None:
        return {}
    return {
        "latitude": round(node.latitude + rng.uniform(-0.00018, 0.00018), 6),
        "longitude": round(node.longitude + rng.uniform(-0.00022, 0.00022), 6),
    }
