"""Many redemptions at once: never below zero, never oversold, never applied twice.

Real threads on PostgreSQL: each thread has its own connection, so the row locks
(accounts by id, then goods) decide. SQLite serialises writers on the whole database
(IMMEDIATE transactions), which would make these tests pass without exercising the
row locks, and 50 writers would mostly be waiting on its busy timeout: they run on
PostgreSQL only."""

import threading

import pytest
from django.db import connection

from shequgang.errors import DomainError
from shequgang.points.models import Account, Goods, Order, Transaction
from shequgang.points.reconcile import reconcile
from shequgang.points.redemptions import order_place
from shequgang.points.services import points_earn
from shequgang.points.tests.factories import fund, make_goods, resident_user

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="row locks under real concurrency need PostgreSQL",
    ),
]


def at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", job())
        except DomainError as exc:
            results[i] = (exc.code, exc.status)
        except Exception as exc:  # shown by the assertions
            results[i] = (repr(exc), None)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def codes(results):
    out: dict[str, int] = {}
    for code, _ in results:
        out[code] = out.get(code, 0) + 1
    return out


def test_fifty_redemptions_from_points_for_ten(world):
    user = resident_user()
    fund(user, world.community_a, 100)
    goods = make_goods(world.users["worker_a"], world.community_a, price=10, stock=1000)

    def redeem(i):
        return lambda: (
            order_place(actor=user, user=user, goods=goods, idempotency_key=f"t50-{i}").order.pk
        )

    results = at_once([redeem(i) for i in range(50)])
    assert codes(results) == {"ok": 10, "insufficient_points": 40}, results
    assert all(status == 409 for code, status in results if code != "ok")
    assert Account.objects.get(owner=user).balance == 0
    assert Order.objects.count() == 10
    assert Goods.objects.get(pk=goods.pk).stock == 990
    assert reconcile().ok


def test_twenty_people_for_the_last_item(world):
    goods = make_goods(world.users["worker_a"], world.community_a, price=10, stock=1)
    people = [resident_user() for _ in range(20)]
    for p in people:
        fund(p, world.community_a, 10)

    def redeem(p):
        return lambda: (
            order_place(actor=p, user=p, goods=goods, idempotency_key=f"last-{p.pk}").order.pk
        )

    results = at_once([redeem(p) for p in people])
    assert codes(results) == {"ok": 1, "out_of_stock": 19}, results
    assert Goods.objects.get(pk=goods.pk).stock == 0
    assert (
        sorted(Account.objects.filter(owner__in=people).values_list("balance", flat=True))
        == [0] + [10] * 19
    )
    assert reconcile().ok


def test_one_key_sent_by_ten_retries_at_once_is_one_order(world):
    user = resident_user()
    fund(user, world.community_a, 100)
    goods = make_goods(world.users["worker_a"], world.community_a, price=10, stock=100)

    def retry():
        return order_place(actor=user, user=user, goods=goods, idempotency_key="retry").order.pk

    results = at_once([retry for _ in range(10)])
    assert codes(results) == {"ok": 10}, results
    assert len({pk for _, pk in results}) == 1
    assert Account.objects.get(owner=user).balance == 90
    assert Order.objects.count() == 1


def test_one_earning_event_sent_ten_times_at_once_is_applied_once(world):
    user = resident_user()

    def earn():
        return points_earn(
            actor=None,
            user=user,
            community=world.community_a,
            amount=7,
            source="activity",
            source_ref="activity:9",
            reason="活动",
            idempotency_key="activity:9:user",
        ).pk

    results = at_once([earn for _ in range(10)])
    assert codes(results) == {"ok": 10}, results
    assert len({pk for _, pk in results}) == 1
    assert Account.objects.get(owner=user).balance == 7
    assert Transaction.objects.filter(idempotency_key="activity:9:user").count() == 1
