"""Done-when of issue #16, in a real headless Chromium at a phone's 390×844: a campaign
over 滨东花园 — the visitor meets a household and records a demand that becomes a case in
one tap, finds the next not home (a revisit scheduled for tomorrow) and revisits it, is
refused at a third — and the desk's coverage per building and compound is right."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequgang.browser_testing import BROWSER_MARKS, chromium, phone_context
from shequgang.calendar.workdays import local_day
from shequgang.cases.models import Case, Source
from shequgang.needs.campaigns import Visitor, campaign_open
from shequgang.needs.models import Demand, ListHousehold, StopState, Visit
from shequgang.places.models import Kind
from shequgang.places.services import place_create
from shequgang.testing import build_world

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "needs-口令-2026"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _login(page: object, username: str) -> None:
    page.goto("/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.locator("form.logout").wait_for()  # type: ignore[attr-defined]


def test_a_campaign_over_bindong_end_to_end_on_a_phone(live_server: object) -> None:
    world = build_world()
    for user in (world.users["grid_a1"], world.users["worker_a"]):
        user.set_password(PASSWORD)
        user.save()
    unit = world.household_a1.parent
    assert unit is not None
    place_create(parent=unit, kind=Kind.HOUSEHOLD, name="102", actor=world.admin)
    today = local_day(timezone.now())
    campaign = campaign_open(
        actor=world.users["worker_a"],
        community=world.community_a,
        title="滨东花园敲门行动",
        targets=[world.compound_a],
        visitors=[Visitor(world.users["grid_a1"])],
        starts_on=today,
        ends_on=today + dt.timedelta(days=14),
    )
    stops = {
        s.household.name: s
        for s in ListHousehold.objects.filter(campaign=campaign).select_related("household")
    }
    assert [s.position for s in sorted(stops.values(), key=lambda s: s.position)] == [1, 2, 3]
    # walking order: 1号楼 101, 102, then 2号楼 201
    assert sorted(stops, key=lambda n: stops[n].position) == ["101", "102", "201"]

    with chromium() as browser:
        context = phone_context(browser, live_server.url)  # type: ignore[attr-defined]
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        _login(page, "grid_a1")
        page.goto("/needs/")
        page.click("text=滨东花园敲门行动")
        page.locator("li.stop").first.wait_for()
        assert page.locator("li.stop").count() == 3
        assert page.evaluate(OVERFLOW) <= 0

        # 101: met; a demand heard, with consent; one tap makes it a case.
        s101 = page.locator(f"#stop-{stops['101'].pk}")
        s101.locator("button:has-text('见到了')").click()
        s101 = page.locator(f"#stop-{stops['101'].pk}")
        assert "已见面" in s101.locator("[data-testid=state]").inner_text()
        s101.locator("summary:has-text('记录需求')").click()
        s101.locator("select[name=type]").select_option("repair")
        s101.locator("select[name=urgency]").select_option("high")
        s101.locator("textarea[name=description]").fill("卫生间水管渗漏，影响楼下")
        s101.locator("input[name=consent]").check()
        s101.locator("button:has-text('保存需求')").click()
        s101 = page.locator(f"#stop-{stops['101'].pk}")
        s101.locator("[data-testid=demand]").wait_for()
        s101.locator("button:has-text('转为诉求')").click()
        case = Case.objects.get()
        page.locator(f"#stop-{stops['101'].pk} >> text={case.number}").wait_for()
        assert (case.source, case.place_id) == (Source.DOOR_KNOCKING, stops["101"].household_id)
        assert Demand.objects.get().case_id == case.pk

        # 102: not home, a revisit tomorrow by default; then the revisit meets them.
        s102 = page.locator(f"#stop-{stops['102'].pk}")
        s102.locator("button:has-text('不在家')").click()
        s102 = page.locator(f"#stop-{stops['102'].pk}")
        tomorrow = today + dt.timedelta(days=1)
        state = s102.locator("[data-testid=state]").inner_text()
        assert "不在家" in state and f"{tomorrow.month}月{tomorrow.day}日回访" in state
        stop = ListHousehold.objects.get(pk=stops["102"].pk)
        assert (stop.state, stop.revisit_on) == (StopState.NOT_HOME, tomorrow)
        s102.locator("input[name=met_whom]").fill("家属")
        s102.locator("button:has-text('见到了')").click()
        s102 = page.locator(f"#stop-{stops['102'].pk}")
        assert "已见面" in s102.locator("[data-testid=state]").inner_text()
        assert Visit.objects.filter(stop=stops["102"]).count() == 2

        # 201: refused.
        page.locator(f"#stop-{stops['201'].pk} button:has-text('拒绝')").click()
        assert "拒绝" in page.locator(f"#stop-{stops['201'].pk} [data-testid=state]").inner_text()
        assert page.locator("[data-testid=done]").inner_text() == "3"
        assert page.evaluate(OVERFLOW) <= 0

        # The desk: coverage per building and compound.
        desk = phone_context(browser, live_server.url).new_page()  # type: ignore[attr-defined]
        _login(desk, "worker_a")
        desk.goto(f"/needs/campaigns/{campaign.pk}/")
        assert desk.locator("[data-testid=covered]").inner_text() == "3"
        assert desk.locator(f"[data-testid=compound-{world.compound_a.pk}]").inner_text() == "100%"
        assert desk.locator(f"[data-testid=building-{world.building_a1.pk}]").inner_text() == "100%"
        assert desk.locator(f"[data-testid=building-{world.building_a2.pk}]").inner_text() == "100%"
        assert desk.evaluate(OVERFLOW) <= 0
        context.close()
        assert errors == []
