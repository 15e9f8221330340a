"""The insurer's roster (参保人员名单) as an Excel workbook, with a summary sheet of counts
by county and group and the budget for the finance bureau.

Rows, counts and budget come from one queryset, so they reconcile by construction; the
last row of the roster repeats the total. Full ID numbers, phones and certificate numbers
appear only for users allowed to see them in every exported county; every export, full or
masked, writes an audit entry with the row count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.people import pii
from shequgang.people.phones import national_phone
from shequgang.spreadsheets.xlsx import XLSX_CONTENT_TYPE, XlsxBook, XlsxSheet
from shequgang.veterans.access import export_area_codes, may_export_full
from shequgang.veterans.models import BEIJING, Application, Program, Status
from shequgang.veterans.selectors import (
    Budget,
    CountsTable,
    application_counts,
    program_budget,
)

XLSX_TYPE = XLSX_CONTENT_TYPE

HEADER = [
    "序号",
    "受理编号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号码",
    "联系电话",
    "优待证号",
    "人员类别",
    "户籍所在县（市、区）",
    "申报时间",
    "保费（元）",
]


@dataclass(frozen=True)
class RosterFile:
    content: bytes
    filename: str
    rows: int
    full: bool
    counts: CountsTable
    budget: Budget


def roster_queryset(*, program: Program, codes: list[str]) -> QuerySet[Application]:
    """Accepted applications registered in ``codes``, in a stable order."""
    return (
        Application.objects.filter(
            program=program, status=Status.ACCEPTED, registration_code__in=codes
        )
        .select_related("group")
        .order_by("registration_code", "group__sort", "submitted_at", "id")
    )


def _roster_sheet(book: XlsxBook, program: Program, rows: QuerySet[Application], full: bool) -> int:
    sheet = book.add_sheet(
        "参保人员名单",
        HEADER,
        above=[
            [f"{program.title}参保人员名单"],
            [f"承保机构：{program.insurer}", "", "", "", f"保费：{program.premium}元/人/年"],
        ],
    )
    count = 0
    for count, app in enumerate(rows.iterator(chunk_size=500), start=1):
        if full:
            id_number = pii.decrypt(app.id_number_cipher)
            phone = national_phone(pii.decrypt(app.phone_cipher))
            certificate = pii.decrypt(app.certificate_cipher) if app.certificate_cipher else ""
            born = app.birth_date.isoformat()
        else:
            id_number, phone = app.id_number_masked, app.phone_masked
            certificate = app.certificate_masked
            # The full date is part of the ID number: a masked roster shows the year.
            born = str(app.birth_date.year)
        sheet.append(
            [
                count,
                app.reference,
                app.name,
                "男" if app.sex == "M" else "女",
                born,
                id_number,
                phone,
                certificate,
                app.group.name,
                app.registration_name,
                app.submitted_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
                program.premium,
            ]
        )
    sheet.append(["合计", f"{count}人", *[""] * 9, program.premium * count])
    return count


def _summary_sheet(book: XlsxBook, counts: CountsTable, budget: Budget) -> None:
    sheet: XlsxSheet = book.add_sheet(
        "统计与资金",
        ["县（市、区）", "区划代码", *[g.name for g in counts.groups], "合计"],
        above=[["按户籍所在县、人员类别统计（已受理）"]],
    )
    for row in counts.rows:
        sheet.append([row.name, row.code, *row.cells, row.total])
    sheet.append(["合计", "", *counts.column_totals, counts.total])
    sheet.append([])
    sheet.append(["资金测算"])
    sheet.append(["已受理人数", budget.accepted])
    sheet.append(["保费标准（元/人/年）", budget.premium])
    sheet.append(["保费合计（元）", budget.total])
    sheet.append(["资金来源", budget.payer])
    sheet.append(["承保机构", budget.insurer])


@transaction.atomic
def roster_export(
    *,
    actor: Actor,
    program: Program,
    county: str = "",
    full: bool = False,
    confirm: Callable[[], None] | None = None,
) -> RosterFile:
    """The roster of ``program`` for the counties the actor may export (or one of them).

    Raises NotFound without export rights (or for a county outside them), Forbidden when
    ``full`` is asked without a full-data grant over every exported county. A full roster
    is a reveal: once the grant is established and before any row is read, ``confirm``
    is called (the doors pass their re-authentication check, which raises). Writes one
    audit entry (``veterans.roster_export``) with the row count and whether it was full."""
    if actor is None or not actor.is_authenticated:
        raise NotFound("参保名单")
    codes = export_area_codes(actor, program)
    if county:
        if county not in codes:
            raise NotFound("参保名单")
        codes = [county]
    if not codes:
        raise NotFound("参保名单")
    if full and not may_export_full(actor, codes):
        raise Forbidden("无权导出完整身份证号码，请导出脱敏名单或联系管理员授权")
    if full and confirm is not None:
        confirm()
    rows = roster_queryset(program=program, codes=codes)
    counts = application_counts(program=program, applications=rows)
    budget = program_budget(program=program, applications=rows)
    workbook = XlsxBook()
    written = _roster_sheet(workbook, program, rows, full)
    _summary_sheet(workbook, counts, budget)
    if written != counts.total:
        # Rows and counts read the same table; a concurrent write between the two reads
        # is the only way they differ. Refuse rather than hand out a roster that does
        # not add up.
        raise DomainError("roster_changed", "导出期间名单发生变化，请重新导出", status=409)
    content = workbook.to_bytes()
    stamp = timezone.now().astimezone(BEIJING).strftime("%Y%m%d-%H%M")
    scope = county or "all"
    filename = f"veterans-{program.year}-{scope}-{'full' if full else 'masked'}-{stamp}.xlsx"
    audit_record(
        actor=actor,
        action="veterans.roster_export",
        obj=program,
        changes={
            "rows": [None, written],
            "full": [None, full],
            "counties": [None, ",".join(codes)],
        },
    )
    return RosterFile(
        content=content,
        filename=filename,
        rows=written,
        full=full,
        counts=counts,
        budget=budget,
    )
