"""Reads: coverage figures per subtree, a community's organisation tree, member lists,
and the open cases a 双包联 holder may see.

Coverage figures are SQL aggregates over the place tree (one query per table, counts with
``filter=``), never Python loops over rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from shequgang.actors import UserLike
from shequgang.cases.models import OPEN_STATUSES, Case, Status
from shequgang.party.access import scoped_members
from shequgang.party.models import (
    Branch,
    BranchCompound,
    CentralHousehold,
    CommitteeSeat,
    Member,
    MemberReport,
    PartyGroup,
    Responsibility,
)
from shequgang.places.models import Kind, ManagementMode, Place


@dataclass(frozen=True)
class Coverage:
    """Party organisation coverage of one subtree."""

    compounds: int
    compounds_with_branch: int
    branches: int
    joint_branches: int
    one_shoulder: int  # 一肩挑: branches whose secretary chairs the owners' committee
    cross_appointments: int  # 交叉任职: current committee seats held with a party post
    self_managed: int
    self_managed_with_branch: int
    members: int
    members_reported: int  # active 双报到 reports to communities in the subtree

    @property
    def branch_share(self) -> float | None:
        """Share of compounds covered by a branch (None for a subtree without compounds)."""
        return self.compounds_with_branch / self.compounds if self.compounds else None

    @property
    def branch_share_text(self) -> str:
        share = self.branch_share
        return "—" if share is None else f"{share:.1%}"


def coverage(*, root: Place) -> Coverage:
    """Coverage under ``root`` (inclusive). A joint branch counts once in any subtree
    holding at least one of its compounds."""
    compounds = Place.objects.filter(kind=Kind.COMPOUND, path__descendant=root.path).aggregate(
        total=Count("pk"),
        with_branch=Count("pk", filter=Q(party_branch_link__isnull=False)),
        self_managed=Count("pk", filter=Q(management_mode=ManagementMode.SELF_MANAGED)),
        self_managed_with_branch=Count(
            "pk",
            filter=Q(management_mode=ManagementMode.SELF_MANAGED, party_branch_link__isnull=False),
        ),
    )
    branches = BranchCompound.objects.filter(compound__path__descendant=root.path).aggregate(
        total=Count("branch", distinct=True),
        joint=Count("branch", distinct=True, filter=Q(branch__mode="joint")),
        one_shoulder=Count(
            "branch",
            distinct=True,
            filter=Q(
                branch__secretary_chairs_owners_committee=True, branch__secretary__isnull=False
            ),
        ),
    )
    seats = CommitteeSeat.objects.filter(
        place__path__descendant=root.path, ended_on__isnull=True
    ).aggregate(cross=Count("pk", filter=~Q(party_post="")))
    members = Member.objects.filter(community__path__descendant=root.path, active=True).aggregate(
        total=Count("pk")
    )
    reported = MemberReport.objects.filter(
        community__path__descendant=root.path, ended_at__isnull=True
    ).aggregate(total=Count("pk"))
    return Coverage(
        compounds=compounds["total"],
        compounds_with_branch=compounds["with_branch"],
        branches=branches["total"],
        joint_branches=branches["joint"],
        one_shoulder=branches["one_shoulder"],
        cross_appointments=seats["cross"],
        self_managed=compounds["self_managed"],
        self_managed_with_branch=compounds["self_managed_with_branch"],
        members=members["total"],
        members_reported=reported["total"],
    )


# --- A community's organisation -----------------------------------------------------------


@dataclass
class OrgTree:
    community: Place
    committee_name: str
    committee_kind: str
    branches: list[Branch] = field(default_factory=list)
    uncovered: list[Place] = field(default_factory=list)


def org_tree(*, community: Place) -> OrgTree:
    """The community's committee, its branches with compounds, groups (with their
    central households and 联系户 counts) and member counts, and the compounds no branch
    covers. A fixed number of queries whatever the size."""
    committee = getattr(community, "party_committee", None)
    tree = OrgTree(
        community=community,
        committee_name=committee.name if committee else "",
        committee_kind=committee.get_kind_display() if committee else "",
    )
    if committee is None:
        tree.uncovered = list(
            Place.objects.filter(kind=Kind.COMPOUND, parent=community).order_by("name")
        )
        return tree
    centrals = CentralHousehold.objects.select_related("member", "household").annotate(
        link_count=Count("links")
    )
    groups = PartyGroup.objects.select_related("building", "leader").prefetch_related(
        Prefetch("central_households", queryset=centrals)
    )
    tree.branches = list(
        Branch.objects.filter(committee=committee)
        .select_related("secretary")
        .annotate(member_count=Count("members", filter=Q(members__active=True), distinct=True))
        .prefetch_related(
            Prefetch("compounds", queryset=Place.objects.order_by("name")),
            Prefetch("groups", queryset=groups),
        )
        .order_by("name")
    )
    tree.uncovered = list(
        Place.objects.filter(
            kind=Kind.COMPOUND, parent=community, party_branch_link__isnull=True
        ).order_by("name")
    )
    return tree


def member_search(
    *, user: UserLike, query: str = "", community: Place | None = None, status: str = ""
) -> QuerySet[Member]:
    """Members the user may see, by part of a name, optionally within a community."""
    found = scoped_members(user).select_related("community", "branch", "group", "work_unit")
    if query.strip():
        found = found.filter(name__contains=query.strip())
    if community is not None:
        found = found.filter(community__path__descendant=community.path)
    if status:
        found = found.filter(status=status)
    return found.order_by("id")


# --- 双包联: the holder's view of open cases -------------------------------------------------

# Cases still waiting for something: being handled, on hold or waiting to be re-routed.
RESPONSIBILITY_CASE_STATUSES = frozenset(OPEN_STATUSES | {Status.ON_HOLD, Status.RETURNED})


def held_responsibilities(user: UserLike) -> QuerySet[Responsibility]:
    """The open responsibilities the user holds: as the member, or for their unit."""
    if not user.is_authenticated:
        return Responsibility.objects.none()
    return Responsibility.objects.filter(
        Q(member__user_id=user.pk, member__active=True)
        | Q(unit__accounts__id=user.pk, unit__active=True),
        ended_on__isnull=True,
    ).select_related("place", "unit", "member")


def responsibility_cases(*, user: UserLike) -> QuerySet[Case]:
    """Open cases at or below the places the user is responsible for (双包联), and
    nothing else. Read-only: callers show number, title, category, status and place,
    never who raised it."""
    paths = sorted({r.place.path for r in held_responsibilities(user)})
    if not paths:
        return Case.objects.none()
    cond = Q(pk__in=[])
    for path in paths:
        cond |= Q(place_path__descendant=path)
    return (
        Case.objects.filter(cond, status__in=RESPONSIBILITY_CASE_STATUSES)
        .select_related("category", "category__parent", "place")
        .order_by("-created_at", "-id")
    )
