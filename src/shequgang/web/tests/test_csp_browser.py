"""The Content-Security-Policy in a real headless Chromium (Debian's package, driven by
Playwright): a representative set of pages opened by the personas who use them report no
policy violation and no script error, the moved styles still apply (the SVG vote bar, the
goods photo), and htmx still works without inline script or eval (a search, a filter, a
place picker, a refused action's message swapped in, a lazily loaded map).

The live server is shared by the module (and the session)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from shequgang.browser_testing import BROWSER_MARKS, chromium
from shequgang.cases.deliberation.owners_vote import (
    owners_ballot_record,
    owners_vote_close,
    owners_vote_open,
)
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.cases.tests.deliberation_world import add_households, plan_meeting
from shequgang.points.catalogue import GoodsInput, goods_create
from shequgang.testing import World, build_world
from shequgang.veterans.tests.factories import ensure_2026_program

PASSWORD = "csp-口令-2026"
# Records what the policy blocks, before any of the page's own scripts run (Playwright
# injects it through the DevTools protocol, which the policy does not govern).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`));
document.addEventListener("htmx:evalDisallowedError", () => window.__cspViolations.push(
  "htmx wanted eval"));
"""

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


class Visitor:
    """One person's browser: their own context, signed in through the login page, with
    every policy violation, script error and error-level console line recorded."""

    def __init__(self, browser: Any, base_url: str, username: str | None) -> None:
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=base_url,
        )
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(LISTEN)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        if username is not None:
            self.open("/login/")
            self.page.fill("input[name=username]", username)
            self.page.fill("input[name=password]", PASSWORD)
            self.page.click("button[type=submit]")
            self.page.locator("form.logout").wait_for()  # signed in

    def _console(self, message: Any) -> None:
        # A refused form post (400) or a missing photo file is logged as "Failed to load
        # resource"; what the policy blocks is logged as an error naming the policy.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"{self.page.url}: {message.text}")

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe" not in policy, (url, policy)
        self.page.wait_for_load_state("networkidle")
        settled(self.page)

    def violations(self) -> list[str]:
        return self.problems + list(self.page.evaluate("window.__cspViolations"))


def settled(page: Any) -> None:
    """Wait until htmx has swapped and settled."""
    # A locator, not wait_for_function: polling a string predicate needs eval, which the
    # Content-Security-Policy forbids; Playwright's selector engine is not subject to it.
    page.locator(".htmx-request, .htmx-swapping, .htmx-settling").first.wait_for(state="detached")


def jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 180, 40)).save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "soap.jpg"
    return buf


def given_a_community_at_work() -> tuple[World, dict[str, int]]:
    """The test world with passwords, a case at household A1, a closed owners' vote (the
    result bars), a goods item with a photo and the 2026 veterans program."""
    world = build_world()
    for user in world.users.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    case = case_create(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="1单元楼道灯不亮",
    )
    meeting = plan_meeting(world, [case.pk], now=timezone.now(), scheduled_at=timezone.now())
    branch = world.users["branch_a"]
    extra = add_households(world, ["100.00"] * 3)
    vote = owners_vote_open(actor=branch, deliberation=meeting, matter_type=7)
    roll = {e.household_id: e for e in vote.roll.all()}
    for household, choice in zip(
        [world.household_a1, world.household_a2, *extra],
        ["for", "for", "for", "against", "for"],
        strict=True,
    ):
        owners_ballot_record(
            actor=branch, deliberation=meeting, entry_id=roll[household.pk].pk, choice=choice
        )
    owners_vote_close(actor=branch, deliberation=meeting)
    goods = goods_create(
        actor=world.users["worker_a"],
        community=world.community_a,
        data=GoodsInput(name="肥皂", price=10),
        stock=3,
        photo=jpeg(),
    )
    ensure_2026_program()
    return world, {"case": case.pk, "meeting": meeting.pk, "goods": goods.pk}


