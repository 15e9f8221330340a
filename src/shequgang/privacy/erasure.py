"""Erasure where the law allows (PIPL Art. 47): a resident's personal data replaced by a
pseudonym, while the records the state must keep stay, de-identified.

What happens to each thing held about the person (``erase_resident``):

- register row: name → ``居民#<8 hex>`` (a keyed hash of the row id, so it cannot be
  recomputed from the id alone); ID number, phone and address ciphertexts, blind indexes
  and masked forms cleared (the ID number no longer matches anything); birth date, sex,
  note and tags cleared; household membership ended (status 迁出, ``left_at`` set). The
  row itself stays: cases, points accounts and the party record point at it.
- cases raised through a linked account: raiser name → the pseudonym, raiser phone
  cleared. The case, its events and its free text (description, resolution, rating
  comment) are kept untouched: they are the public body's record, and free text cannot
  be rewritten automatically — a name typed into a description stays there.
- deliberation sign-ins of a linked account: the name → the pseudonym.
- linked user accounts: deactivated, username → ``erased-<hash>``, names and email
  cleared, password unusable, API tokens revoked, notifications and idempotency records
  deleted (copies; the case history holds the substance).
- points accounts: kept as they are, balance included. The ledger is append-only and
  reconciled against the accounts; the owner account is deactivated, so the balance can
  no longer be spent, and nothing in the ledger names the person once the register row
  is pseudonymous. Forfeiting would be a new posting with no approver and no rule in the
  points policy; if an erasure is disputed, the balance is still there.
- veterans applications: accepted ones are the roster sent to the insurer, a legal
  record: kept in full and listed by reference in ``Erasure.kept`` (the mark). Withdrawn
  ones are anonymised now (``anonymise_applications``, the same step as the retention
  purge).
- the party member record (``party.Member``) is kept and listed: member files are kept
  by the Party organisation under its own rules, not the community's.
- the audit log is never rewritten. Rows about residents carry the object id and masked
  values (names masked since this branch); older rows may still carry names in
  ``object_repr`` and ``changes`` — see the report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat, TruncYear
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.apikit.models import IdempotencyRecord
from shequgang.cases.models import FINAL_STATUSES, Notification
from shequgang.cases.models.deliberation import Attendee
from shequgang.errors import Conflict, Forbidden, NotFound
from shequgang.party.models import Member
from shequgang.people import pii
from shequgang.people.models import ApiToken, Relation, Resident, ResidentStatus
from shequgang.people.roles import Perm
from shequgang.people.scope import may_view_full_pii, place_in_scope
from shequgang.people.services import (
    REASON_MAX,
    audit_resident,
    resident_apply_id_number,
    resident_apply_phone,
)
from shequgang.points.models import Account
from shequgang.privacy.collect import linked_users, raised_cases, veterans_applications
from shequgang.privacy.models import Erasure
from shequgang.residency.services import resident_account_erase
from shequgang.text_rules import text_clean
from shequgang.veterans.models import Application
from shequgang.veterans.models import Status as ApplicationStatus

ANONYMISED_APPLICANT = "已匿名#"


def pseudonym_for(resident: Resident) -> str:
    return "居民#" + pii.blind_index("pseudonym", str(resident.pk))[:8]


def anonymise_applications(applications: QuerySet[Application]) -> int:
    """De-identify veterans applications set-wise: name → ``已匿名#<id>``, ID number,
    phone and certificate cleared, birth date kept to the year (for age statistics).
    Only applications that still hold an ID number are touched, so it is idempotent."""
    return applications.exclude(id_number_cipher="").update(
        name=Concat(Value(ANONYMISED_APPLICANT), Cast("pk", output_field=CharField())),
        birth_date=TruncYear("birth_date"),
        id_number_cipher="",
        id_number_index="",
        id_number_masked="",
        phone_cipher="",
        phone_masked="",
        certificate_cipher="",
        certificate_masked="",
        updated_at=timezone.now(),
    )


def _live_applications(resident: Resident, now: dt.datetime) -> QuerySet[Application]:
    """Accepted applications for this year's programme or a later one: the insurer may
    still act on them."""
    return veterans_applications(resident).filter(
        status=ApplicationStatus.ACCEPTED, program__year__gte=timezone.localdate(now).year
    )


def erasure_blockers(resident: Resident, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Why erasing now would destroy something still in use: open cases raised through
    a linked account, live insurance applications. Empty when nothing blocks."""
    user_ids = list(linked_users(resident).values_list("pk", flat=True))
    found = {
        "open_cases": raised_cases(user_ids).exclude(status__in=FINAL_STATUSES).count(),
        "active_applications": _live_applications(resident, now or timezone.now()).count(),
    }
    return {k: v for k, v in found.items() if v}


def _deactivate(users: list[User]) -> None:
    now = timezone.now()
    for user in users:
        user.username = "erased-" + pii.blind_index("username", str(user.pk))[:16]
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(
            update_fields=["username", "first_name", "last_name", "email", "is_active", "password"]
        )
    ids = [u.pk for u in users]
    ApiToken.objects.filter(user_id__in=ids, revoked_at__isnull=True).update(revoked_at=now)
    Notification.objects.filter(recipient_id__in=ids).delete()
    IdempotencyRecord.objects.filter(user_id__in=ids).delete()


