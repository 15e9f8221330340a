"""Input and output schemas of the points API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from shequgang.apikit.pagination import PageParams
from shequgang.apikit.schemas import BodyId, PageOut, SafeStr
from shequgang.points.models import Account, Adjustment, Entry, Goods, Merchant, Order, Transaction

Reason = Annotated[SafeStr, Field(min_length=1, max_length=200)]
Points = Annotated[int, Field(ge=1, le=100_000)]


class AccountOut(Schema):
    id: int
    community_id: int
    community: str
    balance: int

    @staticmethod
    def build(a: Account) -> AccountOut:
        return AccountOut(
            id=a.pk, community_id=a.community_id, community=a.community.name, balance=a.balance
        )


class EntryOut(Schema):
    id: int
    at: dt.datetime
    amount: int = Field(description="正数为增加，负数为减少")
    account_id: int
    account_kind: str
    owner: str = Field(description="个人账户持有人用户名；系统账户为空")
    transaction_id: int
    kind: str
    kind_label: str
    source: str
    source_label: str
    source_ref: str
    reason: str

    @staticmethod
    def build(e: Entry) -> EntryOut:
        t = e.transaction
        owner = e.account.owner.username if e.account.owner_id and e.account.owner else ""
        return EntryOut(
            id=e.pk,
            at=e.created_at,
            amount=e.amount,
            account_id=e.account_id,
            account_kind=e.account.kind,
            owner=owner,
            transaction_id=t.pk,
            kind=t.kind,
            kind_label=t.get_kind_display(),
            source=t.source,
            source_label=t.get_source_display(),
            source_ref=t.source_ref,
            reason=t.reason,
        )


class EntryPageOut(PageOut):
    items: list[EntryOut]


class TransactionOut(Schema):
    id: int
    community_id: int
    kind: str
    source: str
    source_ref: str
    reason: str
    amount: int = Field(description="给予或扣减的积分（超出上限部分不含在内）")
    requested: int | None
    capped: int = Field(description="因每日/每月上限未发放的积分")
    reverses_id: int | None
    created_at: dt.datetime

    @staticmethod
    def build(t: Transaction) -> TransactionOut:
        return TransactionOut(
            id=t.pk,
            community_id=t.community_id,
            kind=t.kind,
            source=t.source,
            source_ref=t.source_ref,
            reason=t.reason,
            amount=t.amount,
            requested=t.requested,
            capped=t.capped,
            reverses_id=t.reverses_id,
            created_at=t.created_at,
        )


class GoodsOut(Schema):
    id: int
    community_id: int
    name: str
    description: str
    price: int
    stock: int
    active: bool
    photo_url: str

    @staticmethod
    def build(g: Goods) -> GoodsOut:
        return GoodsOut(
            id=g.pk,
            community_id=g.community_id,
            name=g.name,
            description=g.description,
            price=g.price,
            stock=g.stock,
            active=g.active,
            photo_url=g.photo.url if g.photo else "",
        )


class GoodsIn(Schema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=100)]
    price: Points
    description: Annotated[SafeStr, Field(max_length=300)] = ""
    active: bool = True


class GoodsCreateIn(GoodsIn):
    stock: int = Field(ge=0, le=1_000_000)


class GoodsUpdateIn(GoodsIn):
    restock: int = Field(0, ge=-1_000_000, le=1_000_000, description="补货（负数为减少库存）")


class MerchantOut(Schema):
    id: int
    name: str
    address: str
    offer: str

    @staticmethod
    def build(m: Merchant) -> MerchantOut:
        return MerchantOut(id=m.pk, name=m.name, address=m.address, offer=m.offer)


class OrderIn(Schema):
    goods_id: BodyId | None = None
    quantity: int = Field(1, ge=1, le=20)
    merchant_id: BodyId | None = None
    points: Points | None = Field(None, description="在合作商家消费的积分")


class OrderOut(Schema):
    id: int
    code: str = Field(description="取货码")
    community_id: int
    status: str
    status_label: str
    goods_id: int | None
    goods: str
    quantity: int
    merchant_id: int | None
    merchant: str
    points: int
    placed_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def build(o: Order) -> OrderOut:
        return OrderOut(
            id=o.pk,
            code=o.code,
            community_id=o.community_id,
            status=o.status,
            status_label=o.get_status_display(),
            goods_id=o.goods_id,
            goods=o.goods.name if o.goods else "",
            quantity=o.quantity,
            merchant_id=o.merchant_id,
            merchant=o.merchant.name if o.merchant else "",
            points=o.points,
            placed_at=o.placed_at,
            closed_at=o.closed_at,
        )


class OrderPageOut(PageOut):
    items: list[OrderOut]


class CancelIn(Schema):
    reason: Annotated[SafeStr, Field(max_length=200)] = ""


class AwardIn(Schema):
    user_id: BodyId
    rule_code: Annotated[SafeStr, Field(min_length=1, max_length=40)]
    hours: Decimal | None = Field(None, gt=0, le=24, max_digits=5, decimal_places=2)
    source_ref: Annotated[SafeStr, Field(max_length=100)] = ""
    reason: Reason


class AdjustmentIn(Schema):
    user_id: BodyId
    amount: int = Field(ge=-100_000, le=100_000, description="正数增加，负数扣减")
    reason: Reason


class AdjustmentOut(Schema):
    id: int
    community_id: int
    account_id: int
    amount: int
    reason: str
    status: str
    requested_by: str
    decided_by: str
    transaction_id: int | None

    @staticmethod
    def build(a: Adjustment) -> AdjustmentOut:
        return AdjustmentOut(
            id=a.pk,
            community_id=a.community_id,
            account_id=a.account_id,
            amount=a.amount,
            reason=a.reason,
            status=a.status,
            requested_by=a.requested_by.username,
            decided_by=a.decided_by.username if a.decided_by else "",
            transaction_id=a.transaction_id,
        )


class ReverseIn(Schema):
    reason: Reason


OrderStatusFilter = Literal["", "held", "confirmed", "cancelled"]


class CommunityOrdersQuery(PageParams):
    status: OrderStatusFilter = ""


class LedgerQuery(PageParams):
    kind: Literal["", "earn", "adjust", "hold", "confirm", "release", "expire", "reversal"] = ""
    source: Annotated[SafeStr, Field(max_length=20)] = ""
    account_kind: Literal["", "person", "issuance", "holds", "spend", "expiry", "merchant"] = ""
    owner: Annotated[SafeStr, Field(max_length=150, description="个人账户用户名")] = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
