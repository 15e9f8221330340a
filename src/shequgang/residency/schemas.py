"""Input and output schemas of the residency API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.people.models import Relation, Resident
from shequgang.residency.models import ResidentAccount
from shequgang.residency.picker import PlaceChoice, household_label

Text = SafeStr


class RegisterIn(Schema):
    name: Annotated[Text, Field(max_length=50, description="姓名")]
    phone: Annotated[Text, Field(max_length=32, description="手机号")]
    id_number: Annotated[Text, Field(max_length=32, description="身份证号码（18位）")]
    household_id: BodyId = Field(description="所住户的编号（见 /residency/places）")
    relation: Annotated[Text, Field(max_length=16, description="与户主关系")] = Relation.OTHER
    password: Annotated[str, Field(max_length=128, description="登录密码")]


class PlaceChoiceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    context: str
    is_household: bool

    @staticmethod
    def build(choice: PlaceChoice) -> PlaceChoiceOut:
        return PlaceChoiceOut(
            id=choice.id,
            name=choice.name,
            kind=choice.kind,
            kind_label=choice.kind_label,
            context=choice.context,
            is_household=choice.is_household,
        )


class AccountStatusOut(Schema):
    """What the person sees about their own account."""

    id: int
    username: str
    name: str
    status: str
    status_label: str
    household_id: int
    household: str
    phone: str = Field(description="手机号（掩码）")
    refused_reason: str
    decided_at: dt.datetime | None

    @staticmethod
    def build(account: ResidentAccount) -> AccountStatusOut:
        return AccountStatusOut(
            id=account.pk,
            username=account.user.username,
            name=account.name,
            status=account.status,
            status_label=account.get_status_display(),
            household_id=account.household_id,
            household=household_label(account.household),
            phone=account.phone_masked,
            refused_reason=account.refused_reason,
            decided_at=account.decided_at,
        )


class MemberOut(Schema):
    id: int
    name: str
    relation: str
    id_number: str = Field(description="身份证号（掩码）")
    phone: str = Field(description="电话（掩码）")
    same_id_number: bool = Field(description="与注册的身份证号相同")

    @staticmethod
    def build(resident: Resident, account: ResidentAccount) -> MemberOut:
        return MemberOut(
            id=resident.pk,
            name=resident.name,
            relation=resident.get_relation_display(),
            id_number=resident.id_number_masked,
            phone=resident.phone_masked,
            same_id_number=resident.id_number_index == account.id_number_index,
        )


class QueueItemOut(Schema):
    """An account as the confirming worker sees it: personal data masked."""

    id: int
    name: str
    relation: str
    id_number: str = Field(description="身份证号（掩码）")
    phone: str = Field(description="手机号（掩码）")
    household_id: int
    household: str
    status: str
    status_label: str
    refused_reason: str
    resident_id: int | None
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def build(account: ResidentAccount) -> QueueItemOut:
        return QueueItemOut(
            id=account.pk,
            name=account.name,
            relation=account.get_relation_display(),
            id_number=account.id_number_masked,
            phone=account.phone_masked,
            household_id=account.household_id,
            household=household_label(account.household),
            status=account.status,
            status_label=account.get_status_display(),
            refused_reason=account.refused_reason,
            resident_id=account.resident_id,
            created_at=account.created_at,
            decided_at=account.decided_at,
        )


class QueueDetailOut(QueueItemOut):
    members: list[MemberOut]


class QueuePageOut(PageOut):
    items: list[QueueItemOut]


class ConfirmIn(Schema):
    resident_id: BodyId | None = Field(
        None, description="匹配的台账居民；不填则按身份证号匹配本户居民，无则登记为本户新居民"
    )


class RefuseIn(Schema):
    reason: Annotated[Text, Field(max_length=200, description="未通过原因（居民可见）")]


class ResetCodeOut(Schema):
    code: str = Field(description="6位验证码，只显示这一次")
    expires_at: dt.datetime


class PasswordResetIn(Schema):
    phone: Annotated[Text, Field(max_length=32)]
    code: Annotated[Text, Field(max_length=16)]
    password: Annotated[str, Field(max_length=128)]


class SmsRequestIn(Schema):
    phone: Annotated[Text, Field(max_length=32)]


class MessageOut(Schema):
    code: str
    message: str
