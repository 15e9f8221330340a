"""A small party organisation on the test world.

community_a (城东社区) gets a committee; compound_a (滨东花园) a single-built branch with a
group on building 1; a second and third compound in community_a and a compound in a
neighbouring community of the same town (for 联建); one member per role we need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from shequgang.party.models import Branch, Committee, Member, MemberStatus, PairedUnit, PartyGroup
from shequgang.party.reporting import unit_create
from shequgang.party.services import (
    BranchInput,
    MemberInput,
    branch_create,
    committee_create,
    group_create,
    member_register,
)
from shequgang.places.models import Kind, Place
from shequgang.places.services import place_create
from shequgang.testing import World, synthetic_id

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Party:
    world: World
    committee: Committee
    branch: Branch
    group: PartyGroup
    compound_a2: Place  # second compound of community_a, no branch
    compound_a3: Place  # third compound of community_a, self-managed, no branch
    community_a2: Place  # a neighbouring community in town_a
    compound_n: Place  # a compound of community_a2
    unit: PairedUnit  # registered in county_a
    member: Member  # in-service, in community_a, with an account
    member_user: User

    @property
    def admin(self) -> User:
        return self.world.admin


def register(
    world: World,
    *,
    name: str = "张党员",
    community: Place | None = None,
    id_number: str | None = None,
    status: str = MemberStatus.IN_SERVICE,
    **kw: object,
) -> Member:
    return member_register(
        actor=world.admin,
        data=MemberInput(
            name=name,
            community=community or world.community_a,
            status=status,
            id_number=synthetic_id() if id_number is None else id_number,
            **kw,  # type: ignore[arg-type]
        ),
    )


@pytest.fixture
def party(world: World) -> Party:
    admin = world.admin
    compound_a2 = place_create(
        parent=world.community_a, kind=Kind.COMPOUND, name="东关小区", actor=admin
    )
    compound_a3 = place_create(
        parent=world.community_a,
        kind=Kind.COMPOUND,
        name="自管小区",
        management_mode="self_managed",
        actor=admin,
    )
    community_a2 = place_create(
        parent=world.town_a, kind=Kind.COMMUNITY, name="城西社区", subtype="社区", actor=admin
    )
    compound_n = place_create(parent=community_a2, kind=Kind.COMPOUND, name="西苑小区", actor=admin)
    committee = committee_create(actor=admin, community=world.community_a, name="城东社区党委")
    branch = branch_create(
        actor=admin,
        committee=committee,
        data=BranchInput(name="滨东花园党支部", mode="single", compounds=[world.compound_a]),
    )
    group = group_create(actor=admin, branch=branch, building=world.building_a1, name="1号楼党小组")
    unit = unit_create(
        actor=admin,
        place=world.county_a,
        name="离石区税务局",
        kind="organ",
        contact_name="王联络",
        contact_phone="13912345678",
        offers="政策宣讲、志愿服务",
    )
    member_user = User.objects.create_user("member_a", password="x")
    member = register(world, name="李在职", user=member_user, work_unit=unit)
    return Party(
        world=world,
        committee=committee,
        branch=branch,
        group=group,
        compound_a2=compound_a2,
        compound_a3=compound_a3,
        community_a2=community_a2,
        compound_n=compound_n,
        unit=unit,
        member=member,
        member_user=member_user,
    )
