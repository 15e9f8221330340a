"""Optional expiry: old unused points expire once per community and period."""

import datetime as dt

from django.core.management import call_command

from shequgang.points.expiry import points_expire
from shequgang.points.models import Account, AccountKind, ExpiryRun, Policy
from shequgang.points.reconcile import reconcile
from shequgang.points.redemptions import order_place
from shequgang.points.tests.factories import fund, make_goods, resident_user

JAN = dt.datetime(2026, 1, 15, 4, tzinfo=dt.UTC)
JUN = dt.datetime(2026, 6, 15, 4, tzinfo=dt.UTC)
DEC = dt.datetime(2026, 12, 15, 4, tzinfo=dt.UTC)


def balance(user, world):
    return Account.objects.get(owner=user, community=world.community_a).balance


def test_points_older_than_n_months_expire_oldest_first(world):
    user = resident_user()
    fund(user, world.community_a, 30, at=JAN)
    fund(user, world.community_a, 20, at=JUN)
    Policy.objects.filter(community=world.community_a).update(expiry_months=6)
    goods = make_goods(world.users["worker_a"], world.community_a, price=10)
    order_place(actor=user, user=user, goods=goods, idempotency_key="o", now=JUN)
    # December, 6 months: earned before 1 June expires. 30 old, 10 used -> 20 expire.
    result = points_expire(community=world.community_a, period="2026-12", now=DEC)
    assert result.created and result.run is not None and result.run.points == 20
    assert balance(user, world) == 20
    expiry = Account.objects.get(community=world.community_a, kind=AccountKind.EXPIRY)
    assert expiry.balance == 20
    # The same period again does nothing.
    again = points_expire(community=world.community_a, period="2026-12", now=DEC)
    assert not again.created and balance(user, world) == 20
    assert ExpiryRun.objects.count() == 1
    assert reconcile().ok


def test_no_expiry_configured_does_nothing(world):
    user = resident_user()
    fund(user, world.community_a, 30, at=JAN)
    assert points_expire(community=world.community_a, period="2026-12").run is None
    assert balance(user, world) == 30


def test_the_boundary_month(world):
    user = resident_user()
    first_of_june = dt.datetime(2026, 5, 31, 16, 0, tzinfo=dt.UTC)  # 1 June 00:00 Beijing
    fund(user, world.community_a, 7, at=first_of_june - dt.timedelta(seconds=1))
    fund(user, world.community_a, 5, at=first_of_june)
    Policy.objects.filter(community=world.community_a).update(expiry_months=6)
    call_command("expire_points", period="2026-12", community=world.community_a.pk)
    assert balance(user, world) == 5
