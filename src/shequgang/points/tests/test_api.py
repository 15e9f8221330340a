"""The points API: a resident's accounts, catalogue and orders (with Idempotency-Key),
the staff ledger and its scope, awards, adjustments, reversals, the catalogue."""

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from shequgang.apikit.testing import api_client
from shequgang.points.models import Account, Order, Transaction
from shequgang.points.tests.factories import fund, make_goods, resident_user


@pytest.fixture
def resident(world):
    user = resident_user("zhangsan")
    fund(user, world.community_a, 30)
    return user


@pytest.fixture
def goods(world):
    return make_goods(world.users["worker_a"], world.community_a, price=10, stock=3, name="毛巾")


def balance(user, world):
    return Account.objects.get(owner=user, community=world.community_a).balance


def test_a_resident_sees_their_accounts_and_the_catalogue(world, resident, goods):
    client = api_client(resident, "token")
    accounts = client.get("/points/accounts").json()
    assert [(a["community"], a["balance"]) for a in accounts] == [("城东社区", 30)]
    items = client.get(f"/points/communities/{world.community_a.pk}/goods").json()
    assert [(g["name"], g["price"], g["stock"]) for g in items] == [("毛巾", 10, 3)]
    entries = client.get(f"/points/accounts/{accounts[0]['id']}/entries").json()
    assert [e["amount"] for e in entries["items"]] == [30]
    assert client.get(f"/points/communities/{world.compound_a.pk}/goods").status_code == 404


