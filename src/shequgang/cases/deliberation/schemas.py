"""Input and output schemas of the deliberation API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AwareDatetime, Field

from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.cases.deliberation import services as svc
from shequgang.cases.models.deliberation import (
    DeliberationStatus,
)

Title = Annotated[SafeStr, Field(min_length=1, max_length=100)]
Name = Annotated[SafeStr, Field(min_length=1, max_length=50)]
LongText = Annotated[SafeStr, Field(max_length=4000)]

# --- Schemas ------------------------------------------------------------------------------


class PlaceBriefOut(Schema):
    id: int
    name: str


class CaseBriefOut(Schema):
    id: int
    number: str
    title: str
    status: str


class AttendeeOut(Schema):
    id: int
    name: str
    user_id: int | None
    invited: bool = Field(description="false：未受邀、到场签到")
    signed_in_at: dt.datetime | None


class OptionOut(Schema):
    id: int
    text: str
    votes: int = Field(description="举手票数")


class HandVoteOut(Schema):
    id: int
    attendee_id: int
    option_id: int
    recorded_at: dt.datetime


class FollowUpOut(Schema):
    id: int
    text: str
    assignee_id: int | None
    assignee_name: str
    due_on: dt.date | None
    created_at: dt.datetime
    done_at: dt.datetime | None
    done_note: str


class CheckOut(Schema):
    name: Literal["quorum_area", "quorum_owners", "approval_area", "approval_owners"]
    label: str
    numerator: str = Field(description="面积（平方米，精确小数）或人数")
    denominator: str
    unit: str
    ratio: str = Field(description="精确比值（分数）", examples=["4/5"])
    percent: str = Field(description="百分比，向结论方向取整，不会与结论矛盾")
    threshold: str = Field(examples=["2/3"])
    threshold_label: str = Field(examples=["≥ 2/3（三分之二以上）"])
    threshold_percent: str = Field(description="门槛的百分比（仅供绘图）", examples=["66.67%"])
    inclusive: bool = Field(description="true：达到即可（以上）；false：须超过（过半数）")
    met: bool
    explanation_zh: str


class VoteResultOut(Schema):
    quorum_met: bool
    passed: bool
    summary_zh: str
    checks: list[CheckOut] = Field(description="参与门槛两项；达到时再有同意比例两项")
    tally: dict[str, str]


class RollEntryOut(Schema):
    id: int
    household_id: int
    unit_label: str
    floor_area: str = Field(description="登记专有面积（平方米）")
    owner_name: str
    owner_unverified: bool = Field(description="该户未登记户主身份证号，以户为业主计")
    developer_unsold: bool
    choice: Literal["for", "against", "abstain"] | None = Field(description="该业主的选票")


class OwnersVoteOut(Schema):
    matter_type: int
    matter_label: str
    supermajority: bool = Field(description="第（六）至（八）项：须四分之三以上同意")
    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    parties: int = Field(description="业主人数（建设单位未售出部分合计为一人）")
    ballots: int
    result: VoteResultOut | None = Field(description="计票后的结果")
    roll: list[RollEntryOut] | None = Field(
        description="业主名册与各户选票；仅召集方和可查看居民的工作人员可见"
    )


class DeliberationBriefOut(Schema):
    id: int
    rung: int
    rung_label: str
    place: PlaceBriefOut
    title: str
    scheduled_at: dt.datetime
    location: str
    status: DeliberationStatus
    status_label: str
    convener_name: str


class DeliberationOut(DeliberationBriefOut):
    agenda: str
    minutes: str
    decision: str
    decided_at: dt.datetime | None
    cancel_reason: str
    cases: list[CaseBriefOut]
    attendees: list[AttendeeOut]
    options: list[OptionOut]
    hands_summary_zh: str
    follow_ups: list[FollowUpOut]
    owners_vote: OwnersVoteOut | None = Field(description="业主共同决定表决（不含名册）")
    may_manage: bool = Field(description="当前用户可否主持、记录")


class DeliberationPage(PageOut):
    items: list[DeliberationBriefOut]


class PlanIn(Schema):
    rung: int = Field(ge=1, le=6, description="议事层级：1 党员中心户 … 5 乡镇（街道）")
    case_ids: list[BodyId] = Field(min_length=1, max_length=svc.MAX_CASES)
    place_id: BodyId | None = Field(None, description="议事节点；缺省为首个事项在该层级的节点")
    title: Title
    scheduled_at: AwareDatetime
    location: Annotated[SafeStr, Field(max_length=200)] = ""
    agenda: LongText = ""
    invitee_ids: list[BodyId] = Field(default_factory=list, max_length=svc.MAX_INVITEES)
    invitee_names: list[Name] = Field(default_factory=list, max_length=svc.MAX_INVITEES)


class InviteIn(Schema):
    invitee_ids: list[BodyId] = Field(default_factory=list, max_length=svc.MAX_INVITEES)
    invitee_names: list[Name] = Field(default_factory=list, max_length=svc.MAX_INVITEES)


class SignInIn(Schema):
    attendee_id: BodyId | None = Field(None, description="为受邀人签到")
    name: Annotated[SafeStr, Field(max_length=50)] = Field("", description="未受邀到场者")


class OptionIn(Schema):
    text: Annotated[SafeStr, Field(min_length=1, max_length=100)]


class HandVoteIn(Schema):
    attendee_id: BodyId
    option_id: BodyId


class MinutesIn(Schema):
    minutes: Annotated[SafeStr, Field(min_length=1, max_length=20000)]


class DecideIn(Schema):
    decision: Annotated[SafeStr, Field(min_length=1, max_length=4000)]


class CancelIn(Schema):
    reason: Annotated[SafeStr, Field(min_length=1, max_length=500)]


class FollowUpIn(Schema):
    text: Annotated[SafeStr, Field(min_length=1, max_length=500)]
    assignee_id: BodyId | None = None
    due_on: dt.date | None = None


class FinishIn(Schema):
    note: Annotated[SafeStr, Field(max_length=500)] = ""


class OpenVoteIn(Schema):
    matter_type: int = Field(ge=1, le=9, description="民法典第二百七十八条第（一）至（九）项")


class RollEntryIn(Schema):
    developer_unsold: bool


class BallotIn(Schema):
    entry_id: BodyId = Field(description="名册中该业主任一房屋的编号")
    choice: Literal["for", "against", "abstain"]


class BallotOut(Schema):
    id: int
    entry_id: int
    choice: str
    recorded_at: dt.datetime


class ListFilters(Schema):
    status: DeliberationStatus | None = None
    case_id: BodyId | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)
