"""End to end in a real headless Chromium (Debian's package, driven by Playwright), on a
phone-sized screen: a resident raises a 楼道照明 case at their household, the party-group
leader escalates it, the branch secretary acknowledges and resolves it, and the resident
rates it 满意 and sees it closed. Screenshots of each step go to var/artifacts/e2e/."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from PIL import Image

from shequgang.browser_testing import BROWSER_MARKS, chromium
from shequgang.cases.models import Case, Rung, Status
from shequgang.testing import build_world

PHONE = {"width": 390, "height": 844}
PASSWORD = "e2e-口令-2026"

pytestmark = BROWSER_MARKS

ARTIFACTS = Path(settings.VAR_DIR) / "artifacts" / "e2e"


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 180, 40)).save(buf, format="JPEG")
    return buf.getvalue()


class Phone:
    """One person's phone: their own browser context, signed in through the login page."""

    def __init__(self, browser: Any, base_url: str, username: str, step_prefix: str) -> None:
        self.context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=base_url,
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.username = username
        self.prefix = step_prefix

    def login(self, next_url: str) -> None:
        page = self.page
        page.goto(f"/login/?next={next_url}")
        page.fill("input[name=username]", self.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**{next_url}")

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.prefix}-{name}.png"), full_page=True)


def settled(page: Any) -> None:
    """Wait until htmx has swapped and settled: new content gets its listeners only when
    it settles, and a click before that would be a plain (non-htmx) submit."""
    # A locator, not wait_for_function: polling a string predicate needs eval, which the
    # Content-Security-Policy forbids; Playwright's selector engine is not subject to it.
    page.locator(".htmx-request, .htmx-swapping, .htmx-settling").first.wait_for(state="detached")


def open_from_queue(phone: Phone, case: Case) -> None:
    page = phone.page
    page.goto("/cases/queue/")
    page.click(f"a[href='/cases/{case.pk}/']")
    page.wait_for_url(f"**/cases/{case.pk}/")


def act(phone: Phone, action: str, fields: dict[str, str], notice: str) -> None:
    """Open an action's form, fill it, submit it (htmx) and wait for the new partial."""
    page = phone.page
    details = page.locator(f"details[data-action={action}]")
    details.locator("summary").click()
    for name, value in fields.items():
        details.locator(f"[name={name}]").fill(value)
    details.locator("button[type=submit]").click()
    page.locator(".notice", has_text=notice).wait_for()
    settled(page)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_case_climbs_the_ladder_and_is_closed_by_a_happy_resident(live_server, browser):
    # Given the two-county world, with passwords the test knows
    world = build_world()
    for name in ("nobody", "group_a1", "branch_a"):
        world.users[name].set_password(PASSWORD)
        world.users[name].save(update_fields=["password"])
    resident = Phone(browser, live_server.url, "nobody", "1-resident")

    # When the resident raises a 楼道照明 case at their household, with a photo
    resident.login("/cases/new/")
    page = resident.page
    # the place found by typing part of its names (no chain of selects)
    page.fill("input[name=place__q]", "滨东 1号楼 101")
    page.locator(".place-option", has_text="1单元 101").click()
    settled(page)
    page.select_option("#id_category", label="楼道照明")
    page.fill("#id_title", "1单元楼道灯不亮")
    page.fill("#id_description", "三楼到五楼的感应灯都不亮，晚上老人上下楼看不见台阶。")
    page.fill("#id_phone", "13900000009")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "light.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    resident.shot("01-raise-form")
    page.click("form.form button.primary.block")
    page.locator(".messages", has_text="已提交").wait_for()
    case = Case.objects.get()
    assert (case.rung, case.handler_place_id) == (Rung.PARTY_GROUP, world.building_a1.pk)
    assert page.locator("img[alt='照片1']").is_visible()
    resident.shot("02-raised")

    # And the party-group leader escalates it with a reason
    leader = Phone(browser, live_server.url, "group_a1", "2-group-leader")
    leader.login("/cases/queue/")
    assert leader.page.locator(f"a[href='/cases/{case.pk}/']").is_visible()
    leader.shot("01-queue")
    open_from_queue(leader, case)
    act(leader, "escalate", {"reason": "线路老化涉及整栋楼，需要支部协调物业"}, "已提级上报")
    leader.shot("02-escalated")
    case.refresh_from_db()
    assert (case.rung, case.handler_place_id) == (Rung.BRANCH, world.compound_a.pk)

    # And the branch secretary acknowledges and resolves it
    branch = Phone(browser, live_server.url, "branch_a", "3-branch")
    branch.login("/cases/queue/")
    open_from_queue(branch, case)
    branch.shot("01-case")
    branch.page.locator("form.quick button", has_text="签收").click()
    branch.page.locator(".notice", has_text="已签收").wait_for()
    settled(branch.page)
    act(branch, "resolve", {"resolution": "物业已更换1单元三至五楼感应灯及线路"}, "已办结")
    branch.shot("02-resolved")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED

    # Then the resident rates it 满意 and sees it closed
    page.goto("/cases/mine/")
    page.click(f"a[href='/cases/{case.pk}/']")
    page.wait_for_url(f"**/cases/{case.pk}/")
    settled(page)
    rate = page.locator("form[data-action=rate]")
    rate.locator("input[name=solved][value='1']").check()
    rate.locator("input[name=satisfaction][value=satisfied]").check()
    rate.locator("textarea[name=comment]").fill("修得很快，谢谢！")
    resident.shot("03-rate")
    rate.locator("button[type=submit]").click()
    page.locator("#case-detail .status", has_text="已结案").wait_for()
    assert page.locator("ol.timeline li.ev-closed").is_visible()
    resident.shot("04-closed")
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == (Status.CLOSED, "satisfied")
    assert list(case.events.values_list("kind", flat=True)) == [
        "created",
        "assigned",
        "escalated",
        "acknowledged",
        "resolved",
        "closed",
    ]
