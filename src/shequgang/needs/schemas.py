"""API schemas for needs (/api/v1/needs): campaigns, visit lists, visits, demands."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import AliasChoices, Field

from shequgang.apikit.pagination import PageParams
from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.needs.models import (
    CampaignStatus,
    DemandSource,
    DemandStatus,
    DemandType,
    StopState,
    Urgency,
    VisitorRole,
    VisitOutcome,
)
from shequgang.places.schemas import PlaceRef


def _label(field: str) -> str:
    return Field(validation_alias=AliasChoices(f"{field}_label", f"get_{field}_display"))  # type: ignore[no-any-return]


class NeedsVisitorIn(Schema):
    user_id: BodyId
    role: VisitorRole = VisitorRole.GRID_WORKER


class NeedsCampaignIn(Schema):
    community_id: BodyId
    title: Annotated[SafeStr, Field(max_length=200)]
    goal: Annotated[SafeStr, Field(max_length=400)] = ""
    target_ids: list[BodyId] = Field(min_length=1, max_length=500, description="小区或楼栋")
    visitors: list[NeedsVisitorIn] = Field(min_length=1, max_length=500)
    starts_on: dt.date
    ends_on: dt.date


class NeedsCloseIn(Schema):
    summary: Annotated[SafeStr, Field(max_length=4000)] = ""


class NeedsCoverageOut(Schema):
    place: PlaceRef
    households: int
    covered: int
    percent: int


class NeedsCampaignOut(Schema):
    id: int
    title: str
    goal: str
    community: PlaceRef
    starts_on: dt.date
    ends_on: dt.date
    status: CampaignStatus
    status_label: str = _label("status")
    household_count: int
    covered: int = 0


class NeedsCampaignDetailOut(NeedsCampaignOut):
    compounds: list[NeedsCoverageOut]
    buildings: list[NeedsCoverageOut]


class NeedsCampaignPage(PageOut):
    items: list[NeedsCampaignOut]


class NeedsListOut(Schema):
    id: int
    campaign_id: int
    visitor_id: int
    visitor: str
    role: VisitorRole
    households: int
    covered: int


class NeedsListPage(PageOut):
    items: list[NeedsListOut]


class NeedsStopOut(Schema):
    id: int
    position: int
    household: PlaceRef
    address: str
    state: StopState
    state_label: str = _label("state")
    revisit_on: dt.date | None
    last_visited_at: dt.datetime | None


class NeedsStopPage(PageOut):
    items: list[NeedsStopOut]


class NeedsVisitIn(Schema):
    outcome: VisitOutcome
    met_whom: Annotated[SafeStr, Field(max_length=200)] = ""
    revisit_on: dt.date | None = None
    note: Annotated[SafeStr, Field(max_length=2000)] = ""


class NeedsVisitOut(Schema):
    id: int
    stop_id: int
    campaign_id: int
    household_id: int
    visitor_id: int
    visited_at: dt.datetime
    outcome: VisitOutcome
    outcome_label: str = _label("outcome")
    met_whom: str
    revisit_on: dt.date | None
    note: str


class NeedsVisitPage(PageOut):
    items: list[NeedsVisitOut]


class NeedsDemandIn(Schema):
    place_id: BodyId = Field(description="户，或楼栋/小区/社区（公共需求）")
    type: DemandType
    description: Annotated[SafeStr, Field(max_length=2000)]
    urgency: Urgency = Urgency.LOW
    consent: bool = Field(description="居民同意记录")
    source: DemandSource = DemandSource.RESIDENT
    visit_id: BodyId | None = Field(None, description="听到需求的走访（来源为敲门走访时）")


class NeedsDemandOut(Schema):
    id: int
    place: PlaceRef
    household_id: int | None
    type: DemandType
    type_label: str = _label("type")
    description: str
    urgency: Urgency
    source: DemandSource
    status: DemandStatus
    status_label: str = _label("status")
    status_reason: str
    campaign_id: int | None
    visit_id: int | None
    case_id: int | None
    created_at: dt.datetime
    met_at: dt.datetime | None


class NeedsDemandRecordedOut(NeedsDemandOut):
    created: bool = Field(description="false：该户已有同类在办需求，本次记入原需求")


class NeedsDemandPage(PageOut):
    items: list[NeedsDemandOut]


class NeedsDemandFilters(PageParams):
    status: DemandStatus | None = None
    type: DemandType | None = None
    urgency: Urgency | None = None
    campaign_id: BodyId | None = None
    place_id: BodyId | None = None


class NeedsTransitionIn(Schema):
    to: DemandStatus
    reason: Annotated[SafeStr, Field(max_length=400)] = ""


class NeedsCaseIn(Schema):
    category: Annotated[SafeStr, Field(max_length=40)] | None = Field(
        None, description="事项小类代码；不填按需求类型默认"
    )


class NeedsCaseOut(Schema):
    demand_id: int
    case_id: int
    case_number: str
