"""The 待认证居民 queue as an .xlsx, through the shared writer: personal data masked only,
every export audited with its row count."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shequgang.actors import UserLike
from shequgang.audit.services import audit_record
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.residency.picker import household_label
from shequgang.residency.selectors import account_queue
from shequgang.spreadsheets.xlsx import xlsx_bytes

HEADERS = [
    "序号",
    "姓名",
    "与户主关系",
    "身份证号码",
    "手机号",
    "所住户",
    "状态",
    "未通过原因",
    "注册时间",
    "认证时间",
]
MAX_ROWS = 20_000


def _row(n: int, account: ResidentAccount) -> list[object]:
    return [
        n,
        account.name,
        account.get_relation_display(),
        account.id_number_masked,
        account.phone_masked,
        household_label(account.household),
        account.get_status_display(),
        account.refused_reason,
        account.created_at,
        account.decided_at,
    ]


@transaction.atomic
def account_queue_export(*, actor: UserLike, status: str) -> tuple[bytes, str]:
    """The caller's queue (scoped like the page) as a workbook and its file name."""
    rows = list(account_queue(actor, status=status)[:MAX_ROWS])
    label = AccountStatus(status).label if status in AccountStatus.values else "全部"
    content = xlsx_bytes(
        title=label, headers=HEADERS, rows=[_row(n, a) for n, a in enumerate(rows, start=1)]
    )
    audit_record(
        actor=actor if actor.is_authenticated else None,  # type: ignore[arg-type]
        action="resident_account.export",
        object_type=ResidentAccount._meta.label_lower,
        changes={"status": [None, status], "rows": [None, len(rows)]},
    )
    return content, f"居民账号-{label}-{timezone.localdate():%Y%m%d}.xlsx"
