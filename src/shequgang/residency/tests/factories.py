"""Registrations for the tests: valid by default, one field changed per test."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from shequgang.places.models import Place
from shequgang.residency.models import ResidentAccount
from shequgang.residency.services import Registration, resident_account_register
from shequgang.testing import synthetic_id

PASSWORD = "Lvliang-2026-home"
_phones = itertools.count(13900000001)


def registration(household: Place, **changes: Any) -> Registration:
    base = Registration(
        name="王秀英",
        phone=str(next(_phones)),
        id_number=synthetic_id(),
        household_id=household.pk,
        password=PASSWORD,
    )
    return dataclasses.replace(base, **changes)


def registered(household: Place, **changes: Any) -> ResidentAccount:
    account, _ = resident_account_register(data=registration(household, **changes))
    return account
