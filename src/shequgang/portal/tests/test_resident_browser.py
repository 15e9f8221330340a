"""Done when (issue 15): on a 390×844 phone, an anonymous visitor registers as a resident
of a 滨东花园 household, a grid worker confirms them, the resident raises a problem from
the description alone (the suggested category accepted), follows it to resolution and
rates it. Screenshots of every resident page go to var/artifacts/resident/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from shequgang.browser_testing import BROWSER_MARKS, PHONE_VIEWPORT, chromium, phone_context
from shequgang.cases.models import Case, Satisfaction, Source, Status
from shequgang.cases.services import case_acknowledge, case_resolve
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.testing import build_world, synthetic_id

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

PASSWORD = "Binhe-2026-居民"
ARTIFACTS = Path(settings.VAR_DIR) / "artifacts" / "resident"


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


class Phone:
    def __init__(self, browser: Any, base_url: str, prefix: str) -> None:
        self.context = phone_context(browser, base_url)
        # The live server's first answers import and compile much; on a loaded machine
        # they take longer than the usual 15 s.
        self.context.set_default_timeout(40_000)
        self.page = self.context.new_page()
        self.prefix = prefix

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.prefix}-{name}.png"), full_page=True)

    def no_sideways_scroll(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_VIEWPORT["width"], f"{self.page.url} is {width}px wide"


def settled(page: Any) -> None:
    page.locator(".htmx-request, .htmx-swapping, .htmx-settling").first.wait_for(state="detached")


# Serialized rollback, like the other live-server tests: the database's rows (the
# migrations' categories, content types) are restored after, and the next such test
# does not find them twice.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_visitor_registers_is_confirmed_raises_follows_and_rates(live_server, browser):
    # Given the two-county world (滨东花园小区 › 1号楼 › 1单元 › 101 in grid A1)
    world = build_world()
    worker = world.users["grid_a1"]
    worker.set_password(PASSWORD)
    worker.save(update_fields=["password"])

    # When an anonymous visitor opens the site on their phone
    visitor = Phone(browser, live_server.url, "1-visitor")
    page = visitor.page
    page.goto("/")
    page.locator("h1", has_text="社区港").wait_for()
    visitor.no_sideways_scroll()
    visitor.shot("front")
    # and registers from the front door, finding their household by its compound
    page.locator("a", has_text="注册居民账号").click()
    page.wait_for_url("**/signup/")
    page.fill("input[name=name]", "刘桂兰")
    page.fill("input[name=phone]", "13711112222")
    page.fill("input[name=id_number]", synthetic_id())
    page.fill("#picker-q", "滨东")
    page.locator("#picker-step button", has_text="滨东花园").click()
    page.locator("#picker-step button", has_text="1号楼").click()
    page.locator("#picker-step button", has_text="1单元").click()
    page.locator("#picker-step label", has_text="101").click()
    page.select_option("select[name=relation]", "tenant")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    visitor.shot("signup")
    page.locator("button[type=submit]", has_text="提交注册").click()
    page.wait_for_url("**/signup/status/")
    account = ResidentAccount.objects.get(name="刘桂兰")
    assert (account.status, account.household_id) == (AccountStatus.PENDING, world.household_a1.pk)
    page.goto("/")
    page.locator(".rs-pending", has_text="等待社区认证").wait_for()
    visitor.shot("pending")

    # Then the grid worker of grid A1 confirms them from the 待认证居民 queue
    desk = Phone(browser, live_server.url, "2-grid-worker")
    desk.page.goto("/login/?next=/residency/accounts/")
    desk.page.fill("input[name=username]", "grid_a1")
    desk.page.fill("input[name=password]", PASSWORD)
    desk.page.click("button[type=submit]")
    desk.page.locator("a", has_text="刘桂兰").click()
    desk.page.locator("button", has_text="认证并登记为本户新居民").click()
    desk.page.wait_for_load_state()
    account.refresh_from_db()
    assert account.status == AccountStatus.CONFIRMED

    # The resident's home now has the tab bar and nothing of the staff menu
    page.goto("/")
    page.wait_for_url("**/me/")
    page.locator(".rs-tabs a", has_text="我的事项").wait_for()
    assert page.locator(".topbar").count() == 0
    visitor.no_sideways_scroll()
    visitor.shot("home")

    # The resident describes the problem in their words; the category is suggested
    page.locator(".rs-tabs a", has_text="办事").click()
    visitor.shot("services")
    page.locator("a", has_text="反映问题").first.click()
    page.wait_for_url("**/me/raise/")
    page.fill(
        "textarea[name=description]",
        "我们单元三楼到五楼的楼道灯坏了一个多星期，晚上老人上下楼看不清台阶。",
    )
    first_chip = page.locator("#chips .rs-chip").first
    first_chip.wait_for()
    assert "楼道照明" in first_chip.inner_text()
    first_chip.click()  # one tap accepts it
    settled(page)
    visitor.no_sideways_scroll()
    visitor.shot("raise")
    page.locator("button[type=submit]", has_text="提交").click()
    page.wait_for_url("**/me/items/*/")
    case = Case.objects.get(raiser=account.user)
    assert (case.source, case.category.code, case.place_id) == (
        Source.RESIDENT,
        "stairwell_light",
        world.household_a1.pk,
    )
    page.locator("[data-status=submitted]").wait_for()
    visitor.shot("raised")

    # Staff handle it through the services (the party group leader holds 楼道照明)
    holder = world.users["group_a1"]
    case_acknowledge(actor=holder, case=case)
    case_resolve(actor=holder, case=case, resolution="已更换三至五楼声控灯")

    # The resident follows it to resolution in 我的事项 and rates it
    page.locator(".rs-tabs a", has_text="我的事项").click()
    visitor.shot("items")
    page.locator(".rs-list a", has_text="楼道灯坏了").first.click()
    page.locator("[data-status=resolved]").wait_for()
    assert "已更换三至五楼声控灯" in page.content()
    page.locator("#rate label", has_text="已解决").click()
    page.locator("#rate label", has_text="满意").first.click()
    visitor.shot("rate")
    page.locator("#rate button[type=submit]").click()
    page.locator("[data-status=closed]").wait_for()
    visitor.shot("closed")
    page.locator(".rs-tabs a", has_text="我的").last.click()
    visitor.no_sideways_scroll()
    visitor.shot("me")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.satisfaction == Satisfaction.SATISFIED

    # 我的 → 我的数据: the resident downloads what is held about them, password again
    page.locator("a", has_text="下载我的全部数据").click()
    page.wait_for_url("**/me/account/data/")
    visitor.no_sideways_scroll()
    visitor.shot("my-data")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_download() as download:
        page.locator("button[type=submit]", has_text="下载").click()
    assert download.value.suggested_filename.endswith(".xlsx")
