"""Input and output schemas of the cases API.

Outputs never carry a plaintext phone: only ``raiser_phone_masked``, and it and the
raiser's name only when the caller may see the raiser (``access.may_see_raiser``). The
output schemas document the bodies; ``cases/api/out.py`` builds them as dicts, key for key
(``cases/tests/test_case_bodies.py`` holds the two together)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from shequgang.apikit.schemas import BodyId, SafeStr
from shequgang.cases.models import (
    Category,
    Rung,
    Satisfaction,
    Source,
    Status,
)
from shequgang.places.schemas import PlaceRef

_SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# --- Building blocks ---------------------------------------------------------------------

RungNumber = Annotated[int, Field(ge=Rung.CENTRAL_HOUSEHOLD, le=Rung.DEPARTMENT)]
CategoryCode = Annotated[SafeStr, Field(min_length=1, max_length=40)]
# A case number (141102-20261129-0042) or a case id.
CaseKey = Annotated[SafeStr, Field(min_length=1, max_length=32)]
Reason = Annotated[SafeStr, Field(max_length=1000)]
Cursor = Annotated[str, Field(max_length=1000, description="上一页返回的 next_cursor，原样传回")]
PageSize = Annotated[int, Field(ge=1, le=100, description="每页条数（最多100）")]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]

# The doors an API client may raise a case through: residents for themselves, staff on
# a resident's behalf (the service checks ``case.raise`` over the place for those).
ApiSource = Literal["resident", "grid_patrol", "staff", "door_knocking", "hotline"]


class CategoryRef(Schema):
    code: str
    name: str


class CategoryOut(CategoryRef):
    start_rung: int = Field(description="起始层级（1 党员中心户 … 6 县级部门）")
    start_rung_label: str
    ack_hours: int = Field(description="签收时限（工作小时）")
    resolve_days: int = Field(description="办结时限（工作日）")
    needs_deliberation: bool
    is_dispute: bool = Field(description="矛盾纠纷（计入就地化解率）")

    @staticmethod
    def build(category: Category) -> CategoryOut:
        return CategoryOut(
            code=category.code,
            name=category.name,
            start_rung=category.start_rung,
            start_rung_label=Rung(category.start_rung).label,
            ack_hours=category.ack_hours,
            resolve_days=category.resolve_days,
            needs_deliberation=category.needs_deliberation,
            is_dispute=category.is_dispute,
        )


class CategoryGroupOut(CategoryRef):
    """A 大类 with its 小类; cases are raised in a 小类 (``children[].code``)."""

    children: list[CategoryOut]


# --- Cases: output -----------------------------------------------------------------------


class DepartmentRef(Schema):
    id: int
    name: str


class CaseOut(Schema):
    id: int
    number: str = Field(examples=["141102-20261129-0042"])
    source: Source
    source_label: str
    category: CategoryRef
    title: str
    place: PlaceRef
    status: Status
    status_label: str
    rung: int = Field(description="当前层级（1 党员中心户 … 6 县级部门）")
    rung_label: str
    handler_place: PlaceRef | None = Field(description="承办节点（层级 1–5）")
    handler_department: DepartmentRef | None = Field(description="承办部门（层级 6）")
    created_at: dt.datetime
    assigned_at: dt.datetime
    ack_due_at: dt.datetime
    resolve_due_at: dt.datetime
    overdue: bool = Field(description="办理中且已过办结时限，或待核查且已过核查时限")
    dispatcher: PlaceRef | None = Field(
        description="派遣节点（县指挥中心或社区）；部门退单回到这里"
    )
    verify_due_at: dt.datetime | None = Field(description="现场核查时限（待核查时）")
    supervised: bool
    anonymous: bool
    raised_by_me: bool
    raiser_name: str | None = Field(description="提出人；对基层匿名且无权查看时为 null")
    raiser_phone_masked: str | None = Field(
        description="提出人电话（脱敏）；无权查看时为 null", examples=["138****5678"]
    )


class CasePageOut(Schema):
    """A keyset page: pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[CaseOut]
    next_cursor: str | None = Field(description="下一页的游标；null 表示已是最后一页")


class EventOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    kind_label: str
    actor: str | None = Field(description="操作人；系统操作或无权查看时为 null")
    from_status: str
    to_status: str
    from_rung: int | None
    to_rung: int | None
    reason: str
    data: dict[str, Any]


