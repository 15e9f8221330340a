"""Every page of every staff persona's menu, in a real headless Chromium at a phone's
390×844 and a desk's 1280×800: the page answers 200, its body does not overflow sideways,
no script error or error-level console line is logged, and the bottom bar shows on the
phone (with the whole menu behind 更多) while the desk keeps the top menu.

One test drives one browser through all personas (a browser per test costs a second,
and a browser shared between tests loses the test database: see browser_testing).
Screenshots of every page at both sizes are kept under var/test-artefacts/staff-pages/
(git-ignored) for a human to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from shequgang.browser_testing import BROWSER_MARKS, chromium
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.testing import build_world

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "staff-口令-2026"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
# Every persona of the test world but the resident and the other community's twins.
NOT_STAFF = {"nobody", "secretary_b", "grid_a2"}
# Page-wide width beyond the viewport: what the user would have to scroll sideways.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
SHOTS = Path(settings.VAR_DIR) / "test-artefacts" / "staff-pages"


class Session:
    def __init__(self, browser: Any, base_url: str, username: str) -> None:
        self.context = browser.new_context(
            viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base_url
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"{self.page.url}: {e}"))
        self.page.goto("/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.locator("form.logout").wait_for()

    def _console(self, message: Any) -> None:
        # /favicon.ico is the browser's own request, not the page's (and served elsewhere).
        if message.type == "error" and not message.location.get("url", "").endswith("favicon.ico"):
            self.problems.append(f"{self.page.url}: {message.text}")

    def menu(self) -> list[str]:
        links = self.page.locator("#staff-menu a:not(.menu-close)")
        hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
        return [h for h in dict.fromkeys(hrefs) if h.startswith("/") and h != "/admin/"]

    def visit(self, url: str, viewport: dict[str, int], shot: Path) -> list[str]:
        page = self.page
        page.set_viewport_size(viewport)
        response = page.goto(url)
        found: list[str] = []
        if response is None or response.status != 200:
            return [f"{url}: status {response.status if response else None}"]
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            found.append(f"{url} at {viewport['width']}px: {overflow}px wider than the screen")
        bar = page.locator("nav.tabbar")
        top = page.locator("#staff-menu")
        phone = viewport["width"] < 1024
        if bar.is_visible() != phone or top.is_visible() == phone:
            found.append(f"{url} at {viewport['width']}px: bar/menu visibility wrong")
        page.screenshot(path=str(shot), full_page=True)
        return found


def _slug(url: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", url).strip("-") or "home"


def test_every_staff_menu_page_fits_a_phone_and_a_desk(live_server):
    # Given the test world with passwords and an open case at household A1
    world = build_world()
    for user in world.users.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="1单元楼道灯不亮",
    )
    staff = [name for name in world.users if name not in NOT_STAFF]
    problems: list[str] = []
    visited = 0
    with chromium() as browser:
        for persona in staff:
            session = Session(browser, live_server.url, persona)
            folder = SHOTS / persona
            folder.mkdir(parents=True, exist_ok=True)
            urls = session.menu()
            assert len(urls) >= 4, (persona, urls)
            # When the persona opens every page of their menu at both sizes
            for url in urls:
                for name, viewport in (("390", PHONE), ("1280", DESK)):
                    problems += session.visit(url, viewport, folder / f"{_slug(url)}-{name}.png")
                visited += 1
            # And opens 更多 on the phone: the whole menu shows above the bar
            page = session.page
            page.set_viewport_size(PHONE)
            page.goto("/")
            page.locator("nav.tabbar .tab-more").click()
            page.locator("#staff-menu").wait_for(state="visible")
            page.screenshot(path=str(folder / "more-390.png"))
            last = page.locator("#staff-menu a").last
            last.scroll_into_view_if_needed()
            if not last.is_visible():
                problems.append(f"{persona}: the menu behind 更多 hides its last link")
            problems += session.problems
            session.context.close()
    # Then every page fitted both screens without a script error
    assert len(staff) == 10 and visited >= 4 * len(staff)
    assert problems == []
