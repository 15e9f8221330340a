"""Reads on residents' accounts: whose account a login is, the confirmed household, the
staff queue (scoped in SQL) and the counts the dashboard shows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from shequgang.actors import UserLike
from shequgang.apikit.schemas import parse_pk
from shequgang.errors import DomainError, NotFound
from shequgang.people.models import Resident
from shequgang.people.roles import Perm
from shequgang.people.scope import place_scope_q
from shequgang.places.models import Place
from shequgang.residency.models import AccountStatus, ResidentAccount


def resident_account_of(user: UserLike) -> ResidentAccount | None:
    """The resident account behind a login (any status), or None (staff, anonymous)."""
    if not user.is_authenticated:
        return None
    return (
        ResidentAccount.objects.select_related("household", "resident__household")
        .filter(user_id=user.pk)
        .first()
    )


def confirmed_household_of(user: UserLike) -> Place | None:
    """The household a login is a confirmed resident of; None while pending or refused,
    and for staff. The one test of "acts as a resident of this household"."""
    account = resident_account_of(user)
    if account is None or account.status != AccountStatus.CONFIRMED:
        return None
    return account.household


# The permission of the workers who confirm accounts (and issue desk reset codes).
CONFIRMERS = Perm.RESIDENT_CONFIRM


def scoped_accounts(user: UserLike) -> QuerySet[ResidentAccount]:
    """The accounts whose household ``user`` may confirm in (``resident.confirm``)."""
    return ResidentAccount.objects.filter(place_scope_q(user, CONFIRMERS, prefix="household__"))


def account_queue(
    user: UserLike, *, status: str = AccountStatus.PENDING
) -> QuerySet[ResidentAccount]:
    """The 待认证居民 queue (or the decided ones), oldest first."""
    qs = scoped_accounts(user).select_related("household", "resident", "decided_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def access_account(user: UserLike, account_id: Any) -> ResidentAccount:
    """The account, if ``user`` may confirm in its household; the same 404 otherwise."""
    try:
        pk = int(account_id)
    except (TypeError, ValueError):
        raise NotFound("居民账号") from None
    account = account_queue(user, status="").filter(pk=pk).first()
    if account is None:
        raise NotFound("居民账号")
    return account


def account_counts(*, place: Place) -> dict[str, int]:
    """Accounts by status whose household lies under ``place``: every status present,
    zero when none (for the dashboard)."""
    rows = (
        ResidentAccount.objects.filter(household__path__descendant=place.path)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {status: 0 for status in AccountStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def household_members(*, account: ResidentAccount) -> list[Resident]:
    """The register's active residents of the account's household, for the worker who
    confirms (shown masked: the row's ``*_masked`` fields)."""
    return list(
        Resident.objects.filter(
            household_id=account.household_id, anonymised_at__isnull=True
        ).order_by("pk")
    )


def household_resident(*, account: ResidentAccount, resident_id: Any) -> Resident:
    """A register row of the account's household, named by the worker; anything else
    (another household, missing, garbage) is 400 ``resident_not_in_household``."""
    pk = parse_pk(resident_id)
    found = (
        Resident.objects.filter(pk=pk, household_id=account.household_id).first() if pk else None
    )
    if found is None:
        raise DomainError("resident_not_in_household", "所选居民不在该户")
    return found
