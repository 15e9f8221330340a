"""Veterans' insurance enrolment API (mounted at /api/v1/veterans).

Public operations (``auth=None``, rate-limited per address): program details, the
eligibility check, a resident's own application, and the status lookup. Everything else
is for staff and scoped to them (see ``access``).

Nothing public tells whether a person has applied (that would reveal who is a veteran or
a martyr's family member to anyone holding an ID number): the check judges only the facts
given, and a resident's submission that passes every rule is always answered 202 with a
receipt, whether it enrolled the person or repeated a live application (see
``receipts``). Staff submissions say ``already_applied`` (409) and honour
``Idempotency-Key``."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.params import functions as param_functions
from pydantic import Field

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import run_idempotent
from shequgang.apikit.reauth import require_reveal_reauth
from shequgang.apikit.schemas import ERRORS
from shequgang.errors import NotFound
from shequgang.places.models import Place
from shequgang.veterans import access
from shequgang.veterans.ratelimit import public_rate_limit
from shequgang.veterans.receipts import application_submit_anonymous, receipt_lookup
from shequgang.veterans.roster import XLSX_TYPE, roster_export
from shequgang.veterans.schemas import (
    ApplicationDetailOut,
    ApplicationOut,
    ApplicationPageOut,
    ApplyIn,
    CorrectIn,
    EligibilityIn,
    EligibilityOut,
    ProgramOut,
    PublicApplicationOut,
    ReceiptOut,
    StaffApplyIn,
    StaffEventOut,
    StatusLookupIn,
    SummaryOut,
    Text,
    WithdrawIn,
)
from shequgang.veterans.selectors import (
    application_counts,
    application_search,
    program_budget,
    program_get,
    program_list,
)
from shequgang.veterans.services import (
    ApplicationCorrection,
    ApplicationInput,
    application_check,
    application_correct,
    application_submit,
    application_withdraw,
)

router = Router(tags=["退役军人参保申报"])

# A year in a path: bounded, so garbage is a 422 before any query.
Year = Annotated[int, param_functions.Path(..., ge=2000, le=2100, description="项目年度")]
CountyParam = Annotated[str, param_functions.Query("", max_length=12, description="县区划代码")]
_PUBLIC_ERRORS = {s: ERRORS[s] for s in (400, 404, 409, 422)}
_PUBLIC_ERRORS[429] = ERRORS[400]  # rate_limited


def _input(payload: ApplyIn, intake_place: Place | None = None) -> ApplicationInput:
    return ApplicationInput(
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        certificate=payload.certificate,
        group=payload.group,
        registration_code=payload.registration_code,
        consent=payload.consent,
        intake_place=intake_place,
    )


# --- Public -------------------------------------------------------------------------------


@router.get("/programs", response=list[ProgramOut], auth=None, summary="已发布的参保项目")
def list_programs(request: HttpRequest) -> list[ProgramOut]:
    return [ProgramOut.build(p) for p in program_list()]


@router.get(
    "/programs/{year}",
    response={200: ProgramOut, 404: ERRORS[404]},
    auth=None,
    summary="参保项目详情",
)
def get_program(request: HttpRequest, year: Year) -> ProgramOut:
    return ProgramOut.build(program_get(year=year))


@router.post(
    "/programs/{year}/check",
    response={200: EligibilityOut, **_PUBLIC_ERRORS},
    auth=None,
    summary="资格预审（逐条说明，不创建申请）",
)
def check_eligibility(request: HttpRequest, payload: EligibilityIn, year: Year) -> EligibilityOut:
    public_rate_limit(request, "check")
    program = program_get(year=year)
    result = application_check(
        program=program,
        data=ApplicationInput(
            id_number=payload.id_number,
            group=payload.group,
            registration_code=payload.registration_code,
            certificate=payload.certificate,
        ),
    )
    return EligibilityOut.build(result)


@router.post(
    "/programs/{year}/apply",
    response={202: ReceiptOut, **_PUBLIC_ERRORS},
    auth=None,
    summary="本人申报",
    description="符合条件即受理（202，附受理编号）。每人每年度以首次受理的申报为准："
    "重复提交同样得到回执，但不产生新的申请；是否已申报只能凭受理编号查询。",
)
def apply_self(request: HttpRequest, payload: ApplyIn, year: Year) -> Status[ReceiptOut]:
    public_rate_limit(request, "apply")
    program = program_get(year=year)
    receipt = application_submit_anonymous(program=program, data=_input(payload))
    return Status(202, ReceiptOut.of(receipt))


@router.post(
    "/status",
    response={200: PublicApplicationOut, **_PUBLIC_ERRORS},
    auth=None,
    summary="申请进度查询（受理编号 + 身份证号后6位）",
)
def lookup_status(request: HttpRequest, payload: StatusLookupIn) -> PublicApplicationOut:
    public_rate_limit(request, "status")
    return PublicApplicationOut.build(
        receipt_lookup(reference=payload.reference, id_tail=payload.id_tail)
    )


# --- Staff --------------------------------------------------------------------------------


class ListFilters(Schema):
    county: Text = Field("", max_length=12, description="户籍所在县区划代码")
    group: Text = Field("", max_length=40, description="人员类别代码")
    status: Text = Field("", max_length=16, description="accepted / withdrawn")
    q: Text = Field("", max_length=50, description="受理编号、完整身份证号或姓名")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get(
    "/programs/{year}/applications",
    response={200: ApplicationPageOut, **ERRORS},
    summary="申请列表（本人辖区）",
)
def list_applications(
    request: HttpRequest, year: Year, filters: Query[ListFilters]
) -> dict[str, Any]:
    user = request_user(request)
    program = program_get(year=year, published_only=False)
    qs = application_search(
        user=user,
        program=program,
        county=filters.county,
        group=filters.group,
        status=filters.status,
        query=filters.q,
    )
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [ApplicationOut.build(a) for a in items],
    }


@router.post(
    "/programs/{year}/applications",
    response={201: ApplicationOut, 200: ApplicationOut, **ERRORS},
    summary="代居民申报",
    description="支持 Idempotency-Key 请求头：同一键的重试返回第一次的结果。",
)
def apply_on_behalf(request: HttpRequest, payload: StaffApplyIn, year: Year) -> Status[Any]:
    user = request_user(request)
    program = program_get(year=year)
    place = None
    if payload.intake_place_id is not None:
        place = Place.objects.filter(pk=payload.intake_place_id).first()
        if place is None or not access.may_submit_at(user, place):
            raise NotFound("受理地点")

    def write() -> tuple[int, Any]:
        outcome = application_submit(
            actor=user, program=program, data=_input(payload, intake_place=place)
        )
        body = ApplicationOut.build(outcome.application).model_dump(mode="json")
        return (201 if outcome.created else 200), body

    status, body = run_idempotent(
        request,
        operation=f"veterans.apply.{program.year}",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, body)


@router.get(
    "/programs/{year}/summary",
    response={200: SummaryOut, **ERRORS},
    summary="按县、人员类别统计及资金测算（本人辖区）",
)
def summary(request: HttpRequest, year: Year) -> SummaryOut:
    user = request_user(request)
    program = program_get(year=year, published_only=False)
    applications = access.scoped_applications(user, access.VIEW)
    return SummaryOut.build(
        program,
        application_counts(program=program, applications=applications),
        program_budget(program=program, applications=applications),
    )


@router.get(
    "/programs/{year}/roster.xlsx",
    response={200: None, **ERRORS},
    summary="导出承保名单（Excel）",
    description="full=true 导出完整身份证号码，需对所导出各县有查看完整个人信息的授权；"
    "每次导出均记入审计日志。",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 文件：参保人员名单、统计与资金",
                "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def roster(
    request: HttpRequest,
    year: Year,
    county: CountyParam = "",
    full: bool = False,
) -> HttpResponse:
    user = request_user(request)
    program = program_get(year=year, published_only=False)
    file = roster_export(
        actor=user,
        program=program,
        county=county,
        full=full,
        confirm=lambda: require_reveal_reauth(request),
    )
    response = HttpResponse(file.content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/applications/{reference}",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="申请详情",
)
def get_application(request: HttpRequest, reference: str) -> ApplicationDetailOut:
    app = access.access_application(request_user(request), reference)
    events = [
        StaffEventOut(
            at=e.at,
            kind=e.kind,
            kind_label=e.get_kind_display(),
            note=e.note,
            actor=e.actor.username if e.actor else "",
            changes=e.changes,
        )
        for e in app.events.select_related("actor")
    ]
    return ApplicationDetailOut(**ApplicationOut.build(app).model_dump(), events=events)


@router.patch(
    "/applications/{reference}",
    response={200: ApplicationOut, **ERRORS},
    summary="更正申请信息",
)
def correct_application(request: HttpRequest, reference: str, payload: CorrectIn) -> ApplicationOut:
    user = request_user(request)
    app = access.access_application(user, reference, access.REVIEW)
    corrected = application_correct(
        actor=user,
        application=app,
        data=ApplicationCorrection(
            name=payload.name,
            id_number=payload.id_number,
            phone=payload.phone,
            certificate=payload.certificate,
            group=payload.group,
            registration_code=payload.registration_code,
        ),
        reason=payload.reason,
    )
    return ApplicationOut.build(access.access_application(user, corrected.reference))


@router.post(
    "/applications/{reference}/withdraw",
    response={200: ApplicationOut, **ERRORS},
    summary="撤回申请",
)
def withdraw_application(
    request: HttpRequest, reference: str, payload: WithdrawIn
) -> ApplicationOut:
    user = request_user(request)
    app = access.access_application(user, reference, access.REVIEW)
    withdrawn = application_withdraw(actor=user, application=app, reason=payload.reason)
    return ApplicationOut.build(access.access_application(user, withdrawn.reference))
