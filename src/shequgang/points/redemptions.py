"""Redemption orders: place (hold points and stock) → confirm at pick-up (points spent)
or cancel (points and stock released). A merchant order is the same with no stock: the
merchant's operator confirms the points spent at their counter.

Placing an order locks the person's and the holds account (id order), then the goods
row, checks balance and stock after the locks, and writes the order, the hold
transaction, the balances and the stock in one database transaction. So with fifty
concurrent orders against points for ten, exactly ten succeed and forty get
``insufficient_points``; with twenty for the last item, one gets it and nineteen get
``out_of_stock``. Each order is applied once per idempotency key."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, Forbidden
from shequgang.points import access
from shequgang.points.ledger import (
    Leg,
    check_key,
    conflict,
    lock_accounts,
    merchant_account,
    person_account,
    post,
    system_account,
)
from shequgang.points.models import (
    ORDER_TRANSITIONS,
    AccountKind,
    Goods,
    Merchant,
    Order,
    OrderStatus,
    Source,
    TxnKind,
)

MAX_QUANTITY = 20
MAX_MERCHANT_POINTS = 100_000
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class PlaceOutcome:
    order: Order
    # False when the key had been used already and the first order is returned.
    created: bool


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def _replay(key: str, user: User) -> PlaceOutcome | None:
    order = Order.objects.select_related("account").filter(idempotency_key=key).first()
    if order is None:
        return None
    if order.account.owner_id != user.pk:
        raise DomainError("idempotency_key_reused", "该幂等键已用于另一笔兑换", status=422)
    return PlaceOutcome(order, created=False)


def order_place(
    *,
    actor: Actor,
    user: User,
    goods: Goods | None = None,
    quantity: int = 1,
    merchant: Merchant | None = None,
    points: int | None = None,
    idempotency_key: str,
    now: dt.datetime | None = None,
) -> PlaceOutcome:
    """Place a redemption for ``user``: ``goods`` × ``quantity`` from the catalogue, or
    ``points`` at a partner ``merchant``. The actor is the user themself, or desk staff
    of the community placing it for them at the counter.

    Raises ``insufficient_points`` / ``out_of_stock`` (409), ``goods_inactive``,
    ``invalid_quantity`` (400); writes nothing then."""
    at = _now(now)
    key = check_key(idempotency_key)
    if (goods is None) == (merchant is None):
        raise DomainError("goods_or_merchant", "请选择兑换商品或合作商家（二选一）")
    community = goods.community if goods is not None else merchant.community  # type: ignore[union-attr]
    if not isinstance(actor, User) or (
        actor.pk != user.pk and not access.may_in_community(actor, access.DESK, community)
    ):
        raise Forbidden("只能为自己兑换积分")
    if goods is not None:
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise DomainError("invalid_quantity", "数量应为整数")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise DomainError("invalid_quantity", f"每次兑换数量应在1至{MAX_QUANTITY}之间")
    else:
        quantity = 1
        if isinstance(points, bool) or not isinstance(points, int):
            raise DomainError("invalid_amount", "积分应为整数")
        if not 1 <= points <= MAX_MERCHANT_POINTS:
            raise DomainError("invalid_amount", f"积分应在1至{MAX_MERCHANT_POINTS}之间")

    found = _replay(key, user)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            person = person_account(community=community, user=user)
            holds = system_account(community, AccountKind.HOLDS)
            locked = lock_accounts([person, holds])
            found = _replay(key, user)
            if found is not None:
                return found
            if goods is not None:
                item = Goods.objects.select_for_update().get(pk=goods.pk)
                if not item.active:
                    raise DomainError("goods_inactive", f"“{item.name}”已下架")
                total = item.price * quantity
                balance = locked[person.pk].balance
                if balance < total:
                    raise DomainError(
                        "insufficient_points",
                        f"积分不足：当前可用 {balance} 分，需要 {total} 分",
                        status=409,
                        balance=balance,
                        needed=total,
                    )
                if item.stock < quantity:
                    raise DomainError(
                        "out_of_stock", f"“{item.name}”库存不足（剩余 {item.stock}）", status=409
                    )
                Goods.objects.filter(pk=item.pk).update(stock=F("stock") - quantity)
                label = f"兑换 {item.name} ×{quantity}"
            else:
                assert merchant is not None and points is not None
                if not Merchant.objects.filter(pk=merchant.pk, active=True).exists():
                    raise DomainError("merchant_inactive", "该合作商家已停用")
                total = points
                label = f"在 {merchant.name} 消费"
            hold = post(
                community=community,
                kind=TxnKind.HOLD,
                source=Source.REDEMPTION,
                legs=[Leg(person, -total), Leg(holds, total)],
                locked=locked,
                idempotency_key=f"order:{key}:hold",
                reason=label,
                amount=total,
                actor=actor,
                at=at,
            )
            order = Order.objects.create(
                community=community,
                code=_new_code(),
                account=person,
                goods=goods,
                quantity=quantity,
                merchant=merchant,
                points=total,
                idempotency_key=key,
                hold=hold,
                placed_by=actor,
                placed_at=at,
            )
    except IntegrityError as exc:
        found = _replay(key, user)
        if found is None:
            raise conflict(exc) from exc
        return found
    return PlaceOutcome(order, created=True)


def _close(*, actor: Actor, order: Order, to: str, note: str, at: dt.datetime) -> Order:
    """Move a held order to ``to``: its points from holds to spend (or the merchant),
    or back to the person with the stock. Locks accounts (id order), then the order."""
    community = order.community
    holds = system_account(community, AccountKind.HOLDS)
    if to == OrderStatus.CONFIRMED:
        target = (
            merchant_account(order.merchant)
            if order.merchant is not None
            else system_account(community, AccountKind.SPEND)
        )
    else:
        target = order.account
    with transaction.atomic():
        locked = lock_accounts([holds, target])
        current = Order.objects.select_for_update().get(pk=order.pk)
        if to not in ORDER_TRANSITIONS[current.status]:
            raise Conflict(
                "invalid_transition", f"订单{current.get_status_display()}，不能再{_VERB[to]}"
            )
        settlement = post(
            community=community,
            kind=TxnKind.CONFIRM if to == OrderStatus.CONFIRMED else TxnKind.RELEASE,
            source=Source.REDEMPTION,
            legs=[Leg(holds, -current.points), Leg(target, current.points)],
            locked=locked,
            idempotency_key=f"order:{current.idempotency_key}:{to}",
            reason=f"{_VERB[to]}订单 {current.code}",
            amount=current.points,
            actor=actor,
            source_ref=f"order:{current.code}",
            at=at,
        )
        if to == OrderStatus.CANCELLED and current.goods_id is not None:
            Goods.objects.filter(pk=current.goods_id).update(stock=F("stock") + current.quantity)
        current.status = to
        current.settlement = settlement
        current.closed_by = actor if isinstance(actor, User) else None
        current.closed_at = at
        current.note = note[:200]
        current.save(update_fields=["status", "settlement", "closed_by", "closed_at", "note"])
        audit_record(
            actor=actor,
            action=f"points.order_{to}",
            obj=current,
            changes={"status": [OrderStatus.HELD, to]},
        )
    return current


_VERB: dict[str, str] = {OrderStatus.CONFIRMED: "确认领取", OrderStatus.CANCELLED: "取消"}


def order_confirm(*, actor: Actor, order: Order, now: dt.datetime | None = None) -> Order:
    """Hand the goods over (desk staff of the community) or accept the points at the
    counter (the merchant's operator): the held points are spent."""
    if order.merchant is not None:
        if not access.is_merchant_operator(actor, order.merchant):
            raise Forbidden("只有该商家的确认人可以确认")
    elif not access.may_in_community(actor, access.DESK, order.community):
        raise Forbidden("您不能办理本社区的兑换")
    return _close(actor=actor, order=order, to=OrderStatus.CONFIRMED, note="", at=_now(now))


def order_cancel(
    *, actor: Actor, order: Order, reason: str = "", now: dt.datetime | None = None
) -> Order:
    """Cancel a held order (the person who holds it, desk staff, or the merchant's
    operator): points and stock go back."""
    own = isinstance(actor, User) and order.account.owner_id == actor.pk
    operator = order.merchant is not None and access.is_merchant_operator(actor, order.merchant)
    if not (own or operator or access.may_in_community(actor, access.DESK, order.community)):
        raise Forbidden("您不能取消该订单")
    return _close(
        actor=actor, order=order, to=OrderStatus.CANCELLED, note=reason.strip(), at=_now(now)
    )
