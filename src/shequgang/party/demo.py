"""Demo party organisation for the demo city, called by ``loaddemo`` after the tree exists.

- Every community gets its party committee (党委 with three or more compounds, else 党总支).
- Every compound is covered by a branch; neighbouring compounds of a community are joined
  into 联建 branches until the branches number ``compounds × 1578 / 2096`` (the seed's 1,578
  branches in 2,096 compounds at the city scale), so every self-managed compound is led by
  a branch (the seed's 404).
- Each branch has a secretary; about two in five also chair the owners' committee
  (「一肩挑」, with a committee seat carrying the party post, 交叉任职).
- 城东社区 shows the rest: party groups on 滨东花园's buildings, 郝志明's central household
  (the ``bindong_central`` account) with its 联系户, units paired with the community,
  in-service members reported there, and 双包联 by a unit and by the branch's secretary
  (the ``bindong_branch`` account's holder, 孙国强, who also sees 我的党建).

Bulk inserts keep the city scale fast; the rows obey the same rules the services check
(one branch per compound, joint branches inside one community, one active report).
Running it again adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequgang.party.models import (
    Branch,
    BranchCompound,
    BranchMode,
    CentralHousehold,
    CentralHouseholdLink,
    Committee,
    CommitteeBody,
    CommitteeKind,
    CommitteeSeat,
    Member,
    MemberReport,
    MemberStatus,
    PairedUnit,
    PairedUnitKind,
    PartyGroup,
    PartyPost,
    Responsibility,
    SeatRole,
    UnitPairing,
)
from shequgang.people import pii
from shequgang.people.id_numbers import make_id_number
from shequgang.people.masking import mask_id_number
from shequgang.people.models import Resident
from shequgang.people.services import id_number_index
from shequgang.places.models import Kind, Place

SEED_BRANCHES = 1578
SEED_COMPOUNDS = 2096
ONE_SHOULDER_SHARE = 0.4
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
_GIVEN = [
    "建国",
    "卫东",
    "志强",
    "国庆",
    "振华",
    "秀英",
    "桂兰",
    "玉梅",
    "红梅",
    "淑珍",
    "文华",
    "永平",
]
_UNITS = [
    ("离石区税务局", PairedUnitKind.ORGAN, "政策宣讲、办税辅导进社区"),
    ("离石区人民医院", PairedUnitKind.INSTITUTION, "义诊、慢病随访、健康讲座"),
    ("吕梁市第一中学", PairedUnitKind.INSTITUTION, "假期课堂、家庭教育讲座"),
    ("国网离石区供电公司", PairedUnitKind.STATE_ENTERPRISE, "用电安全检查、线路改造"),
]
_TODAY = dt.date(2026, 3, 1)


@dataclass(frozen=True)
class PartyDemoResult:
    committees: int
    branches: int
    compounds_covered: int
    members: int


class _Ids:
    """Synthetic ID numbers that do not collide with each other."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = 0

    def next(self) -> str:
        self.n += 1
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 365 * 30))
        # An unassigned area prefix keeps clear of the residents' numbers; the counter in
        # its last digits and the sequence keep members apart from each other.
        area = f"1499{self.n // 1000 % 100:02d}"
        return make_id_number(area, birth, self.n % 1000)


def _member(
    ids: _Ids, rng: random.Random, *, community: Place, name: str = "", **kw: object
) -> Member:
    value = ids.next()
    return Member(
        name=name or rng.choice(_SURNAMES) + rng.choice(_GIVEN),
        community=community,
        id_number_cipher=pii.encrypt(value),
        id_number_index=id_number_index(value),
        id_number_masked=mask_id_number(value),
        **kw,  # type: ignore[arg-type]
    )


def _plan(by_community: dict[int, list[Place]], merges: int) -> dict[int, list[list[Place]]]:
    """Join compounds round-robin across communities until ``merges`` are used."""
    plan = {cid: [[c] for c in compounds] for cid, compounds in by_community.items()}
    while merges > 0:
        progressed = False
        for groups in plan.values():
            if merges <= 0:
                break
            if len(groups) < 2:
                continue
            # Join the smallest adjacent pair: branches stay small and neighbouring.
            i = min(range(len(groups) - 1), key=lambda k: len(groups[k]) + len(groups[k + 1]))
            groups[i : i + 2] = [groups[i] + groups[i + 1]]
            merges -= 1
            progressed = True
        if not progressed:
            break
    return plan


