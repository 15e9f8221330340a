"""The staff ledger as an .xlsx workbook: the filtered entries of one community, each
with its transaction's facts, written through the shared writer (reasons, references and
keys are typed by people and partners: none of them runs as a formula). Every export is
audited with its row count."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.places.models import Place
from shequgang.points.models import Entry
from shequgang.points.rules import BEIJING
from shequgang.spreadsheets.xlsx import XLSX_CONTENT_TYPE, XlsxBook

XLSX_TYPE = XLSX_CONTENT_TYPE
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


def ledger_export(*, actor: Actor, community: Place, entries: QuerySet[Entry]) -> LedgerFile:
    book = XlsxBook()
    sheet = book.add_sheet("积分台账", HEADER)
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
                t.source_ref,
                t.reason,
                a.get_kind_display(),
                a.owner.username if a.owner else (a.merchant.name if a.merchant else ""),
                e.amount,
                t.actor.username if t.actor else "",
                t.approver.username if t.approver else "",
                t.idempotency_key,
            ]
        )
        rows += 1
    content = book.to_bytes()
    audit_record(
        actor=actor,
        action="points.ledger_export",
        obj=community,
        # Usernames and merchant names only: no ID numbers or phones.
        changes={"rows": [None, rows], "full": [None, False]},
    )
    stamp = timezone.now().astimezone(BEIJING).strftime("%Y%m%d")
    return LedgerFile(content, f"points-ledger-{community.pk}-{stamp}.xlsx", rows)
