"""``loaddemo`` on an empty database: the same seed builds the same city, and outside demo
or development mode nothing is built."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError
from django.db import transaction

from shequgang.demo.tests.test_loaddemo import load
from shequgang.people.models import Resident
from shequgang.places.models import Grid, Place


def _snapshot() -> dict[str, Any]:
    return {
        "tree": list(Place.objects.order_by("path").values_list("path", "name", "floor_area")),
        "residents": list(
            Resident.objects.order_by("household__path", "name", "id_number_masked").values_list(
                "household__path", "name", "relation", "birth_date", "id_number_masked"
            )
        ),
        "grids": sorted(Grid.objects.values_list("community__path", "name")),
    }


class _Rollback(Exception):
    pass


def _load_and_snapshot(seed: int) -> dict[str, Any]:
    snapshot: dict[str, Any] = {}
    try:
        with transaction.atomic():
            # The history depends on today's date; the city, its people and grids do not.
            load(seed=seed, without_history=True)
            snapshot = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Place.objects.exists()
    return snapshot


def test_the_same_seed_builds_the_same_city(db):
    first = _load_and_snapshot(7)
    second = _load_and_snapshot(7)
    assert first["residents"] and first == second


def test_the_demo_is_refused_outside_demo_and_dev_mode(db, settings):
    settings.DEMO_MODE = settings.DEBUG = settings.TESTING = False
    with pytest.raises(CommandError, match="SHEQUGANG_DEMO"):
        load()
    assert not Place.objects.exists()
