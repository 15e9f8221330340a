"""Writes to the register, role assignments and API tokens. Every write is audited;
personal data enters only through ``_set_pii`` (and the ``resident_apply_*`` functions it
is built on, which the register import reuses) and leaves in full only through the
``*_reveal`` services, which check the permission and log the view."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shequgang import reference_cache
from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields
from shequgang.errors import Conflict, DomainError, Forbidden, NotFound
from shequgang.people import pii
from shequgang.people.id_numbers import IdNumber, parse_id_number
from shequgang.people.masking import mask_id_number, mask_name, mask_phone, mask_text
from shequgang.people.models import (
    ApiToken,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
    RoleAssignment,
)
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.people.roles import GRANTABLE_BY, ROLE_NODE, ROLE_PERMS, Perm, Role
from shequgang.people.scope import (
    active_assignments,
    forget_assignments,
    is_unrestricted,
    may_view_full_pii,
    place_in_scope,
)
from shequgang.places.models import Department, Grid, Kind, Place
from shequgang.text_rules import text_clean

# Fields that audit entries show; personal data appears there only masked.
_AUDITED = [
    "name",
    "relation",
    "status",
    "household_id",
    "id_number_masked",
    "phone_masked",
    "address_masked",
    "note",
]


def audit_resident(
    *, actor: Actor, action: str, resident: Resident, changes: dict[str, Any] | None = None
) -> None:
    """An audit row about a resident that names them only masked: the object's text is
    left empty (it would be the full name) and a ``name`` change is masked, because the
    audit log outlives an anonymisation and is never rewritten."""
    if changes and "name" in changes:
        changes = {**changes, "name": [mask_name(v) if v else v for v in changes["name"]]}
    audit_record(
        actor=actor,
        action=action,
        object_type=Resident._meta.label_lower,
        object_id=str(resident.pk),
        changes=changes,
    )


@dataclass(frozen=True)
class ResidentInput:
    """What a caller may say about a resident. ``None`` leaves a field unchanged on update."""

    name: str | None = None
    household: Place | None = None
    relation: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    note: str | None = None
    status: str | None = None
    tags: list[str] | None = None  # tag codes
    # Why personal fields are being corrected (PIPL Art. 46); required on update when
    # name, household, ID number, phone or address change. Kept in the audit row.
    reason: str | None = None
    # The correction was asked for by the person themselves (a data-subject request).
    subject_request: bool = False


# Changing any of these on an existing resident is a correction of personal data: it
# needs a reason, and the audit row carries the reason with masked before/after values.
CORRECTED_FIELDS = ("name", "household_id", "id_number_masked", "phone_masked", "address_masked")
NAME_MAX = 50
REASON_MAX = 200


def id_number_index(value: str) -> str:
    return pii.blind_index("id_number", value)


def phone_index(e164: str) -> str:
    return pii.blind_index("phone", e164)


def resident_apply_id_number(*, resident: Resident, parsed: IdNumber | None) -> None:
    """Put an already validated ID number on ``resident`` (ciphertext, blind index, masked
    form, birth date and sex), or clear it with ``None``. Does not save."""
    if parsed is None:
        resident.id_number_cipher = ""
        resident.id_number_index = None
        resident.id_number_masked = ""
        return
    resident.id_number_cipher = pii.encrypt(parsed.value)
    resident.id_number_index = id_number_index(parsed.value)
    resident.id_number_masked = mask_id_number(parsed.value)
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex


def resident_apply_phone(
    *, resident: Resident, e164: str | None, national: str | None = None
) -> None:
    """Put an already normalized phone (E.164) on ``resident``, or clear it with ``None``.
    ``national`` is its national form when the caller already knows it (it saves parsing
    the number again; the register import passes it). Does not save."""
    if e164 is None:
        resident.phone_cipher = resident.phone_index = resident.phone_masked = ""
        return
    resident.phone_cipher = pii.encrypt(e164)
    resident.phone_index = phone_index(e164)
    resident.phone_masked = mask_phone(national or national_phone(e164))


def _set_pii(resident: Resident, data: ResidentInput) -> None:
    """Validate and encrypt the personal fields present in ``data`` onto ``resident``."""
    if data.id_number is not None:
        parsed = parse_id_number(data.id_number) if data.id_number.strip() else None
        resident_apply_id_number(resident=resident, parsed=parsed)
    if data.phone is not None:
        e164 = normalize_phone(data.phone) if data.phone.strip() else None
        resident_apply_phone(resident=resident, e164=e164)
    if data.address is not None:
        address = data.address.strip()
        resident.address_cipher = pii.encrypt(address) if address else ""
        resident.address_masked = mask_text(address) if address else ""


def _check_plain(data: ResidentInput, *, creating: bool) -> None:
    if creating or data.name is not None:
        text_clean(data.name, field="name", label="姓名", limit=NAME_MAX, required=True)
    if creating and data.household is None:
        raise DomainError("household_required", "必须指定所在户")
    if data.household is not None and data.household.kind != Kind.HOUSEHOLD:
        raise DomainError("invalid_household", "居民只能登记在“户”下")
    if data.relation is not None and data.relation not in Relation.values:
        raise DomainError("invalid_relation", f"未知的与户主关系：{data.relation}")
    if data.status is not None and data.status not in ResidentStatus.values:
        raise DomainError("invalid_status", f"未知的状态：{data.status}")
    if data.reason is not None:
        text_clean(data.reason, field="reason", label="原因", limit=REASON_MAX)


def _track_leaving(resident: Resident, old_status: str) -> None:
    """Start (or stop) the retention clock when the person leaves (or returns)."""
    if resident.status == old_status:
        return
    if resident.status == ResidentStatus.ACTIVE:
        resident.left_at = None
    elif old_status == ResidentStatus.ACTIVE or resident.left_at is None:
        resident.left_at = timezone.now()


def _tags(codes: Iterable[str]) -> list[ResidentTag]:
    wanted = set(codes)
    found = list(ResidentTag.objects.filter(code__in=wanted, active=True))
    missing = wanted - {t.code for t in found}
    if missing:
        raise DomainError("unknown_tag", f"未知的标签：{', '.join(sorted(missing))}")
    return found


def _require(user: Actor, perm: Perm, place: Place) -> None:
    if user is None or not place_in_scope(user, perm, place):
        raise NotFound("户" if place.kind == Kind.HOUSEHOLD else "地点")


@transaction.atomic
def resident_create(*, actor: Actor, data: ResidentInput) -> Resident:
    """Register a resident in a household the actor may edit. Validates the ID number
    (GB 11643) and phone, encrypts them, and rejects an ID number already registered
    (``duplicate_id_number``, safe under concurrency through the unique blind index)."""
    _check_plain(data, creating=True)
    assert data.household is not None
    _require(actor, Perm.RESIDENT_EDIT, data.household)
    resident = Resident(
        household=data.household,
        name=(data.name or "").strip(),
        relation=data.relation or Relation.HEAD,
        status=data.status or ResidentStatus.ACTIVE,
        note=(data.note or "").strip(),
    )
    _track_leaving(resident, ResidentStatus.ACTIVE)
    _set_pii(resident, data)
    tags = _tags(data.tags) if data.tags else []
    if (
        resident.id_number_index
        and Resident.objects.filter(id_number_index=resident.id_number_index).exists()
    ):
        raise Conflict("duplicate_id_number", "该身份证号码已登记")
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise Conflict("duplicate_id_number", "该身份证号码已登记") from None
    if tags:
        resident.tags.set(tags)
    audit_resident(
        actor=actor,
        action="resident.create",
        resident=resident,
        changes={f: [None, getattr(resident, f)] for f in _AUDITED},
    )
    return resident


@transaction.atomic
def resident_update(*, actor: Actor, resident: Resident, data: ResidentInput) -> Resident:
    """Change or correct a resident (PIPL Art. 46). Moving to another household needs edit
    rights on both. Changing name, household, ID number, phone or address needs
    ``data.reason`` (``reason_required``, nothing saved); the audit row
    (``resident.update``) carries the reason, whether the person asked for it, and the
    changed fields with personal data masked. Leaving (moved out, deceased) stamps
    ``left_at``, the start of the retention period. An anonymised resident no longer
    changes (``resident_anonymised``, 409)."""
    resident = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    _require(actor, Perm.RESIDENT_EDIT, resident.household)
    if resident.anonymised_at is not None:
        raise Conflict("resident_anonymised", "该居民的个人信息已匿名化，不能再修改")
    _check_plain(data, creating=False)
    if data.household is not None and data.household.pk != resident.household_id:
        _require(actor, Perm.RESIDENT_EDIT, data.household)
    before = {f: getattr(resident, f) for f in _AUDITED}
    old_status = resident.status
    if data.name is not None:
        resident.name = data.name.strip()
    if data.household is not None:
        resident.household = data.household
    for field in ("relation", "status"):
        if getattr(data, field) is not None:
            setattr(resident, field, getattr(data, field))
    if data.note is not None:
        resident.note = data.note.strip()
    _set_pii(resident, data)
    _track_leaving(resident, old_status)
    corrected = [f for f in CORRECTED_FIELDS if before[f] != getattr(resident, f)]
    reason = (data.reason or "").strip()
    if corrected and not reason:
        raise DomainError("reason_required", "更正姓名、户、身份证号、电话或地址时必须填写原因")
    if (
        resident.id_number_index
        and Resident.objects.filter(id_number_index=resident.id_number_index)
        .exclude(pk=resident.pk)
        .exists()
    ):
        raise Conflict("duplicate_id_number", "该身份证号码已登记")
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise Conflict("duplicate_id_number", "该身份证号码已登记") from None
    if data.tags is not None:
        resident.tags.set(_tags(data.tags))
    changes: dict[str, Any] = diff_fields(before, {f: getattr(resident, f) for f in _AUDITED})
    if data.tags is not None:
        changes["tags"] = [None, sorted(data.tags)]
    if reason:
        changes["reason"] = [None, reason]
    if data.subject_request:
        changes["subject_request"] = [None, True]
    audit_resident(actor=actor, action="resident.update", resident=resident, changes=changes)
    return resident


def resident_reveal_check(*, actor: Actor, resident: Resident) -> None:
    """Raise ``Forbidden`` unless ``actor`` may see ``resident``'s personal data in full.
    Every ``*_reveal`` checks it first; pages and endpoints call it before asking for the
    password again, so nobody types a password to be refused."""
    if actor is None or not may_view_full_pii(actor, resident.household):
        raise Forbidden("无权查看完整个人信息")


def _reveal(actor: Actor, resident: Resident, field: str, cipher: str) -> str:
    resident_reveal_check(actor=actor, resident=resident)
    if not cipher:
        return ""
    value = pii.decrypt(cipher)
    audit_resident(actor=actor, action=f"resident.reveal_{field}", resident=resident)
    return value


@transaction.atomic
def resident_reveal_id_number(*, actor: Actor, resident: Resident) -> str:
    """The full ID number, for a user allowed to see it there; the view is audited."""
    return _reveal(actor, resident, "id_number", resident.id_number_cipher)


@transaction.atomic
def resident_reveal_phone(*, actor: Actor, resident: Resident) -> str:
    e164 = _reveal(actor, resident, "phone", resident.phone_cipher)
    return national_phone(e164) if e164 else ""


@transaction.atomic
def resident_reveal_address(*, actor: Actor, resident: Resident) -> str:
    return _reveal(actor, resident, "address", resident.address_cipher)


# --- Roles --------------------------------------------------------------------------------


def _node_of_kind(
    role: str, place: Place | None, grid: Grid | None, department: Department | None
) -> None:
    want = ROLE_NODE[role]
    given = [n for n in (place, grid, department) if n is not None]
    if len(given) != 1:
        raise DomainError("invalid_node", "角色必须分配在一个节点上")
    if want == "grid" and grid is None:
        raise DomainError("invalid_node", "网格员必须分配在网格上")
    if want == "department" and department is None:
        raise DomainError("invalid_node", "部门办理人员必须分配在部门上")
    if want not in {"grid", "department"} and (place is None or place.kind != want):
        raise DomainError("invalid_node", f"{Role(role).label}必须分配在{Kind(want).label}上")


def _may_grant(actor: Actor, role: str, node_place: Place | None) -> bool:
    if actor is None:
        return False
    if is_unrestricted(actor):
        return True
    if node_place is None:
        return False
    for a in active_assignments(actor):
        if Perm.ROLE_GRANT not in ROLE_PERMS[a.role] or a.place is None:
            continue
        if role in GRANTABLE_BY.get(a.role, set()) and node_place.path.startswith(a.place.path):
            return True
    return False


@transaction.atomic
def role_grant(
    *,
    actor: Actor,
    user: User,
    role: str,
    place: Place | None = None,
    grid: Grid | None = None,
    department: Department | None = None,
    may_view_full_pii: bool = False,
) -> RoleAssignment:
    """Give ``user`` a role on one node. The actor must hold role.grant over the node.
    City administrators become Django superusers (they run the admin site)."""
    if role not in Role.values:
        raise DomainError("invalid_role", f"未知的角色：{role}")
    _node_of_kind(role, place, grid, department)
    anchor = (
        place
        or (grid.community if grid is not None else None)
        or (department.place if department is not None else None)
    )
    if not _may_grant(actor, role, anchor):
        raise Forbidden("无权分配该角色")
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        place=place,
        grid=grid,
        department=department,
        may_view_full_pii=may_view_full_pii,
        granted_by=actor if isinstance(actor, User) else None,
    )
    changes: dict[str, list[Any]] = {
        "user": [None, user.pk],
        "role": [None, role],
        "may_view_full_pii": [None, may_view_full_pii],
    }
    if role == Role.CITY_ADMIN:
        # The staff and superuser flags are permission changes of their own: logged.
        for flag in ("is_staff", "is_superuser"):
            if not getattr(user, flag):
                changes[f"user.{flag}"] = [False, True]
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    forget_assignments(user)
    audit_record(actor=actor, action="role.grant", obj=assignment, changes=changes)
    return assignment


@transaction.atomic
def role_revoke(*, actor: Actor, assignment: RoleAssignment) -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    anchor = (
        assignment.place
        or (assignment.grid.community if assignment.grid is not None else None)
        or (assignment.department.place if assignment.department is not None else None)
    )
    if not _may_grant(actor, assignment.role, anchor):
        raise Forbidden("无权撤销该角色")
    if assignment.revoked_at is None:
        assignment.revoked_at = timezone.now()
        assignment.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="role.revoke",
            obj=assignment,
            changes={
                "user": [assignment.user_id, None],
                "role": [assignment.role, None],
                "may_view_full_pii": [assignment.may_view_full_pii, None],
            },
        )
    forget_assignments(assignment.user)
    return assignment


# --- API tokens ---------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the plaintext is returned once and never stored."""
    if actor is None or not (is_unrestricted(actor) or actor.pk == user.pk):
        raise Forbidden("只能为自己签发令牌")
    if not name.strip():
        raise DomainError("name_required", "请填写令牌用途")
    token = "sqg_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=token[:8], key_hash=token_hash(token)
    )
    audit_record(actor=actor, action="api_token.issue", obj=row)
    return row, token


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    if actor is None or not (is_unrestricted(actor) or actor.pk == token.user_id):
        raise NotFound("令牌")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token)


