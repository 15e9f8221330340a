from __future__ import annotations

import datetime as dt

import pytest

from shequgang.needs.campaigns import Visitor, campaign_open
from shequgang.needs.models import Campaign, VisitorRole
from shequgang.testing import World

DAY = dt.date(2026, 5, 1)


@pytest.fixture
def campaign(world: World) -> Campaign:
    """城东's campaign over 滨东花园 (households 101 of 1号楼 and 201 of 2号楼), one list
    for the grid worker of A1 and one for a volunteer with a plain account."""
    return campaign_open(
        actor=world.users["worker_a"],
        community=world.community_a,
        title="滨东花园敲门行动",
        targets=[world.compound_a],
        visitors=[
            Visitor(world.users["grid_a1"], VisitorRole.GRID_WORKER),
            Visitor(world.users["nobody"], VisitorRole.VOLUNTEER),
        ],
        starts_on=DAY,
        ends_on=DAY + dt.timedelta(days=30),
    )
