"""Who may see and do what with points.

A resident sees their own accounts, entries and orders. Staff see the ledgers of the
communities inside their assignments' subtrees (a community's staff theirs, a county its
communities). The role policy lives here rather than in ``people.roles`` because only
this app uses it; it is code because it is the security model. Which roles may award a
given earning rule by hand is data, on the rule (``EarningRule.awarded_by``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from shequgang.actors import Actor, UserLike
from shequgang.apikit.schemas import parse_pk
from shequgang.errors import NotFound
from shequgang.people.roles import Role
from shequgang.people.scope import active_assignments, is_unrestricted
from shequgang.places.models import Kind, Place
from shequgang.points.models import Account, Adjustment, Goods, Merchant, Order, Transaction

VIEW = "points.view"  # the ledger, orders and catalogue of a community, and exports
DESK = "points.desk"  # confirm and cancel orders, keep the catalogue and merchants
AWARD = "points.award"  # award points by rule, request manual adjustments
APPROVE = "points.approve"  # approve manual adjustments, reverse transactions

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset({VIEW, DESK, AWARD, APPROVE}),
    Role.COUNTY_COMMAND: frozenset({VIEW}),
    Role.TOWN_STAFF: frozenset({VIEW, APPROVE}),
    Role.COMMUNITY_SECRETARY: frozenset({VIEW, DESK, AWARD, APPROVE}),
    Role.COMMUNITY_WORKER: frozenset({VIEW, DESK, AWARD}),
}

_NOTHING = Q(pk__in=[])


def has_perm(user: UserLike, perm: str) -> bool:
    """Whether the user holds ``perm`` anywhere (to show a menu entry, not to authorize)."""
    return is_unrestricted(user) or any(
        perm in ROLE_PERMS.get(a.role, ()) and a.place is not None for a in active_assignments(user)
    )


def community_scope_q(user: UserLike, perm: str, *, prefix: str = "") -> Q:
    """A condition on Place (or on a relation to it through ``prefix``) that holds for
    the communities where ``user`` has ``perm``."""
    if is_unrestricted(user):
        return Q()
    cond = _NOTHING
    for a in active_assignments(user):
        if perm in ROLE_PERMS.get(a.role, ()) and a.place is not None:
            cond |= Q(**{f"{prefix}path__descendant": a.place.path})
    return cond


def scoped_communities(user: UserLike, perm: str = VIEW) -> QuerySet[Place]:
    return Place.objects.filter(community_scope_q(user, perm), kind=Kind.COMMUNITY).order_by("path")


def may_in_community(user: Actor, perm: str, community: Place) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_unrestricted(user):
        return True
    return any(
        perm in ROLE_PERMS.get(a.role, ())
        and a.place is not None
        and community.path.startswith(a.place.path)
        for a in active_assignments(user)
    )


def roles_in_community(user: Actor, community: Place) -> set[str]:
    """The roles the user holds on the community or above it."""
    if user is None or not user.is_authenticated:
        return set()
    return {
        a.role
        for a in active_assignments(user)
        if a.place is not None and community.path.startswith(a.place.path)
    }


def _pk(value: Any, what: str) -> int:
    # Digits within BIGINT, else the same NotFound: a huge or garbled id never reaches
    # the database driver.
    pk = parse_pk(value)
    if pk is None:
        raise NotFound(what)
    return pk


def access_community(user: UserLike, community_id: Any, perm: str = VIEW) -> Place:
    """The community, if ``user`` has ``perm`` there; otherwise NotFound (also when
    missing or not a community)."""
    pk = _pk(community_id, "社区")
    found = scoped_communities(user, perm).filter(pk=pk).first()
    if found is None:
        raise NotFound("社区")
    return found


def community_for_residents(community_id: Any) -> Place:
    """A community whose catalogue any signed-in resident may browse."""
    pk = _pk(community_id, "社区")
    found = Place.objects.filter(pk=pk, kind=Kind.COMMUNITY).first()
    if found is None:
        raise NotFound("社区")
    return found


def scoped_orders(user: UserLike, perm: str = VIEW) -> QuerySet[Order]:
    """Orders the user placed, and the orders of communities in their staff scope."""
    if not user.is_authenticated:
        return Order.objects.none()
    return Order.objects.filter(
        Q(account__owner_id=user.pk) | community_scope_q(user, perm, prefix="community__")
    )


def access_order(user: UserLike, order_id: Any, perm: str = VIEW) -> Order:
    pk = _pk(order_id, "订单")
    found = (
        scoped_orders(user, perm)
        .select_related("community", "goods", "merchant", "account", "account__owner")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("订单")
    return found


def is_merchant_operator(user: Actor, merchant: Merchant) -> bool:
    return isinstance(user, User) and merchant.operators.filter(pk=user.pk).exists()


def scoped_transactions(user: UserLike, perm: str = VIEW) -> QuerySet[Transaction]:
    return Transaction.objects.filter(community_scope_q(user, perm, prefix="community__"))


def access_transaction(user: UserLike, txn_id: Any, perm: str = VIEW) -> Transaction:
    pk = _pk(txn_id, "积分交易")
    found = scoped_transactions(user, perm).select_related("community").filter(pk=pk).first()
    if found is None:
        raise NotFound("积分交易")
    return found


def access_goods(user: UserLike, goods_id: Any, perm: str = DESK) -> Goods:
    pk = _pk(goods_id, "商品")
    found = (
        Goods.objects.filter(community_scope_q(user, perm, prefix="community__"), pk=pk)
        .select_related("community")
        .first()
    )
    if found is None:
        raise NotFound("商品")
    return found


def own_accounts(user: UserLike) -> QuerySet[Account]:
    if not user.is_authenticated:
        return Account.objects.none()
    return Account.objects.filter(owner_id=user.pk).select_related("community")


def access_account(user: UserLike, account_id: Any, perm: str = VIEW) -> Account:
    """The user's own account, or an account in a community of their staff scope."""
    pk = _pk(account_id, "积分账户")
    if not user.is_authenticated:
        raise NotFound("积分账户")
    found = (
        Account.objects.filter(
            Q(owner_id=user.pk) | community_scope_q(user, perm, prefix="community__"), pk=pk
        )
        .select_related("community", "owner")
        .first()
    )
    if found is None:
        raise NotFound("积分账户")
    return found