def test_the_pages_run_under_the_policy_without_a_violation(live_server, browser):
    world, ids = given_a_community_at_work()
    community, county = world.community_a.pk, world.county_a.pk
    visits: dict[str | None, list[str]] = {
        None: ["/login/", "/veterans/2026/apply/", "/veterans/status/"],
        "secretary_a": [
            "/",
            "/cases/",
            f"/cases/{ids['case']}/",
            "/residents/",
            f"/residents/{world.residents['a1'].pk}/",
            f"/places/{world.compound_a.pk}/",
            f"/party/coverage/{community}/",
            "/party/members/",
            f"/points/staff/{community}/ledger/",
            f"/points/staff/{community}/goods/",
            f"/points/staff/goods/{ids['goods']}/",
            "/veterans/staff/2026/",
        ],
        "nobody": ["/cases/new/", "/cases/mine/", "/points/"],
        "county_a_command": [f"/dashboard/{county}/"],
        "branch_a": [f"/deliberations/{ids['meeting']}/owners-vote/"],
        "city_admin": [
            "/admin/",
            "/admin/people/resident/",
            f"/admin/people/resident/{world.residents['a1'].pk}/change/",
            "/admin/auth/user/add/",
        ],
    }
    problems: list[str] = []
    for persona, urls in visits.items():
        visitor = Visitor(browser, live_server.url, persona)
        page = visitor.page
        for url in urls:
            # When each page is opened
            visitor.open(url)
            # Then htmx injected no <style> of its own (its indicator rules are in site.css)
            assert page.locator("head style").count() == 0, url
            if url.startswith("/dashboard/"):
                # And the map, loaded by htmx after the page, arrived
                page.locator("#map").wait_for()
            if "owners-vote" in url:
                # And each result bar is drawn to its figure: the fill is the percentage
                # of the track, the threshold mark where the threshold is
                for row in page.locator("table.dl-checks tbody tr").all():
                    shown = float(row.locator("td[data-label=比例]").inner_text().split("%")[0])
                    track = row.locator("svg.dl-bar rect.track").bounding_box()
                    fill = row.locator("svg.dl-bar rect:not(.track)").bounding_box()
                    assert track and fill and track["width"] > 50
                    assert abs(fill["width"] / track["width"] * 100 - shown) < 1.5, url
            if url.startswith("/points/staff/goods/"):
                # And the goods photo keeps its size from points.css, not a style attribute
                width = page.locator("img.pt-photo").evaluate("e => getComputedStyle(e).maxWidth")
                assert width == "192px"
        # The API docs: Swagger UI from ninja's static files, its icons as data: images
        if persona is None:
            visitor.open("/api/v1/docs")
            page.locator(".opblock-summary").first.click()
            page.locator(".opblock-body").first.wait_for()
        problems += visitor.violations()
        visitor.context.close()
    # Then not one page reported a policy violation or a script error
    assert problems == []


def test_htmx_works_without_inline_script_or_eval(live_server, browser):
    _, ids = given_a_community_at_work()
    secretary = Visitor(browser, live_server.url, "secretary_a")
    page = secretary.page

    # The resident search swaps the rows in as one types
    secretary.open("/residents/")
    assert page.locator("#resident-rows", has_text="居民a2").count() == 1
    page.fill("input[name=q]", "居民a1")
    page.locator("#resident-rows", has_text="居民a2").wait_for(state="detached")
    settled(page)
    assert page.locator("#resident-rows", has_text="居民a1").count() == 1

    # The case list's filter swaps the list and pushes the address
    secretary.open("/cases/")
    assert page.locator("#case-list", has_text="1单元楼道灯不亮").count() == 1
    page.select_option(
        "select[name=status]", index=page.locator("select[name=status] option").count() - 1
    )
    page.wait_for_url("**/cases/?*status=*")
    settled(page)

    # A refused action's message is swapped in (web/swap-errors.js, formerly an hx-on)
    leader = Visitor(browser, live_server.url, "group_a1")
    leader.open(f"/cases/{ids['case']}/")
    details = leader.page.locator("details[data-action=escalate]")
    details.locator("summary").click()
    details.locator("[name=reason]").fill("  ")
    details.locator("button[type=submit]").click()
    leader.page.locator("#case-detail .alert", has_text="请填写提级理由").wait_for()
    settled(leader.page)
    # and the same form then goes through
    details = leader.page.locator("details[data-action=escalate]")
    details.locator("[name=reason]").fill("线路老化涉及整栋楼")
    details.locator("button[type=submit]").click()
    leader.page.locator("#case-detail .notice", has_text="已提级上报").wait_for()

    # The new-case place picker finds places as one types
    resident = Visitor(browser, live_server.url, "nobody")
    resident.open("/cases/new/")
    resident.page.fill("input[name=place__q]", "滨东 101")
    resident.page.locator(".place-option").first.wait_for()
    settled(resident.page)

    problems = secretary.violations() + leader.violations() + resident.violations()
    assert problems == []
