"""Demo points for 城东社区: a catalogue, a partner merchant, points earned by two demo
accounts through the real services, and one order waiting at the desk. Loaded by
``shequgang loadpoints`` (after ``loaddemo``); running it again adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from shequgang.places.models import Place
from shequgang.places.selectors import place_by_names
from shequgang.points.catalogue import GoodsInput, goods_create, merchant_create
from shequgang.points.models import Goods, Merchant, Source
from shequgang.points.redemptions import order_place
from shequgang.points.services import points_earn

COMMUNITY = ("离石区", "滨河街道", "城东社区")
GOODS = [
    ("洗衣液", 30, 40, "2kg 装"),
    ("大米", 80, 20, "5kg 装，吕梁本地产"),
    ("食用油", 60, 15, "1.8L 装"),
    ("毛巾", 15, 100, ""),
    ("理发券", 20, 50, "社区便民理发点使用"),
]
EARNERS = ["bindong_central", "bindong_group1"]


@dataclass(frozen=True)
class DemoResult:
    goods: int
    awards: int
    orders: int


def _community() -> Place | None:
    return place_by_names(*COMMUNITY)


@transaction.atomic
def points_demo_load() -> DemoResult:
    community = _community()
    desk = User.objects.filter(username="chengdong_worker").first()
    if community is None or desk is None:
        return DemoResult(0, 0, 0)
    created = 0
    if not Goods.objects.filter(community=community).exists():
        for name, price, stock, note in GOODS:
            goods_create(
                actor=desk,
                community=community,
                data=GoodsInput(name=name, price=price, description=note),
                stock=stock,
            )
            created += 1
    if not Merchant.objects.filter(community=community).exists():
        merchant_create(
            actor=desk,
            community=community,
            name="红色合作伙伴·滨河惠民超市",
            address="滨河街道城东社区东门",
            offer="1积分抵1角",
        )
    awards = orders = 0
    for i, username in enumerate(EARNERS):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        for n, (rule, hours) in enumerate([("activity", None), ("volunteer_hour", Decimal(3))]):
            points_earn(
                actor=desk,
                user=user,
                community=community,
                rule_code=rule,
                hours=hours,
                source=Source.ACTIVITY,
                source_ref=f"demo:{n}",
                reason="清洁家园志愿服务" if n else "垃圾分类宣传活动",
                idempotency_key=f"demo:points:{username}:{n}",
            )
            awards += 1
        if i == 0:
            towel = Goods.objects.filter(community=community, name="毛巾").first()
            if towel is not None:
                order_place(
                    actor=user, user=user, goods=towel, idempotency_key=f"demo:order:{username}"
                )
                orders += 1
    return DemoResult(created, awards, orders)
