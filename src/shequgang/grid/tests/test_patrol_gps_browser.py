"""The patrol page's GPS state in a real headless Chromium: 定位中 until a fix, then the
fix's accuracy in metres, or 无法定位 with the reason — never "±0 米"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from shequgang.browser_testing import BROWSER_MARKS, chromium
from shequgang.grid.patrols import patrol_start
from shequgang.testing import build_world

pytestmark = [
    *BROWSER_MARKS,
    # Like the other transactional tests: the migrations' rows are put back after it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def _patrol_page(browser: Any, base_url: str, *, permissions: list[str], fix: Any) -> Any:
    world = build_world()
    worker = world.users["grid_a1"]
    patrol_start(actor=worker)
    client = Client()
    client.force_login(worker)
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        permissions=permissions,
        geolocation=fix,
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    page = context.new_page()
    page.goto("/grid/patrol/")
    return page


def test_a_fix_shows_its_accuracy_in_metres(live_server, browser):
    # Given a grid worker on patrol whose phone reports a fix accurate to 12 m
    fix = {"latitude": 37.52, "longitude": 111.14, "accuracy": 12}
    page = _patrol_page(browser, live_server.url, permissions=["geolocation"], fix=fix)
    # then the page says so, in metres, and fills the report form's position
    status = page.locator("#gps-status")
    status.filter(has_text="精度 12 米").wait_for()
    assert "±" not in status.inner_text()
    assert page.input_value("input[name=latitude]") == "37.520000"


def test_a_refused_permission_says_why_it_cannot_locate(live_server, browser):
    # Given a phone that did not allow the site to use its position
    page = _patrol_page(browser, live_server.url, permissions=[], fix=None)
    # then the state is 无法定位 with the reason
    page.locator("#gps-status").filter(has_text="无法定位：未允许").wait_for()
