"""Input and output schemas of the cases API.

Outputs never carry a plaintext phone: only ``raiser_phone_masked``, and it and the
raiser's name only when the caller may see the raiser (``access.may_see_raiser``) — the
``show_raiser`` flag the endpoint passes to ``build``."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from shequgang.apikit.schemas import BodyId, SafeStr
from shequgang.cases.engine.deadlines import lateness
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
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

    @staticmethod
    def fields_of(
        case: Case, *, show_raiser: bool, raised_by_me: bool, now: dt.datetime
    ) -> dict[str, Any]:
        place, dept = case.handler_place, case.handler_department
        return {
            "id": case.pk,
            "number": case.number,
            "source": case.source,
            "source_label": case.get_source_display(),
            "category": CategoryRef(code=case.category.code, name=case.category.name),
            "title": case.title,
            "place": PlaceRef.from_orm(case.place),
            "status": case.status,
            "status_label": case.get_status_display(),
            "rung": case.rung,
            "rung_label": case.get_rung_display(),
            "handler_place": PlaceRef.from_orm(place) if place is not None else None,
            "handler_department": DepartmentRef(id=dept.pk, name=dept.name) if dept else None,
            "created_at": case.created_at,
            "assigned_at": case.assigned_at,
            "ack_due_at": case.ack_due_at,
            "resolve_due_at": case.resolve_due_at,
            "overdue": lateness(
                status=case.status,
                now=now,
                resolve_due_at=case.resolve_due_at,
                verify_due_at=case.verify_due_at,
            ).overdue,
            # The id first: most cases were never dispatched, and reading the relation
            # of a row fetched without it would cost a query.
            "dispatcher": PlaceRef.from_orm(case.dispatcher_place)
            if case.dispatcher_place_id is not None and case.dispatcher_place is not None
            else None,
            "verify_due_at": case.verify_due_at,
            "supervised": case.supervised_at is not None,
            "anonymous": case.anonymous,
            "raised_by_me": raised_by_me,
            "raiser_name": case.raiser_name if show_raiser else None,
            "raiser_phone_masked": case.raiser_phone_masked if show_raiser else None,
        }

    @staticmethod
    def build(case: Case, *, show_raiser: bool, raised_by_me: bool, now: dt.datetime) -> CaseOut:
        return CaseOut(
            **CaseOut.fields_of(case, show_raiser=show_raiser, raised_by_me=raised_by_me, now=now)
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

    @staticmethod
    def build(event: CaseEvent, *, actor: str | None) -> EventOut:
        return EventOut(
            id=event.pk,
            at=event.at,
            kind=event.kind,
            kind_label=event.get_kind_display(),
            actor=actor,
            from_status=event.from_status,
            to_status=event.to_status,
            from_rung=event.from_rung,
            to_rung=event.to_rung,
            reason=event.reason,
            data=event.data,
        )


class PhotoOut(Schema):
    id: int
    url: str = Field(description="下载地址（需登录，与事项同权限）")
    purpose: str = Field(description="report：上报照片；resolution：办结照片")
    content_type: str
    width: int
    height: int
    size: int
    uploaded_at: dt.datetime

    @staticmethod
    def build(photo: CasePhoto, *, url: str) -> PhotoOut:
        return PhotoOut(
            id=photo.pk,
            url=url,
            purpose=photo.purpose,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            uploaded_at=photo.uploaded_at,
        )


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

    @staticmethod
    def build_detail(
        case: Case,
        *,
        show_raiser: bool,
        raised_by_me: bool,
        now: dt.datetime,
        events: Sequence[EventOut],
        photos: Sequence[PhotoOut],
        actions: Sequence[str],
    ) -> CaseDetailOut:
        return CaseDetailOut(
            **CaseOut.fields_of(case, show_raiser=show_raiser, raised_by_me=raised_by_me, now=now),
            description=case.description,
            latitude=case.latitude,
            longitude=case.longitude,
            acknowledged_at=case.acknowledged_at,
            supervised_at=case.supervised_at,
            extension_days_requested=case.extension_days_requested,
            escalations=case.escalations,
            reopens=case.reopens,
            resolved_at=case.resolved_at,
            resolved_rung=case.resolved_rung,
            resolution=case.resolution,
            closed_at=case.closed_at,
            solved=case.solved,
            satisfaction=Satisfaction(case.satisfaction) if case.satisfaction else "",
            rating_comment=case.rating_comment,
            rated_at=case.rated_at,
            hold_reason=case.hold_reason,
            merged_into=case.merged_into.number if case.merged_into else None,
            events=list(events),
            photos=list(photos),
            actions=list(actions),
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
