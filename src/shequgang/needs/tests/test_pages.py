"""The pages: a visitor's list in walking order with one-tap outcomes, the desk pages,
the 需求清单 filters and exports, all scoped (the same 404 for missing and forbidden)."""

from __future__ import annotations

import datetime as dt
import io

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequgang.calendar.workdays import local_day
from shequgang.cases.models import Case, Source
from shequgang.needs.models import Campaign, Demand, ListHousehold, StopState
from shequgang.testing import World


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def _stop(campaign: Campaign, world: World) -> ListHousehold:
    return ListHousehold.objects.get(campaign=campaign, household=world.household_a1)


def test_the_visitor_walks_a_household_end_to_end(campaign: Campaign, world: World) -> None:
    client = _client(world, "grid_a1")
    stop = _stop(campaign, world)
    page = client.get(reverse("needs:visit_list", args=[stop.visit_list_id]))
    assert page.status_code == 200
    assert "1号楼 1单元 101" in page.content.decode()
    tomorrow = local_day(timezone.now()) + dt.timedelta(days=1)
    r = client.post(
        reverse("needs:visit_add", args=[stop.pk]),
        {"outcome": "not_home", "revisit_on": tomorrow.isoformat()},
    )
    assert r.status_code == 302 and r["Location"].endswith(f"#stop-{stop.pk}")
    stop.refresh_from_db()
    assert (stop.state, stop.revisit_on) == (StopState.NOT_HOME, tomorrow)
    client.post(reverse("needs:visit_add", args=[stop.pk]), {"outcome": "met", "met_whom": "户主"})
    client.post(
        reverse("needs:demand_add", args=[stop.pk]),
        {"type": "repair", "urgency": "high", "description": "楼道灯坏了", "consent": "on"},
    )
    demand = Demand.objects.get()
    client.post(reverse("needs:demand_case", args=[demand.pk]), {"stop": stop.pk})
    demand.refresh_from_db()
    assert demand.case is not None and demand.case.source == Source.DOOR_KNOCKING
    text = client.get(reverse("needs:visit_list", args=[stop.visit_list_id])).content.decode()
    assert demand.case.number in text


def test_a_demand_without_consent_is_not_kept(campaign: Campaign, world: World) -> None:
    client = _client(world, "grid_a1")
    stop = _stop(campaign, world)
    client.post(reverse("needs:visit_add", args=[stop.pk]), {"outcome": "met", "met_whom": "户主"})
    r = client.post(
        reverse("needs:demand_add", args=[stop.pk]),
        {"type": "repair", "urgency": "high", "description": "楼道灯坏了"},
        follow=True,
    )
    assert "居民同意后才能记录需求" in r.content.decode()
    assert not Demand.objects.exists()


def test_pages_out_of_scope_are_404_like_missing(campaign: Campaign, world: World) -> None:
    stop = _stop(campaign, world)
    client = _client(world, "secretary_b")
    for url in [
        reverse("needs:campaign", args=[campaign.pk]),
        reverse("needs:report", args=[campaign.pk]),
        reverse("needs:visit_list", args=[stop.visit_list_id]),
        reverse("needs:visits_xlsx", args=[campaign.pk]),
        reverse("needs:campaign", args=[999999]),
    ]:
        assert client.get(url).status_code == 404, url
    r = client.post(reverse("needs:visit_add", args=[stop.pk]), {"outcome": "refused"})
    assert r.status_code == 404
    stop.refresh_from_db()
    assert stop.state == StopState.PENDING


def test_desk_pages_and_exports(campaign: Campaign, world: World) -> None:
    client = _client(world, "worker_a")
    stop = _stop(campaign, world)
    client.post(reverse("needs:visit_add", args=[stop.pk]), {"outcome": "met", "met_whom": "户主"})
    client.post(
        reverse("needs:demand_add", args=[stop.pk]),
        {"type": "repair", "urgency": "low", "description": "=1+1", "consent": "on"},
    )
    for name in ("home", "demands"):
        assert client.get(reverse(f"needs:{name}")).status_code == 200
    page = client.get(reverse("needs:campaign", args=[campaign.pk])).content.decode()
    assert '<strong data-testid="covered">1</strong> / 2 户已覆盖（50%）' in page
    assert f'data-testid="building-{world.building_a1.pk}">100%' in page
    assert f'data-testid="building-{world.building_a2.pk}">0%' in page
    assert f'data-testid="compound-{world.compound_a.pk}">50%' in page
    assert client.get(reverse("needs:report", args=[campaign.pk])).status_code == 200
    assert "=1+1" in client.get(reverse("needs:demands") + "?type=repair").content.decode()
    assert "=1+1" not in client.get(reverse("needs:demands") + "?type=dispute").content.decode()
    book = load_workbook(io.BytesIO(client.get(reverse("needs:demands_xlsx")).content))
    rows = list(book.worksheets[0].values)
    assert rows[1][3] != "=1+1" and "1+1" in str(rows[1][3])  # the writer neutralised it
    book = load_workbook(
        io.BytesIO(client.get(reverse("needs:visits_xlsx", args=[campaign.pk])).content)
    )
    assert len(list(book.worksheets[0].values)) == 2
    demand = Demand.objects.get()
    assert client.get(reverse("needs:demand", args=[demand.pk])).status_code == 200
    client.post(
        reverse("needs:demand_status", args=[demand.pk]), {"to": "cannot_meet", "reason": ""}
    )
    demand.refresh_from_db()
    assert demand.status == "open"
    client.post(reverse("needs:demand_status", args=[demand.pk]), {"to": "met"})
    demand.refresh_from_db()
    assert demand.status == "met" and not Case.objects.exists()
