"""The access helpers the points pages and API share: NotFound alike for a missing id,
a garbled one and one out of scope."""

from __future__ import annotations

import pytest

from shequgang.errors import NotFound
from shequgang.points import access
from shequgang.points.catalogue import merchant_create
from shequgang.points.redemptions import order_place
from shequgang.points.tests.factories import fund, make_goods, resident_user

MISSING = ["999999999", "²", "-1", "99999999999999999999", None]


@pytest.fixture
def merchant_order(world):
    operator, other = resident_user("operator"), resident_user("other")
    merchant = merchant_create(
        actor=world.users["worker_a"],
        community=world.community_a,
        name="红色小超市",
        operators=[operator],
    )
    buyer = resident_user("buyer")
    fund(buyer, world.community_a, 20)
    order = order_place(
        actor=buyer, user=buyer, merchant=merchant, points=5, idempotency_key="o-1"
    ).order
    return operator, other, order


def test_an_operator_reaches_their_merchants_orders_and_nobody_else_does(merchant_order):
    operator, other, order = merchant_order

    assert access.access_operated_order(operator, order.pk) == order
    assert access.access_order_to_step(operator, str(order.pk)) == order
    with pytest.raises(NotFound) as out_of_scope:
        access.access_operated_order(other, order.pk)
    for value in MISSING:
        with pytest.raises(NotFound) as missing:
            access.access_operated_order(operator, value)
        assert missing.value.message == out_of_scope.value.message


def test_goods_to_order_stays_in_the_community_given(world):
    goods = make_goods(world.users["worker_a"], world.community_a, name="毛巾")

    assert access.goods_to_order(goods.pk) == goods
    assert access.goods_to_order(str(goods.pk), world.community_a) == goods
    with pytest.raises(NotFound):
        access.goods_to_order(goods.pk, world.community_b)
    for value in MISSING:
        with pytest.raises(NotFound):
            access.goods_to_order(value)
