"""Registering a resident account: every field checked, personal data at rest like the
register's, duplicates refused, retries with the same key answered once."""

from __future__ import annotations

import datetime as dt

import pytest

from shequgang.apikit.models import IdempotencyRecord  # noqa: F401  (app loaded)
from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError
from shequgang.people.id_numbers import make_id_number
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.residency.selectors import confirmed_household_of, resident_account_of
from shequgang.residency.services import resident_account_register
from shequgang.residency.tests.factories import registered, registration
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def test_a_registration_is_a_pending_login_with_no_staff_rights(world: World) -> None:
    account = registered(world.household_a1, phone="13912340000")
    assert account.status == AccountStatus.PENDING
    assert account.user.is_active and not account.user.is_staff
    assert not account.user.role_assignments.exists()
    assert account.user.username == "r13912340000"
    # Pending is not a resident yet.
    assert resident_account_of(account.user) == account
    assert confirmed_household_of(account.user) is None


def test_personal_data_is_stored_encrypted_indexed_and_masked(world: World) -> None:
    id_number = make_id_number("141102", dt.date(1950, 3, 1), 21)
    account = registered(world.household_a1, phone="139 1234 0001", id_number=id_number)
    row = ResidentAccount.objects.filter(pk=account.pk).values().get()
    flat = " ".join(str(v) for v in row.values())
    assert id_number not in flat and "13912340001" not in flat
    assert account.id_number_masked == id_number[:4] + "*" * 10 + id_number[-4:]
    assert account.phone_masked == "139****0001"
    entry = AuditEntry.objects.get(action="resident_account.register")
    assert "王秀英" not in str(entry.changes) and id_number not in str(entry.changes)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"id_number": "14110219500301002X"}, "invalid_id_number"),  # checksum off
        ({"id_number": "1411021950"}, "invalid_id_number"),
        ({"phone": "1234"}, "invalid_phone"),
        ({"name": "  "}, "name_required"),
        ({"relation": "boss"}, "invalid_relation"),
        ({"password": "123"}, "invalid_password"),
    ],
)
def test_each_bad_field_has_its_code(world: World, changes: dict[str, str], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        resident_account_register(data=registration(world.household_a1, **changes))
    assert caught.value.code == code
    assert not ResidentAccount.objects.exists()


def test_the_household_must_be_a_household(world: World) -> None:
    for bad in (world.building_a1.pk, 10**9, "x", None):
        with pytest.raises(DomainError) as caught:
            resident_account_register(data=registration(world.household_a1, household_id=bad))
        assert caught.value.code == "invalid_household"


def test_a_phone_registers_once(world: World) -> None:
    registered(world.household_a1, phone="13912340002")
    with pytest.raises(DomainError) as caught:
        registered(world.household_a2, phone="+86 139 1234 0002")
    assert (caught.value.code, caught.value.status) == ("phone_taken", 409)


def test_an_id_number_has_one_live_account(world: World) -> None:
    first = registered(world.household_a1)
    again = registration(world.household_a1, id_number=first_id(first))
    with pytest.raises(DomainError) as caught:
        resident_account_register(data=again)
    assert (caught.value.code, caught.value.status) == ("id_number_taken", 409)


def first_id(account: ResidentAccount) -> str:
    from shequgang.people import pii

    return pii.decrypt(account.id_number_cipher)


def test_a_retry_with_the_same_key_gets_the_first_account(world: World) -> None:
    data = registration(world.household_a1)
    first, created = resident_account_register(data=data, idempotency_key="k-1")
    again, created_again = resident_account_register(data=data, idempotency_key="k-1")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and ResidentAccount.objects.count() == 1
    other = registration(world.household_a2)
    with pytest.raises(DomainError) as caught:
        resident_account_register(data=other, idempotency_key="k-1")
    assert caught.value.code == "idempotency_key_reused"
