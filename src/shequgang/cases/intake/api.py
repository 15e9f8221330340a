"""API of the queued intake (mounted at /api/v1): report now, get the case number from the
status URL once the worker has raised it (``cases/intake/services.py``)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Form, Router, Schema, Status
from ninja.params import functions as param_functions
from pydantic import Field

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import HEADER, MAX_KEY_LENGTH, idempotency_key
from shequgang.apikit.schemas import PathId, errors
from shequgang.cases.api.schemas import CaseCreateIn
from shequgang.cases.intake.services import intake_accept, intake_of
from shequgang.cases.models import CaseIntake, IntakeStatus
from shequgang.errors import DomainError

router = Router(tags=["事项"])

_IDEMPOTENCY_KEY = param_functions.Header(
    None,
    alias=HEADER,
    max_length=MAX_KEY_LENGTH,
    description="重试时带上同一个键：只会排队一次，并返回第一次的结果",
)
IntakeStatusName = Literal["pending", "created", "rejected"]


class IntakeAcceptedOut(Schema):
    intake_id: int
    status: Literal["pending"] = Field(description="已受理排队，尚未立案")
    status_url: str = Field(description="查询立案结果的地址（同 Location 头）")


class IntakeStatusOut(Schema):
    intake_id: int
    status: IntakeStatusName = Field(description="pending 排队中；created 已立案；rejected 未受理")
    case_id: int | None = None
    case_number: str | None = Field(None, description="事项编号（立案后）")
    code: str | None = Field(None, description="未受理时的错误码（与同步上报相同）")
    message: str | None = Field(None, description="未受理时的原因")


def _status_url(intake: CaseIntake) -> str:
    return reverse("api:case_intake_status", kwargs={"intake_id": intake.pk})


@router.post(
    "/cases/intake",
    response={202: IntakeAcceptedOut, **errors(400, 404)},
    summary="上报事项（排队受理）",
)
def case_intake(
    request: HttpRequest,
    response: HttpResponse,
    payload: Form[CaseCreateIn],
    idempotency_key_header: str | None = _IDEMPOTENCY_KEY,
) -> Status[IntakeAcceptedOut]:
    """Report a case to be raised by the worker (form fields as ``POST /cases``; no
    photos — a report with photos uses ``POST /cases``, which raises it at once). The
    input is checked now, with the same rules and error codes as ``POST /cases``;
    the answer is 202 once the report is stored, with ``Location`` (and ``status_url``)
    to poll for the case number, usually there within a second. With an
    ``Idempotency-Key`` a retry returns the first answer and never queues twice."""
    user = request_user(request)
    if request.FILES:
        raise DomainError("photos_not_accepted", "带照片的上报请使用 POST /api/v1/cases")
    intake = intake_accept(
        submitter=user,
        idempotency_key=idempotency_key(request),
        **payload.model_dump(),
    )
    url = _status_url(intake)
    response["Location"] = url
    return Status(202, IntakeAcceptedOut(intake_id=intake.pk, status="pending", status_url=url))


@router.get(
    "/cases/intake/{int:intake_id}",
    response={200: IntakeStatusOut, **errors(404)},
    url_name="case_intake_status",
    summary="排队上报的受理结果",
)
def case_intake_status(request: HttpRequest, intake_id: PathId) -> IntakeStatusOut:
    """Pending, created (with the case's id and number) or rejected (with the code and
    message ``POST /cases`` would have given). Only the submitter sees it."""
    intake = intake_of(user=request_user(request), intake_id=intake_id)
    case = intake.case
    rejected = intake.status == IntakeStatus.REJECTED
    return IntakeStatusOut(
        intake_id=intake.pk,
        status=intake.status,  # type: ignore[arg-type]
        case_id=case.pk if case is not None else None,
        case_number=case.number if case is not None else None,
        code=intake.error_code if rejected else None,
        message=intake.error_message if rejected else None,
    )
