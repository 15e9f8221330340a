"""Renaming ``party.Unit`` to ``party.PairedUnit`` keeps every row, id and link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("party", "0002_activities")]
AFTER = [("party", "0003_rename_unit_pairedunit")]


@pytest.fixture
def back_to_the_latest_schema():
    """Migrating party back unapplies every app that depends on it (needs, …): put the
    whole graph forward again, so the tests after this one find every table."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_units_their_accounts_and_pairings_survive_the_rename(
    world, back_to_the_latest_schema
) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("auth", "User").objects.get(pk=world.users["secretary_a"].pk)
    unit = old.get_model("party", "Unit").objects.create(
        name="离石区税务局", kind="organ", place_id=world.county_a.pk
    )
    unit.accounts.add(user)
    pairing = old.get_model("party", "UnitPairing").objects.create(
        unit=unit, community_id=world.community_a.pk, started_on="2026-01-01"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    kept = new.get_model("party", "PairedUnit").objects.get(pk=unit.pk)

    assert (kept.name, kept.kind, kept.place_id) == ("离石区税务局", "organ", world.county_a.pk)
    assert list(kept.accounts.values_list("pk", flat=True)) == [user.pk]
    assert list(kept.pairings.values_list("pk", flat=True)) == [pairing.pk]
