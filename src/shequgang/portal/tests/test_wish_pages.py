"""The resident's 微心愿 pages: post from the 办事 tab, see it, confirm with thanks; an
invalid post changes nothing; someone else's wish is a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from shequgang.needs.tests.test_wishes import member_of
from shequgang.needs.wish_models import Wish, WishStatus
from shequgang.needs.wishes import wish_claim, wish_fulfil, wish_review
from shequgang.portal.tests.conftest import confirmed_resident
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def test_post_a_wish_and_confirm_it_with_thanks(world: World, resident) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(resident)
    services = client.get("/me/services/").content.decode()
    assert "/me/wishes/" in services
    bad = client.post("/me/wishes/", {"type": "hardship", "text": "   "})
    assert bad.status_code == 400 and "请填写心愿内容" in bad.content.decode()
    assert not Wish.objects.exists()
    done = client.post("/me/wishes/", {"type": "hardship", "text": "孩子想要一个新书包"})
    assert done.status_code == 302
    wish = Wish.objects.get()
    assert wish.wisher == resident and wish.status == WishStatus.PENDING_REVIEW
    page = client.get("/me/wishes/").content.decode()
    assert "孩子想要一个新书包" in page and "待审核" in page
    member = member_of(world.community_a)
    wish = wish_review(
        actor=world.users["worker_a"], wish=wish, approve=True, public_text="小学生想要书包"
    )
    wish = wish_claim(actor=member, wish=wish)
    wish_fulfil(actor=member, wish=wish, proof_note="书包已送到")
    page = client.get("/me/wishes/").content.decode()
    assert "确认完成并致谢" in page and "书包已送到" in page
    client.post(f"/me/wishes/{wish.pk}/confirm/", {"thanks": "谢谢叔叔"})
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED and wish.thanks == "谢谢叔叔"
    # another resident gets a 404 for it
    other = Client()
    other.force_login(
        confirmed_resident(world, world.household_a2, name="李四", confirmer="grid_a2")
    )
    assert other.post(f"/me/wishes/{wish.pk}/confirm/", {"thanks": "x"}).status_code == 404
