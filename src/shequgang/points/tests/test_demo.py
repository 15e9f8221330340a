"""The demo points load through the real services, once."""

from django.contrib.auth.models import User
from django.core.management import call_command

from shequgang.people.roles import Role
from shequgang.people.services import role_grant
from shequgang.points.demo import points_demo_load
from shequgang.points.models import Account, Goods, Order
from shequgang.points.reconcile import reconcile


def test_demo_points_load_once(world):
    worker = User.objects.create_user("chengdong_worker")
    role_grant(actor=world.admin, user=worker, role=Role.COMMUNITY_WORKER, place=world.community_a)
    User.objects.create_user("bindong_central")
    first = points_demo_load()
    assert (first.goods, first.awards, first.orders) == (5, 2, 1)
    call_command("loadpoints")
    assert Goods.objects.count() == 5 and Order.objects.count() == 1
    # 10 for the activity + 3 h x 5 = 25, less the towel held (15).
    assert Account.objects.get(owner__username="bindong_central").balance == 10
    assert reconcile().ok
