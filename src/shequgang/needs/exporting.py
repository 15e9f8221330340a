"""台账 exports of the 敲门行动 visits and the 需求清单, written through the shared writer
(notes and descriptions are typed by people: none of them runs as a formula). Households
are named by address, never by a resident's name or phone. Every export is audited with
its row count."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.needs.models import Demand, Visit
from shequgang.places.models import Kind, Place
from shequgang.spreadsheets.xlsx import XlsxBook

BEIJING = ZoneInfo("Asia/Shanghai")
MAX_ROWS = 200_000
VISIT_HEADER = ["走访时间", "行动", "地址", "走访人", "结果", "见到何人", "回访日期", "备注"]
DEMAND_HEADER = [
    "登记时间",
    "地址",
    "类型",
    "需求描述",
    "紧急程度",
    "来源",
    "状态",
    "状态说明",
    "关联诉求",
    "满足时间",
]


@dataclass(frozen=True)
class Ledger:
    content: bytes
    filename: str
    rows: int


def _when(moment: object) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""  # type: ignore[attr-defined]


class Addresses:
    """Addresses below the community (滨东花园小区 3号楼 2单元 502), the parent's part read
    once per building or unit rather than once per row."""

    def __init__(self) -> None:
        self._parents: dict[int, str] = {}

    def __call__(self, place: Place) -> str:
        if place.kind in (Kind.COMMUNITY, Kind.COMPOUND) or place.parent_id is None:
            return place.name
        if place.parent_id not in self._parents:
            parent = Place.objects.get(pk=place.parent_id)
            self._parents[place.parent_id] = parent.full_name(below=Kind.COMPOUND)
        return f"{self._parents[place.parent_id]} {place.name}".strip()


def _finish(actor: Actor, book: XlsxBook, name: str, rows: int, scope: Place | None) -> Ledger:
    content = book.to_bytes()
    audit_record(
        actor=actor,
        action=f"needs.{name}_export",
        obj=scope,
        changes={"rows": [None, rows]},
    )
    stamp = timezone.now().astimezone(BEIJING).strftime("%Y%m%d")
    return Ledger(content, f"needs-{name}-{stamp}.xlsx", rows)


def visits_export(*, actor: Actor, visits: QuerySet[Visit], scope: Place | None) -> Ledger:
    """The visits (already scoped and filtered by the caller), newest first."""
    book = XlsxBook()
    sheet = book.add_sheet("走访台账", VISIT_HEADER)
    rows = 0
    address = Addresses()
    for v in (
        visits.select_related("campaign", "household", "visitor")
        .order_by("-visited_at", "-pk")[:MAX_ROWS]
        .iterator(chunk_size=2000)
    ):
        sheet.append(
            [
                _when(v.visited_at),
                v.campaign.title,
                address(v.household),
                v.visitor.get_full_name() or v.visitor.get_username(),
                v.get_outcome_display(),
                v.met_whom,
                v.revisit_on.isoformat() if v.revisit_on else "",
                v.note,
            ]
        )
        rows += 1
    return _finish(actor, book, "visits", rows, scope)


def demands_export(*, actor: Actor, demands: QuerySet[Demand], scope: Place | None) -> Ledger:
    """The demands (already scoped and filtered by the caller), newest first."""
    book = XlsxBook()
    sheet = book.add_sheet("需求清单", DEMAND_HEADER)
    rows = 0
    address = Addresses()
    for d in (
        demands.select_related("place", "case").order_by("-created_at", "-pk")[:MAX_ROWS]
    ).iterator(chunk_size=2000):
        sheet.append(
            [
                _when(d.created_at),
                address(d.place),
                d.get_type_display(),
                d.description,
                d.get_urgency_display(),
                d.get_source_display(),
                d.get_status_display(),
                d.status_reason,
                d.case.number if d.case else "",
                _when(d.met_at),
            ]
        )
        rows += 1
    return _finish(actor, book, "demands", rows, scope)
