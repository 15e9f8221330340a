"""Confirming and refusing accounts: the register's row matched or added, scope as the
register's (a worker elsewhere gets the same 404 as for a missing account), one decision
per account, the refused person told why."""

from __future__ import annotations

import pytest

from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError
from shequgang.people import pii
from shequgang.people.models import Resident
from shequgang.residency.models import AccountStatus
from shequgang.residency.selectors import account_counts, confirmed_household_of
from shequgang.residency.services import (
    resident_account_confirm,
    resident_account_reapply,
    resident_account_refuse,
)
from shequgang.residency.tests.factories import registered
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def test_confirming_a_person_on_the_register_matches_their_row(world: World) -> None:
    # Given 居民a1 is on the register of household a1, with an ID number
    listed = world.residents["a1"]
    account = registered(world.household_a1, id_number=pii.decrypt(listed.id_number_cipher))
    # When the grid worker of that building confirms without naming a row
    resident_account_confirm(account=account, actor=world.users["grid_a1"])
    # Then the account is that resident, nobody new is registered
    account.refresh_from_db()
    assert account.status == AccountStatus.CONFIRMED and account.resident == listed
    assert Resident.objects.filter(household=world.household_a1).count() == 1
    assert confirmed_household_of(account.user) == world.household_a1
    entry = AuditEntry.objects.get(action="resident_account.confirm")
    assert entry.changes["matched"] == [None, True]


def test_confirming_a_newcomer_adds_them_to_the_register(world: World) -> None:
    account = registered(world.household_a1, relation="tenant")
    resident_account_confirm(account=account, actor=world.users["worker_a"])
    account.refresh_from_db()
    added = account.resident
    assert added is not None and added.household == world.household_a1
    assert added.relation == "tenant" and added.name == "王秀英"
    assert added.id_number_index == account.id_number_index
    assert added.phone_index == account.phone_index


@pytest.mark.parametrize("who", ["grid_a2", "secretary_b", "town_a_staff", "branch_a", "nobody"])
def test_outside_scope_is_not_found(world: World, who: str) -> None:
    account = registered(world.household_a1)
    with pytest.raises(DomainError) as caught:
        resident_account_confirm(account=account, actor=world.users[who])
    assert (caught.value.code, caught.value.status) == ("not_found", 404)
    with pytest.raises(DomainError) as caught:
        resident_account_refuse(account=account, actor=world.users[who], reason="不是本户")
    assert caught.value.status == 404


def test_a_decision_is_made_once(world: World) -> None:
    account = registered(world.household_a1)
    resident_account_confirm(account=account, actor=world.users["secretary_a"])
    for decide in (
        lambda: resident_account_confirm(account=account, actor=world.users["worker_a"]),
        lambda: resident_account_refuse(account=account, actor=world.users["worker_a"], reason="x"),
    ):
        with pytest.raises(DomainError) as caught:
            decide()
        assert (caught.value.code, caught.value.status) == ("already_decided", 409)


def test_the_refused_are_told_why_and_may_ask_again(world: World) -> None:
    account = registered(world.household_a1)
    with pytest.raises(DomainError) as caught:
        resident_account_refuse(account=account, actor=world.users["grid_a1"], reason=" ")
    assert caught.value.code == "reason_required"
    resident_account_refuse(
        account=account, actor=world.users["grid_a1"], reason="该户无此人，请核对门牌"
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.REFUSED
    assert account.refused_reason == "该户无此人，请核对门牌"
    assert confirmed_household_of(account.user) is None
    resident_account_reapply(account=account, household_id=world.household_a2.pk, relation="child")
    account.refresh_from_db()
    assert (account.status, account.household, account.refused_reason) == (
        AccountStatus.PENDING,
        world.household_a2,
        "",
    )


def test_a_named_row_must_be_of_the_household_and_the_same_person(world: World) -> None:
    account = registered(world.household_a1)
    with pytest.raises(DomainError) as caught:
        resident_account_confirm(
            account=account, actor=world.users["secretary_a"], resident=world.residents["a2"]
        )
    assert caught.value.code == "resident_not_in_household"
    with pytest.raises(DomainError) as caught:
        resident_account_confirm(
            account=account, actor=world.users["secretary_a"], resident=world.residents["a1"]
        )
    assert caught.value.code == "id_number_mismatch"


def test_an_id_number_registered_in_another_household_is_a_conflict(world: World) -> None:
    elsewhere = world.residents["a2"]
    account = registered(world.household_a1, id_number=pii.decrypt(elsewhere.id_number_cipher))
    with pytest.raises(DomainError) as caught:
        resident_account_confirm(account=account, actor=world.users["secretary_a"])
    assert (caught.value.code, caught.value.status) == ("duplicate_id_number", 409)
    account.refresh_from_db()
    assert account.status == AccountStatus.PENDING


def test_counts_under_a_place(world: World) -> None:
    pending = registered(world.household_a1)
    confirmed = registered(world.household_a2)
    refused = registered(world.household_a1)
    registered(world.household_b)
    resident_account_confirm(account=confirmed, actor=world.users["secretary_a"])
    resident_account_refuse(account=refused, actor=world.users["secretary_a"], reason="查无此人")
    assert pending.status == AccountStatus.PENDING
    assert account_counts(place=world.community_a) == {
        "pending": 1,
        "confirmed": 1,
        "refused": 1,
    }
    assert account_counts(place=world.building_a2) == {"pending": 0, "confirmed": 1, "refused": 0}


def test_a_register_row_has_one_account(world: World) -> None:
    listed = world.residents["a1"]
    first = registered(world.household_a1, id_number=pii.decrypt(listed.id_number_cipher))
    resident_account_confirm(account=first, actor=world.users["grid_a1"], resident=listed)
    # A second person claims the same row (their ID number is not the row's: none recorded)
    Resident.objects.filter(pk=listed.pk).update(id_number_index=None)
    listed.refresh_from_db()
    second = registered(world.household_a1)
    with pytest.raises(DomainError) as caught:
        resident_account_confirm(account=second, actor=world.users["grid_a1"], resident=listed)
    assert (caught.value.code, caught.value.status) == ("resident_has_account", 409)


def test_a_row_that_left_cannot_be_confirmed(world: World) -> None:
    listed = world.residents["a1"]
    Resident.objects.filter(pk=listed.pk).update(status="moved_out")
    account = registered(world.household_a1, id_number=pii.decrypt(listed.id_number_cipher))
    with pytest.raises(DomainError) as caught:
        resident_account_confirm(account=account, actor=world.users["grid_a1"])
    assert caught.value.code == "resident_not_active"
