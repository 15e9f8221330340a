"""The community's catalogue of goods and its partner merchants, kept by desk staff.

Stock is changed by a restock delta under the goods row's lock, never set outright, so
a restock cannot overwrite the stock that concurrent orders are holding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields, snapshot
from shequgang.cases.services.photos import clean_photo
from shequgang.errors import DomainError, Forbidden
from shequgang.places.models import Place
from shequgang.points import access
from shequgang.points.ledger import check_community
from shequgang.points.models import Goods, Merchant
from shequgang.text_rules import text_clean

PHOTO_MAX_BYTES = 5 * 1024 * 1024
MAX_PRICE = 100_000
MAX_STOCK = 1_000_000


@dataclass(frozen=True)
class GoodsInput:
    name: str
    price: int
    description: str = ""
    active: bool = True


def _must_keep(actor: Actor, community: Place) -> None:
    if not access.may_in_community(actor, access.DESK, community):
        raise Forbidden("您不能维护本社区的积分超市")


def _check(data: GoodsInput) -> GoodsInput:
    name = text_clean(
        data.name, field="name", label="商品名称", limit=100, required=True, collapse_spaces=True
    )
    if isinstance(data.price, bool) or not 1 <= data.price <= MAX_PRICE:
        raise DomainError("invalid_price", f"所需积分应在1至{MAX_PRICE}之间")
    description = text_clean(data.description, field="description", label="说明", limit=300)
    return GoodsInput(name=name, price=data.price, description=description, active=data.active)


def goods_create(
    *,
    actor: Actor,
    community: Place,
    data: GoodsInput,
    stock: int,
    photo: IO[bytes] | None = None,
) -> Goods:
    check_community(community)
    _must_keep(actor, community)
    data = _check(data)
    if isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK:
        raise DomainError("invalid_stock", f"库存应在0至{MAX_STOCK}之间")
    clean = clean_photo(photo, max_bytes=PHOTO_MAX_BYTES) if photo is not None else None
    with transaction.atomic():
        goods = Goods(
            community=community,
            name=data.name,
            price=data.price,
            description=data.description,
            active=data.active,
            stock=stock,
        )
        if clean is not None:
            goods.photo.save(clean.content.name or "photo", clean.content, save=False)
        goods.save()
        audit_record(
            actor=actor, action="points.goods_create", obj=goods, changes={"stock": [None, stock]}
        )
    return goods


def goods_update(
    *,
    actor: Actor,
    goods: Goods,
    data: GoodsInput,
    restock: int = 0,
    photo: IO[bytes] | None = None,
) -> Goods:
    """Edit a good; ``restock`` adds to (or, negative, takes from) the stock."""
    _must_keep(actor, goods.community)
    data = _check(data)
    if isinstance(restock, bool) or abs(restock) > MAX_STOCK:
        raise DomainError("invalid_stock", "补货数量不正确")
    clean = clean_photo(photo, max_bytes=PHOTO_MAX_BYTES) if photo is not None else None
    fields = ["name", "price", "description", "active"]
    with transaction.atomic():
        item = Goods.objects.select_for_update().get(pk=goods.pk)
        before = snapshot(item, [*fields, "stock"])
        if item.stock + restock < 0:
            raise DomainError("out_of_stock", f"库存只有 {item.stock}，不能减少 {-restock}")
        for f in fields:
            setattr(item, f, getattr(data, f))
        if clean is not None:
            item.photo.save(clean.content.name or "photo", clean.content, save=False)
            fields.append("photo")
        item.save(update_fields=[*fields, "updated_at"])
        if restock:
            Goods.objects.filter(pk=item.pk).update(stock=F("stock") + restock)
        item.refresh_from_db()
        audit_record(
            actor=actor,
            action="points.goods_update",
            obj=item,
            changes=diff_fields(before, snapshot(item, [*fields[:4], "stock"])),
        )
    return item


def merchant_create(
    *,
    actor: Actor,
    community: Place,
    name: str,
    address: str = "",
    offer: str = "",
    operators: list[User] | None = None,
) -> Merchant:
    check_community(community)
    _must_keep(actor, community)
    name = text_clean(
        name, field="name", label="商家名称", limit=100, required=True, collapse_spaces=True
    )
    if Merchant.objects.filter(community=community, name=name).exists():
        raise DomainError("duplicate_merchant", "本社区已有同名合作商家", status=409)
    with transaction.atomic():
        merchant = Merchant.objects.create(
            community=community, name=name, address=address[:200], offer=offer[:200]
        )
        if operators:
            merchant.operators.set(operators)
        audit_record(actor=actor, action="points.merchant_create", obj=merchant)
    return merchant
