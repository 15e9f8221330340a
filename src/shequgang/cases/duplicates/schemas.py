"""What the duplicate suggestions and the followed cases show — to the API (schemas) and
to the pages (the same objects). Someone else's report shows its title, category, the
compound it is in, its status and age: never its raiser, phone, household or building.
Staff who may see the case anyway also get its number and the distance."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import Field

from shequgang.actors import UserLike
from shequgang.apikit.schemas import BodyId, SafeStr
from shequgang.cases.access import followable_cases, scoped_cases
from shequgang.cases.api.schemas import CategoryRef
from shequgang.cases.duplicates.suggestions import Suggestion, compound_names, similar_cases
from shequgang.cases.models import Case, CaseEvent, CaseFollower, Category, EventKind, Status
from shequgang.cases.services.followers import public_timeline
from shequgang.places.models import Place

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


def age_label(age: dt.timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    if hours < 1:
        return "刚刚"
    if hours < 24:
        return f"{hours}小时前"
    return f"{age.days}天前"


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


class SimilarQuery(Schema):
    category: Annotated[SafeStr, Field(min_length=1, max_length=40, description="事项小类代码")]
    place: BodyId | None = Field(None, description="地点 id（小区、楼栋、单元或户）")
    lat: Latitude | None = Field(None, description="纬度（与 lng 同时提供）")
    lng: Longitude | None = Field(None, description="经度")
    text: Annotated[SafeStr, Field(max_length=4000)] = Field("", description="标题和描述")


class SimilarCaseOut(Schema):
    id: int = Field(description="事项 id（“我也遇到了”用）")
    title: str
    category: CategoryRef
    place_name: str = Field(description="所在小区（或社区），不细到楼栋和户")
    status: str
    status_label: str
    age_days: int = Field(description="提交至今的天数")
    age_label: str
    followers: int = Field(description="已有几位居民“我也遇到了”")
    score: float = Field(description="相似度得分 0–1，越大越可能是同一问题")
    mine: bool = Field(description="是否本人提出或已关注")
    number: str | None = Field(None, description="事项编号（仅辖区工作人员可见）")
    distance_m: float | None = Field(None, description="距离（米，仅辖区工作人员可见）")

    @staticmethod
    def build(
        s: Suggestion, *, now: dt.datetime, visible: bool, mine: bool, category: CategoryRef
    ) -> SimilarCaseOut:
        age = max(dt.timedelta(0), now - s.case.created_at)
        return SimilarCaseOut(
            id=s.case.pk,
            title=s.case.title,
            category=category,
            place_name=s.place_name,
            status=s.case.status,
            status_label=_status_label(s.case.status),
            age_days=age.days,
            age_label=age_label(age),
            followers=s.followers,
            score=s.score,
            mine=mine,
            number=s.case.number if visible else None,
            distance_m=round(s.distance_m, 1) if visible and s.distance_m is not None else None,
        )


class MeTooOut(Schema):
    case_id: int
    following: bool = True
    created: bool = Field(description="本次是否新加入（重复请求为 false，不重复记录）")


# Events whose note a follower may read: what was done, why it waits.
_NOTED = {EventKind.RESOLVED, EventKind.ON_HOLD}


class MilestoneOut(Schema):
    at: dt.datetime
    kind: str
    label: str
    note: str = ""

    @staticmethod
    def build(event: CaseEvent) -> MilestoneOut:
        return MilestoneOut(
            at=event.at,
            kind=event.kind,
            label=str(EventKind(event.kind).label) if event.kind in EventKind.values else "",
            note=event.reason if event.kind in _NOTED else "",
        )


class FollowedCaseOut(Schema):
    id: int
    title: str
    category: CategoryRef
    place_name: str
    status: str
    status_label: str
    created_at: dt.datetime
    resolution: str = Field("", description="办理结果（办结后）")
    merged_into: int | None = Field(None, description="被合并时，继续办理的事项 id")
    milestones: list[MilestoneOut] = Field(default_factory=list)

    @staticmethod
    def build(
        case: Case, *, place_name: str, milestones: list[CaseEvent] | None = None
    ) -> FollowedCaseOut:
        return FollowedCaseOut(
            id=case.pk,
            title=case.title,
            category=CategoryRef(code=case.category.code, name=case.category.name),
            place_name=place_name,
            status=case.status,
            status_label=_status_label(case.status),
            created_at=case.created_at,
            resolution=case.resolution if case.resolved_at or case.closed_at else "",
            merged_into=case.merged_into_id,
            milestones=[MilestoneOut.build(e) for e in milestones or []],
        )


class FollowedPageOut(Schema):
    items: list[FollowedCaseOut]


def suggestions_for(
    user: UserLike,
    *,
    category: Category,
    place: Place | None,
    latitude: float | None = None,
    longitude: float | None = None,
    text: str = "",
    now: dt.datetime | None = None,
) -> list[SimilarCaseOut]:
    """``similar_cases`` as ``user`` may see them: only the cases they may follow
    (``follow_scope_q``: their neighbourhood or staff scope, no private category), the
    number and distance only of cases in their scope, and which ones they raised or
    already follow."""
    now = now or timezone.now()
    found = similar_cases(
        category=category, place=place, latitude=latitude, longitude=longitude, text=text, now=now
    )
    allowed = set(
        followable_cases(user)
        .filter(pk__in=[s.case.pk for s in found])
        .values_list("pk", flat=True)
    )
    found = [s for s in found if s.case.pk in allowed]
    ids = [s.case.pk for s in found]
    visible = set(scoped_cases(user).filter(pk__in=ids).values_list("pk", flat=True))
    followed = set(
        CaseFollower.objects.filter(case_id__in=ids, user_id=user.pk or 0).values_list(
            "case_id", flat=True
        )
    )
    categories = Category.objects.in_bulk({s.case.category_id for s in found})
    return [
        SimilarCaseOut.build(
            s,
            now=now,
            visible=s.case.pk in visible,
            mine=s.case.raiser_id == user.pk or s.case.pk in followed,
            category=CategoryRef(
                code=categories[s.case.category_id].code, name=categories[s.case.category_id].name
            ),
        )
        for s in found
    ]


def followed_out(case: Case, *, with_milestones: bool = False) -> FollowedCaseOut:
    names = compound_names([case])
    return FollowedCaseOut.build(
        case,
        place_name=names.get(case.place_path, ""),
        milestones=public_timeline(case) if with_milestones else None,
    )


def followed_list_out(cases: list[Case]) -> list[FollowedCaseOut]:
    names = compound_names(cases)
    return [FollowedCaseOut.build(c, place_name=names.get(c.place_path, "")) for c in cases]
