"""API schemas for the place tree and grids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AliasChoices, Field

from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.places.models import Kind, ManagementMode

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
# Matches Place.floor_area (DecimalField(max_digits=9, decimal_places=2)).
FloorArea = Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=2, allow_inf_nan=False)]
PlaceName = Annotated[SafeStr, Field(min_length=1, max_length=100)]
ShortText = Annotated[SafeStr, Field(max_length=16)]
OrgName = Annotated[SafeStr, Field(max_length=100)]


class PlaceRef(Schema):
    id: int
    kind: Kind
    name: str


class PlaceOut(Schema):
    id: int
    kind: Kind
    # From a model, Django's get_kind_display(); from a dict, the key itself.
    kind_label: str = Field(
        validation_alias=AliasChoices("kind_label", "get_kind_display"),
        description="层级的中文名",
    )
    subtype: str
    name: str
    code: str
    parent_id: int | None
    depth: int
    grid_id: int | None
    latitude: float | None
    longitude: float | None
    management_mode: ManagementMode | Literal[""] = Field(description="小区的管理方式")
    property_company: str
    owners_committee: str
    floor_area: Decimal | None = Field(description="户的专有面积（㎡）")
    created_at: dt.datetime


class PlaceDetailOut(PlaceOut):
    ancestors: list[PlaceRef] = Field(
        description="从上到下、当前用户可见的上级（不含自身）", default_factory=list
    )


class PlacePage(PageOut):
    items: list[PlaceOut]


class SubtreeCountsOut(Schema):
    place_id: int
    counts: dict[str, int] = Field(description="下级各层级的数量（不含自身），键为层级代码")
    residents: int | None = Field(
        description="范围内在册居民数；无权查看居民时为 null", default=None
    )


class PlaceAttrsIn(Schema):
    """Attributes beyond kind and name; each applies to some kinds only (see the service)."""

    subtype: ShortText | None = None
    code: ShortText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    management_mode: ManagementMode | Literal[""] | None = None
    property_company: OrgName | None = None
    owners_committee: OrgName | None = None
    floor_area: FloorArea | None = None


class PlaceCreateIn(PlaceAttrsIn):
    kind: Kind
    name: PlaceName


class PlaceUpdateIn(PlaceAttrsIn):
    """Only the fields present change; ``null`` clears a text or number field."""

    name: PlaceName | None = None


class GridOut(Schema):
    id: int
    name: str
    code: str
    community: PlaceRef
    latitude: float | None
    longitude: float | None
    buildings: list[PlaceRef] = Field(description="本网格中当前用户可见的楼栋")


class GridBuildingsIn(Schema):
    building_ids: list[BodyId] = Field(min_length=1, max_length=500)


class GridAssignOut(Schema):
    grid: GridOut
    changed: int = Field(description="划入本网格的地点数（楼栋及其单元、户）")
