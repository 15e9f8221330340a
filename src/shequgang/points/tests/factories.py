"""Helpers for the points tests: residents with accounts, funded balances, goods."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import User

from shequgang.places.models import Place
from shequgang.points.catalogue import GoodsInput, goods_create
from shequgang.points.models import Goods, Policy, Source, Transaction
from shequgang.points.services import points_earn

_seq = itertools.count(1)
NOON = dt.datetime(2026, 11, 10, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing


def resident_user(name: str = "") -> User:
    return User.objects.create_user(name or f"resident{next(_seq)}", password="x")


def no_caps(community: Place) -> Policy:
    policy, _ = Policy.objects.update_or_create(
        community=community, defaults={"daily_cap": None, "monthly_cap": None}
    )
    return policy


def fund(
    user: User, community: Place, amount: int, *, at: dt.datetime | None = None
) -> Transaction:
    """Give ``user`` exactly ``amount`` points (the community's caps lifted first)."""
    no_caps(community)
    return points_earn(
        actor=None,
        user=user,
        community=community,
        amount=amount,
        source=Source.ACTIVITY,
        source_ref="test",
        reason="测试发放",
        idempotency_key=f"fund:{next(_seq)}",
        now=at,
    )


def make_goods(
    actor: User, community: Place, *, price: int = 10, stock: int = 5, name: str = ""
) -> Goods:
    return goods_create(
        actor=actor,
        community=community,
        data=GoodsInput(name=name or f"商品{next(_seq)}", price=price),
        stock=stock,
    )
