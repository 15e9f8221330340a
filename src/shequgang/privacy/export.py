"""The data-subject copy (PIPL Art. 45): a zip holding one JSON document and a short
README, produced for a resident by staff who may see their personal data in full.

JSON in a zip rather than a spreadsheet on purpose: spreadsheets must go through the
shared formula-neutralising writer, which is being built on another branch; JSON cannot
carry a formula, so this file needs none."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from django.utils import timezone

from shequgang.actors import Actor
from shequgang.errors import DomainError, Forbidden
from shequgang.people.models import Resident
from shequgang.people.scope import may_view_full_pii
from shequgang.people.services import audit_resident
from shequgang.privacy.collect import subject_data

README = """个人信息副本（《个人信息保护法》第四十五条）

subject.json 以 JSON 格式列出社区港系统中保存的与您有关的全部个人信息，按保存位置分组：
resident 居民登记信息；accounts 关联账号；cases_raised 您提出的事项；cases_followed 您关注的事项；
notifications 通知；party_member 党员信息；activity_signups / activity_ratings 活动报名与评价；
deliberations_attended 议事会出席；points_accounts 积分账户与明细；
veterans_applications 退役军人参保申请；audit 对您信息的操作记录（类型和时间）。
notes 中说明了未能包含的内容。本文件含完整个人信息，请妥善保管。
"""


@dataclass(frozen=True)
class SubjectExport:
    filename: str
    content: bytes


REQUESTERS = {"subject": "本人", "next_of_kin": "近亲属"}


def resident_subject_export(
    *, actor: Actor, resident: Resident, requester: str = "subject"
) -> SubjectExport:
    """A zip with everything held about ``resident``, decrypted. Needs the full-view
    grant on the resident's household (``Forbidden`` otherwise, nothing logged); the
    copy is audited as ``resident.subject_export`` with the counts per section, never
    the content, with who asked (``requester``: the person, or a deceased person's next of
    kin under Art. 49). The caller has already reached the resident through ``access_resident``
    and, as for a reveal, had the password typed again (``accounts.reauth``: the page and
    the endpoint check it; tests/test_reauth lists every such route)."""
    if requester not in REQUESTERS:
        raise DomainError("invalid_requester", "申请人只能是本人或近亲属")
    if actor is None or not may_view_full_pii(actor, resident.household):
        raise Forbidden("无权导出完整个人信息")
    data = subject_data(resident)
    data["generated_at"] = timezone.now().isoformat()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "subject.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        )
        archive.writestr("README.txt", README)
    counts: dict[str, list[object]] = {
        key: [None, len(value)] for key, value in data.items() if isinstance(value, list)
    }
    counts["requester"] = [None, requester]
    # Outside a transaction on purpose, like the register export: reading must not
    # hold SQLite's write lock; the row is written once the copy exists.
    audit_resident(actor=actor, action="resident.subject_export", resident=resident, changes=counts)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return SubjectExport(
        filename=f"personal-data-{resident.pk}-{stamp}.zip", content=buffer.getvalue()
    )
