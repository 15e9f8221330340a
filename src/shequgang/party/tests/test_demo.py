"""The demo city comes with its party organisation: every compound covered, branches at
the seed's ratio, and the 城东社区 showcase visible to the demo accounts."""

from __future__ import annotations

from django.contrib.auth.models import User

from shequgang.demo.builder import demo_load
from shequgang.party.access import scoped_members
from shequgang.party.demo import SEED_BRANCHES, SEED_COMPOUNDS, party_demo_load
from shequgang.party.models import BranchCompound, Committee, Member, MemberReport
from shequgang.party.selectors import coverage, responsibility_cases
from shequgang.places.models import Kind, Place


def test_the_demo_city_has_its_party_organisation(db: None) -> None:
    demo_load(scale="small", seed=1, history=False)
    city = Place.objects.get(kind=Kind.CITY)
    figures = coverage(root=city)
    assert figures.compounds == figures.compounds_with_branch > 0
    assert figures.branches == round(figures.compounds * SEED_BRANCHES / SEED_COMPOUNDS)
    assert figures.self_managed_with_branch == figures.self_managed
    assert figures.one_shoulder == figures.cross_appointments > 0
    assert Committee.objects.count() == Place.objects.filter(kind=Kind.COMMUNITY).count()
    # Joint branches stay inside one community; one active report per member.
    for link in BranchCompound.objects.select_related("branch__committee", "compound"):
        assert link.compound.parent_id == link.branch.committee.community_id
        active = MemberReport.objects.filter(ended_at__isnull=True)
    assert active.count() == active.values("member").distinct().count() > 0
    secretary = User.objects.get(username="chengdong_secretary")
    assert scoped_members(secretary).filter(name="孙国强").exists()
    sun = User.objects.get(username="bindong_branch")
    assert Member.objects.get(user=sun).reports.filter(ended_at__isnull=True).count() == 1
    # 滨东花园's branch secretary on the org chart is the account's holder, by one name.
    bindong = BranchCompound.objects.select_related("branch__secretary").get(
        compound__name="滨东花园小区"
    )
    assert bindong.branch.secretary is not None
    assert bindong.branch.secretary.user_id == sun.pk
    assert bindong.branch.secretary.name == sun.first_name == "孙国强"
    assert Member.objects.filter(name__startswith="孙国", branch=bindong.branch).count() == 1
    responsibility_cases(user=sun).count()  # runs; the demo has no cases yet
    central = Member.objects.get(user__username="bindong_central")
    assert central.resident is not None and central.central_household.links.count() > 0
    # Running it again adds nothing.
    assert party_demo_load().committees == 0


def test_the_city_scale_plan_gives_the_seeds_1578_branches() -> None:
    """The joining plan alone, on the city's shape: 2,096 compounds in communities of one
    to six compounds (no database needed)."""
    import random

    from shequgang.party.demo import _plan

    rng = random.Random(3)
    by_community: dict[int, list[Place]] = {}
    made = 0
    cid = 0
    while made < SEED_COMPOUNDS:
        cid += 1
        size = min(rng.randint(1, 6), SEED_COMPOUNDS - made)
        by_community[cid] = [Place(name=f"{cid}-{i}") for i in range(size)]
        made += size
    plan = _plan(by_community, SEED_COMPOUNDS - SEED_BRANCHES)
    assert sum(len(groups) for groups in plan.values()) == SEED_BRANCHES
    for community, groups in plan.items():
        assert [c for g in groups for c in g] == by_community[community]
