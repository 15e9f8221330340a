"""Input and output schemas of the grid API (patrols, reports, camera alerts)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import AwareDatetime, Field

from shequgang.apikit.schemas import BodyId, SafeStr
from shequgang.grid.models import Patrol, PatrolReport

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class PatrolStartIn(Schema):
    grid: BodyId | None = Field(None, description="要巡查的网格；只负责一个网格时可省略")


class PatrolEndIn(Schema):
    note: Annotated[SafeStr, Field(max_length=500)] = ""


class PatrolOut(Schema):
    id: int
    grid: int
    grid_name: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    is_open: bool
    note: str

    @staticmethod
    def build(patrol: Patrol) -> PatrolOut:
        return PatrolOut(
            id=patrol.pk,
            grid=patrol.grid_id,
            grid_name=patrol.grid.name,
            started_at=patrol.started_at,
            ended_at=patrol.ended_at,
            is_open=patrol.is_open,
            note=patrol.note,
        )


class TrackPointIn(Schema):
    at: AwareDatetime = Field(description="定位时间，ISO 8601，须带时区")
    latitude: Latitude
    longitude: Longitude
    accuracy: Annotated[float, Field(ge=0, le=100000, allow_inf_nan=False)] | None = Field(
        None, description="定位精度（米）"
    )


class TrackIn(Schema):
    points: list[TrackPointIn] = Field(max_length=500, description="轨迹点，每次最多500个")


class TrackOut(Schema):
    added: int


class ReportIn(Schema):
    """Form fields of ``POST /grid/patrols/{id}/reports`` (multipart, photos as
    ``photos``)."""

    category: Annotated[SafeStr, Field(min_length=1, max_length=40)] = Field(
        description="事项小类代码（见 GET /categories）"
    )
    place: BodyId = Field(description="地点：本网格内的楼栋、单元或户")
    title: Annotated[SafeStr, Field(max_length=100)]
    description: Annotated[SafeStr, Field(max_length=4000)] = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    handled_on_the_spot: bool = Field(
        False, description="true：自行处置（当场办结，须填 handling）；false：需要派遣"
    )
    handling: Annotated[SafeStr, Field(max_length=4000)] = Field(
        "", description="现场处置情况（自行处置时必填）"
    )


class ReportOut(Schema):
    patrol: int
    case_id: int
    case_number: str
    status: str
    status_label: str
    handled_on_the_spot: bool

    @staticmethod
    def build(report: PatrolReport) -> ReportOut:
        case = report.case
        return ReportOut(
            patrol=report.patrol_id,
            case_id=case.pk,
            case_number=case.number,
            status=case.status,
            status_label=case.get_status_display(),
            handled_on_the_spot=report.handled_on_the_spot,
        )


class CameraAlertOut(Schema):
    alert_id: str
    case_number: str
