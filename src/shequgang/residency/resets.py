"""The password reset that works without SMS: a community or grid worker issues a one-time
code at the desk to a confirmed resident they can see, and the resident types phone, code
and a new password.

A code is 6 random digits, shown once and stored only as an HMAC under the blind-index
key (with the account id, so equal codes of two accounts differ at rest); it expires after
``RESET_CODE_MINUTES``, works once, and is void after ``RESET_CODE_ATTEMPTS`` wrong tries
or when a newer code is issued. With an SMS backend configured (``sms``) the resident may
ask for a code by SMS instead."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.people import pii
from shequgang.people.phones import normalize_phone
from shequgang.people.services import phone_index
from shequgang.residency.models import AccountStatus, ResetCode, ResidentAccount
from shequgang.residency.selectors import access_account
from shequgang.residency.sms import NO_SMS_MESSAGE, sms_backend

_WRONG = ("reset_code_wrong", "手机号或验证码不正确")


def _digest(account_id: int, code: str) -> str:
    return pii.blind_index("reset_code", f"{account_id}:{code}")


@dataclass(frozen=True)
class IssuedCode:
    account: ResidentAccount
    code: str  # shown once, never stored
    expires_at: dt.datetime


def _issue(*, account: ResidentAccount, actor: Actor, channel: str) -> IssuedCode:
    now = timezone.now()
    ResetCode.objects.filter(account=account, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    row = ResetCode.objects.create(
        account=account,
        code_hash=_digest(account.pk, code),
        issued_by=actor if isinstance(actor, User) else None,
        channel=channel,
        expires_at=now + dt.timedelta(minutes=settings.RESET_CODE_MINUTES),
    )
    audit_record(
        actor=actor,
        action="resident_account.reset_code_issue",
        object_type=ResidentAccount._meta.label_lower,
        object_id=str(account.pk),
        changes={"channel": [None, channel]},
    )
    return IssuedCode(account=account, code=code, expires_at=row.expires_at)


@transaction.atomic
def reset_code_issue(*, actor: Actor, account_id: object) -> IssuedCode:
    """Issue a desk code for a confirmed resident in ``actor``'s confirming scope (404
    otherwise); earlier unused codes are void. Returns the code, to be
    shown once (with its expiry). A pending or refused account: 409 ``not_confirmed``."""
    if actor is None:
        raise NotFound("居民账号")
    account = access_account(actor, account_id)
    account = ResidentAccount.objects.select_for_update().get(pk=account.pk)
    if account.status != AccountStatus.CONFIRMED:
        raise Conflict("not_confirmed", "只能为已认证的居民发放验证码")
    return _issue(account=account, actor=actor, channel="desk")


def _account_by_phone(phone: str) -> ResidentAccount | None:
    try:
        e164 = normalize_phone(phone or "")
    except DomainError:
        return None
    return ResidentAccount.objects.filter(phone_index=phone_index(e164)).first()


@transaction.atomic
def reset_code_send(*, phone: str) -> None:
    """Send a code by SMS when a backend is configured (``sms_not_configured``, 409,
    otherwise). Says nothing about whether the phone has an account: an unknown phone
    gets the same silence."""
    backend = sms_backend()
    if backend is None:
        raise Conflict("sms_not_configured", NO_SMS_MESSAGE)
    account = _account_by_phone(phone)
    if account is None or account.status != AccountStatus.CONFIRMED:
        return
    code = _issue(account=account, actor=None, channel="sms").code
    e164 = pii.decrypt(account.phone_cipher)
    text = f"您的社区港密码重置验证码为 {code}，{settings.RESET_CODE_MINUTES} 分钟内有效。"
    transaction.on_commit(lambda: backend.send(phone=e164, text=text))


def _refusal(code_row: ResetCode | None, account: ResidentAccount, code: str) -> DomainError | None:
    """Why ``code`` does not open ``account`` now, or None when it is the live code."""
    if code_row is None or not constant_time_compare(code_row.code_hash, _digest(account.pk, code)):
        return DomainError(*_WRONG)
    if code_row.used_at is not None or code_row.voided_at is not None:
        return DomainError("reset_code_used", "验证码已使用或已作废，请重新领取")
    if code_row.expires_at <= timezone.now():
        return DomainError("reset_code_expired", "验证码已过期，请重新领取")
    return None


def password_reset_with_code(*, phone: str, code: str, password: str) -> User:
    """Set a new password with a desk (or SMS) code. Raises ``reset_code_wrong`` (also
    for an unknown phone), ``reset_code_used``, ``reset_code_expired``,
    ``invalid_password``. A wrong code counts against the newest code of that phone
    (committed, though the call fails), which is void after ``RESET_CODE_ATTEMPTS``
    wrong tries."""
    account = _account_by_phone(phone)
    code = (code or "").strip()
    if account is None:
        raise DomainError(*_WRONG)
    with transaction.atomic():
        newest = (
            ResetCode.objects.select_for_update()
            .filter(account=account)
            .order_by("-issued_at", "-pk")
            .first()
        )
        refusal = _refusal(newest, account, code)
        if refusal is None and newest is not None:
            return _reset(account, newest, password)
        if refusal is not None and refusal.code == _WRONG[0] and newest is not None:
            _count_wrong(newest)
    assert refusal is not None
    raise refusal


def _reset(account: ResidentAccount, row: ResetCode, password: str) -> User:
    user = account.user
    try:
        validate_password(password or "", user)
    except ValidationError as error:
        raise DomainError("invalid_password", "；".join(error.messages)) from None
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user,
        action="resident_account.password_reset",
        object_type=ResidentAccount._meta.label_lower,
        object_id=str(account.pk),
        changes={"channel": [None, row.channel]},
    )
    return user


def _count_wrong(row: ResetCode) -> None:
    if row.voided_at is not None or row.used_at is not None:
        return
    row.attempts += 1
    if row.attempts >= settings.RESET_CODE_ATTEMPTS:
        row.voided_at = timezone.now()
    row.save(update_fields=["attempts", "voided_at"])
