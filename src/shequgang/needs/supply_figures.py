"""The supply side's figures for the command centre (reads only): projects open and
completed, wishes fulfilled, the median days from a demand to met, and the share of
demands matched within 7 days of being recorded.

Both timing figures look at the last 365 days, so the dashboard's cost does not grow
with the years: the median over demands met in that window, the share over demands
recorded in it at least 7 days ago (each has had its whole week)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from shequgang.needs.models import Demand, DemandEvent, DemandStatus
from shequgang.needs.project_models import Project, ProjectStatus
from shequgang.needs.wish_models import Wish, WishStatus
from shequgang.places.models import Place

WINDOW = dt.timedelta(days=365)
MATCH_DAYS = 7
# Statuses that mean a demand was taken up: a match, a project, or met outright.
TAKEN_UP = (DemandStatus.MATCHED, DemandStatus.IN_PROJECT, DemandStatus.MET)


@dataclass(frozen=True)
class SupplyFigures:
    projects_open: int
    projects_completed: int
    wishes_fulfilled: int
    median_days_to_met: float | None
    matched_within_7_days_percent: int | None


def supply_figures_within(place: Place, *, now: dt.datetime | None = None) -> SupplyFigures:
    """The figures for everything below ``place``; the caller has decided the viewer may
    watch it."""
    at = now or timezone.now()
    since = at - WINDOW
    projects = Project.objects.filter(community__path__descendant=place.path)
    demands = Demand.objects.filter(place__path__descendant=place.path)
    spans = [
        (met - created).total_seconds() / 86400
        for created, met in demands.filter(status=DemandStatus.MET, met_at__gte=since).values_list(
            "created_at", "met_at"
        )
        if met is not None
    ]
    cohort = demands.filter(
        created_at__gte=since, created_at__lte=at - dt.timedelta(days=MATCH_DAYS)
    )
    quick = DemandEvent.objects.filter(
        demand=OuterRef("pk"),
        to_status__in=TAKEN_UP,
        at__lte=OuterRef("created_at") + dt.timedelta(days=MATCH_DAYS),
    )
    total = cohort.count()
    matched = cohort.filter(Exists(quick)).count() if total else 0
    return SupplyFigures(
        projects_open=projects.filter(
            status__in=[ProjectStatus.PLANNED, ProjectStatus.ACTIVE]
        ).count(),
        projects_completed=projects.filter(status=ProjectStatus.COMPLETED).count(),
        wishes_fulfilled=Wish.objects.filter(
            community__path__descendant=place.path, status=WishStatus.CONFIRMED
        ).count(),
        median_days_to_met=round(statistics.median(spans), 1) if spans else None,
        matched_within_7_days_percent=round(100 * matched / total) if total else None,
    )
