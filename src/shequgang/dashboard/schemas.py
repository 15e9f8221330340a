"""API schemas of the command centre."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from shequgang.cases.api.desk_schemas import MeasuresOut
from shequgang.dashboard.selectors import SHANGHAI, Figures, month_start
from shequgang.places.models import Kind
from shequgang.places.schemas import PlaceRef


class FiguresQuery(Schema):
    scope: Annotated[str, Field(max_length=20, pattern=r"^\d*$")] = Field(
        "", description="地点 id（市或县）或六位县级区划代码；缺省为本人的指挥范围"
    )
    months: int = Field(1, ge=1, le=12, description="三率统计的月数（含本月，按北京时间）")


class StatusCountOut(Schema):
    status: str
    label: str
    n: int
    open: bool = Field(description="是否为在办状态")


class LoadOut(Schema):
    id: int
    name: str
    open: int = Field(description="在办事项数")
    red: int = Field(0, description="其中红牌事项数（仅区域）")


class CategoryWeekOut(Schema):
    id: int
    name: str
    this_week: int
    last_week: int


class FiguresOut(Schema):
    scope: PlaceRef
    at: dt.datetime
    total: int = Field(description="事项总数（各状态）")
    open: int = Field(description="在办事项")
    overdue: int = Field(description="超过办结时限的在办事项（实时）")
    red: int = Field(description="带红牌的在办事项")
    yellow: int = Field(description="带黄牌的在办事项")
    ack_overdue: int = Field(description="超时未签收的事项")
    by_status: list[StatusCountOut]
    areas: list[LoadOut] = Field(description="市：各县在办；县：各乡镇/街道在办")
    grids: list[LoadOut] = Field(description="在办最多的网格")
    departments: list[LoadOut] = Field(description="在办最多的部门")
    week_start: dt.date = Field(description="本周一（北京时间）")
    categories: list[CategoryWeekOut] = Field(description="各类事项本周与上周新增")
    measures: MeasuresOut = Field(description="三率：按月统计（本月起算）")

    @staticmethod
    def build(f: Figures) -> FiguresOut:
        place = f.scope.place
        start = dt.datetime.combine(f.month_start, dt.time(), tzinfo=SHANGHAI)
        end_day = month_start(f.at.astimezone(SHANGHAI).date(), back=-1)
        end = dt.datetime.combine(end_day, dt.time(), tzinfo=SHANGHAI)
        ref = PlaceRef(id=place.pk, kind=Kind(place.kind), name=place.name)
        return FiguresOut(
            scope=ref,
            at=f.at,
            total=f.total,
            open=f.open,
            overdue=f.overdue,
            red=f.red,
            yellow=f.yellow,
            ack_overdue=f.ack_overdue,
            by_status=[
                StatusCountOut(status=s.status, label=s.label, n=s.n, open=s.is_open)
                for s in f.by_status
            ],
            areas=[LoadOut(id=a.id, name=a.name, open=a.open, red=a.red) for a in f.areas],
            grids=[LoadOut(id=g.id, name=g.name, open=g.open, red=0) for g in f.grids],
            departments=[LoadOut(id=d.id, name=d.name, open=d.open, red=0) for d in f.departments],
            week_start=f.week_start,
            categories=[
                CategoryWeekOut(id=c.id, name=c.name, this_week=c.this_week, last_week=c.last_week)
                for c in f.categories
            ],
            measures=MeasuresOut.build(f.measures, place=ref, start=start, end=end),
        )