def erase_resident(
    *, resident: Resident, actor: Actor, reason: str, rule: str = "", override_basis: str = ""
) -> Erasure:
    """The erasure itself, without permission checks or blockers: for
    ``resident_anonymise`` (which checks both) and the retention purge (which selects
    only residents nothing blocks). Run inside a transaction, the resident locked."""
    users = list(linked_users(resident))
    staff = [
        u
        for u in users
        if u.is_staff
        or u.is_superuser
        or u.role_assignments.filter(revoked_at__isnull=True).exists()
    ]
    if staff:
        raise Conflict(
            "linked_staff_account", "该居民关联的账号是工作人员账号，请先撤销其角色后再匿名化"
        )
    user_ids = [u.pk for u in users]
    pseudonym = pseudonym_for(resident)
    applications = veterans_applications(resident)
    kept: dict[str, Any] = {
        "cases": list(raised_cases(user_ids).values_list("number", flat=True)),
        "veterans_applications": list(
            applications.filter(status=ApplicationStatus.ACCEPTED).values_list(
                "reference", flat=True
            )
        ),
        "points_accounts": list(
            Account.objects.filter(resident=resident).values_list("pk", "balance")
        ),
        "party_member": Member.objects.filter(resident=resident)
        .values_list("pk", flat=True)
        .first(),
    }
    withdrawn = anonymise_applications(applications.filter(status=ApplicationStatus.WITHDRAWN))
    raised_cases(user_ids).update(
        raiser_name=pseudonym, raiser_phone_cipher="", raiser_phone_masked=""
    )
    Attendee.objects.filter(user_id__in=user_ids).update(name=pseudonym)
    resident_account_erase(resident=resident, pseudonym=pseudonym)
    _deactivate(users)

    resident.name = pseudonym
    resident.user = None
    resident_apply_id_number(resident=resident, parsed=None)
    resident_apply_phone(resident=resident, e164=None)
    resident.address_cipher = resident.address_masked = ""
    resident.birth_date = None
    resident.sex = resident.note = ""
    resident.relation = Relation.OTHER
    if resident.status == ResidentStatus.ACTIVE:
        resident.status = ResidentStatus.MOVED_OUT
    resident.left_at = resident.left_at or timezone.now()
    resident.anonymised_at = timezone.now()
    resident.save()
    resident.tags.clear()
    erasure = Erasure.objects.create(
        resident=resident,
        pseudonym=pseudonym,
        actor=actor if isinstance(actor, User) else None,
        rule=rule,
        reason=reason,
        override_basis=override_basis,
        kept=kept,
    )
    audit_resident(
        actor=actor,
        action="resident.anonymise",
        resident=resident,
        changes={
            "reason": [None, reason],
            "rule": [None, rule],
            "override_basis": [None, override_basis],
            "accounts_deactivated": [None, len(users)],
            "cases_kept": [None, len(kept["cases"])],
            "veterans_kept": [None, len(kept["veterans_applications"])],
            "veterans_withdrawn_anonymised": [None, withdrawn],
        },
    )
    return erasure


@transaction.atomic
def resident_anonymise(
    *,
    resident: Resident,
    actor: Actor,
    reason: str,
    override_basis: str = "",
    now: dt.datetime | None = None,
) -> Erasure:
    """Anonymise one resident on request (PIPL Art. 47). Irreversible.

    Needs resident.edit on the household (``NotFound`` otherwise, as for a missing
    resident) and the full-view grant (``Forbidden``). Refused with 409:
    ``already_anonymised``; ``erasure_blocked`` while cases raised through a linked
    account are open or an insurance application is live, unless ``override_basis``
    states the legal basis for erasing anyway; ``linked_staff_account`` when a linked
    account holds a staff role. Locks the resident row; writes an ``Erasure`` row and one
    audit row (``resident.anonymise``, counts only)."""
    if actor is None or not actor.is_authenticated:
        raise NotFound("居民")
    resident = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    if not place_in_scope(actor, Perm.RESIDENT_EDIT, resident.household):
        raise NotFound("居民")
    if not may_view_full_pii(actor, resident.household):
        raise Forbidden("无权匿名化该居民的个人信息")
    reason = text_clean(
        reason,
        field="reason",
        label="匿名化的原因",
        limit=REASON_MAX,
        required=True,
    )
    override_basis = text_clean(
        override_basis, field="override_basis", label="例外的法律依据", limit=REASON_MAX
    )
    if resident.anonymised_at is not None:
        raise Conflict("already_anonymised", "该居民的个人信息已经匿名化")
    blockers = erasure_blockers(resident, now=now)
    if blockers and not override_basis:
        parts = []
        if "open_cases" in blockers:
            parts.append(f"{blockers['open_cases']}件事项尚未结案")
        if "active_applications" in blockers:
            parts.append(f"{blockers['active_applications']}份参保申请仍在有效期内")
        raise Conflict(
            "erasure_blocked",
            "，".join(parts) + "；如确有法律依据需立即匿名化，请填写例外的法律依据",
            **blockers,
        )
    return erase_resident(
        resident=resident, actor=actor, reason=reason, override_basis=override_basis
    )
