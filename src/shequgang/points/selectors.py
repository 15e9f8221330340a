"""Reads: a person's statement, a community's ledger with filters, orders for the desk,
the catalogue. Scope is decided by the callers through ``access``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from shequgang.places.models import Place
from shequgang.points.models import (
    Account,
    Adjustment,
    AdjustmentStatus,
    Entry,
    Goods,
    Merchant,
    Order,
)
from shequgang.points.rules import BEIJING


def account_statement(account: Account) -> QuerySet[Entry]:
    """The account's entries, newest first, with their transactions."""
    return (
        Entry.objects.filter(account=account)
        .select_related("transaction")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class LedgerFilters:
    kind: str = ""  # transaction kind
    source: str = ""
    account_kind: str = ""
    owner: str = ""  # username of a person account's owner
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive


def ledger_entries(community: Place, filters: LedgerFilters) -> QuerySet[Entry]:
    """The community's entries, newest first, filtered. Dates are Beijing days."""
    qs = Entry.objects.filter(transaction__community=community)
    if filters.kind:
        qs = qs.filter(transaction__kind=filters.kind)
    if filters.source:
        qs = qs.filter(transaction__source=filters.source)
    if filters.account_kind:
        qs = qs.filter(account__kind=filters.account_kind)
    if filters.owner:
        qs = qs.filter(account__owner__username=filters.owner)
    if filters.date_from is not None:
        start = dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=BEIJING)
        qs = qs.filter(created_at__gte=start)
    if filters.date_to is not None:
        end = dt.datetime.combine(
            filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=BEIJING
        )
        qs = qs.filter(created_at__lt=end)
    return qs.select_related(
        "transaction",
        "transaction__actor",
        "transaction__approver",
        "account",
        "account__owner",
        "account__merchant",
    ).order_by("-created_at", "-id")


def community_orders(community: Place, status: str = "") -> QuerySet[Order]:
    qs = Order.objects.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("goods", "merchant", "account__owner").order_by("-placed_at", "-id")


def own_orders(user_id: int) -> QuerySet[Order]:
    return (
        Order.objects.filter(account__owner_id=user_id)
        .select_related("goods", "merchant", "community")
        .order_by("-placed_at", "-id")
    )


def catalogue(community: Place, *, include_inactive: bool = False) -> QuerySet[Goods]:
    qs = Goods.objects.filter(community=community)
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("price", "id")


def merchants(community: Place) -> QuerySet[Merchant]:
    return Merchant.objects.filter(community=community, active=True).order_by("name")


def pending_adjustments(community: Place) -> QuerySet[Adjustment]:
    return (
        Adjustment.objects.filter(community=community, status=AdjustmentStatus.PENDING)
        .select_related("account__owner", "requested_by")
        .order_by("requested_at", "id")
    )


def balance_of(*, user_id: int, community: Place) -> int:
    """A person's balance in a community (0 when they have no account yet)."""
    found = (
        Account.objects.filter(owner_id=user_id, community=community, kind="person")
        .values_list("balance", flat=True)
        .first()
    )
    return int(found or 0)
