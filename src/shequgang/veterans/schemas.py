"""Input and output schemas of the veterans' enrolment API."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field

from shequgang.veterans.eligibility import EligibilityResult
from shequgang.veterans.models import Application, Program
from shequgang.veterans.receipts import RECEIVED_MESSAGE, Receipt
from shequgang.veterans.selectors import Budget, CountsTable


def _no_control_characters(value: str) -> str:
    # PostgreSQL cannot store NUL, and no field here needs any control character.
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("不能包含控制字符")
    return value


Text = Annotated[str, AfterValidator(_no_control_characters)]


class GroupOut(Schema):
    code: str
    name: str
    age_limit_applies: bool = True
    certificate_required: bool = True


class AreaOut(Schema):
    code: str
    name: str


class ProgramOut(Schema):
    year: int
    title: str
    issuer: str
    notice: str
    opens_at: dt.datetime
    closes_at: dt.datetime = Field(description="截止时刻（不含），北京时间次日0时")
    window_text: str
    born_on_or_before: dt.date
    premium: Decimal = Field(description="保费（元/人/年）")
    payer: str
    insurer: str
    support_phone: str
    registration_rule: str
    groups: list[GroupOut]
    areas: list[AreaOut]

    @staticmethod
    def build(program: Program) -> ProgramOut:
        return ProgramOut(
            year=program.year,
            title=program.title,
            issuer=program.issuer,
            notice=program.notice,
            opens_at=program.opens_at,
            closes_at=program.closes_at,
            window_text=program.window_text,
            born_on_or_before=program.born_on_or_before,
            premium=program.premium,
            payer=program.payer,
            insurer=program.insurer,
            support_phone=program.support_phone,
            registration_rule=program.registration_rule,
            groups=[
                GroupOut(
                    code=pg.group.code,
                    name=pg.group.name,
                    age_limit_applies=pg.age_limit_applies,
                    certificate_required=pg.certificate_required,
                )
                for pg in program.groups.select_related("group")
            ],
            areas=[AreaOut(code=a.code, name=a.name) for a in program.areas.all()],
        )


class EligibilityIn(Schema):
    id_number: Text = Field("", max_length=32, description="身份证号码（18位）")
    group: Text = Field("", max_length=40, description="人员类别代码，如 veteran")
    registration_code: Text = Field("", max_length=12, description="户籍所在县（市、区）区划代码")
    certificate: Text = Field("", max_length=64, description="优待证号")


class RuleOut(Schema):
    rule: str
    label: str
    passed: bool | None = Field(description="true 符合；false 不符合；null 无法判断")
    code: str = Field(description="不符合时的错误码，符合时为空")
    message: str


class EligibilityOut(Schema):
    eligible: bool
    code: str = Field(description="第一条不符合规则的错误码；符合条件时为空")
    message: str
    checks: list[RuleOut]

    @staticmethod
    def build(result: EligibilityResult) -> EligibilityOut:
        failure = result.first_failure
        return EligibilityOut(
            eligible=result.eligible,
            code=failure.code if failure else "",
            message=failure.message if failure else "符合参保条件，可以提交申请",
            checks=[
                RuleOut(rule=c.rule, label=c.label, passed=c.passed, code=c.code, message=c.message)
                for c in result.checks
            ],
        )


class ApplyIn(EligibilityIn):
    name: Text = Field(..., max_length=50, description="姓名")
    phone: Text = Field(..., max_length=32, description="联系电话")
    consent: bool = Field(False, description="同意将申报信息提供给承保机构")


class StaffApplyIn(ApplyIn):
    intake_place_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="受理地点（社区、乡镇街道或县）"
    )


class EventOut(Schema):
    at: dt.datetime
    kind: str
    kind_label: str
    note: str = ""


class PublicApplicationOut(Schema):
    """What the applicant sees: nothing they did not type, and the name masked."""

    reference: str
    program_year: int
    status: str
    status_label: str
    name: str = Field(description="姓名（脱敏）")
    id_number_masked: str = Field(description="身份证号（脱敏）")
    group: str
    registration: str
    submitted_at: dt.datetime
    premium: Decimal
    insurer: str
    withdraw_reason: str
    events: list[EventOut]

    @staticmethod
    def build(receipt: Receipt) -> PublicApplicationOut:
        return PublicApplicationOut(
            reference=receipt.reference,
            program_year=receipt.program.year,
            status=receipt.status,
            status_label=receipt.status_label,
            name=receipt.masked_name,
            id_number_masked=receipt.id_number_masked,
            group=receipt.group_name,
            registration=receipt.registration_name,
            submitted_at=receipt.submitted_at,
            premium=receipt.program.premium,
            insurer=receipt.program.insurer,
            withdraw_reason=receipt.withdraw_reason,
            events=[
                EventOut(at=e.at, kind=e.kind, kind_label=e.kind_label) for e in receipt.events
            ],
        )


class ReceiptOut(PublicApplicationOut):
    """The answer to an anonymous submission: the same whether it enrolled the person or
    repeated a live application (see ``veterans.receipts``)."""

    message: str

    @staticmethod
    def of(receipt: Receipt) -> ReceiptOut:
        return ReceiptOut(
            **PublicApplicationOut.build(receipt).model_dump(), message=RECEIVED_MESSAGE
        )


class StatusLookupIn(Schema):
    reference: Text = Field(..., max_length=32, description="受理编号，如 2026-AB3D-7KQM")
    id_tail: Text = Field(..., max_length=16, description="身份证号码后6位")


class StaffEventOut(EventOut):
    actor: str = ""
    changes: dict[str, list[object]] = Field(default_factory=dict)


class ApplicationOut(Schema):
    reference: str
    program_year: int
    status: str
    status_label: str
    channel: str
    name: str
    sex: str
    # The year only: the full date is part of the ID number, which staff see masked.
    birth_year: int
    id_number_masked: str
    phone_masked: str
    certificate_masked: str
    group: str
    group_name: str
    registration_code: str
    registration_name: str
    intake_place_id: int | None
    intake_place: str
    submitted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdraw_reason: str

    @staticmethod
    def build(app: Application) -> ApplicationOut:
        return ApplicationOut(
            reference=app.reference,
            program_year=app.program.year,
            status=app.status,
            status_label=app.get_status_display(),
            channel=app.channel,
            name=app.name,
            sex=app.sex,
            birth_year=app.birth_date.year,
            id_number_masked=app.id_number_masked,
            phone_masked=app.phone_masked,
            certificate_masked=app.certificate_masked,
            group=app.group.code,
            group_name=app.group.name,
            registration_code=app.registration_code,
            registration_name=app.registration_name,
            intake_place_id=app.intake_place_id,
            intake_place=app.intake_place.name if app.intake_place else "",
            submitted_at=app.submitted_at,
            withdrawn_at=app.withdrawn_at,
            withdraw_reason=app.withdraw_reason,
        )


class ApplicationDetailOut(ApplicationOut):
    events: list[StaffEventOut]


class ApplicationPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ApplicationOut]


class CorrectIn(Schema):
    """Only the fields given change."""

    reason: Text = Field(..., max_length=200, description="更正原因")
    name: Text | None = Field(None, max_length=50)
    id_number: Text | None = Field(None, max_length=32)
    phone: Text | None = Field(None, max_length=32)
    certificate: Text | None = Field(None, max_length=64)
    group: Text | None = Field(None, max_length=40)
    registration_code: Text | None = Field(None, max_length=12)


class WithdrawIn(Schema):
    reason: Text = Field(..., max_length=200, description="撤回原因")


class CountsRowOut(Schema):
    code: str
    name: str
    cells: list[int]
    total: int


class SummaryOut(Schema):
    program_year: int
    groups: list[GroupOut]
    rows: list[CountsRowOut]
    column_totals: list[int]
    total: int
    accepted: int
    premium: Decimal
    budget: Decimal = Field(description="保费合计（元）= 已受理人数 × 保费")
    payer: str
    insurer: str

    @staticmethod
    def build(program: Program, counts: CountsTable, budget: Budget) -> SummaryOut:
        return SummaryOut(
            program_year=program.year,
            groups=[GroupOut(code=g.code, name=g.name) for g in counts.groups],
            rows=[
                CountsRowOut(code=r.code, name=r.name, cells=r.cells, total=r.total)
                for r in counts.rows
            ],
            column_totals=counts.column_totals,
            total=counts.total,
            accepted=budget.accepted,
            premium=budget.premium,
            budget=budget.total,
            payer=budget.payer,
            insurer=budget.insurer,
        )
