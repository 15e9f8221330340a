"""Writes on residents' accounts: registering, confirming against the register, refusing.

Every write runs in one transaction and appends an audit row that names the account by
id and shows personal data only masked. Personal data enters through ``registration_check``
(the ID number's checksum, the phone, the household) and is stored like the register's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.apikit.idempotency import check_same_request
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.people import pii
from shequgang.people.id_numbers import IdNumber, parse_id_number
from shequgang.people.masking import mask_id_number, mask_phone
from shequgang.people.models import Relation, Resident, ResidentStatus
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope
from shequgang.people.services import (
    ResidentInput,
    id_number_index,
    phone_index,
    resident_create,
)
from shequgang.places.models import Kind, Place
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.text_rules import text_clean

NAME_MAX = 50
REASON_MAX = 200
_AUDITED = ("status", "household_id", "resident_id", "id_number_masked", "phone_masked")


@dataclass(frozen=True)
class Registration:
    """What a person types on the registration form."""

    name: str
    phone: str
    id_number: str
    household_id: Any
    password: str
    relation: str = Relation.OTHER


@dataclass(frozen=True)
class CheckedRegistration:
    name: str
    phone_e164: str
    id_number: IdNumber
    household: Place
    password: str
    relation: str

    def fingerprint(self) -> str:
        """What a retry with the same Idempotency-Key must repeat (no plain personal data)."""
        return "|".join(
            [
                id_number_index(self.id_number.value),
                phone_index(self.phone_e164),
                str(self.household.pk),
                self.name,
                self.relation,
            ]
        )


def household_for_registration(household_id: Any) -> Place:
    """The household a person says they live in: any household of the tree (registering
    is public), else ``invalid_household``."""
    try:
        pk = int(household_id)
    except (TypeError, ValueError):
        pk = None
    place = Place.objects.filter(pk=pk, kind=Kind.HOUSEHOLD).first() if pk else None
    if place is None:
        raise DomainError("invalid_household", "请选择所住的户（小区 → 楼栋 → 户）")
    return place


def registration_check(data: Registration) -> CheckedRegistration:
    """Validate every field without writing. Raises DomainError: ``name_required`` /
    ``name_too_long``, ``invalid_id_number``, ``invalid_phone``, ``invalid_household``,
    ``invalid_relation``, ``invalid_password``."""
    name = text_clean(data.name, field="name", label="姓名", limit=NAME_MAX, required=True)
    try:
        parsed = parse_id_number(data.id_number or "")
    except DomainError as error:
        raise DomainError("invalid_id_number", error.message) from None
    phone = normalize_phone(data.phone or "")
    household = household_for_registration(data.household_id)
    if data.relation not in Relation.values:
        raise DomainError("invalid_relation", "请选择与户主的关系")
    try:
        validate_password(data.password or "")
    except ValidationError as error:
        raise DomainError("invalid_password", "；".join(error.messages)) from None
    return CheckedRegistration(
        name=name,
        phone_e164=phone,
        id_number=parsed,
        household=household,
        password=data.password,
        relation=data.relation,
    )


def _audit(*, actor: Actor, action: str, account: ResidentAccount, changes: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=ResidentAccount._meta.label_lower,
        object_id=str(account.pk),
        changes=changes,
    )


def _username_for(phone_e164: str) -> str:
    base = "r" + national_phone(phone_e164)
    if not User.objects.filter(username=base).exists():
        return base
    return f"{base}_{secrets.token_hex(2)}"


def _taken(checked: CheckedRegistration) -> None:
    if ResidentAccount.objects.filter(phone_index=phone_index(checked.phone_e164)).exists():
        raise Conflict("phone_taken", "该手机号已注册，请直接登录或到社区重置密码")
    live = ResidentAccount.objects.exclude(status=AccountStatus.REFUSED)
    if live.filter(id_number_index=id_number_index(checked.id_number.value)).exists():
        raise Conflict("id_number_taken", "该身份证号码已注册账号")


@transaction.atomic
def resident_account_register(
    *, data: Registration, idempotency_key: str | None = None
) -> tuple[ResidentAccount, bool]:
    """Create a login (no staff rights, no roles) and its pending account. Returns
    ``(account, created)``: a retry carrying the same ``idempotency_key`` and the same
    details gets the first account back with ``created`` False (other details with the
    same key: 422 ``idempotency_key_reused``). Raises the codes of
    ``registration_check``, and 409 ``phone_taken`` / ``id_number_taken`` (also under
    concurrency, through the unique indexes)."""
    checked = registration_check(data)
    if idempotency_key:
        earlier = ResidentAccount.objects.filter(request_key=idempotency_key).first()
        if earlier is not None:
            check_same_request(
                stored=("register", earlier.request_hash),
                given=("register", pii.blind_index("registration", checked.fingerprint())),
            )
            return earlier, False
    _taken(checked)
    user = User.objects.create_user(
        _username_for(checked.phone_e164), password=checked.password, first_name=checked.name
    )
    account = ResidentAccount(
        user=user,
        household=checked.household,
        name=checked.name,
        relation=checked.relation,
        id_number_cipher=pii.encrypt(checked.id_number.value),
        id_number_index=id_number_index(checked.id_number.value),
        id_number_masked=mask_id_number(checked.id_number.value),
        phone_cipher=pii.encrypt(checked.phone_e164),
        phone_index=phone_index(checked.phone_e164),
        phone_masked=mask_phone(national_phone(checked.phone_e164)),
        request_key=idempotency_key or None,
        request_hash=pii.blind_index("registration", checked.fingerprint()),
    )
    try:
        with transaction.atomic():
            account.save(force_insert=True)
    except IntegrityError:
        # A concurrent registration won the unique index: say which.
        _taken(checked)
        raise Conflict("id_number_taken", "该身份证号码已注册账号") from None
    _audit(
        actor=user,
        action="resident_account.register",
        account=account,
        changes={f: [None, getattr(account, f)] for f in _AUDITED},
    )
    return account, True


def _locked(account: ResidentAccount) -> ResidentAccount:
    return (
        ResidentAccount.objects.select_for_update()
        .select_related("household", "user")
        .get(pk=account.pk)
    )


def _require_confirmer(actor: Actor, account: ResidentAccount) -> None:
    if actor is None or not place_in_scope(actor, Perm.RESIDENT_CONFIRM, account.household):
        raise NotFound("居民账号")


def _require_pending(account: ResidentAccount) -> None:
    if account.status != AccountStatus.PENDING:
        raise Conflict("already_decided", f"该账号已处理（{account.get_status_display()}）")


def _match(account: ResidentAccount, resident: Resident | None) -> Resident | None:
    """The register's row this account is: the one given (it must live in the household
    and, if it has an ID number, have this one), else the household's active resident
    with the same ID number, else None."""
    if resident is not None:
        if resident.household_id != account.household_id:
            raise DomainError("resident_not_in_household", "所选居民不在该户")
        if resident.id_number_index and resident.id_number_index != account.id_number_index:
            raise DomainError("id_number_mismatch", "所选居民的身份证号码与注册信息不一致")
        return resident
    return Resident.objects.filter(
        household=account.household,
        id_number_index=account.id_number_index,
        anonymised_at__isnull=True,
    ).first()


@transaction.atomic
def resident_account_confirm(
    *, account: ResidentAccount, actor: Actor, resident: Resident | None = None
) -> ResidentAccount:
    """Confirm a pending account against the register, as a worker who may confirm in
    the household's place (``resident.confirm``; anyone else: 404 ``not_found``). With
    ``resident`` the worker names the register's row; without, the household's resident
    with the same ID number is taken, or the person is added to the register as a
    resident of the household (``resident_create``, audited there). Locks the account.
    Raises 409 ``already_decided``, ``resident_has_account`` (that row is another
    account's), ``duplicate_id_number`` (the ID number is registered in another
    household), 400 ``resident_not_in_household`` / ``id_number_mismatch``."""
    account = _locked(account)
    _require_confirmer(actor, account)
    _require_pending(account)
    found = _match(account, resident)
    if found is None:
        found = resident_create(
            actor=actor,
            data=ResidentInput(
                name=account.name,
                household=account.household,
                relation=account.relation,
                id_number=pii.decrypt(account.id_number_cipher),
                phone=national_phone(pii.decrypt(account.phone_cipher)),
                note="居民自助注册，经社区认证登记",
            ),
        )
        matched = False
    else:
        matched = True
        if found.status != ResidentStatus.ACTIVE:
            raise DomainError("resident_not_active", "所选居民已迁出或注销，不能认证")
    if ResidentAccount.objects.filter(resident=found).exclude(pk=account.pk).exists():
        raise Conflict("resident_has_account", "该居民已有认证账号")
    account.resident = found
    # The register's row now names the login: the access layers below residency
    # (cases' "me too") learn the person's home from it.
    found.user = account.user
    found.save(update_fields=["user", "updated_at"])
    account.status = AccountStatus.CONFIRMED
    account.decided_by = actor if isinstance(actor, User) else None
    account.decided_at = timezone.now()
    account.save(update_fields=["resident", "status", "decided_by", "decided_at"])
    _audit(
        actor=actor,
        action="resident_account.confirm",
        account=account,
        changes={
            "status": [AccountStatus.PENDING, AccountStatus.CONFIRMED],
            "resident_id": [None, found.pk],
            "matched": [None, matched],
        },
    )
    return account


@transaction.atomic
def resident_account_refuse(
    *, account: ResidentAccount, actor: Actor, reason: str
) -> ResidentAccount:
    """Refuse a pending account with a reason the person will read (``reason_required``
    / ``reason_too_long``); same scope and 409 ``already_decided`` as confirming. The
    login stays: the person sees why and may apply again (``resident_account_reapply``)."""
    account = _locked(account)
    _require_confirmer(actor, account)
    text = text_clean(reason, field="reason", label="原因", limit=REASON_MAX, required=True)
    _require_pending(account)
    account.status = AccountStatus.REFUSED
    account.refused_reason = text
    account.decided_by = actor if isinstance(actor, User) else None
    account.decided_at = timezone.now()
    account.save(update_fields=["status", "refused_reason", "decided_by", "decided_at"])
    _audit(
        actor=actor,
        action="resident_account.refuse",
        account=account,
        changes={"status": [AccountStatus.PENDING, AccountStatus.REFUSED], "reason": [None, text]},
    )
    return account


@transaction.atomic
def resident_account_reapply(
    *, account: ResidentAccount, household_id: Any, relation: str
) -> ResidentAccount:
    """A refused person asks again, for the same or another household: the account is
    pending again (409 ``not_refused`` unless it was refused; ``id_number_taken`` when
    another live account holds the ID number by now)."""
    account = _locked(account)
    if account.status != AccountStatus.REFUSED:
        raise Conflict("not_refused", "只有未通过认证的账号可以重新申请")
    household = household_for_registration(household_id)
    if relation not in Relation.values:
        raise DomainError("invalid_relation", "请选择与户主的关系")
    before = account.household_id
    account.household = household
    account.relation = relation
    account.status = AccountStatus.PENDING
    account.refused_reason = ""
    account.decided_by = None
    account.decided_at = None
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise Conflict("id_number_taken", "该身份证号码已注册账号") from None
    _audit(
        actor=account.user,
        action="resident_account.reapply",
        account=account,
        changes={
            "status": [AccountStatus.REFUSED, AccountStatus.PENDING],
            "household_id": [before, household.pk],
        },
    )
    return account


def resident_account_erase(*, resident: Resident, pseudonym: str) -> int:
    """Erase the personal data of the account confirmed as ``resident`` (PIPL Art. 47,
    called by ``privacy``'s erasure inside its transaction): name → ``pseudonym``, ID
    number and phone gone (their unique indexes get a value no input can have, so the
    person may register again). The login itself is deactivated by the caller. Returns
    how many accounts changed (0 or 1)."""
    changed = 0
    for account in ResidentAccount.objects.select_for_update().filter(resident=resident):
        erased = f"erased-{account.pk}"
        account.name = pseudonym
        account.id_number_cipher = account.phone_cipher = ""
        account.id_number_masked = account.phone_masked = ""
        account.id_number_index = account.phone_index = erased
        account.request_key = None
        account.request_hash = ""
        account.save()
        changed += 1
    return changed
