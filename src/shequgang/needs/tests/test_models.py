"""The schema holds the rules the services rely on, even if a service were bypassed."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from shequgang.needs.models import Campaign, Demand, DemandSource, DemandStatus, DemandType
from shequgang.testing import World


def test_migrations_match_the_models(db: None) -> None:
    out = StringIO()
    call_command("makemigrations", "needs", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _demand(world: World, **kw: object) -> Demand:
    fields: dict[str, object] = {
        "household": world.household_a1,
        "place": world.household_a1,
        "type": DemandType.REPAIR,
        "description": "水管漏水",
        "source": DemandSource.VISIT,
    }
    fields.update(kw)
    return Demand.objects.create(**fields)


def test_one_active_demand_per_household_and_type(world: World) -> None:
    _demand(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        _demand(world, status=DemandStatus.MATCHED)
    # another type, or the same type once the first is met, is allowed
    _demand(world, type=DemandType.CHILDCARE)
    _demand(world, status=DemandStatus.MET)
    _demand(world, status=DemandStatus.CANNOT_MEET, status_reason="不属实")


def test_cannot_meet_needs_a_reason(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _demand(world, status=DemandStatus.CANNOT_MEET)


def test_a_campaign_ends_on_or_after_its_start(world: World) -> None:
    day = dt.date(2026, 5, 1)
    Campaign.objects.create(community=world.community_a, title="a", starts_on=day, ends_on=day)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(
            community=world.community_a,
            title="b",
            starts_on=day,
            ends_on=day - dt.timedelta(days=1),
        )
