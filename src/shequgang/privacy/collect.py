"""Everything held about one resident (PIPL Art. 45), as plain JSON-ready data.

The register row is the anchor. The other apps hold data about the same person through
links they keep themselves: points accounts (``Account.resident`` and its owner account),
the party member record (``Member.resident`` and its user), and veterans applications
(matched by the ID number's blind index). Cases, follows, notifications, activity
sign-ups and deliberation attendance hang off the linked user accounts. Cases that
staff raised *for* the person without a linked account carry only a name and phone typed
at intake; they are not matched (that would mean decrypting every case's phone) — the
export says so in its notes.

Encrypted fields (``*_cipher``) are decrypted: the copy is for the person themselves.
Blind indexes, masked duplicates and token hashes are left out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q, QuerySet

from shequgang.audit.models import AuditEntry
from shequgang.cases.models import Case, CaseEvent, Notification
from shequgang.cases.models.deliberation import Attendee
from shequgang.cases.models.duplicates import CaseFollower
from shequgang.party.activity_models import ActivityRating, Signup
from shequgang.party.models import Member
from shequgang.people import pii
from shequgang.people.models import ApiToken, Resident
from shequgang.points.models import Account, Entry
from shequgang.residency.models import ResidentAccount
from shequgang.veterans.models import Application

NOTES = [
    "本文件包含您的完整个人信息，请妥善保管。",
    "由工作人员代为上报、且未关联您账号的事项，只登记了姓名和电话，系统无法自动匹配，未包含在内；如需查询请向社区提出。",
    "事项办理过程中的工作人员意见和其他人的信息不在本文件中；审计记录只列出对您信息的操作类型和时间。",
]

_SKIP_SUFFIXES = ("_index", "_masked", "key_hash", "password")
_SKIP_NAMES = {"swept_by", "request_hash", "idempotency_key"}


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    return str(value)


def record(obj: models.Model, *, only: Iterable[str] | None = None) -> dict[str, Any]:
    """One row as a dict of its own fields, labelled by their verbose names where useful:
    ciphertexts decrypted, indexes and masked copies left out, foreign keys as text."""
    wanted = set(only) if only is not None else None
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        name = f.name
        if wanted is not None and name not in wanted:
            continue
        if name in _SKIP_NAMES or name.endswith(_SKIP_SUFFIXES):
            continue
        if name.endswith("_cipher"):
            cipher = getattr(obj, f.attname)
            out[name.removesuffix("_cipher")] = pii.decrypt(cipher) if cipher else ""
            continue
        if f.is_relation:
            related = getattr(obj, name)
            out[name] = str(related) if related is not None else None
            continue
        choices_label = getattr(obj, f"get_{name}_display", None)
        value = getattr(obj, f.attname)
        out[name] = _value(choices_label() if f.choices and choices_label else value)
    return out


def linked_users(resident: Resident) -> QuerySet[User]:
    """The user accounts tied to this register entry: the resident's own (confirmed
    against it, ``residency``) and those other apps have linked."""
    return (
        User.objects.filter(
            Q(points_accounts__resident=resident)
            | Q(party_member__resident=resident)
            | Q(resident_account__resident=resident)
            | Q(register_entry=resident)
        )
        .distinct()
        .order_by("pk")
    )


def veterans_applications(resident: Resident) -> QuerySet[Application]:
    if not resident.id_number_index:
        return Application.objects.none()
    return Application.objects.filter(id_number_index=resident.id_number_index).select_related(
        "program", "group"
    )


def raised_cases(user_ids: list[int]) -> QuerySet[Case]:
    return Case.objects.filter(raiser_id__in=user_ids).order_by("created_at", "pk")


def _resident(resident: Resident) -> dict[str, Any]:
    data = record(resident)
    data["household"] = resident.household.full_name()
    data["tags"] = [t.name for t in resident.tags.all()]
    return data


def _account(user: User) -> dict[str, Any]:
    return {
        **record(
            user,
            only=[
                "username",
                "first_name",
                "last_name",
                "email",
                "is_active",
                "date_joined",
                "last_login",
            ],
        ),
        "api_tokens": [
            record(t, only=["name", "prefix", "created_at", "last_used_at", "revoked_at"])
            for t in ApiToken.objects.filter(user=user).order_by("pk")
        ],
        "resident_account": [
            record(a, only=_RESIDENT_ACCOUNT_FIELDS)
            for a in ResidentAccount.objects.filter(user=user)
        ],
    }


# What a resident's own account holds about them (registration and its decision).
_RESIDENT_ACCOUNT_FIELDS = [
    "household",
    "name",
    "relation",
    "id_number_cipher",
    "phone_cipher",
    "status",
    "refused_reason",
    "decided_at",
    "created_at",
]


def _case(case: Case) -> dict[str, Any]:
    data = record(
        case,
        only=[
            "number",
            "source",
            "category",
            "title",
            "description",
            "place",
            "raiser_name",
            "raiser_phone_cipher",
            "anonymous",
            "status",
            "created_at",
            "resolved_at",
            "resolution",
            "closed_at",
            "satisfaction",
            "rating_comment",
        ],
    )
    data["events"] = [
        record(e, only=["at", "kind", "from_status", "to_status"])
        for e in CaseEvent.objects.filter(case=case).order_by("at", "pk")
    ]
    return data


def _points(resident: Resident, user_ids: list[int]) -> list[dict[str, Any]]:
    accounts = Account.objects.filter(Q(resident=resident) | Q(owner_id__in=user_ids)).order_by(
        "pk"
    )
    out = []
    for account in accounts.select_related("community"):
        entries = Entry.objects.filter(account=account).select_related("transaction")
        out.append(
            {
                "community": str(account.community),
                "balance": account.balance,
                "created_at": _value(account.created_at),
                "entries": [
                    {
                        "at": _value(e.created_at),
                        "amount": e.amount,
                        "reason": e.transaction.reason,
                        "kind": e.transaction.get_kind_display(),
                    }
                    for e in entries.order_by("created_at", "pk")
                ],
            }
        )
    return out


def _audit(resident: Resident, user_ids: list[int]) -> list[dict[str, Any]]:
    about = AuditEntry.objects.filter(
        Q(object_type=Resident._meta.label_lower, object_id=str(resident.pk))
        | Q(object_type=User._meta.label_lower, object_id__in=[str(u) for u in user_ids])
    ).order_by("at", "pk")
    return [{"at": _value(a.at), "action": a.action} for a in about]


def subject_data(resident: Resident) -> dict[str, Any]:
    """Everything about ``resident``, grouped by where it is held. Reads only."""
    users = list(linked_users(resident))
    user_ids = [u.pk for u in users]
    member = Member.objects.filter(Q(resident=resident) | Q(user_id__in=user_ids)).first()
    return {
        "notes": NOTES,
        "resident": _resident(resident),
        "accounts": [_account(u) for u in users],
        "cases_raised": [_case(c) for c in raised_cases(user_ids).select_related("category")],
        "cases_followed": [
            {"case": f.case.number, "title": f.case.title, **record(f, only=["reason"])}
            for f in CaseFollower.objects.filter(user_id__in=user_ids).select_related("case")
        ],
        "notifications": [
            record(n, only=["channel", "title", "body", "created_at", "delivered_at", "read_at"])
            for n in Notification.objects.filter(recipient_id__in=user_ids).order_by("pk")
        ],
        "party_member": record(member) if member is not None else None,
        "activity_signups": [
            record(s) for s in Signup.objects.filter(user_id__in=user_ids).order_by("pk")
        ],
        "activity_ratings": [
            record(r) for r in ActivityRating.objects.filter(user_id__in=user_ids).order_by("pk")
        ],
        "deliberations_attended": [
            {"deliberation": str(a.deliberation), **record(a, only=["name"])}
            for a in Attendee.objects.filter(user_id__in=user_ids).select_related("deliberation")
        ],
        "points_accounts": _points(resident, user_ids),
        "veterans_applications": [
            {
                **record(app),
                "events": [
                    record(e, only=["at", "kind", "note"]) for e in app.events.order_by("at")
                ],
            }
            for app in veterans_applications(resident)
        ],
        "audit": _audit(resident, user_ids),
    }
