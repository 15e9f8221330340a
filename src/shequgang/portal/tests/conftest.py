from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from shequgang.places.models import Place
from shequgang.residency.models import ResidentAccount
from shequgang.residency.services import resident_account_confirm
from shequgang.residency.tests.factories import registered
from shequgang.testing import World


def confirmed_resident(
    world: World, household: Place, name: str = "王秀英", confirmer: str = "grid_a1", **changes: Any
) -> User:
    """A resident account of ``household``, registered and confirmed by grid worker A1
    (whose grid holds building A1; ``confirmer`` names another persona) — the way a real
    one comes to be."""
    account = registered(household, name=name, **changes)
    resident_account_confirm(account=account, actor=world.users[confirmer])
    return account.user


@pytest.fixture
def resident(world: World) -> User:
    return confirmed_resident(world, world.household_a1)


@pytest.fixture
def pending(world: World) -> ResidentAccount:
    return registered(world.household_a1, name="李新来")