def scoped_adjustments(user: UserLike, perm: str = APPROVE) -> QuerySet[Adjustment]:
    """Manual adjustments requested in the communities where ``user`` has ``perm``."""
    return Adjustment.objects.filter(community_scope_q(user, perm, prefix="community__"))


def access_adjustment(user: UserLike, adjustment_id: Any, perm: str = APPROVE) -> Adjustment:
    """A manual adjustment the user may decide; NotFound when missing or out of scope."""
    pk = _pk(adjustment_id, "调整申请")
    found = (
        scoped_adjustments(user, perm)
        .select_related("community", "account", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("调整申请")
    return found


def operated_merchants(user: UserLike) -> QuerySet[Merchant]:
    """The partner merchants whose orders ``user`` confirms at the counter."""
    if not user.is_authenticated:
        return Merchant.objects.none()
    return Merchant.objects.filter(operators=user.pk)


def operated_orders(user: UserLike) -> QuerySet[Order]:
    """Orders placed at the merchants ``user`` operates."""
    return Order.objects.filter(merchant__in=operated_merchants(user))


def access_operated_order(user: UserLike, order_id: Any) -> Order:
    """An order at a merchant ``user`` operates; NotFound when missing or anyone else's."""
    pk = _pk(order_id, "订单")
    found = (
        operated_orders(user).select_related("merchant", "community", "account").filter(pk=pk)
    ).first()
    if found is None:
        raise NotFound("订单")
    return found


def access_order_to_step(user: UserLike, order_id: Any) -> Order:
    """An order ``user`` may confirm or cancel: their own, one in their desk scope, or one at
    a merchant they operate (the service checks which step each may take)."""
    try:
        return access_order(user, order_id)
    except NotFound:
        return access_operated_order(user, order_id)


def goods_to_order(goods_id: Any, community: Place | None = None) -> Goods:
    """Goods any signed-in resident may order (of ``community`` when given)."""
    pk = _pk(goods_id, "商品")
    found = Goods.objects.select_related("community").filter(pk=pk)
    if community is not None:
        found = found.filter(community=community)
    goods = found.first()
    if goods is None:
        raise NotFound("商品")
    return goods


def merchant_to_order(merchant_id: Any, community: Place | None = None) -> Merchant:
    """A partner merchant any signed-in resident may pay with points (of ``community``
    when given)."""
    pk = _pk(merchant_id, "商家")
    found = Merchant.objects.select_related("community").filter(pk=pk)
    if community is not None:
        found = found.filter(community=community)
    merchant = found.first()
    if merchant is None:
        raise NotFound("商家")
    return merchant