# The token look-up runs on every API request. Written as one raw statement because
# compiling the equivalent queryset (select_related, ORDER BY for .first()) cost about
# 2 ms of CPU per request against 0.3 ms for this, and read with a plain cursor because
# ``User.objects.raw`` re-derives its columns and converters on each call (another
# 0.03 ms on SQLite, 0.1 ms on PostgreSQL); the user is built as the ORM builds it, the
# fields' converters applied (aware datetimes and booleans on SQLite). Staleness of
# ``last_used_at`` is decided in SQL so a read stays a read.
_TOKEN_TOUCH_EVERY = dt.timedelta(minutes=1)
_USER_COLUMNS = [f.get_col(User._meta.db_table) for f in User._meta.concrete_fields]
_USER_FIELD_NAMES = [f.attname for f in User._meta.concrete_fields]
_TOKEN_USER_SQL = (
    f"SELECT {', '.join(f'u.{c.target.column}' for c in _USER_COLUMNS)}, t.id, "
    "(t.last_used_at IS NULL OR t.last_used_at < %s), "
    # The reference generation, at no extra round trip (shequgang.reference_cache).
    f"{reference_cache.GENERATION_SQL} "
    f"FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
    "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active"
)


def api_token_user(token: str) -> User | None:
    """The active user behind a bearer token, or None. Touches last_used_at at most once
    a minute so reads do not turn into writes on every request."""
    now = timezone.now()
    cutoff = connection.ops.adapt_datetimefield_value(now - _TOKEN_TOUCH_EVERY)
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_USER_SQL, [cutoff, token_hash(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    *values, token_pk, stale, generation = row
    for i, col in enumerate(_USER_COLUMNS):
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            values[i] = convert(values[i], col, connection)
    user = User.from_db(connection.alias, _USER_FIELD_NAMES, values)
    reference_cache.remember_generation(user, generation)
    if stale:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
    return user
