"""The figures the command centre shows, recounted independently, and the one-way arrows:
outside needs only the dashboard (a reader above it), the demo loader and the residents' pages
(portal) import it."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from django.test import Client
from django.urls import reverse

import shequgang
from shequgang.needs.demands import demand_record, demand_transition
from shequgang.needs.models import Campaign, DemandSource, ListHousehold
from shequgang.needs.selectors import needs_figures_within
from shequgang.needs.visits import visit_record
from shequgang.testing import World

NOW = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)


def test_figures_within_a_county(campaign: Campaign, world: World) -> None:
    stop = ListHousehold.objects.get(campaign=campaign, household=world.household_a1)
    visit = visit_record(
        actor=world.users["grid_a1"], stop=stop, outcome="met", met_whom="户主", now=NOW
    )
    for kind in ("repair", "policy"):
        demand_record(
            actor=world.users["grid_a1"],
            place=world.household_a1,
            type=kind,
            description="x",
            source=DemandSource.VISIT,
            consent=True,
            visit=visit,
        )
    demand, _ = demand_record(
        actor=world.users["secretary_b"],
        place=world.household_b,
        type="repair",
        description="y",
        source=DemandSource.RESIDENT,
        consent=True,
    )
    demand_transition(actor=world.users["secretary_b"], demand=demand, to="met")
    a = needs_figures_within(world.county_a)
    assert (a.demands_open, a.demands_met, a.campaigns_open) == (2, 0, 1)
    assert (a.households_covered, a.households_targeted, a.coverage_percent) == (1, 2, 50)
    b = needs_figures_within(world.county_b)
    assert (b.demands_open, b.demands_met, b.households_targeted) == (0, 1, 0)
    city = needs_figures_within(world.city)
    assert (city.demands_open, city.demands_met) == (2, 1)

    client = Client()
    client.force_login(world.users["county_a_command"])
    page = client.get(reverse("dashboard:centre", args=[world.county_a.pk])).content.decode()
    assert '<strong data-testid="campaign-coverage">50%</strong>' in page
    assert '<strong data-testid="demands-open">2</strong>' in page


def _importers_of_needs() -> set[str]:
    root = Path(shequgang.__file__).resolve().parent
    found = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] == "needs" or "tests" in rel.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(n == "shequgang.needs" or n.startswith("shequgang.needs.") for n in names):
                found.add(rel.parts[0])
    return found


def test_nothing_below_needs_imports_it() -> None:
    # The readers above it: the command centre, the demo loader and the residents' door
    # (portal's 微心愿 pages write through needs' services).
    assert _importers_of_needs() <= {"dashboard", "demo", "portal"}
