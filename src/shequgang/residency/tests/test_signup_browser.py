"""In a real headless Chromium at 390×844: a visitor registers, finding the household
through the picker (search → building → unit → household, htmx under the strict CSP),
sees 待社区认证; a grid worker confirms them from the queue; the resident signs in by
phone and sees they are confirmed. No CSP violation and no horizontal scroll on the way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from shequgang.browser_testing import BROWSER_MARKS, chromium
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.testing import build_world, synthetic_id

pytestmark = BROWSER_MARKS
PASSWORD = "Lvliang-2026-home"
PHONE = (390, 844)


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    with chromium() as b:
        yield b


def new_page(browser: Any, live_server: Any, violations: list[str]) -> Any:
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": PHONE[0], "height": PHONE[1]},
        is_mobile=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


def settled(page: Any) -> None:
    page.locator(".htmx-request, .htmx-swapping, .htmx-settling").first.wait_for(state="detached")


def fits_the_phone(page: Any) -> bool:
    width = page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= PHONE[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_register_on_a_phone_then_confirmed_by_the_grid_worker(
    browser: Any, live_server: Any
) -> None:
    world = build_world()
    worker = world.users["grid_a1"]
    worker.set_password(PASSWORD)
    worker.save(update_fields=["password"])
    violations: list[str] = []

    # Given a visitor on a phone at the registration page
    page = new_page(browser, live_server, violations)
    page.goto("/signup/")
    page.fill("input[name=name]", "刘桂兰")
    page.fill("input[name=phone]", "13512345678")
    page.fill("input[name=id_number]", synthetic_id(birth=dt.date(1948, 2, 3)))
    # When they find the household step by step
    page.fill("#picker-q", "滨东")
    page.get_by_role("button", name="滨东花园小区").click()
    settled(page)
    page.get_by_role("button", name="1号楼").click()
    settled(page)
    page.get_by_role("button", name="1单元").click()
    settled(page)
    page.get_by_label("101").check()
    page.select_option("select[name=relation]", "head")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    assert fits_the_phone(page)
    page.get_by_role("button", name="提交注册").click()
    # Then they are signed in and told they wait for the community
    page.wait_for_url("**/signup/status/")
    page.locator("[data-status=pending]", has_text="待社区认证").wait_for()
    assert "滨东花园小区 1号楼 1单元 101" in page.content()
    assert fits_the_phone(page)
    account = ResidentAccount.objects.get()
    assert account.household == world.household_a1

    # When the grid worker confirms them as a new resident of the household
    staff = new_page(browser, live_server, violations)
    staff.goto("/login/?next=/residency/accounts/")
    staff.fill("input[name=username]", "grid_a1")
    staff.fill("input[name=password]", PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.wait_for_url("**/residency/accounts/")
    staff.get_by_role("link", name="刘桂兰").click()
    staff.get_by_role("button", name="认证并登记为本户新居民").click()
    staff.wait_for_url("**/residency/accounts/")
    account.refresh_from_db()
    assert account.status == AccountStatus.CONFIRMED

    # Then the resident, signing in again by phone, is confirmed
    page.context.clear_cookies()
    page.goto("/login/?next=/signup/status/")
    page.fill("input[name=username]", "13512345678")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/signup/status/")
    page.locator("[data-status=confirmed]", has_text="已认证").wait_for()
    assert violations == []
