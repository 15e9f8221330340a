"""The staff ledger as an .xlsx workbook: the filtered entries of one community, each
with its transaction's facts. Every export is audited with its row count."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.places.models import Place
from shequgang.points.models import Entry
from shequgang.points.rules import BEIJING

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 200_000
HEADER = [
    "时间",
    "交易号",
    "类型",
    "来源",
    "来源编号",
    "事由",
    "账户",
    "持有人",
    "积分",
    "经办人",
    "审批人",
    "幂等键",
]


@dataclass(frozen=True)
class LedgerFile:
    content: bytes
    filename: str
    rows: int


def _cell(value: str) -> str:
    # Text that a spreadsheet would run as a formula is written as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def ledger_export(*, actor: Actor, community: Place, entries: QuerySet[Entry]) -> LedgerFile:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("积分台账")
    sheet.append(HEADER)
    rows = 0
    for e in entries[:MAX_ROWS].iterator(chunk_size=2000):
        t = e.transaction
        a = e.account
        sheet.append(
            [
                e.created_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                t.pk,
                t.get_kind_display(),
                t.get_source_display(),
                _cell(t.source_ref),
                _cell(t.reason),
                a.get_kind_display(),
                _cell(a.owner.username if a.owner else (a.merchant.name if a.merchant else "")),
                e.amount,
                t.actor.username if t.actor else "",
                t.approver.username if t.approver else "",
                _cell(t.idempotency_key),
            ]
        )
        rows += 1
    out = io.BytesIO()
    book.save(out)
    audit_record(
        actor=actor,
        action="points.ledger_export",
        obj=community,
        changes={"rows": [None, rows]},
    )
    stamp = timezone.now().astimezone(BEIJING).strftime("%Y%m%d")
    return LedgerFile(out.getvalue(), f"points-ledger-{community.pk}-{stamp}.xlsx", rows)
