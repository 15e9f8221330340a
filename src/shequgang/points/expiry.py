"""Optional expiry (过期清零): in a community whose policy sets ``expiry_months``,
points earned before the first day of the month N months back and not used since
expire, moved from the person's account to the community's expiry account.

Points are used oldest first: what has left an account (spent, held, expired, reversed)
is counted against its oldest earnings. So the expiring amount is
``earned before the cut-off − everything used so far`` (never below 0, never above the
balance). One ``ExpiryRun`` per community and period makes a second run for the same
month do nothing; each account's posting also has its own idempotency key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shequgang.places.models import Kind, Place
from shequgang.points.ledger import Leg, lock_accounts, post, replayed, system_account
from shequgang.points.models import (
    Account,
    AccountKind,
    Entry,
    ExpiryRun,
    Policy,
    Source,
    TxnKind,
)
from shequgang.points.rules import BEIJING, policy_for


@dataclass(frozen=True)
class ExpiryResult:
    community: Place
    period: str
    run: ExpiryRun | None  # None: the community has no expiry
    created: bool


def _cutoff(period: str, months: int) -> dt.datetime:
    year, month = (int(x) for x in period.split("-"))
    index = year * 12 + (month - 1) - months
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=BEIJING)


def period_of(at: dt.datetime) -> str:
    return f"{at.astimezone(BEIJING):%Y-%m}"


def expiring_amount(account: Account, cutoff: dt.datetime) -> int:
    earned = Entry.objects.filter(
        account=account,
        amount__gt=0,
        transaction__kind__in=[TxnKind.EARN, TxnKind.ADJUST],
    ).aggregate(
        all=Sum("amount"),
        old=Sum("amount", filter=Q(created_at__lt=cutoff)),
    )
    used = (earned["all"] or 0) - account.balance
    return max(0, min(account.balance, (earned["old"] or 0) - used))


def points_expire(
    *, community: Place, period: str | None = None, now: dt.datetime | None = None
) -> ExpiryResult:
    """Expire the community's old points for ``period`` (``YYYY-MM``, default this
    month) once. Locks each account with the expiry account (id order)."""
    at = now or timezone.now()
    period = period or period_of(at)
    months = policy_for(community).expiry_months
    if community.kind != Kind.COMMUNITY or not months:
        return ExpiryResult(community, period, None, created=False)
    cutoff = _cutoff(period, months)
    existing = ExpiryRun.objects.filter(community=community, period=period).first()
    if existing is not None:
        return ExpiryResult(community, period, existing, created=False)
    try:
        with transaction.atomic():
            run = ExpiryRun.objects.create(
                community=community, period=period, cutoff=cutoff, ran_at=at
            )
            expiry = system_account(community, AccountKind.EXPIRY)
            candidates = Account.objects.filter(
                community=community, kind=AccountKind.PERSON, balance__gt=0
            ).order_by("pk")
            for account in candidates:
                locked = lock_accounts([account, expiry])
                fresh = locked[account.pk]
                key = f"expiry:{community.pk}:{period}:{account.pk}"
                amount = expiring_amount(fresh, cutoff)
                if amount <= 0 or replayed(key) is not None:
                    continue
                post(
                    community=community,
                    kind=TxnKind.EXPIRE,
                    source=Source.EXPIRY,
                    legs=[Leg(fresh, -amount), Leg(locked[expiry.pk], amount)],
                    locked=locked,
                    idempotency_key=key,
                    reason=f"{cutoff:%Y年%m月}前获得的积分过期清零",
                    amount=amount,
                    source_ref=f"expiry:{period}",
                    at=at,
                )
                run.accounts += 1
                run.points += amount
            run.save(update_fields=["accounts", "points"])
    except IntegrityError:
        existing = ExpiryRun.objects.filter(community=community, period=period).first()
        if existing is None:
            raise
        return ExpiryResult(community, period, existing, created=False)
    return ExpiryResult(community, period, run, created=True)


def communities_with_expiry() -> list[Place]:
    policies = list(Policy.objects.filter(expiry_months__isnull=False))
    if any(p.community_id is None for p in policies):
        places = Place.objects.filter(kind=Kind.COMMUNITY)
    else:
        places = Place.objects.filter(pk__in=[p.community_id for p in policies])
    return list(places.order_by("path"))
