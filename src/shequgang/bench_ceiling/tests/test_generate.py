"""The benchmark's data generator (bench/generate.py) writes rows in bulk, beside the
services. These tests keep it honest: a tiny generated city must pass the invariants
the services guarantee (numbers, clocks, routing, paths, stored formats), and a case the
real ``case_create`` raises must get the same routing and clocks as the generator's."""

from __future__ import annotations

import datetime as dt
import importlib
import random
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from shequgang.cases.engine.deadlines import clocks_for
from shequgang.cases.engine.route_fields import route_note as _route_note
from shequgang.cases.engine.routing import route
from shequgang.cases.models import (
    FINAL_STATUSES,
    Case,
    CaseEvent,
    CaseNumberCounter,
    EventKind,
    Status,
)
from shequgang.cases.services import case_create
from shequgang.people import pii
from shequgang.people.masking import mask_id_number
from shequgang.people.models import Resident
from shequgang.places.models import Kind, Place
from shequgang.places.selectors import place_ancestor_of_kind

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "bench"))
generate: Any = importlib.import_module("generate")  # bench/generate.py

NUMBER = re.compile(r"^(\d{6})-(\d{8})-(\d{4})$")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def city(db: None) -> generate.World:
    world = generate.World()
    rng = random.Random(7)
    size = generate.Size(compounds=3, cases=400)
    generate.build_tree(world, size, rng)
    generate.build_staff(world, rng)
    generate.build_residents(world, rng)
    generate.build_cases(world, size, rng, NOW)
    return world


def test_numbers_follow_the_counter(city: generate.World) -> None:
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for case in Case.objects.all():
        m = NUMBER.match(case.number)
        assert m, case.number
        assert m.group(1) == case.county_code
        assert m.group(2) == f"{case.created_at.astimezone(SHANGHAI):%Y%m%d}"
        seen[(m.group(1), m.group(2))].append(int(m.group(3)))
    counters = {(c.county_code, f"{c.day:%Y%m%d}"): c.last for c in CaseNumberCounter.objects.all()}
    assert set(counters) == set(seen)
    for key, numbers in seen.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert counters[key] == len(numbers)


def test_places_clocks_and_routes_are_the_services(city: generate.World) -> None:
    cases = list(Case.objects.select_related("place", "category"))
    assert len(cases) == 400
    for case in cases:
        place = case.place
        county = place_ancestor_of_kind(place=place, kind=Kind.COUNTY)
        assert county is not None
        assert case.place_path == place.path
        assert case.county_code == county.code[:6]
        assert case.grid_id == place.grid_id
        clocks = clocks_for(category=case.category, start=case.assigned_at)
        assert (case.ack_due_at, case.warn_at, case.resolve_due_at) == (
            clocks.ack_due_at,
            clocks.warn_at,
            clocks.resolve_due_at,
        )
        first = route(place=place, category=case.category, rung=case.category.start_rung)
        assigned = CaseEvent.objects.get(case=case, kind=EventKind.ASSIGNED)
        assert assigned.reason == _route_note(first)
        assert assigned.at == case.created_at
        if case.escalations == 0:
            assert case.rung == first.rung
            assert case.handler_place == first.place
            assert case.handler_department == first.department
        else:
            up = route(place=place, category=case.category, rung=first.rung + 1)
            assert (case.rung, case.handler_place, case.handler_department) == (
                up.rung,
                up.place,
                up.department,
            )
        # Stored in the format Django writes: an exact-match query finds the row.
        assert Case.objects.filter(
            pk=case.pk, created_at=case.created_at, resolve_due_at=case.resolve_due_at
        ).exists()


def test_states_are_consistent(city: generate.World) -> None:
    by_status: dict[str, int] = defaultdict(int)
    for case in Case.objects.all():
        by_status[case.status] += 1
        kinds = list(case.events.order_by("at", "id").values_list("kind", flat=True))
        assert kinds[:2] == [EventKind.CREATED, EventKind.ASSIGNED]
        if case.status == Status.CLOSED:
            assert case.closed_at is not None and case.resolved_at is not None
            assert kinds[-1] == EventKind.CLOSED
            assert case.resolved_on_time == (case.resolved_at <= case.resolve_due_at)
        if case.status == Status.MERGED:
            assert case.merged_into_id is not None and case.merged_into_id < case.pk
        if case.acknowledged_at is not None:
            assert case.responded_on_time == (case.acknowledged_at <= case.ack_due_at)
        assert case.created_at <= NOW and case.updated_at <= NOW
    # Mostly closed, some still open.
    assert by_status[Status.CLOSED] > 0.8 * 400
    assert sum(by_status[s] for s in FINAL_STATUSES) < 400


def test_residents_carry_the_services_personal_fields(city: generate.World) -> None:
    residents = list(Resident.objects.all()[:200])
    assert residents
    for r in residents:
        value = pii.decrypt(r.id_number_cipher)
        assert r.id_number_masked == mask_id_number(value)
        assert r.household.kind == Kind.HOUSEHOLD


def test_a_service_made_case_routes_like_the_generator(city: generate.World) -> None:
    router = generate.Router(city)
    from shequgang.cases.models import Category

    for code in ("noise", "stairwell_light", "lift", "street_light"):
        category = Category.objects.get(code=code)
        for household in Place.objects.filter(kind=Kind.HOUSEHOLD).order_by("?")[:5]:
            made = case_create(
                actor=city.admin,
                source="staff",
                category=category,
                place=household,
                title="核对",
                now=NOW,
            )
            mine: Any = router.route(household.pk, category, category.start_rung)
            assert (made.rung, made.handler_place_id, made.handler_department_id) == (
                mine.rung,
                mine.place,
                mine.department,
            )
            assigned = CaseEvent.objects.get(case=made, kind=EventKind.ASSIGNED)
            assert assigned.reason == router.note(mine)
