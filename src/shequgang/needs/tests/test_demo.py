"""The demo's 滨东花园 敲门行动: 306 households, every one knocked on, made through the
services — recounted here from the visits themselves."""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.db.models import Count, F

from shequgang.cases.models import Case, Source
from shequgang.demo.builder import demo_load
from shequgang.needs.access import scoped_campaigns, scoped_demands
from shequgang.needs.demo import TITLE
from shequgang.needs.models import (
    COVERED_STATES,
    Campaign,
    Demand,
    ListHousehold,
    StopState,
    Visit,
)
from shequgang.needs.selectors import campaign_report


def test_the_bindong_campaign_is_there_on_first_login(db: None) -> None:
    started = time.monotonic()
    demo_load(scale="small", seed=1, history=True)
    print(f"demo load with history: {time.monotonic() - started:.1f} s")
    campaign = Campaign.objects.get(title=TITLE)
    assert campaign.household_count == 306
    # every household was knocked on at least once, by the visitor whose list it is on
    knocked = Visit.objects.filter(campaign=campaign).values("household").distinct().count()
    assert knocked == 306
    on_list = F("stop__visit_list__visitor")
    strays = Visit.objects.filter(campaign=campaign).exclude(visitor=on_list)  # type: ignore[misc]
    assert not strays.exists()
    # the stored latest state agrees with the last visit of each household
    for stop in ListHousehold.objects.filter(campaign=campaign):
        last = stop.visits.order_by("-visited_at", "-pk").first()
        assert last is not None and stop.state == last.outcome
    report = campaign_report(campaign)
    recount = ListHousehold.objects.filter(campaign=campaign, state__in=COVERED_STATES).count()
    assert report.covered == recount and 280 <= recount <= 306 - 8
    assert ListHousehold.objects.filter(campaign=campaign, state="not_home").count() >= 8
    assert ListHousehold.objects.filter(campaign=campaign, state=StopState.MOVED_OUT).count() == 2
    demands = Demand.objects.filter(campaign=campaign)
    assert demands.count() >= 30
    assert set(demands.values_list("status", flat=True)) >= {"open", "met"}
    cases = Case.objects.filter(source=Source.DOOR_KNOCKING)
    assert cases.count() >= 1 and demands.filter(case__isnull=False).count() == cases.count()
    # one active demand per household and type (the rule held through the whole load)
    dup = (
        demands.filter(status__in=["open", "matched", "in_project"])
        .values("household", "type")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not dup.exists()
    # the community sees it; 建昌 does not
    secretary = User.objects.get(username="chengdong_secretary")
    assert scoped_campaigns(secretary).filter(pk=campaign.pk).exists()
    jianchang = User.objects.get(username="jianchang_secretary")
    assert not scoped_campaigns(jianchang).exists()
    assert not scoped_demands(jianchang).filter(campaign=campaign).exists()
