"""Reads for grid pages and the API: a community's grids with their counts, and a grid
worker's queue (the open cases of their grids)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from shequgang.actors import UserLike
from shequgang.cases.access import scoped_cases
from shequgang.cases.models import FINAL_STATUSES, Case, Status
from shequgang.grid.models import Patrol
from shequgang.grid.patrols import worker_grids
from shequgang.people.roles import Role
from shequgang.places.models import Grid, Kind, Place


def community_grids(community: Place) -> QuerySet[Grid]:
    """The community's grids with how many buildings and active workers each has."""
    return (
        Grid.objects.filter(community=community)
        .annotate(
            building_count=Count("places", filter=Q(places__kind=Kind.BUILDING), distinct=True),
            worker_count=Count(
                "roleassignment",
                filter=Q(
                    roleassignment__role=Role.GRID_WORKER,
                    roleassignment__revoked_at__isnull=True,
                ),
                distinct=True,
            ),
        )
        .order_by("code", "name", "id")
    )


def grid_queue(user: UserLike) -> QuerySet[Case]:
    """The cases of the user's grids not yet closed or merged, soonest resolution
    deadline first (overdue lead), then id — the keyset (resolve_due_at, id)."""
    ids = [g.pk for g in worker_grids(user)]
    return (
        scoped_cases(user)
        .filter(grid_id__in=ids)
        .exclude(status__in=FINAL_STATUSES)
        .order_by("resolve_due_at", "id")
    )


def grid_unfinished(user: UserLike) -> QuerySet[Case]:
    """The patrol page's 未结: the cases of the user's grids someone still has to work
    on. A resolved case (已办结) waits for its raiser's rating, not for the grid worker,
    so it is left out here, though ``grid_queue`` (the API's queue) keeps it."""
    return grid_queue(user).exclude(status=Status.RESOLVED)


def recent_patrols(user: UserLike, limit: int = 10) -> list[Patrol]:
    if not user.is_authenticated:
        return []
    return list(
        Patrol.objects.filter(worker_id=user.pk)
        .select_related("grid")
        .annotate(
            point_count=Count("points", distinct=True), report_count=Count("reports", distinct=True)
        )
        .order_by("-started_at", "-id")[:limit]
    )
