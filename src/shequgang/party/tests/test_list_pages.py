"""Every party list endpoint answers one page envelope ({count, limit, offset, items})
and refuses a limit or offset outside the bounds with a 4xx code and message."""

from __future__ import annotations

import pytest

from shequgang.apikit.pagination import MAX_LIMIT
from shequgang.apikit.testing import api_client
from shequgang.party.tests.conftest import Party

URLS = [
    "/party/members",
    "/party/units",
    "/party/pairings",
    "/party/responsibilities",
    "/party/responsibilities/cases",
    "/party/activities",
]


@pytest.mark.parametrize("url", URLS)
def test_a_list_is_a_page_envelope_with_bounded_limits(party: Party, url: str) -> None:
    client = api_client(party.world.users["secretary_a"])

    page = client.get(url, {"limit": MAX_LIMIT})

    assert page.status_code == 200, page.content
    assert set(page.json()) == {"count", "limit", "offset", "items"}
    assert (page.json()["limit"], page.json()["offset"]) == (MAX_LIMIT, 0)
    for bad in ({"limit": MAX_LIMIT + 1}, {"limit": 0}, {"offset": -1}, {"offset": "x"}):
        refused = client.get(url, bad)
        assert refused.status_code == 422, bad
        assert refused.json()["code"] == "invalid_input" and refused.json()["message"]


def test_units_are_counted_across_pages(party: Party) -> None:
    client = api_client(party.world.admin)
    total = client.get("/party/units").json()["count"]
    assert total >= 1

    last = client.get("/party/units", {"limit": 1, "offset": total - 1}).json()
    past = client.get("/party/units", {"limit": 1, "offset": total}).json()

    assert (last["count"], len(last["items"])) == (total, 1)
    assert (past["count"], past["items"]) == (total, [])