def test_redeeming_with_a_retried_key_places_one_order(world, resident, goods):
    client = api_client(resident, "token")
    headers = {"Idempotency-Key": "tap-1"}
    first = client.post("/points/orders", {"goods_id": goods.pk}, headers=headers)
    assert first.status_code == 201, first.json()
    again = client.post("/points/orders", {"goods_id": goods.pk}, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert balance(resident, world) == 20 and Order.objects.count() == 1
    changed = client.post("/points/orders", {"goods_id": goods.pk, "quantity": 2}, headers=headers)
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_key_reused"


def test_insufficient_points_and_stock_are_clean_409s(world, resident, goods):
    client = api_client(resident)
    short = client.post("/points/orders", {"goods_id": goods.pk, "quantity": 4})
    assert short.status_code == 409 and short.json()["code"] == "insufficient_points"
    fund(resident, world.community_a, 100)
    out = client.post("/points/orders", {"goods_id": goods.pk, "quantity": 4})
    assert out.status_code == 409 and out.json()["code"] == "out_of_stock"
    assert client.post("/points/orders", {}).status_code == 400
    assert client.post("/points/orders", {"goods_id": 10**12}).status_code == 404
    assert client.post("/points/orders", {"goods_id": goods.pk, "quantity": 0}).status_code == 422


def test_order_cancel_and_confirm_by_whom(world, resident, goods):
    client = api_client(resident)
    order = client.post("/points/orders", {"goods_id": goods.pk}).json()
    stranger = api_client(resident_user())
    assert stranger.get(f"/points/orders/{order['id']}").status_code == 404
    assert stranger.post(f"/points/orders/{order['id']}/cancel", {}).status_code == 404
    assert client.post(f"/points/orders/{order['id']}/confirm").status_code == 403
    other_desk = api_client(world.users["secretary_b"])
    assert other_desk.post(f"/points/orders/{order['id']}/confirm").status_code == 404
    desk = api_client(world.users["worker_a"])
    done = desk.post(f"/points/orders/{order['id']}/confirm")
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    again = client.post(f"/points/orders/{order['id']}/cancel", {"reason": "晚了"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    second = client.post("/points/orders", {"goods_id": goods.pk}).json()
    cancelled = client.post(f"/points/orders/{second['id']}/cancel", {"reason": "不要了"})
    assert cancelled.json()["status"] == "cancelled"
    assert balance(resident, world) == 20
    mine = client.get("/points/orders").json()
    assert mine["count"] == 2


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary_a", 200),
        ("worker_a", 200),
        ("town_a_staff", 200),
        ("county_a_command", 200),
        ("city_admin", 200),
        ("secretary_b", 404),
        ("grid_a1", 404),
        ("nobody", 404),
    ],
)
def test_the_staff_ledger_is_scoped(world, resident, persona, status):
    client = api_client(world.users[persona])
    response = client.get(f"/points/communities/{world.community_a.pk}/ledger")
    assert response.status_code == status


def test_ledger_filters_and_export(world, resident, goods):
    api_client(resident).post("/points/orders", {"goods_id": goods.pk})
    client = api_client(world.users["secretary_a"])
    base = f"/points/communities/{world.community_a.pk}/ledger"
    holds = client.get(base, {"kind": "hold", "account_kind": "person"}).json()
    assert [e["amount"] for e in holds["items"]] == [-10]
    mine = client.get(base, {"owner": "zhangsan"}).json()
    assert sorted(e["amount"] for e in mine["items"]) == [-10, 30]
    assert client.get(base, {"kind": "bogus"}).status_code == 422
    export = client.get(base + ".xlsx", {"owner": "zhangsan"})
    assert export.status_code == 200
    sheet: Any = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and len(rows) == 3
    assert sorted(r[8] for r in rows[1:]) == [-10, 30]


def test_awards_by_rule_with_a_retried_key(world):
    person = resident_user()
    client = api_client(world.users["worker_a"], "token")
    url = f"/points/communities/{world.community_a.pk}/awards"
    body = {"user_id": person.pk, "rule_code": "volunteer_hour", "hours": "2", "reason": "敬老"}
    first = client.post(url, body, headers={"Idempotency-Key": "aw-1"})
    assert first.status_code == 201 and first.json()["amount"] == 10
    again = client.post(url, body, headers={"Idempotency-Key": "aw-1"})
    assert again.json()["id"] == first.json()["id"]
    assert balance(person, world) == 10
    grid = api_client(world.users["grid_a1"])
    assert grid.post(url, body).status_code == 404


def test_adjustment_needs_a_second_person_through_the_api(world):
    person = resident_user()
    secretary = api_client(world.users["secretary_a"])
    adj = secretary.post(
        f"/points/communities/{world.community_a.pk}/adjustments",
        {"user_id": person.pk, "amount": 40, "reason": "补录"},
    )
    assert adj.status_code == 201
    own = secretary.post(f"/points/adjustments/{adj.json()['id']}/approve")
    assert own.status_code == 403 and own.json()["code"] == "approver_must_differ"
    town = api_client(world.users["town_a_staff"])
    ok = town.post(f"/points/adjustments/{adj.json()['id']}/approve")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert balance(person, world) == 40
    txn_id = ok.json()["transaction_id"]
    assert (
        api_client(world.users["worker_a"])
        .post(f"/points/transactions/{txn_id}/reverse", {"reason": "误发"})
        .status_code
        == 404
    )
    rev = secretary.post(f"/points/transactions/{txn_id}/reverse", {"reason": "误发"})
    assert rev.status_code == 201 and rev.json()["reverses_id"] == txn_id
    assert balance(person, world) == 0
    assert Transaction.objects.count() == 2


def test_catalogue_upkeep(world):
    desk = api_client(world.users["worker_a"])
    created = desk.post(
        f"/points/communities/{world.community_a.pk}/goods",
        {"name": "食用油", "price": 50, "stock": 2},
    )
    assert created.status_code == 201
    gid = created.json()["id"]
    restocked = desk.patch(f"/points/goods/{gid}", {"name": "食用油", "price": 60, "restock": 3})
    assert restocked.json()["stock"] == 5 and restocked.json()["price"] == 60
    too_many = desk.patch(f"/points/goods/{gid}", {"name": "食用油", "price": 60, "restock": -6})
    assert too_many.status_code == 400 and too_many.json()["code"] == "out_of_stock"
    assert (
        api_client(world.users["county_a_command"])
        .patch(f"/points/goods/{gid}", {"name": "x", "price": 1})
        .status_code
        == 404
    )


def test_openapi_lists_the_points_api(world):
    doc = api_client(world.users["nobody"]).get("/openapi.json").json()
    assert "/api/v1/points/orders" in doc["paths"]
    assert "/api/v1/points/communities/{community_id}/ledger.xlsx" in doc["paths"]


def test_anonymous_is_401(world):
    assert api_client(None).get("/points/accounts").status_code == 401


def test_retried_adjustment_and_goods_posts_create_one_row(world):
    """Creating POSTs honour Idempotency-Key: a retry returns the first response."""
    from shequgang.points.models import Adjustment, Goods

    person = resident_user()
    secretary = api_client(world.users["secretary_a"])
    url = f"/points/communities/{world.community_a.pk}/adjustments"
    body = {"user_id": person.pk, "amount": 40, "reason": "补录"}
    first = secretary.post(url, body, headers={"Idempotency-Key": "adj-1"})
    again = secretary.post(url, body, headers={"Idempotency-Key": "adj-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Adjustment.objects.count() == 1
    url = f"/points/communities/{world.community_a.pk}/goods"
    body = {"name": "食用油", "price": 50, "stock": 2}
    first = secretary.post(url, body, headers={"Idempotency-Key": "goods-1"})
    again = secretary.post(url, body, headers={"Idempotency-Key": "goods-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Goods.objects.filter(name="食用油").count() == 1