@transaction.atomic
def party_demo_load(*, seed: int = 1) -> PartyDemoResult:
    """Build the demo party organisation (see the module docstring). Idempotent."""
    if Committee.objects.exists():
        return PartyDemoResult(0, 0, 0, 0)
    rng = random.Random(seed * 7919 + 5)
    ids = _Ids(rng)
    communities = list(Place.objects.filter(kind=Kind.COMMUNITY).order_by("path"))
    compounds = list(Place.objects.filter(kind=Kind.COMPOUND).order_by("path"))
    by_community: dict[int, list[Place]] = {c.pk: [] for c in communities}
    for compound in compounds:
        if compound.parent_id in by_community:
            by_community[compound.parent_id].append(compound)
    target = round(len(compounds) * SEED_BRANCHES / SEED_COMPOUNDS)
    plan = _plan(by_community, len(compounds) - target)

    committees = Committee.objects.bulk_create(
        [
            Committee(
                community=c,
                name=f"{c.name}{'党委' if len(by_community[c.pk]) >= 3 else '党总支'}",
                kind=CommitteeKind.COMMITTEE
                if len(by_community[c.pk]) >= 3
                else CommitteeKind.GENERAL_BRANCH,
            )
            for c in communities
        ]
    )
    committee_of = {c.community_id: c for c in committees}
    community_of = {c.pk: c for c in communities}

    specs: list[tuple[Committee, list[Place]]] = [
        (committee_of[cid], group) for cid, groups in plan.items() for group in groups
    ]
    secretaries = Member.objects.bulk_create(
        [
            _member(
                ids,
                rng,
                community=community_of[committee.community_id],
                status=MemberStatus.RETIRED if rng.random() < 0.6 else MemberStatus.IN_SERVICE,
            )
            for committee, _ in specs
        ]
    )
    branches = Branch.objects.bulk_create(
        [
            Branch(
                committee=committee,
                name=f"{group[0].name}党支部"
                if len(group) == 1
                else f"{group[0].name}等{len(group)}个小区联合党支部",
                mode=BranchMode.SINGLE if len(group) == 1 else BranchMode.JOINT,
                secretary=secretary,
                secretary_chairs_owners_committee=rng.random() < ONE_SHOULDER_SHARE,
                founded_on=dt.date(2019 + rng.randrange(0, 6), 7, 1),
            )
            for (committee, group), secretary in zip(specs, secretaries, strict=True)
        ]
    )
    BranchCompound.objects.bulk_create(
        [
            BranchCompound(branch=branch, compound=compound)
            for branch, (_, group) in zip(branches, specs, strict=True)
            for compound in group
        ]
    )
    for branch, secretary in zip(branches, secretaries, strict=True):
        secretary.branch = branch
    Member.objects.bulk_update(secretaries, ["branch"])
    CommitteeSeat.objects.bulk_create(
        [
            CommitteeSeat(
                place=group[0],
                body=CommitteeBody.OWNERS_COMMITTEE,
                role=SeatRole.CHAIR,
                name=branch.secretary.name if branch.secretary else "",
                member=branch.secretary,
                party_post=PartyPost.BRANCH_SECRETARY,
                started_on=branch.founded_on,
            )
            for branch, (_, group) in zip(branches, specs, strict=True)
            if branch.secretary_chairs_owners_committee
        ]
    )
    members = len(secretaries) + _chengdong(ids, rng)
    return PartyDemoResult(
        committees=len(committees),
        branches=len(branches),
        compounds_covered=sum(len(g) for _, g in specs),
        members=members,
    )


