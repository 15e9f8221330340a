"""Schemas of the desk endpoints: a period of time in a query (dates or moments in
Shanghai time, bounded), the measures and their drill-down, and the inbox's notifications."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated, Any, Literal, get_args

from ninja import Schema
from pydantic import BeforeValidator, Field, model_validator

from shequgang.apikit.schemas import BodyId, PageOut
from shequgang.cases.api.schemas import Cursor, PageSize
from shequgang.cases.engine.measures import MEASURES, Measures
from shequgang.cases.models import (
    Notification,
)
from shequgang.places.schemas import PlaceRef

_SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

MeasureName = Literal[
    "response",
    "resolution",
    "on_time",
    "satisfied",
    "basic",
    "in_building",
    "in_compound",
    "disputes_local",
]
# The path parameter lists the names, so a wrong one is a 422 and the document shows them.
assert set(get_args(MeasureName)) == set(MEASURES)
MeasurePart = Literal["numerator", "denominator"]


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# In a query string an unescaped "+08:00" arrives as " 08:00".
_SPACE_OFFSET = re.compile(r" (\d{2}:?\d{2})$")
_EARLIEST, _LATEST = 2000, 2100
MAX_PERIOD = dt.timedelta(days=731)
DEFAULT_PERIOD = dt.timedelta(days=30)


def _moment(value: Any, *, end: bool) -> Any:
    """An aware datetime, or a date (Asia/Shanghai): from its start, or for an end the
    whole day included (the next midnight)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if _DATE.fullmatch(text):
                day = dt.date.fromisoformat(text) + dt.timedelta(days=1 if end else 0)
                value = dt.datetime.combine(day, dt.time(), tzinfo=_SHANGHAI)
            else:
                value = dt.datetime.fromisoformat(_SPACE_OFFSET.sub(r"+\1", text))
        except (ValueError, OverflowError):
            raise ValueError(
                "应为日期（2026-01-31）或带时区的时间（2026-01-31T08:00:00+08:00）"
            ) from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("时间须带时区，例如 2026-01-31T08:00:00+08:00")
        if not _EARLIEST <= value.year <= _LATEST:
            raise ValueError(f"年份应在{_EARLIEST}至{_LATEST}之间")
    return value


Start = Annotated[dt.datetime, BeforeValidator(lambda v: _moment(v, end=False))]
End = Annotated[dt.datetime, BeforeValidator(lambda v: _moment(v, end=True))]


# --- Categories --------------------------------------------------------------------------


class PeriodQuery(Schema):
    """[start, end): dates are Asia/Shanghai days (an end date includes that day);
    default the last 30 days, at most two years."""

    place: BodyId = Field(description="统计范围（地点及其下级）")
    start: Start | None = Field(None, description="起（含），日期或带时区的时间")
    end: End | None = Field(None, description="止（不含；日期则含当天）")

    @model_validator(mode="after")
    def _period(self) -> PeriodQuery:
        if self.start is not None and self.end is not None:
            if self.end <= self.start:
                raise ValueError("结束时间应晚于开始时间")
            if self.end - self.start > MAX_PERIOD:
                raise ValueError("统计区间不能超过两年")
        return self

    def period(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        end = self.end or (now if self.start is None else self.start + DEFAULT_PERIOD)
        start = self.start or end - DEFAULT_PERIOD
        return start, end


class DrillQuery(PeriodQuery):
    cursor: Cursor | None = None
    limit: PageSize = 50


class RatioOut(Schema):
    label: str
    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator（4位小数）；分母为0时为 null")


class MeasuresOut(Schema):
    place: PlaceRef
    start: dt.datetime
    end: dt.datetime
    total: int = Field(description="期间提交的事项数（不含已合并的重复件）")
    ratios: dict[str, RatioOut] = Field(
        description="各项指标；GET /measures/{name}/{part} 列出分子或分母的事项"
    )
    satisfaction: float | None = Field(description="满意率（基本满意按权重计）")
    composite: float | None = Field(description="综合得分")

    @staticmethod
    def build(
        measures: Measures, *, place: PlaceRef, start: dt.datetime, end: dt.datetime
    ) -> MeasuresOut:
        def number(value: Any) -> float | None:
            return None if value is None else float(value)

        return MeasuresOut(
            place=place,
            start=start,
            end=end,
            total=measures.total,
            ratios={
                name: RatioOut(
                    label=r.label,
                    numerator=r.numerator,
                    denominator=r.denominator,
                    value=number(r.value),
                )
                for name, r in measures.ratios.items()
            },
            satisfaction=number(measures.satisfaction),
            composite=number(measures.composite),
        )


# --- Notifications -----------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    case_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def build(note: Notification) -> NotificationOut:
        return NotificationOut(
            id=note.pk,
            title=note.title,
            body=note.body,
            case_id=note.case_id,
            created_at=note.created_at,
            read_at=note.read_at,
            unread=note.read_at is None,
        )


class NotificationPageOut(PageOut):
    items: list[NotificationOut]
    unread: int = Field(description="未读总数")
