"""Reads for needs: a visitor's list, a campaign's coverage per building and compound, its
report, and the figures the dashboard shows."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from shequgang.needs.models import (
    ACTIVE_DEMAND_STATUSES,
    COVERED_STATES,
    Campaign,
    CampaignStatus,
    Demand,
    DemandStatus,
    DemandType,
    ListHousehold,
    StopState,
    Visit,
    VisitList,
    VisitorRole,
    VisitOutcome,
)
from shequgang.party.models import Member
from shequgang.people.models import RoleAssignment
from shequgang.places.models import Kind, Place


def list_stops(visit_list: VisitList) -> QuerySet[ListHousehold]:
    """The households of a list in walking order, each with its place and parents."""
    return visit_list.households.select_related(
        "household", "household__parent", "household__parent__parent"
    ).order_by("position")


@dataclass
class Coverage:
    place: Place
    households: int = 0
    covered: int = 0
    states: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> float:
        return self.covered / self.households if self.households else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)

    @property
    def pending(self) -> int:
        return self.states[StopState.PENDING]

    @property
    def not_home(self) -> int:
        return self.states[StopState.NOT_HOME]


def campaign_coverage(campaign: Campaign) -> tuple[list[Coverage], list[Coverage]]:
    """Coverage (households reached or known gone, over households) per compound and per
    building of the campaign: one read of the list rows, each counted under the building
    and compound whose path prefixes its household's path."""
    targets = list(campaign.targets.all())
    cond = Q(pk__in=[])
    for t in targets:
        cond |= Q(path__descendant=t.path)
    ancestors = Q(pk__in=[])
    for t in targets:
        ancestors |= Q(pk=t.parent_id, kind=Kind.COMPOUND)
    nodes = list(
        Place.objects.filter(
            (cond & Q(kind__in=[Kind.COMPOUND, Kind.BUILDING])) | ancestors
        ).order_by("path")
    )
    rows: dict[int, Coverage] = {p.pk: Coverage(place=p) for p in nodes}
    paths = [p.path for p in nodes]
    for path, state in ListHousehold.objects.filter(campaign=campaign).values_list(
        "household__path", "state"
    ):
        # Every node whose path prefixes this one: walk back from the insertion point.
        i = bisect.bisect_right(paths, path) - 1
        while i >= 0:
            if path.startswith(paths[i]):
                cov = rows[nodes[i].pk]
                cov.households += 1
                cov.covered += state in COVERED_STATES
                cov.states[state] += 1
            i -= 1
    compounds = [rows[p.pk] for p in nodes if p.kind == Kind.COMPOUND and rows[p.pk].households]
    buildings = [rows[p.pk] for p in nodes if p.kind == Kind.BUILDING and rows[p.pk].households]
    return compounds, buildings


@dataclass
class CampaignReport:
    campaign: Campaign
    households: int
    covered: int
    states: dict[str, int]
    visits: int
    outcomes: dict[str, int]
    revisits_due: int
    moved_out_unconfirmed: int
    demands: int
    demands_by_type: list[tuple[str, int]]
    demands_by_status: list[tuple[str, int]]
    cases: int
    visitors: list[dict[str, object]]

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.households) if self.households else 0


def campaign_report(campaign: Campaign) -> CampaignReport:
    stops = ListHousehold.objects.filter(campaign=campaign)
    states = dict(stops.values_list("state").annotate(n=Count("pk")).order_by())
    outcomes = dict(
        Visit.objects.filter(campaign=campaign)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    demands = Demand.objects.filter(campaign=campaign)
    by_type = dict(demands.values_list("type").annotate(n=Count("pk")).order_by())
    by_status = dict(demands.values_list("status").annotate(n=Count("pk")).order_by())
    visitors = [
        {
            "list": vl,
            "households": vl.n,
            "covered": vl.covered,
        }
        for vl in VisitList.objects.filter(campaign=campaign)
        .select_related("visitor")
        .annotate(
            n=Count("households"),
            covered=Count("households", filter=Q(households__state__in=COVERED_STATES)),
        )
        .order_by("pk")
    ]
    return CampaignReport(
        campaign=campaign,
        households=sum(states.values()),
        covered=sum(n for s, n in states.items() if s in COVERED_STATES),
        states={label: states.get(value, 0) for value, label in StopState.choices},
        visits=sum(outcomes.values()),
        outcomes={label: outcomes.get(value, 0) for value, label in VisitOutcome.choices},
        revisits_due=states.get(StopState.NOT_HOME, 0),
        moved_out_unconfirmed=stops.filter(
            state=StopState.MOVED_OUT, register_confirmed_at__isnull=True
        ).count(),
        demands=sum(by_type.values()),
        demands_by_type=[(label, by_type[v]) for v, label in DemandType.choices if v in by_type],
        demands_by_status=[(label, by_status.get(v, 0)) for v, label in DemandStatus.choices],
        cases=demands.filter(case__isnull=False).count(),
        visitors=visitors,
    )


@dataclass(frozen=True)
class NeedsFigures:
    demands_open: int
    demands_met: int
    campaigns_open: int
    households_targeted: int
    households_covered: int

    @property
    def coverage_percent(self) -> int:
        if not self.households_targeted:
            return 0
        return round(100 * self.households_covered / self.households_targeted)


def needs_figures(*, demands: QuerySet[Demand], campaigns: QuerySet[Campaign]) -> NeedsFigures:
    """Figures for the dashboard over already-scoped querysets: demands still active and
    met, and the coverage of the open campaigns."""
    d = demands.aggregate(
        open=Count("pk", filter=Q(status__in=ACTIVE_DEMAND_STATUSES)),
        met=Count("pk", filter=Q(status=DemandStatus.MET)),
    )
    live = campaigns.filter(status=CampaignStatus.OPEN)
    stops = ListHousehold.objects.filter(campaign__in=live.values("pk")).aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(state__in=COVERED_STATES))
    )
    return NeedsFigures(
        demands_open=d["open"],
        demands_met=d["met"],
        campaigns_open=live.count(),
        households_targeted=stops["total"],
        households_covered=stops["covered"],
    )


def visitor_candidates(community: Place) -> list[tuple[User, str]]:
    """Who may walk a campaign of ``community``: its staff and grid workers, then the
    party members registered there with an account (each with the role they visit as)."""
    staff = RoleAssignment.objects.filter(revoked_at__isnull=True, user__is_active=True).filter(
        Q(grid__community=community) | Q(place__path__descendant=community.path)
    )
    found: dict[int, tuple[User, str]] = {}
    for a in staff.select_related("user").order_by("user_id"):
        found.setdefault(a.user_id, (a.user, VisitorRole.GRID_WORKER))
    members = Member.objects.filter(
        community=community, active=True, user__isnull=False, user__is_active=True
    ).select_related("user")
    for m in members.order_by("pk"):
        assert m.user is not None
        found.setdefault(m.user.pk, (m.user, VisitorRole.MEMBER))
    return list(found.values())


def needs_figures_within(place: Place) -> NeedsFigures:
    """``needs_figures`` for everything below ``place`` (the command centre's city or
    county): the caller has already decided the viewer may watch it."""
    return needs_figures(
        demands=Demand.objects.filter(place__path__descendant=place.path),
        campaigns=Campaign.objects.filter(community__path__descendant=place.path),
    )
