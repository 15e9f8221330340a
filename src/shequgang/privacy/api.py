"""API for the data-subject rights on one resident, under /api/v1/residents/{id}/…, and
a resident's own copy, ``POST /api/v1/me/data``.

Every staff endpoint reaches the resident through ``access_resident`` (missing and out
of scope are the same 404). Correction is ``PATCH /residents/{id}`` with a ``reason``.
The resident's own copy takes no id: a login reaches only its own register row."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema
from pydantic import Field

from shequgang.apikit.auth import authenticated_by_token, request_user
from shequgang.apikit.reauth import require_reveal_reauth
from shequgang.apikit.schemas import PathId, SafeStr, errors
from shequgang.errors import DomainError, Forbidden
from shequgang.people.roles import Perm
from shequgang.people.scope import access_resident
from shequgang.people.services import resident_reveal_check
from shequgang.privacy.erasure import resident_anonymise
from shequgang.privacy.export import resident_subject_export
from shequgang.privacy.own_data import own_data_export, own_data_gate
from shequgang.spreadsheets.xlsx import XLSX_CONTENT_TYPE

router = Router(tags=["个人信息权利"])

_ZIP_RESPONSE = {
    "description": "ZIP 压缩包：subject.json（全部个人信息）和 README.txt",
    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
}


class SubjectExportIn(Schema):
    requester: Literal["subject", "next_of_kin"] = Field(
        description="谁申请的副本：本人（第45条）或死者的近亲属（第49条）；记入审计日志"
    )


class AnonymiseIn(Schema):
    reason: SafeStr = Field(max_length=200, description="原因，如“本人申请删除”“撤回同意”")
    override_basis: SafeStr = Field(
        "",
        max_length=200,
        description="有未结事项或有效参保申请时仍需匿名化的法律依据；为空则此时拒绝（409）",
    )
    confirm: bool = Field(description="必须为 true：匿名化不可撤销")


class AnonymiseOut(Schema):
    resident_id: int
    pseudonym: str
    kept: dict[str, object] = Field(description="依法保留的记录（编号）")


@router.post(
    "/residents/{int:resident_id}/subject-export",
    response=errors(403, 404),
    openapi_extra={"responses": {200: _ZIP_RESPONSE}},
    summary="导出本人全部个人信息（留痕）",
)
def subject_export(
    request: HttpRequest, resident_id: PathId, payload: SubjectExportIn
) -> HttpResponse:
    """Everything held about the resident, decrypted, as a zip of JSON (PIPL Art. 45),
    for callers granted full view on the resident's household. POST because it writes an
    audit row; never cached. Like a reveal it needs a browser session whose user typed
    the password again within the last minutes (``POST /auth/confirm-password``; 403
    ``reauth_required`` otherwise); bearer tokens cannot export (403)."""
    user = request_user(request)
    resident = access_resident(user, resident_id)
    resident_reveal_check(actor=user, resident=resident)
    require_reveal_reauth(request)  # a copy of every field: a reveal, password again
    export = resident_subject_export(actor=user, resident=resident, requester=payload.requester)
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = (
        content_disposition_header(True, export.filename) or "attachment"
    )
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/residents/{int:resident_id}/anonymise",
    response={200: AnonymiseOut, **errors(400, 403, 404, 409)},
    summary="匿名化居民个人信息（不可撤销）",
)
def anonymise(request: HttpRequest, resident_id: PathId, payload: AnonymiseIn) -> AnonymiseOut:
    """Erasure where the law allows (PIPL Art. 47): personal fields replaced by a
    pseudonym, linked accounts deactivated, records the state must keep de-identified.
    Refused (409 ``erasure_blocked``) while cases are open or an insurance application is
    live, unless ``override_basis`` gives the legal basis."""
    user = request_user(request)
    resident = access_resident(user, resident_id, Perm.RESIDENT_EDIT)
    if not payload.confirm:
        raise DomainError("confirm_required", "匿名化不可撤销，请确认后再提交")
    erasure = resident_anonymise(
        resident=resident,
        actor=user,
        reason=payload.reason,
        override_basis=payload.override_basis,
    )
    return AnonymiseOut(resident_id=resident.pk, pseudonym=erasure.pseudonym, kept=erasure.kept)


class OwnDataIn(Schema):
    format: Literal["xlsx", "json"] = Field("json", description="xlsx：Excel 表格；json：机器可读")


_OWN_DATA_RESPONSE = {
    "description": "本人全部数据：JSON 文档或 Excel 表格（每类信息一个工作表）",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}},
    },
}


@router.post(
    "/me/data",
    response=errors(400, 403, 404, 409, 429),
    openapi_extra={"responses": {200: _OWN_DATA_RESPONSE}},
    summary="下载本人数据（居民本人，留痕）",
)
def own_data(request: HttpRequest, payload: OwnDataIn) -> HttpResponse:
    """Everything held about the signed-in resident, decrypted, for themselves only (PIPL
    Art. 45): their confirmed account's register row and what hangs off it. A few tries
    per login per minute (429 ``rate_limited``); a browser session whose user typed the
    password again within the last minutes (``POST /auth/confirm-password``; 403
    ``reauth_required``); never a bearer token (403). 409 ``not_confirmed`` while the
    account waits for the community; 404 for a login without a resident account. Audited
    as ``resident.own_export``."""
    user = request_user(request)
    if authenticated_by_token(request):
        raise Forbidden("访问令牌不能下载本人数据，请在网页登录并再次确认密码后下载")
    own_data_gate(request, user=user, password="")
    export = own_data_export(user=user, fmt=payload.format)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, export.filename) or "attachment"
    )
    response["Cache-Control"] = "no-store"
    return response
