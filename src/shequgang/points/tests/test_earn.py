"""Earning: rules as data, caps applied partially at their boundaries, idempotency."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from shequgang.errors import DomainError
from shequgang.points.models import (
    Account,
    AccountKind,
    EarningRule,
    Entry,
    Policy,
    Source,
    Transaction,
)
from shequgang.points.services import points_award, points_earn
from shequgang.points.tests.factories import NOON, resident_user


def earn(world, user, key, *, now=NOON, **kw):
    args: dict[str, Any] = {"amount": 10} if "rule_code" not in kw and "amount" not in kw else {}
    return points_earn(
        actor=world.users["worker_a"],
        user=user,
        community=world.community_a,
        source=kw.pop("source", Source.ACTIVITY),
        source_ref="activity:1",
        reason="参加活动",
        idempotency_key=key,
        now=now,
        **args,
        **kw,
    )


def balance(user, community):
    return Account.objects.get(owner=user, community=community).balance


def set_caps(community, daily=None, monthly=None):
    Policy.objects.update_or_create(
        community=community, defaults={"daily_cap": daily, "monthly_cap": monthly}
    )


def test_earning_moves_points_from_issuance_and_sums_to_zero(world):
    user = resident_user()
    txn = earn(world, user, "k1", amount=15)
    assert txn.amount == 15 and txn.capped == 0
    assert balance(user, world.community_a) == 15
    issuance = Account.objects.get(community=world.community_a, kind=AccountKind.ISSUANCE)
    assert issuance.balance == -15
    assert sorted(e.amount for e in txn.entries.all()) == [-15, 15]
    entry = txn.entries.get(account__kind=AccountKind.PERSON)
    assert (entry.reason, entry.source, entry.source_ref) == ("参加活动", "activity", "activity:1")


def test_replaying_a_key_returns_the_first_transaction_and_moves_nothing(world):
    user = resident_user()
    first = earn(world, user, "same-key", amount=10)
    again = earn(world, user, "same-key", amount=10)
    assert again.pk == first.pk
    assert balance(user, world.community_a) == 10
    assert Transaction.objects.filter(idempotency_key="same-key").count() == 1


def test_a_key_reused_for_another_person_is_refused(world):
    earn(world, resident_user(), "k-shared", amount=10)
    with pytest.raises(DomainError) as exc:
        earn(world, resident_user(), "k-shared", amount=10)
    assert exc.value.code == "idempotency_key_reused"


def test_default_rules_are_data_per_event_and_per_hour(world):
    user = resident_user()
    assert earn(world, user, "e1", rule_code="activity").amount == 10
    # 5 points an hour, whole points rounded down: 2.5 h -> 12.
    txn = earn(world, user, "e2", rule_code="volunteer_hour", hours=Decimal("2.5"))
    assert txn.amount == 12 and txn.rule.code == "volunteer_hour"


def test_a_community_rule_replaces_the_default(world):
    EarningRule.objects.create(
        community=world.community_a, code="activity", name="本社区活动", source="activity", points=3
    )
    assert earn(world, resident_user(), "c1", rule_code="activity").amount == 3
    EarningRule.objects.filter(community=world.community_a).update(active=False)
    with pytest.raises(DomainError) as exc:
        earn(world, resident_user(), "c2", rule_code="activity")
    assert exc.value.code == "unknown_rule"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"rule_code": "volunteer_hour"}, "hours_required"),
        ({"rule_code": "volunteer_hour", "hours": 0}, "invalid_hours"),
        ({"rule_code": "volunteer_hour", "hours": 25}, "invalid_hours"),
        ({"rule_code": "activity", "hours": 1}, "hours_not_applicable"),
        ({"rule_code": "nope"}, "unknown_rule"),
        ({"amount": 0}, "invalid_amount"),
        ({"amount": -5}, "invalid_amount"),
        ({"amount": 10, "rule_code": "activity"}, "amount_or_rule"),
        ({"amount": 5, "source": "redemption"}, "invalid_source"),
        ({"amount": 5, "source": "manual"}, "invalid_source"),
    ],
)
def test_bad_input_writes_nothing(world, kw, code):
    with pytest.raises(DomainError) as exc:
        earn(world, resident_user(), "bad", **kw)
    assert exc.value.code == code
    assert not Transaction.objects.exists() and not Entry.objects.exists()


def test_daily_cap_exactly_at_the_cap_then_one_over(world):
    set_caps(world.community_a, daily=30)
    user = resident_user()
    assert earn(world, user, "d1", amount=20).amount == 20
    exactly = earn(world, user, "d2", amount=10)  # reaches the cap exactly
    assert (exactly.amount, exactly.capped) == (10, 0)
    over = earn(world, user, "d3", amount=1)  # one over
    assert (over.amount, over.capped, over.requested) == (0, 1, 1)
    assert not over.entries.exists()
    assert balance(user, world.community_a) == 30


def test_the_cap_is_applied_partially(world):
    set_caps(world.community_a, daily=30)
    user = resident_user()
    earn(world, user, "p1", amount=25)
    partial = earn(world, user, "p2", amount=10)
    assert (partial.amount, partial.capped) == (5, 5)
    assert balance(user, world.community_a) == 30


def test_the_day_is_the_beijing_day(world):
    set_caps(world.community_a, daily=10)
    user = resident_user()
    late = dt.datetime(2026, 11, 10, 15, 59, tzinfo=dt.UTC)  # 23:59 Beijing
    next_day = dt.datetime(2026, 11, 10, 16, 0, tzinfo=dt.UTC)  # 00:00 next day
    assert earn(world, user, "n1", amount=10, now=late).amount == 10
    assert earn(world, user, "n2", amount=10, now=late).amount == 0
    assert earn(world, user, "n3", amount=10, now=next_day).amount == 10


def test_monthly_cap_counts_the_whole_month(world):
    set_caps(world.community_a, daily=None, monthly=25)
    user = resident_user()
    earn(world, user, "m1", amount=20, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert earn(world, user, "m2", amount=10, now=NOON).amount == 5
    december = dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)  # 1 Dec, Beijing
    assert earn(world, user, "m3", amount=10, now=december).amount == 10


def test_caps_are_per_community(world):
    set_caps(world.community_a, daily=10)
    user = resident_user()
    earn(world, user, "x1", amount=10)
    other = points_earn(
        actor=None,
        user=user,
        community=world.community_b,
        amount=10,
        source=Source.ACTIVITY,
        source_ref="",
        reason="外社区活动",
        idempotency_key="x2",
        now=NOON,
    )
    assert other.amount == 10


def test_not_a_community(world):
    with pytest.raises(DomainError) as exc:
        points_earn(
            actor=None,
            user=resident_user(),
            community=world.compound_a,
            amount=1,
            source=Source.ACTIVITY,
            source_ref="",
            reason="x",
            idempotency_key="nc",
        )
    assert exc.value.code == "not_a_community"


def test_who_may_award_by_hand_is_on_the_rule(world):
    user = resident_user()
    txn = points_award(
        actor=world.users["worker_a"],
        user=user,
        community=world.community_a,
        rule_code="deliberation",
        reason="参加议事",
        idempotency_key="aw1",
    )
    assert txn.amount == 5 and txn.source == "deliberation"
    for persona in ("grid_a1", "secretary_b", "nobody"):
        with pytest.raises(DomainError) as exc:
            points_award(
                actor=world.users[persona],
                user=user,
                community=world.community_a,
                rule_code="deliberation",
                reason="参加议事",
                idempotency_key=f"aw-{persona}",
            )
        assert exc.value.code == "forbidden"
    EarningRule.objects.filter(code="deliberation").update(awarded_by=["community_secretary"])
    with pytest.raises(DomainError):
        points_award(
            actor=world.users["worker_a"],
            user=user,
            community=world.community_a,
            rule_code="deliberation",
            reason="参加议事",
            idempotency_key="aw2",
        )


def test_balance_of(world):
    from shequgang.points.selectors import balance_of

    user = resident_user()
    assert balance_of(user_id=user.pk, community=world.community_a) == 0
    earn(world, user, "b1", amount=12)
    assert balance_of(user_id=user.pk, community=world.community_a) == 12


def test_nobody_awards_points_to_themselves(world):
    worker = world.users["worker_a"]
    with pytest.raises(DomainError) as exc:
        points_award(
            actor=worker,
            user=worker,
            community=world.community_a,
            rule_code="deliberation",
            reason="参加议事",
            idempotency_key="self",
        )
    assert exc.value.code == "forbidden"
    assert not Transaction.objects.filter(idempotency_key="self").exists()
