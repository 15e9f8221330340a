"""A resident's own copy of what is held about them (PIPL Art. 45), downloaded by the
resident themselves (我的 → 我的数据), as .xlsx or JSON.

The same collector as the staff export (``collect.subject_data``), anchored on the
register's row the person's own confirmed account names: a login reaches only its own
row, never an id from the request. The callers (the portal page and ``POST
/api/v1/me/data``) pass the request through ``own_data_gate`` first: a per-login rate
limit, then the password typed again (``accounts.reauth``). The copy is audited on the
register row (``resident.own_export``) with the format and the counts per section,
never the content."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone

from shequgang.accounts.reauth import ReauthRequired, reauth_confirm, reauth_fresh
from shequgang.apikit.ratelimit import rate_limit
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.people.models import Resident
from shequgang.people.services import audit_resident
from shequgang.privacy.collect import subject_data
from shequgang.residency.selectors import resident_account_of
from shequgang.spreadsheets.xlsx import XLSX_CONTENT_TYPE, XlsxBook

RATE_ACTION = "privacy.own_export"
FORMATS = {"xlsx": "Excel 表格（.xlsx）", "json": "JSON（机器可读）"}

# The sheets of the workbook, in the order a person reads them (keys of subject_data).
SECTIONS = {
    "resident": "居民登记",
    "accounts": "账号",
    "cases_raised": "我反映的事项",
    "cases_followed": "我关注的事项",
    "notifications": "通知",
    "points_accounts": "积分",
    "activity_signups": "活动报名",
    "activity_ratings": "活动评价",
    "deliberations_attended": "议事会",
    "party_member": "党员信息",
    "veterans_applications": "退役军人参保",
    "audit": "对我信息的操作",
}


@dataclass(frozen=True)
class OwnExport:
    filename: str
    content: bytes
    content_type: str
    counts: dict[str, int]


def own_register_row(user: User) -> Resident:
    """The register's row of ``user``'s own confirmed account. 404 ``not_found`` for a
    login without a resident account (staff); 409 ``not_confirmed`` while the account
    is pending or refused, or after the row was erased."""
    account = resident_account_of(user)
    if account is None:
        raise NotFound("居民账号")
    resident = account.resident
    if not account.is_confirmed or resident is None or resident.anonymised_at is not None:
        raise Conflict("not_confirmed", "账号通过社区认证后，才能下载本人数据")
    return resident


def own_data_gate(request: HttpRequest, *, user: User, password: str) -> None:
    """What every download asks first, in this order: at most
    ``RATE_LIMITS["privacy.own_export"]`` tries per login per window (429
    ``rate_limited``; wrong passwords count too), then the password confirmed within
    ``REAUTH_MINUTES`` or ``password`` right now (403 ``reauth_required``; a wrong one
    counts towards the login lockout, ``accounts.reauth``)."""
    rate_limit(action=RATE_ACTION, client=f"user:{user.pk}")
    if not reauth_fresh(request) and not reauth_confirm(request, password=password):
        raise ReauthRequired()


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _rows(section: Any) -> list[dict[str, Any]]:
    if section is None:
        return []
    if isinstance(section, dict):
        return [section]
    return [row if isinstance(row, dict) else {"value": row} for row in section]


def _workbook(data: dict[str, Any]) -> bytes:
    """One sheet per section: a row per record, a column per field (nested lists, such
    as a case's steps, as JSON text); every cell through the shared writer."""
    book = XlsxBook()
    book.add_sheet("说明", ["说明"]).extend([[note] for note in data["notes"]])
    for key, title in SECTIONS.items():
        rows = _rows(data.get(key))
        columns: list[str] = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        sheet = book.add_sheet(title, columns or ["（无记录）"])
        sheet.extend([_cell(row.get(c)) for c in columns] for row in rows)
    return book.to_bytes()


def own_data_export(*, user: User, fmt: str) -> OwnExport:
    """Everything held about ``user``'s own register row, decrypted, as ``fmt`` (``xlsx``
    or ``json``; 400 ``invalid_format``). Reads only, then one audit row. Raises the
    errors of ``own_register_row``. The caller has passed ``own_data_gate``."""
    if fmt not in FORMATS:
        raise DomainError("invalid_format", "格式只能是 xlsx 或 json")
    resident = own_register_row(user)
    data = subject_data(resident)
    data["generated_at"] = timezone.now().isoformat()
    if fmt == "xlsx":
        content, content_type = _workbook(data), XLSX_CONTENT_TYPE
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        content, content_type = text.encode(), "application/json; charset=utf-8"
    counts = {key: len(value) for key, value in data.items() if isinstance(value, list)}
    changes: dict[str, list[object]] = {key: [None, n] for key, n in counts.items()}
    changes["format"] = [None, fmt]
    audit_resident(actor=user, action="resident.own_export", resident=resident, changes=changes)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return OwnExport(
        filename=f"我的数据-{stamp}.{fmt}",
        content=content,
        content_type=content_type,
        counts=counts,
    )
