"""The command centre's supply figures against a hand count: median days to met, and
the 7-day match share with its cohort boundary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequgang.needs.models import Demand, DemandEvent, DemandStatus
from shequgang.needs.supply_figures import supply_figures_within
from shequgang.needs.tests.supply_factories import make_demand
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def test_median_days_to_met(world: World) -> None:
    now = timezone.now()
    for days in (2, 4, 9):  # met after 2, 4 and 9 days: the median is 4
        d = make_demand(world.community_a)
        Demand.objects.filter(pk=d.pk).update(
            created_at=now - dt.timedelta(days=30),
            status=DemandStatus.MET,
            met_at=now - dt.timedelta(days=30 - days),
        )
    assert supply_figures_within(world.city, now=now).median_days_to_met == 4.0
    # 建昌 sees none of 城东's figures
    empty = supply_figures_within(world.community_b, now=now)
    assert empty.median_days_to_met is None and empty.matched_within_7_days_percent is None


def test_share_matched_within_seven_days(world: World) -> None:
    # The events are stamped now, so the figures are read a day ahead: the cohort is
    # what was recorded at least 7 days before that.
    at = timezone.now() + dt.timedelta(days=1)
    quick = make_demand(world.household_a1)
    slow = make_demand(world.household_a2)
    Demand.objects.filter(pk=quick.pk).update(created_at=at - dt.timedelta(days=7, hours=12))
    Demand.objects.filter(pk=slow.pk).update(created_at=at - dt.timedelta(days=9))
    for demand in (quick, slow):
        DemandEvent.objects.create(
            demand=demand, kind="status", from_status="open", to_status=DemandStatus.IN_PROJECT
        )
    fresh = make_demand(world.community_a)  # recorded 1 day before `at`: not in the cohort
    assert fresh.pk
    assert supply_figures_within(world.city, now=at).matched_within_7_days_percent == 50
