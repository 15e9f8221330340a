"""``/``: the public front for visitors (services with their state before any form, the
activities, how to register), residents to their home, staff to theirs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from shequgang.testing import World
from shequgang.veterans.tests.factories import beijing, ensure_2026_program

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("instant", "state", "words"),
    [
        (beijing(2026, 4, 30, 12), "not_open", "尚未开始"),
        (beijing(2026, 6, 1), "open", "申报中"),
        (beijing(2026, 8, 1), "closed", "已截止"),
    ],
)
def test_a_visitor_sees_the_services_and_the_veterans_window(
    client: Client, monkeypatch: pytest.MonkeyPatch, instant, state, words
) -> None:
    # Given the 2026 veterans programme
    ensure_2026_program()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    # When an anonymous visitor opens the site
    r = client.get("/")
    # Then the front shows the programme's window as it stands, and how to register
    page = r.content.decode()
    assert r.status_code == 200
    assert f'data-window="{state}"' in page and words in page
    assert "2026年5月1日0时至2026年7月31日24时" in page
    assert 'href="/signup/"' in page and "/login/" in page
    assert "rs-tabs" not in page  # no tab bar for a visitor


def test_a_resident_lands_on_their_home(client: Client, resident) -> None:
    client.force_login(resident)
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == "/me/"


def test_staff_land_where_they_did(client: Client, world: World) -> None:
    client.force_login(world.users["grid_a1"])
    r = client.get("/")
    page = r.content.decode()
    assert r.status_code == 200 and "rs-tabs" not in page
    assert 'class="topbar"' in page  # the staff base, with its menu


def test_the_resident_pages_send_staff_home_and_visitors_to_login(
    client: Client, world: World
) -> None:
    assert client.get("/me/")["Location"].startswith("/login/")
    client.force_login(world.users["grid_a1"])
    assert client.get("/me/items/")["Location"] == "/"
