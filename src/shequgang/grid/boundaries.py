"""Grid boundaries: GeoJSON Polygon or MultiPolygon geometries (RFC 7946), positions as
[longitude, latitude] in WGS 84. Checked here before anything is stored, so a map drawn
from them never meets a ring that does not close or a coordinate off the globe."""

from __future__ import annotations

import json
import math
from typing import Any

from shequgang.errors import DomainError

# A hand-drawn grid boundary has tens of vertices; this bounds a hostile payload.
MAX_POSITIONS = 5000


def _bad(message: str) -> DomainError:
    return DomainError("invalid_boundary", f"边界不正确：{message}")


def _position(value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) not in (2, 3):
        raise _bad("每个坐标应为 [经度, 纬度]")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise _bad("坐标必须是数字")
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _bad("坐标必须是有限的数字")
    if not -180 <= lon <= 180:
        raise _bad("经度应在 -180 到 180 之间（GeoJSON 的顺序是 [经度, 纬度]）")
    if not -90 <= lat <= 90:
        raise _bad("纬度应在 -90 到 90 之间（GeoJSON 的顺序是 [经度, 纬度]）")
    return lon, lat


def _ring(value: Any) -> list[tuple[float, float]]:
    if not isinstance(value, list) or len(value) < 4:
        raise _bad("每个环至少要有4个坐标（首尾相同）")
    ring = [_position(p) for p in value]
    if ring[0] != ring[-1]:
        raise _bad("环必须闭合：第一个坐标与最后一个相同")
    if len(set(ring)) < 3:
        raise _bad("环至少要有3个不同的顶点")
    return ring


def _polygon(value: Any) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list) or not value:
        raise _bad("多边形至少要有一个外环")
    return [_ring(r) for r in value]


def parse_boundary(value: Any) -> dict[str, Any] | None:
    """The boundary as a clean GeoJSON geometry dict, from a dict or JSON text (a
    Feature is unwrapped to its geometry); None for an empty value. Raises DomainError
    ``invalid_boundary`` with the reason otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _bad("不是有效的 JSON") from None
    if not isinstance(value, dict):
        raise _bad("应为 GeoJSON 对象")
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise _bad("Feature 缺少 geometry")
    kind = value.get("type")
    coordinates = value.get("coordinates")
    if kind == "Polygon":
        polygons = [_polygon(coordinates)]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _bad("MultiPolygon 至少要有一个多边形")
        polygons = [_polygon(p) for p in coordinates]
    else:
        raise _bad("类型必须是 Polygon 或 MultiPolygon")
    if sum(len(r) for p in polygons for r in p) > MAX_POSITIONS:
        raise _bad(f"坐标不能超过{MAX_POSITIONS}个")
    clean = [[[list(pos) for pos in ring] for ring in polygon] for polygon in polygons]
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": clean[0]}
    return {"type": "MultiPolygon", "coordinates": clean}


def boundary_centre(boundary: dict[str, Any]) -> tuple[float, float]:
    """A centre for the map label: the mean of the outer rings' distinct vertices, as
    (latitude, longitude). Good enough for a grid a few hundred metres across."""
    polygons = (
        [boundary["coordinates"]] if boundary["type"] == "Polygon" else boundary["coordinates"]
    )
    vertices = {tuple(pos[:2]) for polygon in polygons for pos in polygon[0]}
    lon = sum(v[0] for v in vertices) / len(vertices)
    lat = sum(v[1] for v in vertices) / len(vertices)
    return lat, lon


def check_centre(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise DomainError("invalid_centre", "中心点的经度和纬度要同时填写")
    if latitude is None or longitude is None:
        return
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise DomainError("invalid_centre", "中心点纬度应在 -90 到 90 之间")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise DomainError("invalid_centre", "中心点经度应在 -180 到 180 之间")
