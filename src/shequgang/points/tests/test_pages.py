"""Pages: the resident's statement and shop (a double-submitted form redeems once), the
staff ledger and its scope, export, awards, the pick-up desk, the catalogue with photos."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shequgang.points.models import Account, Goods, Order, OrderStatus
from shequgang.points.tests.factories import fund, make_goods, resident_user


@pytest.fixture
def resident(world):
    user = resident_user("lisi")
    fund(user, world.community_a, 30)
    return user


@pytest.fixture
def goods(world):
    return make_goods(world.users["worker_a"], world.community_a, price=10, stock=3, name="肥皂")


def shop_key(html):
    found = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    assert found is not None
    return found.group(1)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_statement_shows_balance_entries_and_orders(client, world, resident, goods):
    signed_in(client, resident)
    page = client.get("/points/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "城东社区" in html and "<strong>30</strong>" in html and "测试发放" in html
    assert 'href="/points/"' in html  # the nav link


def test_a_double_submitted_redeem_form_places_one_order(client, world, resident, goods):
    signed_in(client, resident)
    shop = client.get(f"/points/shop/{world.community_a.pk}/").content.decode()
    key = shop_key(shop)
    url = f"/points/shop/{world.community_a.pk}/redeem/"
    form = {"key": key, "goods": goods.pk, "quantity": "1"}
    first = client.post(url, form, follow=True)
    assert "兑换成功" in first.content.decode()
    second = client.post(url, form, follow=True)
    assert "没有重复扣分" in second.content.decode()
    assert Order.objects.count() == 1
    assert Account.objects.get(owner=resident).balance == 20
    short = client.post(url, {**form, "key": "a" * 32, "quantity": "3"}, follow=True)
    assert "积分不足" in short.content.decode()
    bad = client.post(url, {**form, "key": "not-a-key"}, follow=True)
    assert "页面已过期" in bad.content.decode()


def test_a_resident_cancels_their_own_held_order(client, world, resident, goods):
    signed_in(client, resident)
    shop = client.get(f"/points/shop/{world.community_a.pk}/").content.decode()
    key = shop_key(shop)
    client.post(f"/points/shop/{world.community_a.pk}/redeem/", {"key": key, "goods": goods.pk})
    order = Order.objects.get()
    client.post(f"/points/orders/{order.pk}/cancel/")
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert Account.objects.get(owner=resident).balance == 30
    other = signed_in(client, resident_user())
    assert other.post(f"/points/orders/{order.pk}/cancel/").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("secretary_a", 200), ("county_a_command", 200), ("secretary_b", 404), ("grid_a1", 404)],
)
def test_the_ledger_page_is_scoped(client, world, resident, persona, status):
    signed_in(client, world.users[persona])
    assert client.get(f"/points/staff/{world.community_a.pk}/ledger/").status_code == status


def test_ledger_filters_partial_and_export(client, world, resident):
    signed_in(client, world.users["secretary_a"])
    url = f"/points/staff/{world.community_a.pk}/ledger/"
    partial = client.get(url, {"owner": "lisi"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert html.startswith('<div id="ledger-rows">') and "lisi" in html
    none = client.get(url, {"owner": "nobody-here"}).content.decode()
    assert "没有符合条件的记录" in none
    export = client.get(f"/points/staff/{world.community_a.pk}/ledger.xlsx", {"owner": "lisi"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")


def test_award_from_the_ledger_page(client, world):
    person = resident_user("wangwu")
    signed_in(client, world.users["worker_a"])
    url = f"/points/staff/{world.community_a.pk}/award/"
    form = {"username": "wangwu", "rule_code": "activity", "reason": "清洁家园", "key": "b" * 32}
    done = client.post(url, form, follow=True)
    assert "已发放 10 分" in done.content.decode()
    client.post(url, form)  # resubmitted
    assert Account.objects.get(owner=person).balance == 10
    unknown = client.post(url, {**form, "username": "nobody-here", "key": "c" * 32})
    assert unknown.status_code == 400 and "找不到该用户名" in unknown.content.decode()


def test_the_desk_confirms_a_pick_up_with_htmx(client, world, resident, goods):
    from shequgang.points.redemptions import order_place

    order = order_place(actor=resident, user=resident, goods=goods, idempotency_key="d1").order
    signed_in(client, world.users["worker_a"])
    desk = client.get(f"/points/staff/{world.community_a.pk}/orders/", {"code": order.code})
    assert order.code in desk.content.decode()
    row = client.post(f"/points/staff/orders/{order.pk}/confirm/", headers={"HX-Request": "true"})
    assert row.status_code == 200 and "已领取" in row.content.decode()
    assert Order.objects.get().status == OrderStatus.CONFIRMED
    signed_in(client, world.users["county_a_command"])  # views, but no desk
    assert client.get(f"/points/staff/{world.community_a.pk}/orders/").status_code == 404


def _png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile("soap.png", out.getvalue(), content_type="image/png")


def test_catalogue_admin_with_a_photo(client, world):
    signed_in(client, world.users["worker_a"])
    url = f"/points/staff/{world.community_a.pk}/goods/"
    made = client.post(
        url, {"name": "香皂", "price": "8", "stock": "5", "active": "on", "photo": _png()}
    )
    assert made.status_code == 302
    goods = Goods.objects.get(name="香皂")
    assert goods.photo and goods.photo.name.endswith(".png")
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    bad = client.post(url, {"name": "毛巾", "price": "8", "stock": "5", "photo": fake})
    assert bad.status_code == 400 and "不是有效的图片" in bad.content.decode()
    edit = client.post(
        f"/points/staff/goods/{goods.pk}/",
        {"name": "香皂", "price": "9", "restock": "2", "active": "on"},
    )
    assert edit.status_code == 302
    goods.refresh_from_db()
    assert (goods.price, goods.stock) == (9, 7)


def test_a_merchant_operator_confirms_at_the_counter(client, world, resident):
    from shequgang.points.catalogue import merchant_create
    from shequgang.points.redemptions import order_place

    operator = resident_user("shop-owner")
    merchant = merchant_create(
        actor=world.users["secretary_a"],
        community=world.community_a,
        name="红色合作伙伴·理发店",
        operators=[operator],
    )
    order = order_place(
        actor=resident, user=resident, merchant=merchant, points=12, idempotency_key="mm"
    ).order
    signed_in(client, resident)
    assert client.get("/points/merchant/").status_code == 404
    signed_in(client, operator)
    page = client.get("/points/merchant/").content.decode()
    assert order.code in page
    client.post("/points/merchant/", {"order": order.pk})
    assert Order.objects.get().status == OrderStatus.CONFIRMED
    assert Account.objects.get(merchant=merchant).balance == 12


def test_garbage_ids_in_forms_are_no_500(client, world, resident, goods):
    from shequgang.points.catalogue import merchant_create

    operator = resident_user("shop-owner")
    merchant_create(
        actor=world.users["secretary_a"],
        community=world.community_a,
        name="红色合作伙伴·理发店",
        operators=[operator],
    )
    signed_in(client, resident)
    url = f"/points/shop/{world.community_a.pk}/redeem/"
    for value in ("99999999999999999999999", "x1"):
        response = client.post(url, {"key": "b" * 32, "goods": value})
        assert response.status_code == 302, value
    assert not Order.objects.exists()
    signed_in(client, operator)
    for value in ("99999999999999999999999", "abc", "x", "²", "1.5", "99999999999999999999"):
        assert client.post("/points/merchant/", {"order": value}).status_code == 404, value
