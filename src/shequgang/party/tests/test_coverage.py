"""Coverage figures per subtree, at their boundaries: what counts and what does not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequgang.party.models import CommitteeBody, PartyPost, SeatRole
from shequgang.party.reporting import member_report
from shequgang.party.selectors import coverage
from shequgang.party.services import (
    BranchInput,
    branch_create,
    branch_update,
    committee_create,
    committee_seat_create,
    committee_seat_end,
)
from shequgang.party.tests.conftest import NOW, Party, register


def _joint(party: Party) -> None:
    committee = committee_create(actor=party.admin, community=party.community_a2, name="城西党总支")
    branch_create(
        actor=party.admin,
        committee=committee,
        data=BranchInput(
            name="自管联建党支部", mode="joint", compounds=[party.compound_a3, party.compound_n]
        ),
    )


def test_compounds_with_a_branch_and_the_share(party: Party) -> None:
    world = party.world
    before = coverage(root=world.community_a)
    assert (before.compounds, before.compounds_with_branch, before.branches) == (3, 1, 1)
    assert before.branch_share_text == "33.3%"
    _joint(party)
    after = coverage(root=world.community_a)
    assert (after.compounds, after.compounds_with_branch, after.branches) == (3, 2, 2)
    assert after.joint_branches == 1
    # The joint branch counts once in the town, though it spans two communities.
    town = coverage(root=world.town_a)
    assert (town.compounds, town.compounds_with_branch, town.branches) == (4, 3, 2)
    neighbour = coverage(root=party.community_a2)
    assert (neighbour.compounds_with_branch, neighbour.branches) == (1, 1)
    other_county = coverage(root=world.county_b)
    assert (other_county.compounds, other_county.compounds_with_branch) == (1, 0)


def test_a_subtree_without_compounds_has_no_share(party: Party) -> None:
    figures = coverage(root=party.world.building_a1)
    assert figures.compounds == 0 and figures.branch_share is None
    assert figures.branch_share_text == "—"


def test_self_managed_compounds_led_by_a_branch(party: Party) -> None:
    world = party.world
    figures = coverage(root=world.community_a)
    assert (figures.self_managed, figures.self_managed_with_branch) == (1, 0)
    _joint(party)
    figures = coverage(root=world.community_a)
    assert (figures.self_managed, figures.self_managed_with_branch) == (1, 1)
    # compound_a has a branch but is run by a property company: not counted.
    assert coverage(root=world.compound_a).self_managed_with_branch == 0


def test_one_shoulder_counts_branches_whose_secretary_chairs(party: Party) -> None:
    world = party.world
    assert coverage(root=world.city).one_shoulder == 0
    secretary = register(world, name="王书记")
    data = BranchInput(name="滨东花园党支部", mode="single", compounds=[world.compound_a])
    branch_update(actor=party.admin, branch=party.branch, data=data)
    assert coverage(root=world.city).one_shoulder == 0  # a secretary-less branch
    branch_update(
        actor=party.admin,
        branch=party.branch,
        data=BranchInput(
            **{**data.__dict__, "secretary": secretary, "secretary_chairs_owners_committee": True}
        ),
    )
    assert coverage(root=world.city).one_shoulder == 1
    assert coverage(root=world.county_b).one_shoulder == 0


def test_cross_appointments_count_current_seats_with_a_party_post(party: Party) -> None:
    world = party.world
    member = register(world, name="刘委员")
    seat = committee_seat_create(
        actor=party.admin,
        place=world.compound_a,
        body=CommitteeBody.OWNERS_COMMITTEE,
        role=SeatRole.MEMBER,
        name="刘委员",
        member=member,
        party_post=PartyPost.BRANCH_MEMBER,
        started_on=dt.date(2025, 1, 1),
    )
    committee_seat_create(
        actor=party.admin,
        place=world.compound_a,
        body=CommitteeBody.OWNERS_COMMITTEE,
        role=SeatRole.CHAIR,
        name="非党员主任",
    )
    committee_seat_create(
        actor=party.admin,
        place=world.community_a,
        body=CommitteeBody.RESIDENTS_COMMITTEE,
        role=SeatRole.MEMBER,
        name="刘委员",
        member=member,
        party_post=PartyPost.COMMITTEE_MEMBER,
    )
    assert coverage(root=world.community_a).cross_appointments == 2
    assert coverage(root=world.compound_a).cross_appointments == 1
    committee_seat_end(actor=party.admin, seat=seat, ended_on=dt.date(2026, 1, 1))
    assert coverage(root=world.community_a).cross_appointments == 1


def test_members_and_active_reports(party: Party) -> None:
    world = party.world
    member_report(actor=party.admin, member=party.member, community=world.community_a, now=NOW)
    assert coverage(root=world.community_a).members_reported == 1
    member_report(
        actor=party.admin,
        member=party.member,
        community=world.community_b,
        now=NOW + dt.timedelta(1),
    )
    assert coverage(root=world.community_a).members_reported == 0
    assert coverage(root=world.city).members_reported == 1


def test_coverage_is_a_fixed_number_of_queries(
    party: Party, django_assert_num_queries: Any
) -> None:
    _joint(party)
    with django_assert_num_queries(5):
        coverage(root=party.world.city)
