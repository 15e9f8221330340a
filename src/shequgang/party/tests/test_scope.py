"""Who sees which party records: counties their subtree, communities theirs, a member
their own record, a unit its own members, pairings and reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from shequgang.errors import NotFound
from shequgang.party import access
from shequgang.party.models import Member, UnitPairing
from shequgang.party.reporting import member_report, pairing_create
from shequgang.party.tests.conftest import NOW, Party, register


@dataclass
class Others:
    b_member: Member
    plain: Member
    liaison: User
    pairing_a: UnitPairing


@pytest.fixture
def others(party: Party) -> Others:
    world = party.world
    b_member = register(world, name="建昌党员", community=world.community_b)
    plain = register(world, name="城东退休", status="retired")
    liaison = User.objects.create_user("unit_liaison", password="x")
    party.unit.accounts.add(liaison)
    member_report(actor=world.admin, member=party.member, community=world.community_a, now=NOW)
    pairing_a = pairing_create(
        actor=world.admin,
        unit=party.unit,
        community=world.community_a,
        started_on=dt.date(2026, 1, 1),
    )
    return Others(b_member=b_member, plain=plain, liaison=liaison, pairing_a=pairing_a)


def _names(user: User) -> set[str]:
    return set(access.scoped_members(user).values_list("name", flat=True))


def test_counties_see_their_subtree_communities_their_own(party: Party, others: Others) -> None:
    users = party.world.users
    assert _names(users["county_a_command"]) == {"李在职", "城东退休"}
    assert _names(users["town_a_staff"]) == {"李在职", "城东退休"}
    assert _names(users["secretary_a"]) == {"李在职", "城东退休"}
    assert _names(users["secretary_b"]) == {"建昌党员"}
    assert _names(users["city_admin"]) == {"李在职", "城东退休", "建昌党员"}
    # No party rights: grid workers, departments, residents.
    for persona in ("grid_a1", "dept_handler", "nobody", "central_a1"):
        assert _names(users[persona]) == set()


def test_a_member_sees_their_own_record_and_reports(party: Party, others: Others) -> None:
    assert _names(party.member_user) == {"李在职"}
    assert list(access.scoped_reports(party.member_user)) == list(party.member.reports.all())
    with pytest.raises(NotFound):
        access.access_member(party.member_user, others.plain.pk)
    # Seeing is not managing.
    assert not access.scoped_members(party.member_user, access.MANAGE).exists()


def test_a_unit_sees_its_own_staff_pairings_and_reports(party: Party, others: Others) -> None:
    liaison = others.liaison
    assert _names(liaison) == {"李在职"}  # works at the unit
    assert list(access.scoped_pairings(liaison)) == [others.pairing_a]
    assert access.scoped_reports(liaison).count() == 1
    assert list(access.scoped_units(liaison)) == [party.unit]


def test_a_branch_secretary_sees_their_branch_and_its_members(party: Party, others: Others) -> None:
    from shequgang.party.services import MemberChange, member_update

    users = party.world.users
    member_update(actor=party.admin, member=others.plain, change=MemberChange(branch=party.branch))
    assert list(access.scoped_branches(users["branch_a"])) == [party.branch]
    assert _names(users["branch_a"]) == {"城东退休"}
    assert not access.scoped_branches(users["secretary_b"]).exists()


def test_pairings_and_reports_of_another_community_are_not_found(
    party: Party, others: Others
) -> None:
    users = party.world.users
    pairing = others.pairing_a
    with pytest.raises(NotFound):
        access.access_pairing(users["secretary_b"], pairing.pk)
    with pytest.raises(NotFound):
        access.access_pairing(users["secretary_b"], "junk")
    assert access.access_pairing(users["county_a_command"], pairing.pk) == pairing
    assert not access.scoped_reports(users["secretary_b"]).exists()


def test_a_community_keeps_seeing_reports_that_moved_away(party: Party, others: Others) -> None:
    world = party.world
    member_report(
        actor=world.admin,
        member=party.member,
        community=world.community_b,
        now=NOW + dt.timedelta(1),
    )
    history = access.scoped_reports(world.users["secretary_a"])
    assert [r.ended_at is not None for r in history] == [True]
    assert access.scoped_reports(world.users["secretary_b"]).count() == 1
    # The member now belongs to community_b for scope.
    assert "李在职" in _names(world.users["secretary_b"])
    assert "李在职" not in _names(world.users["secretary_a"])
