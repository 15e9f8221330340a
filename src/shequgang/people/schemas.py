"""API schemas for households, residents and API tokens.

Output schemas carry personal data (ID number, phone, registered address) only in its
masked form; the full value leaves through ``RevealOut`` alone, which is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AliasChoices, Field, field_validator

from shequgang.apikit.pagination import PageParams
from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.people.models import Relation, ResidentStatus, ResidentTag, Sex
from shequgang.places.schemas import PlaceDetailOut, PlaceRef

PersonName = Annotated[SafeStr, Field(min_length=1, max_length=50)]
# Raw inputs are validated by the services (GB 11643 checksum, phone numbering plan);
# the bounds here only keep absurd input away from them.
IdNumberText = Annotated[SafeStr, Field(max_length=32)]
PhoneText = Annotated[SafeStr, Field(max_length=32)]
AddressText = Annotated[SafeStr, Field(max_length=200)]
NoteText = Annotated[SafeStr, Field(max_length=200)]
TagCode = Annotated[SafeStr, Field(min_length=1, max_length=40)]


class ResidentOut(Schema):
    id: int
    name: str
    household: PlaceRef
    relation: Relation
    relation_label: str = Field(
        validation_alias=AliasChoices("relation_label", "get_relation_display")
    )
    status: ResidentStatus
    sex: Sex | Literal[""] = Field(description="由身份证号码得出；未登记时为空")
    id_number_masked: str = Field(examples=["1411**********1234"])
    phone_masked: str = Field(examples=["138****5678"])
    address_masked: str
    tags: list[str] = Field(description="标签代码")
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_codes(cls, value: Iterable[ResidentTag | str]) -> list[str]:
        # From a model the tags arrive as ResidentTag rows (prefetched by list queries).
        return sorted(t if isinstance(t, str) else t.code for t in value)


class ResidentPage(PageOut):
    items: list[ResidentOut]


class HouseholdOut(PlaceDetailOut):
    members: list[ResidentOut] = Field(description="在册成员（当前用户可查看的）")


class ResidentFilters(PageParams):
    q: Annotated[SafeStr, Field(max_length=100)] = Field(
        "", description="姓名的一部分，或完整的身份证号码、手机号码"
    )
    within: BodyId | None = Field(None, description="只查这个地点（及其下级）的居民")
    tag: Annotated[SafeStr, Field(max_length=40)] = Field("", description="标签代码")
    include_inactive: bool = Field(False, description="包括已迁出、死亡的居民")


class ResidentCreateIn(Schema):
    household_id: BodyId
    name: PersonName
    relation: Relation = Relation.HEAD
    status: ResidentStatus = ResidentStatus.ACTIVE
    id_number: IdNumberText | None = None
    phone: PhoneText | None = None
    address: AddressText | None = Field(None, description="户籍地址（与居住地不同时）")
    note: NoteText = ""
    tags: list[TagCode] = Field(default_factory=list, max_length=20)


class ResidentUpdateIn(Schema):
    """Only the fields present and not null change. For ID number, phone and address an
    empty string clears the value."""

    household_id: BodyId | None = None
    name: PersonName | None = None
    relation: Relation | None = None
    status: ResidentStatus | None = None
    id_number: IdNumberText | None = None
    phone: PhoneText | None = None
    address: AddressText | None = None
    note: NoteText | None = None
    tags: list[TagCode] | None = Field(None, max_length=20, description="替换全部标签")
    reason: NoteText | None = Field(
        None,
        description="更正原因：修改姓名、户、身份证号、电话或户籍地址时必填（个人信息保护法第46条）",
    )
    subject_request: bool = Field(False, description="本人申请更正")


class RevealIn(Schema):
    field: Literal["id_number", "phone", "address"]


class RevealOut(Schema):
    field: Literal["id_number", "phone", "address"]
    value: str = Field(description="完整值；本次查看已记入审计日志")


class TokenIn(Schema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=100)] = Field(
        description="用途，例如“区大数据平台同步”"
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌的前8个字符，便于辨认")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIssuedOut(TokenOut):
    token: str = Field(description="完整令牌，只在签发时显示这一次")