def _chengdong(ids: _Ids, rng: random.Random) -> int:
    """The showcase around 城东社区 and 滨东花园小区; returns the members it adds."""
    community = Place.objects.filter(kind=Kind.COMMUNITY, name="城东社区").first()
    compound = Place.objects.filter(kind=Kind.COMPOUND, name="滨东花园小区").first()
    if community is None or compound is None:
        return 0
    link = BranchCompound.objects.select_related("branch").get(compound=compound)
    branch = link.branch
    county = community.parent.parent if community.parent else None
    assert county is not None
    units = PairedUnit.objects.bulk_create(
        [
            PairedUnit(
                name=name,
                kind=kind,
                place=county,
                contact_name=rng.choice(_SURNAMES) + "联络员",
                offers=offers,
            )
            for name, kind, offers in _UNITS
        ]
    )
    UnitPairing.objects.bulk_create(
        [
            UnitPairing(
                unit=unit, community=community, started_on=dt.date(2024, 3, 1), offer=unit.offers
            )
            for unit in units[:3]
        ]
    )
    # Groups on 滨东花园's buildings, each led by a retired member living there.
    buildings = list(Place.objects.filter(parent=compound, kind=Kind.BUILDING).order_by("path"))
    leaders = Member.objects.bulk_create(
        [
            _member(ids, rng, community=community, status=MemberStatus.RETIRED, branch=branch)
            for _ in buildings
        ]
    )
    groups = PartyGroup.objects.bulk_create(
        [
            PartyGroup(branch=branch, building=b, name=f"{b.name}党小组", leader=leader)
            for b, leader in zip(buildings, leaders, strict=True)
        ]
    )
    for leader, group in zip(leaders, groups, strict=True):
        leader.group = group
    Member.objects.bulk_update(leaders, ["group"])
    added = len(leaders) + _central_household(community, groups, ids, rng)
    # In-service members of the units, reported to 城东社区 (双报到).
    now = timezone.now()
    reported = Member.objects.bulk_create(
        [
            _member(
                ids,
                rng,
                community=community,
                work_unit=units[i % len(units)],
                employee_number=f"E{1000 + i}",
            )
            for i in range(12)
        ]
    )
    MemberReport.objects.bulk_create(
        [MemberReport(member=m, community=community, reported_at=now) for m in reported]
    )
    # The branch's secretary is the bindong_branch account's holder (孙国强): one member,
    # named from the account, so the org chart, the committee seat and the account agree.
    # An in-service member, reported here, responsible for 1号楼.
    user = User.objects.filter(username="bindong_branch").first()
    sun = branch.secretary or _member(ids, rng, community=community, branch=branch)
    sun.name = user.first_name if user is not None and user.first_name else sun.name
    sun.user = user
    sun.status = MemberStatus.IN_SERVICE
    sun.work_unit = units[0]
    sun.employee_number = "E0001"
    sun.save()
    if branch.secretary_id != sun.pk:
        branch.secretary = sun
        branch.save(update_fields=["secretary"])
    CommitteeSeat.objects.filter(member=sun).update(name=sun.name)
    MemberReport.objects.create(member=sun, community=community, reported_at=now)
    if buildings:
        Responsibility.objects.create(member=sun, place=buildings[0], started_on=_TODAY)
    Responsibility.objects.create(unit=units[0], place=compound, started_on=_TODAY)
    return added + len(reported) + 1


def _central_household(
    community: Place, groups: list[PartyGroup], ids: _Ids, rng: random.Random
) -> int:
    """郝志明's household (the bindong_central account's 101) looks after its neighbours."""
    if not groups:
        return 0
    group = groups[0]
    household = (
        Place.objects.filter(path__descendant=group.building.path, kind=Kind.HOUSEHOLD, name="101")
        .order_by("path")
        .first()
    )
    if household is None:
        return 0
    resident = Resident.objects.filter(household=household, name="郝志明").first()
    member = _member(
        ids,
        rng,
        community=community,
        name="郝志明",
        status=MemberStatus.RETIRED,
        branch=group.branch,
        group=group,
        user=User.objects.filter(username="bindong_central").first(),
    )
    if resident is not None and resident.id_number_cipher:
        # The same person as the register's entry: the same ID number and blind index.
        value = pii.decrypt(resident.id_number_cipher)
        member.id_number_cipher = resident.id_number_cipher
        member.id_number_index = id_number_index(value)
        member.id_number_masked = mask_id_number(value)
        member.resident = resident
    member.save()
    central = CentralHousehold.objects.create(member=member, household=household, group=group)
    # 双包联: the central household answers for its own unit.
    if household.parent is not None:
        Responsibility.objects.create(member=member, place=household.parent, started_on=_TODAY)
    neighbours = (
        Place.objects.filter(path__descendant=group.building.path, kind=Kind.HOUSEHOLD)
        .exclude(pk=household.pk)
        .order_by("path")[:10]
    )
    CentralHouseholdLink.objects.bulk_create(
        [CentralHouseholdLink(central=central, household=h) for h in neighbours]
    )
    return 1
