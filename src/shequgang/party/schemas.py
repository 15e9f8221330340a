"""API schemas for the party organisation, 双报到 and 双包联. Personal data leaves only
masked (``*_masked``); no endpoint returns a full ID number or phone."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AliasChoices, Field

from shequgang.apikit.pagination import PageParams
from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.party.models import (
    BranchMode,
    CommitteeBody,
    CommitteeKind,
    MemberStatus,
    PairedUnitKind,
    PartyPost,
    SeatRole,
)
from shequgang.places.schemas import PlaceRef

Name = Annotated[SafeStr, Field(min_length=1, max_length=50)]
OrgName = Annotated[SafeStr, Field(min_length=1, max_length=100)]
Short = Annotated[SafeStr, Field(max_length=200)]
LongText = Annotated[SafeStr, Field(max_length=2000)]
IdNumberIn = Annotated[SafeStr, Field(max_length=40, description="身份证号码（全角、小写x均可）")]
PhoneIn = Annotated[SafeStr, Field(max_length=32)]


def _label(field: str) -> str:
    return Field(validation_alias=AliasChoices(f"{field}_label", f"get_{field}_display"))  # type: ignore[no-any-return]


class PartyNamed(Schema):
    id: int
    name: str


class PartyCoverageOut(Schema):
    place: PlaceRef
    compounds: int = Field(description="小区数")
    compounds_with_branch: int = Field(description="已建党支部（含联建覆盖）的小区数")
    branch_share: float | None = Field(description="小区党组织覆盖率（0–1；无小区时为空）")
    branches: int = Field(description="覆盖本区域小区的党支部数（联建只计一次）")
    joint_branches: int
    one_shoulder: int = Field(description="「一肩挑」：支部书记兼任业委会（物管会）主任的支部数")
    cross_appointments: int = Field(description="交叉任职：在任委员会成员中担任党内职务的人次")
    self_managed: int = Field(description="自管小区数")
    self_managed_with_branch: int = Field(description="由党支部引领的自管小区数")
    members: int
    members_reported: int = Field(description="有效的双报到人数")


class PartyMemberOut(Schema):
    id: int
    name: str
    status: MemberStatus
    status_label: str = _label("status")
    id_number_masked: str = Field(examples=["1411**********1234"])
    phone_masked: str = Field(examples=["138****5678"])
    work_unit: PartyNamed | None
    employee_number: str
    community: PlaceRef | None
    branch: PartyNamed | None
    group: PartyNamed | None
    joined_on: dt.date | None
    active: bool
    created_at: dt.datetime


class PartyMemberPage(PageOut):
    items: list[PartyMemberOut]


class PartyMemberFilters(PageParams):
    q: Annotated[SafeStr, Field(max_length=50)] = Field("", description="姓名包含")
    community_id: BodyId | None = Field(None, description="限定某社区（含下级）")
    status: MemberStatus | Literal[""] = ""


class PartyMemberCreateIn(Schema):
    name: Name
    community_id: BodyId = Field(description="所属社区")
    status: MemberStatus = MemberStatus.IN_SERVICE
    id_number: IdNumberIn = ""
    work_unit_id: BodyId | None = None
    employee_number: Annotated[SafeStr, Field(max_length=32)] = ""
    phone: PhoneIn = ""
    branch_id: BodyId | None = None
    group_id: BodyId | None = None
    joined_on: dt.date | None = None


class PartyMemberUpdateIn(Schema):
    name: Name | None = None
    status: MemberStatus | None = None
    phone: PhoneIn | None = Field(None, description="空字符串清除")
    branch_id: BodyId | None = None
    group_id: BodyId | None = None
    active: bool | None = None


class PartyReportOut(Schema):
    id: int
    member: PartyNamed
    community: PlaceRef
    residence: PlaceRef | None
    reported_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str
    active: bool = Field(validation_alias=AliasChoices("active", "is_active"))


class PartyReportIn(Schema):
    community_id: BodyId = Field(description="居住地所在社区")
    residence_id: BodyId | None = Field(None, description="居住的小区、楼栋或户（可选）")


class PartyEndIn(Schema):
    reason: Annotated[SafeStr, Field(min_length=1, max_length=200)]


class PartyEndOnIn(Schema):
    ended_on: dt.date


class PartyUnitOut(Schema):
    id: int
    name: str
    kind: PairedUnitKind
    kind_label: str = _label("kind")
    place: PlaceRef
    contact_name: str
    contact_phone_masked: str
    offers: str
    active: bool


class PartyUnitIn(Schema):
    place_id: BodyId = Field(description="所属区划（县、街道或社区）")
    name: OrgName
    kind: PairedUnitKind
    contact_name: Annotated[SafeStr, Field(max_length=50)] = ""
    contact_phone: PhoneIn = ""
    offers: LongText = ""


class PartyPairingOut(Schema):
    id: int
    unit: PartyNamed
    community: PlaceRef
    started_on: dt.date
    ended_on: dt.date | None
    contact_name: str
    contact_phone_masked: str
    offer: str


class PartyPairingIn(Schema):
    unit_id: BodyId
    community_id: BodyId
    started_on: dt.date
    contact_name: Annotated[SafeStr, Field(max_length=50)] = ""
    contact_phone: PhoneIn = ""
    offer: LongText = ""


class PartyResponsibilityOut(Schema):
    id: int
    unit: PartyNamed | None
    member: PartyNamed | None
    place: PlaceRef
    started_on: dt.date
    ended_on: dt.date | None
    note: str


class PartyResponsibilityIn(Schema):
    place_id: BodyId = Field(description="小区、楼栋、单元或户")
    unit_id: BodyId | None = None
    member_id: BodyId | None = None
    started_on: dt.date
    note: Short = ""


class PartyResponsibilityCaseOut(Schema):
    """A case seen through 双包联: what and where, never who raised it."""

    id: int
    number: str
    title: str
    category: str
    status: str
    status_label: str = _label("status")
    place: PlaceRef
    created_at: dt.datetime


class PartyUnitPage(PageOut):
    items: list[PartyUnitOut]


class PartyPairingPage(PageOut):
    items: list[PartyPairingOut]


class PartyResponsibilityPage(PageOut):
    items: list[PartyResponsibilityOut]


class PartyResponsibilityCasePage(PageOut):
    items: list[PartyResponsibilityCaseOut]


class PartyCommitteeIn(Schema):
    community_id: BodyId
    name: OrgName
    kind: CommitteeKind = CommitteeKind.COMMITTEE


class PartyCommitteeOut(Schema):
    id: int
    name: str
    kind: CommitteeKind
    community: PlaceRef


class PartyBranchIn(Schema):
    committee_id: BodyId
    name: OrgName
    mode: BranchMode
    compound_ids: list[BodyId] = Field(min_length=1, max_length=50)
    secretary_id: BodyId | None = None
    secretary_chairs_owners_committee: bool = False
    founded_on: dt.date | None = None


class PartyBranchOut(Schema):
    id: int
    name: str
    mode: BranchMode
    mode_label: str = _label("mode")
    committee: PartyNamed
    compounds: list[PlaceRef]
    secretary: PartyNamed | None
    secretary_chairs_owners_committee: bool
    founded_on: dt.date | None


class PartyGroupIn(Schema):
    branch_id: BodyId
    building_id: BodyId
    name: OrgName
    leader_id: BodyId | None = None


class PartyGroupOut(Schema):
    id: int
    name: str
    branch: PartyNamed
    building: PlaceRef
    leader: PartyNamed | None


class PartyCentralIn(Schema):
    member_id: BodyId
    household_id: BodyId
    group_id: BodyId | None = None


class PartyCentralLinksIn(Schema):
    household_ids: list[BodyId] = Field(min_length=1, max_length=100)


class PartyCentralOut(Schema):
    id: int
    member: PartyNamed
    household: PlaceRef
    links: list[PlaceRef]


class PartySeatIn(Schema):
    place_id: BodyId
    body: CommitteeBody
    role: SeatRole
    name: Name
    member_id: BodyId | None = None
    party_post: PartyPost = PartyPost.NONE
    started_on: dt.date | None = None


class PartySeatOut(Schema):
    id: int
    place: PlaceRef
    body: CommitteeBody
    role: SeatRole
    name: str
    party_post: PartyPost
    started_on: dt.date | None
    ended_on: dt.date | None


class PartyMyRecordOut(Schema):
    member: PartyMemberOut
    reports: list[PartyReportOut]
    responsibilities: list[PartyResponsibilityOut]