class PhotoOut(Schema):
    id: int
    url: str = Field(description="下载地址（需登录，与事项同权限）")
    purpose: str = Field(description="report：上报照片；resolution：办结照片")
    content_type: str
    width: int
    height: int
    size: int
    uploaded_at: dt.datetime


class CaseDetailOut(CaseOut):
    description: str
    latitude: float | None
    longitude: float | None
    acknowledged_at: dt.datetime | None
    supervised_at: dt.datetime | None
    extension_days_requested: int | None = Field(description="待审批的延期天数")
    escalations: int
    reopens: int
    resolved_at: dt.datetime | None
    resolved_rung: int | None
    resolution: str
    closed_at: dt.datetime | None
    solved: bool | None
    satisfaction: Satisfaction | Literal[""]
    rating_comment: str
    rated_at: dt.datetime | None
    hold_reason: str
    merged_into: str | None = Field(description="合并至的事项编号")
    events: list[EventOut] = Field(description="时间线，按时间先后")
    photos: list[PhotoOut]
    actions: list[str] = Field(
        description="当前用户现在可以执行的操作：acknowledge、start、resolve、escalate、"
        "return、transfer、request_extension（POST …/extension）、decide_extension"
        "（POST …/extension/decision）、hold、resume、supervise、reroute、merge、"
        "request_dispatch（POST …/request-dispatch）、dispatch、report、verify、rate、"
        "comment。仅供界面提示，以服务端校验为准。"
    )


# --- Cases: input ------------------------------------------------------------------------


class CaseFilters(Schema):
    status: Status | None = None
    rung: RungNumber | None = None
    category: CategoryCode | None = Field(None, description="小类代码，或大类代码（含其小类）")
    place: BodyId | None = Field(None, description="只看这个地点（及其下级）的事项")
    overdue: bool = Field(False, description="true：只看办理中且已超过办结时限的")
    q: Annotated[SafeStr, Field(max_length=100)] = Field("", description="事项编号或标题的一部分")
    mine: Literal["holder", "raised"] | None = Field(
        None, description="holder：我承办的（待办）；raised：我提出的"
    )
    cursor: Cursor | None = None
    limit: PageSize = 50


class CaseCreateIn(Schema):
    """Form fields of ``POST /cases`` (multipart/form-data, photos as ``photos``)."""

    category: CategoryCode = Field(description="事项小类代码（见 GET /categories）")
    place: BodyId = Field(description="地点：社区、小区、楼栋、单元或户")
    title: Annotated[SafeStr, Field(max_length=100)]
    description: Annotated[SafeStr, Field(max_length=4000)] = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    raiser_name: Annotated[SafeStr, Field(max_length=50)] = ""
    raiser_phone: Annotated[SafeStr, Field(max_length=32)] = Field(
        "", description="联系电话；加密保存，只以脱敏形式显示"
    )
    anonymous: bool = Field(False, description="对楼栋、小区层级的承办人隐藏提出人")
    source: ApiSource = Field(
        "resident", description="来源；居民上报以外须有代报权限（网格员、社区工作人员等）"
    )


class ResolveIn(Schema):
    """Form fields of ``POST /cases/{id}/resolve`` (multipart, evidence as ``photos``)."""

    resolution: Annotated[SafeStr, Field(max_length=4000)] = Field(description="办理结果")


class ReasonIn(Schema):
    reason: Reason


class OptionalReasonIn(Schema):
    reason: Reason = ""


class RerouteIn(Schema):
    category: CategoryCode | None = Field(None, description="更正后的小类代码")
    rung: RungNumber | None = Field(None, description="从哪一层级开始（默认为分类的起始层级）")
    reason: Reason = ""


class TransferIn(Schema):
    reason: Reason
    to_place: BodyId | None = Field(None, description="同一层级的另一个节点（如另一栋楼）")
    to_department: BodyId | None = Field(None, description="本县的另一个部门（部门层级）")


class ExtensionIn(Schema):
    days: int = Field(ge=1, le=30, description="延期的工作日数")
    reason: Reason


class ExtensionDecisionIn(Schema):
    approve: bool
    reason: Reason = ""


class RateIn(Schema):
    solved: bool
    satisfaction: Satisfaction
    comment: Annotated[SafeStr, Field(max_length=500)] = ""


class MergeIn(Schema):
    into: CaseKey = Field(description="保留的事项：编号或 id")
    reason: Reason = ""


class CommentIn(Schema):
    text: Annotated[SafeStr, Field(max_length=2000)]


# --- Measures ----------------------------------------------------------------------------
