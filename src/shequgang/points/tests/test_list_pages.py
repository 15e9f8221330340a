"""Every points list endpoint answers one page envelope ({count, limit, offset, items})
and refuses a limit or offset outside the bounds with a 4xx code and message."""

from __future__ import annotations

import pytest

from shequgang.apikit.pagination import MAX_LIMIT
from shequgang.apikit.testing import api_client
from shequgang.points.models import Account
from shequgang.points.tests.factories import fund, resident_user


@pytest.fixture
def funded(world):
    user = resident_user("zhangsan")
    for amount in (5, 6, 7):  # three earnings: three entries on the person's account
        fund(user, world.community_a, amount)
    return user


def _urls(world, user) -> list[str]:
    account = Account.objects.get(owner=user, community=world.community_a)
    return [
        f"/points/accounts/{account.pk}/entries",
        "/points/orders",
        f"/points/communities/{world.community_a.pk}/ledger",
        f"/points/communities/{world.community_a.pk}/orders",
    ]


def _client(world, user, url):
    return api_client(
        user
        if url.startswith("/points/accounts") or url == "/points/orders"
        else world.users["worker_a"]
    )


def test_each_list_is_a_page_envelope_and_limits_are_bounded(world, funded):
    for url in _urls(world, funded):
        client = _client(world, funded, url)
        page = client.get(url, {"limit": MAX_LIMIT})
        assert page.status_code == 200, (url, page.content)
        assert set(page.json()) == {"count", "limit", "offset", "items"}
        assert (page.json()["limit"], page.json()["offset"]) == (MAX_LIMIT, 0)
        for bad in ({"limit": MAX_LIMIT + 1}, {"limit": 0}, {"offset": -1}, {"limit": "x"}):
            refused = client.get(url, bad)
            assert refused.status_code == 422, (url, bad)
            assert refused.json()["code"] == "invalid_input" and refused.json()["message"]


def test_the_count_is_every_entry_whatever_the_page(world, funded):
    account = Account.objects.get(owner=funded, community=world.community_a)
    client = api_client(funded)
    url = f"/points/accounts/{account.pk}/entries"

    first = client.get(url, {"limit": 2}).json()
    last = client.get(url, {"limit": 2, "offset": 2}).json()
    past = client.get(url, {"limit": 2, "offset": 3}).json()

    assert (first["count"], len(first["items"])) == (3, 2)
    assert (last["count"], len(last["items"])) == (3, 1)
    assert (past["count"], past["items"]) == (3, [])
    amounts = [e["amount"] for e in first["items"] + last["items"]]
    assert sorted(amounts) == [5, 6, 7]
