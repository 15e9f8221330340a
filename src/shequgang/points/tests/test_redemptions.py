"""Redemption orders: hold → confirm, or cancel → release; merchants confirm their own."""

from typing import Any

import pytest

from shequgang.errors import DomainError
from shequgang.points.catalogue import merchant_create
from shequgang.points.models import Account, AccountKind, Goods, Order, OrderStatus, Transaction
from shequgang.points.reconcile import reconcile
from shequgang.points.redemptions import order_cancel, order_confirm, order_place
from shequgang.points.tests.factories import fund, make_goods, resident_user


def system(world, kind):
    return Account.objects.get(community=world.community_a, kind=kind).balance


def person(user, world):
    return Account.objects.get(owner=user, community=world.community_a).balance


@pytest.fixture
def shop(world):
    user = resident_user()
    fund(user, world.community_a, 50)
    goods = make_goods(world.users["worker_a"], world.community_a, price=20, stock=2)
    return user, goods


def place(user, goods, key="o1", quantity=1):
    return order_place(actor=user, user=user, goods=goods, quantity=quantity, idempotency_key=key)


def test_placing_holds_points_and_stock(world, shop):
    user, goods = shop
    outcome = place(user, goods)
    assert outcome.created and outcome.order.status == OrderStatus.HELD
    assert person(user, world) == 30
    assert system(world, AccountKind.HOLDS) == 20
    assert Goods.objects.get(pk=goods.pk).stock == 1


def test_confirming_spends_the_held_points(world, shop):
    user, goods = shop
    order = place(user, goods).order
    done = order_confirm(actor=world.users["worker_a"], order=order)
    assert done.status == OrderStatus.CONFIRMED
    assert system(world, AccountKind.HOLDS) == 0
    assert system(world, AccountKind.SPEND) == 20
    assert Goods.objects.get(pk=goods.pk).stock == 1
    assert reconcile().ok


def test_cancelling_releases_points_and_stock(world, shop):
    user, goods = shop
    order = place(user, goods, quantity=2).order
    assert person(user, world) == 10 and Goods.objects.get(pk=goods.pk).stock == 0
    done = order_cancel(actor=user, order=order, reason="不要了")
    assert done.status == OrderStatus.CANCELLED
    assert person(user, world) == 50
    assert system(world, AccountKind.HOLDS) == 0
    assert Goods.objects.get(pk=goods.pk).stock == 2
    assert reconcile().ok


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        ("confirm", "cancel", "invalid_transition"),
        ("cancel", "confirm", "invalid_transition"),
        ("cancel", "cancel", "invalid_transition"),
        ("confirm", "confirm", "invalid_transition"),
    ],
)
def test_a_closed_order_stays_closed(world, shop, first, then, code):
    user, goods = shop
    order = place(user, goods).order
    staff = world.users["worker_a"]
    steps: dict[str, Any] = {"confirm": order_confirm, "cancel": order_cancel}
    steps[first](actor=staff, order=order)
    before = Transaction.objects.count()
    with pytest.raises(DomainError) as exc:
        steps[then](actor=staff, order=Order.objects.get(pk=order.pk))
    assert exc.value.code == code
    assert Transaction.objects.count() == before


def test_exactly_enough_points_then_one_short(world):
    user = resident_user()
    fund(user, world.community_a, 20)
    goods = make_goods(world.users["worker_a"], world.community_a, price=10, stock=10)
    assert place(user, goods, "a", quantity=2).created  # exactly the balance
    with pytest.raises(DomainError) as exc:
        place(user, goods, "b")
    assert exc.value.code == "insufficient_points" and exc.value.status == 409
    assert person(user, world) == 0
    assert Goods.objects.get(pk=goods.pk).stock == 8


def test_the_last_item_then_none(world, shop):
    user, goods = shop
    place(user, goods, "a", quantity=2)
    other = resident_user()
    fund(other, world.community_a, 100)
    with pytest.raises(DomainError) as exc:
        place(other, goods, "b")
    assert exc.value.code == "out_of_stock"
    assert person(other, world) == 100


def test_replaying_an_order_key_returns_the_first_order(world, shop):
    user, goods = shop
    first = place(user, goods, "same")
    again = place(user, goods, "same")
    assert not again.created and again.order.pk == first.order.pk
    assert person(user, world) == 30 and Order.objects.count() == 1


def test_someone_else_cannot_replay_or_order_for_me(world, shop):
    user, goods = shop
    place(user, goods, "mine")
    stranger = resident_user()
    with pytest.raises(DomainError) as exc:
        place(stranger, goods, "mine")
    assert exc.value.code == "idempotency_key_reused"
    with pytest.raises(DomainError) as exc:
        order_place(actor=stranger, user=user, goods=goods, idempotency_key="x")
    assert exc.value.code == "forbidden"


def test_inactive_goods_and_bad_quantities(world, shop):
    user, goods = shop
    for quantity in (0, -1, 21):
        with pytest.raises(DomainError) as exc:
            place(user, goods, f"q{quantity}", quantity=quantity)
        assert exc.value.code == "invalid_quantity"
    Goods.objects.filter(pk=goods.pk).update(active=False)
    with pytest.raises(DomainError) as exc:
        place(user, goods, "inactive")
    assert exc.value.code == "goods_inactive"
    assert not Order.objects.exists()


def test_only_desk_staff_of_the_community_confirm(world, shop):
    user, goods = shop
    order = place(user, goods).order
    for persona in ("secretary_b", "grid_a1", "county_a_command"):
        with pytest.raises(DomainError) as exc:
            order_confirm(actor=world.users[persona], order=order)
        assert exc.value.code == "forbidden"
    with pytest.raises(DomainError):
        order_confirm(actor=user, order=order)  # the resident cannot confirm their own


def test_a_merchant_order_is_confirmed_by_the_merchant(world):
    user = resident_user()
    fund(user, world.community_a, 40)
    operator = resident_user("merchant-op")
    merchant = merchant_create(
        actor=world.users["secretary_a"],
        community=world.community_a,
        name="红色合作伙伴·便民超市",
        operators=[operator],
    )
    order = order_place(
        actor=user, user=user, merchant=merchant, points=25, idempotency_key="m1"
    ).order
    assert person(user, world) == 15
    with pytest.raises(DomainError):
        order_confirm(actor=world.users["worker_a"], order=order)
    order_confirm(actor=operator, order=order)
    merchant_balance = Account.objects.get(kind=AccountKind.MERCHANT, merchant=merchant).balance
    assert merchant_balance == 25
    assert system(world, AccountKind.HOLDS) == 0
    assert reconcile().ok
