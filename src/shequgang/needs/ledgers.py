"""The 台账 of the supply side as .xlsx, through the one writer (``spreadsheets``):
资源清单, 项目清单, 微心愿 and 合伙人, each over the rows the caller may see. Masked
contacts only; a wish's private text and household stay out (the published text is
what the ledger shows). Each export writes an audit entry."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone

from shequgang.actors import UserLike
from shequgang.audit.services import audit_record
from shequgang.needs import supply_access as access
from shequgang.spreadsheets.xlsx import xlsx_bytes, xlsx_response

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
MAX_ROWS = 100_000


def _when(value: object) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else ""  # type: ignore[attr-defined]


def _resources(user: UserLike) -> Iterable[Sequence[object]]:
    today = timezone.localdate()
    live = set(access.scoped_resources(user).live(today).values_list("pk", flat=True))
    qs = access.scoped_resources(user).select_related("place", "unit", "partner")
    for r in qs.order_by("place__path", "id")[:MAX_ROWS]:
        yield [
            r.pk, r.get_type_display(), r.title, r.get_offerer_kind_display(), r.offerer_name,
            r.place.name, r.capacity, r.remaining, r.available_from, r.available_until,
            r.valid_until, r.contact_name, r.contact_phone_masked,
            "有效" if r.pk in live else "已失效",
        ]  # fmt: skip


def _projects(user: UserLike) -> Iterable[Sequence[object]]:
    qs = access.scoped_projects(user).select_related("community", "owner")
    for p in qs.order_by("community__path", "id")[:MAX_ROWS]:
        yield [
            p.pk, p.community.name, p.title, p.owner.username, p.budget, p.get_status_display(),
            p.demand_links.count(), p.beneficiaries, _when(p.created_at), _when(p.completed_at),
        ]  # fmt: skip


def _wishes(user: UserLike) -> Iterable[Sequence[object]]:
    qs = access.scoped_wishes(user).select_related("community")
    for w in qs.order_by("community__path", "id")[:MAX_ROWS]:
        yield [
            w.pk, w.community.name, w.get_type_display(), w.public_text, w.get_status_display(),
            _when(w.posted_at), _when(w.published_at), _when(w.claimed_at),
            _when(w.confirmed_at), w.points_awarded,
        ]  # fmt: skip


def _partners(user: UserLike) -> Iterable[Sequence[object]]:
    qs = access.scoped_partners(user).select_related("community")
    for p in qs.order_by("community__path", "name")[:MAX_ROWS]:
        stars = [r.stars for r in p.ratings.all()]
        yield [
            p.pk, p.community.name, p.name, p.get_kind_display(), p.offers, p.contact_name,
            p.contact_phone_masked, "是" if p.merchant_id else "否", p.contributions.count(),
            round(sum(stars) / len(stars), 1) if stars else "",
        ]  # fmt: skip


Ledger = tuple[str, list[str], Callable[[UserLike], Iterable[Sequence[object]]]]
LEDGERS: dict[str, Ledger] = {
    "resources": (
        "资源清单",
        ["编号", "类型", "名称", "提供方类别", "提供方", "地点", "可服务数量", "剩余",
         "可用开始", "可用截止", "有效期至", "联系人", "联系电话", "状态"],
        _resources,
    ),
    "projects": (
        "项目清单",
        ["编号", "社区", "项目名称", "负责人", "预算(元)", "状态", "需求数", "受益人数",
         "创建时间", "完成时间"],
        _projects,
    ),
    "wishes": (
        "微心愿台账",
        ["编号", "社区", "类型", "公开内容", "状态", "登记时间", "发布时间", "认领时间",
         "确认时间", "奖励积分"],
        _wishes,
    ),
    "partners": (
        "社区合伙人",
        ["编号", "社区", "名称", "类别", "可提供", "联系人", "联系电话", "积分商家",
         "贡献次数", "平均评分"],
        _partners,
    ),
}  # fmt: skip


def ledger_bytes(*, actor: UserLike, name: str) -> bytes:
    title, headers, rows = LEDGERS[name]
    content = xlsx_bytes(title=title, headers=headers, rows=rows(actor))
    audit_record(
        actor=actor, action=f"needs.ledger_export.{name}", changes={"ledger": [None, name]}
    )
    return content


def ledger_response(*, actor: UserLike, name: str) -> HttpResponse:
    stamp = timezone.now().astimezone(BEIJING).strftime("%Y%m%d")
    return xlsx_response(ledger_bytes(actor=actor, name=name), f"{LEDGERS[name][0]}-{stamp}.xlsx")
