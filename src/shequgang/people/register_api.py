"""API for the resident register sheet (台账): import with a dry run, export, template."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.params import functions as param
from pydantic import Field

from shequgang.accounts.reauth import reauth_fresh
from shequgang.apikit.auth import authenticated_by_token
from shequgang.apikit.idempotency import run_idempotent
from shequgang.apikit.schemas import ERRORS, ErrorOut, ValidationErrorOut
from shequgang.people.exporting import register_export
from shequgang.people.importing import ImportReport, read_upload, register_import
from shequgang.people.register_sheet import XLSX_CONTENT_TYPE, register_template
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place
from shequgang.spreadsheets.xlsx import xlsx_response

router = Router(tags=["居民台账"])

# Place ids are BIGINT: a bigger number is bad input, not a database error.
_MAX_ID = 2**63 - 1
_XLSX_RESPONSE = {
    "description": "Excel 表格（.xlsx）",
    "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}


class RowErrorOut(Schema):
    row: int = Field(description="表格中的行号（表头为第1行）；0 表示整个文件")
    column: str = Field(description="列名（表头）；空表示不属于某一列")
    code: str
    message: str


class ImportReportOut(Schema):
    within: int = Field(description="导入到的地点")
    dry_run: bool
    imported: bool = Field(description="是否已写入；有任何错误或仅校验时为 false")
    rows: int = Field(description="数据行数")
    residents: int = Field(description="校验通过的居民数（新增、变更与未变之和）")
    added: int = Field(description="新增的居民数")
    changed: int = Field(description="按身份证号匹配到、信息有变更的已登记居民数")
    unchanged: int = Field(description="按身份证号匹配到、信息未变的已登记居民数")
    invalid: int = Field(description="有问题的行数")
    households_created: int
    units_created: int
    error_count: int
    errors: list[RowErrorOut] = Field(description="问题明细（最多1000条）")


class ImportRejectedOut(ValidationErrorOut):
    """A 422: ``invalid_rows`` carries the report; a malformed request (no file, a bad
    ``within``) is the usual validation error, with field ``errors`` and no report."""

    report: ImportReportOut | None = Field(None, description="逐行校验结果（仅 invalid_rows）")


def _report_out(report: ImportReport) -> dict[str, Any]:
    return {
        "within": report.within_id,
        "dry_run": report.dry_run,
        "imported": report.imported,
        "rows": report.rows,
        "residents": report.residents,
        "added": report.added,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "invalid": report.invalid,
        "households_created": report.households_created,
        "units_created": report.units_created,
        "error_count": report.error_count,
        "errors": [
            {"row": e.row, "column": e.column, "code": e.code, "message": e.message}
            for e in report.errors
        ],
    }


@router.post(
    "/residents/import",
    response={**ERRORS, 200: ImportReportOut, 413: ErrorOut, 422: ImportRejectedOut},
    summary="导入居民台账",
)
def residents_import(
    request: HttpRequest,
    file: File[UploadedFile],
    within: int = param.Form(..., ge=1, le=_MAX_ID, description="导入到的地点（通常为社区）"),
    dry_run: bool = param.Form(False, description="只校验，不写入"),
) -> Status[dict[str, Any]]:
    """Validate every row; unless `dry_run`, write them all in one transaction. A row whose
    ID number is already registered inside `within` updates that resident (an export
    imported back changes nothing: `unchanged` counts it). Any
    problem in any row writes nothing and answers 422 `invalid_rows` with the report.
    A retry with the same `Idempotency-Key` gets the first answer back."""
    place = access_place(request.user, within, Perm.RESIDENT_IMPORT)
    data = read_upload(file)

    def run() -> tuple[int, dict[str, Any]]:
        report = register_import(
            actor=request.user, file=io.BytesIO(data), within=place, dry_run=dry_run
        )
        if report.ok:
            return 200, _report_out(report)
        return 422, {
            "code": "invalid_rows",
            "message": f"发现{report.error_count}处问题，未导入任何数据",
            "report": _report_out(report),
        }

    if dry_run:
        return Status(*run())
    payload = {"within": place.pk, "sha256": hashlib.sha256(data).hexdigest()}
    return Status(*run_idempotent(request, operation="resident.import", payload=payload, write=run))


@router.get(
    "/residents/export",
    response=ERRORS,
    openapi_extra={"responses": {200: _XLSX_RESPONSE}},
    summary="导出居民台账",
)
def residents_export(
    request: HttpRequest,
    within: int = param.Query(..., ge=1, le=_MAX_ID, description="导出范围（地点）"),
) -> HttpResponse:
    """The active residents under `within`, in the import's layout. ID numbers and phones
    are masked unless the caller may view them in full there and, in a browser session,
    confirmed the password within the re-authentication window (`/auth/confirm-password`,
    as for a reveal); a bearer token always gets the masked sheet. Every export is
    audited."""
    place = access_place(request.user, within, Perm.RESIDENT_EXPORT)
    full = not authenticated_by_token(request) and reauth_fresh(request)
    content = register_export(actor=request.user, within=place, reveal=full)
    return xlsx_response(content, f"居民台账-{place.name}-{timezone.localdate():%Y%m%d}.xlsx")


@router.get(
    "/residents/import-template",
    response=ERRORS,
    openapi_extra={"responses": {200: _XLSX_RESPONSE}},
    summary="下载台账导入模板",
)
def residents_import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(register_template(), "居民台账导入模板.xlsx")
