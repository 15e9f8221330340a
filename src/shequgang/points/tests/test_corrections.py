"""Manual adjustments need a second person; corrections are reversing entries."""

import pytest

from shequgang.errors import DomainError
from shequgang.points.models import Account, AdjustmentStatus, Source, Transaction, TxnKind
from shequgang.points.reconcile import reconcile
from shequgang.points.redemptions import order_place
from shequgang.points.services import (
    adjustment_decide,
    adjustment_request,
    points_earn,
    points_reverse,
)
from shequgang.points.tests.factories import fund, make_goods, resident_user


def balance(user, world):
    return Account.objects.get(owner=user, community=world.community_a).balance


def request(world, user, amount=30, by="worker_a"):
    return adjustment_request(
        actor=world.users[by],
        user=user,
        community=world.community_a,
        amount=amount,
        reason="补录上月活动积分",
    )


def test_an_adjustment_moves_nothing_until_another_person_approves(world):
    user = resident_user()
    adj = request(world, user, by="secretary_a")
    assert balance(user, world) == 0
    with pytest.raises(DomainError) as exc:
        adjustment_decide(actor=world.users["secretary_a"], adjustment=adj, approve=True)
    assert exc.value.code == "approver_must_differ"
    with pytest.raises(DomainError) as exc:  # a worker may request, not approve
        adjustment_decide(actor=world.users["worker_a"], adjustment=adj, approve=True)
    assert exc.value.code == "forbidden"
    done = adjustment_decide(actor=world.users["town_a_staff"], adjustment=adj, approve=True)
    assert done.status == AdjustmentStatus.APPROVED
    assert balance(user, world) == 30
    txn = done.transaction
    assert txn is not None
    assert txn.source == Source.MANUAL and txn.approver == world.users["town_a_staff"]
    assert txn.actor == world.users["secretary_a"]
    with pytest.raises(DomainError) as exc:
        adjustment_decide(actor=world.users["town_a_staff"], adjustment=adj, approve=True)
    assert exc.value.code == "already_decided"
    assert balance(user, world) == 30


def test_rejected_adjustments_move_nothing(world):
    user = resident_user()
    adj = request(world, user)
    adjustment_decide(actor=world.users["secretary_a"], adjustment=adj, approve=False)
    assert balance(user, world) == 0 and not Transaction.objects.exists()


def test_adjustment_limits_and_scope(world):
    user = resident_user()
    assert request(world, user, amount=500).amount == 500  # the default limit
    for amount in (501, -501, 0):
        with pytest.raises(DomainError):
            request(world, user, amount=amount)
    with pytest.raises(DomainError) as exc:
        request(world, user, by="secretary_b")
    assert exc.value.code == "forbidden"


def test_a_deduction_cannot_take_a_balance_below_zero(world):
    user = resident_user()
    fund(user, world.community_a, 10)
    adj = request(world, user, amount=-11)
    with pytest.raises(DomainError) as exc:
        adjustment_decide(actor=world.users["secretary_a"], adjustment=adj, approve=True)
    assert exc.value.code == "insufficient_points"
    assert balance(user, world) == 10
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.PENDING


def test_reversing_an_earning_adds_opposite_entries(world):
    user = resident_user()
    txn = fund(user, world.community_a, 40)
    reversal = points_reverse(actor=world.users["secretary_a"], txn=txn, reason="重复发放")
    assert reversal.kind == TxnKind.REVERSAL and reversal.reverses_id == txn.pk
    assert sorted(e.amount for e in reversal.entries.all()) == [-40, 40]
    assert balance(user, world) == 0
    assert txn.entries.count() == 2  # the original stays
    with pytest.raises(DomainError) as exc:
        points_reverse(actor=world.users["secretary_a"], txn=txn, reason="再次")
    assert exc.value.code == "already_reversed"
    assert reconcile().ok


def test_a_reversed_earning_frees_its_cap(world):
    from shequgang.points.models import Policy

    Policy.objects.create(community=world.community_a, daily_cap=10)
    user = resident_user()

    def earn(key):
        return points_earn(
            actor=None,
            user=user,
            community=world.community_a,
            amount=10,
            source=Source.ACTIVITY,
            source_ref="",
            reason="活动",
            idempotency_key=key,
        )

    first = earn("r1")
    assert earn("r2").amount == 0
    points_reverse(actor=world.users["secretary_a"], txn=first, reason="误发")
    assert earn("r3").amount == 10


def test_spent_points_cannot_be_reversed(world):
    user = resident_user()
    txn = fund(user, world.community_a, 20)
    goods = make_goods(world.users["worker_a"], world.community_a, price=15)
    order_place(actor=user, user=user, goods=goods, idempotency_key="spend")
    with pytest.raises(DomainError) as exc:
        points_reverse(actor=world.users["secretary_a"], txn=txn, reason="误发")
    assert exc.value.code == "insufficient_points"
    assert balance(user, world) == 5


def test_only_earnings_and_adjustments_are_reversed_and_only_by_approvers(world):
    user = resident_user()
    txn = fund(user, world.community_a, 20)
    with pytest.raises(DomainError) as exc:
        points_reverse(actor=world.users["worker_a"], txn=txn, reason="x")
    assert exc.value.code == "forbidden"
    goods = make_goods(world.users["worker_a"], world.community_a, price=5)
    hold = order_place(actor=user, user=user, goods=goods, idempotency_key="h").order.hold
    with pytest.raises(DomainError) as exc:
        points_reverse(actor=world.users["secretary_a"], txn=hold, reason="x")
    assert exc.value.code == "not_reversible"
