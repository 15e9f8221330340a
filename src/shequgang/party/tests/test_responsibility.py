"""双包联: a unit or member responsible for named places sees those places' open cases,
and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from shequgang.cases.models import Case, Category, Source
from shequgang.cases.services import case_acknowledge, case_create, case_resolve
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.party.reporting import responsibility_assign, responsibility_end
from shequgang.party.selectors import responsibility_cases
from shequgang.party.tests.conftest import Party
from shequgang.places.models import Place

START = dt.date(2026, 1, 1)


def _case(party: Party, place: Place, title: str) -> Case:
    return case_create(
        actor=party.world.users["nobody"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=place,
        title=title,
    )


@pytest.fixture
def cases(party: Party) -> dict[str, Case]:
    world = party.world
    return {
        "a1": _case(party, world.household_a1, "1号楼楼道灯坏了"),
        "a1_building": _case(party, world.building_a1, "1号楼门禁坏了"),
        "a2": _case(party, world.household_a2, "2号楼楼道灯坏了"),
        "b": _case(party, world.household_b, "外区楼道灯坏了"),
    }


def test_a_member_sees_the_open_cases_of_their_building_only(
    party: Party, cases: dict[str, Case]
) -> None:
    world = party.world
    responsibility_assign(
        actor=world.users["secretary_a"],
        place=world.building_a1,
        member=party.member,
        started_on=START,
    )
    seen = set(responsibility_cases(user=party.member_user).values_list("title", flat=True))
    assert seen == {"1号楼楼道灯坏了", "1号楼门禁坏了"}


def test_a_unit_sees_its_households_cases_through_its_accounts(
    party: Party, cases: dict[str, Case]
) -> None:
    world = party.world
    liaison = User.objects.create_user("unit_liaison", password="x")
    party.unit.accounts.add(liaison)
    responsibility_assign(
        actor=world.admin, place=world.household_a2, unit=party.unit, started_on=START
    )
    assert list(responsibility_cases(user=liaison)) == [cases["a2"]]
    # The unit's responsibility is not the member's, even though the member works there.
    assert not responsibility_cases(user=party.member_user).exists()
    assert not responsibility_cases(user=world.users["nobody"]).exists()


def test_resolved_cases_and_ended_responsibilities_drop_out(
    party: Party, cases: dict[str, Case]
) -> None:
    world = party.world
    item = responsibility_assign(
        actor=world.admin, place=world.household_a1, member=party.member, started_on=START
    )
    assert list(responsibility_cases(user=party.member_user)) == [cases["a1"]]
    holder = world.users["group_a1"]  # the case starts at the party group (rung 2)
    case = case_acknowledge(actor=holder, case=cases["a1"])
    case_resolve(actor=holder, case=case, resolution="已更换灯泡")
    assert not responsibility_cases(user=party.member_user).exists()
    _case(party, world.household_a1, "又坏了")
    assert responsibility_cases(user=party.member_user).count() == 1
    responsibility_end(actor=world.admin, responsibility=item, ended_on=START)
    assert not responsibility_cases(user=party.member_user).exists()


def test_assigning_needs_manage_rights_over_the_place(party: Party) -> None:
    world = party.world
    for persona in ("secretary_b", "county_a_command", "branch_a"):
        with pytest.raises(NotFound):
            responsibility_assign(
                actor=world.users[persona],
                place=world.building_a1,
                member=party.member,
                started_on=START,
            )


def test_one_holder_one_open_responsibility_per_place(party: Party) -> None:
    world = party.world
    with pytest.raises(DomainError) as err:
        responsibility_assign(
            actor=world.admin,
            place=world.building_a1,
            member=party.member,
            unit=party.unit,
            started_on=START,
        )
    assert err.value.code == "one_holder"
    with pytest.raises(DomainError) as err:
        responsibility_assign(
            actor=world.admin, place=world.community_a, member=party.member, started_on=START
        )
    assert err.value.code == "invalid_place"
    responsibility_assign(
        actor=world.admin, place=world.building_a1, member=party.member, started_on=START
    )
    with pytest.raises(Conflict):
        responsibility_assign(
            actor=world.admin, place=world.building_a1, member=party.member, started_on=START
        )
