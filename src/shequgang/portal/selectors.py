"""Reads for the resident pages: what the home shows (the community's news, my open
items, what the community offers) and the public front's programmes and activities.

Other residents' cases appear only as the public part a follower may see (title,
category, place name, dates) and only of categories that are not private."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from shequgang.cases.models import Case, Status
from shequgang.cases.models.choices import FINAL_STATUSES
from shequgang.cases.services.followers import followed_cases
from shequgang.party.activity_models import Activity, ActivityStatus
from shequgang.places.models import Place
from shequgang.points.access import own_accounts
from shequgang.veterans.models import Program
from shequgang.veterans.selectors import Window, program_current, program_window

# How far back the home looks for cases resolved nearby.
RESOLVED_DAYS = 30
HOME_ROWS = 5
_PUBLIC = ~Q(category__private=True) & ~Q(category__parent__private=True)
# The columns a case row of the home shows (``_case_row.html``): a case has some forty,
# and building them is most of such a query's cost.
_ROW = ("id", "status", "title", "created_at", "category", "category__name")


def upcoming_activities(*, community: Place | None, limit: int = HOME_ROWS) -> list[Activity]:
    """Published activities not yet over, soonest first (one community's, or the city's
    for a visitor)."""
    qs = Activity.objects.filter(status=ActivityStatus.PUBLISHED, ends_at__gt=timezone.now())
    # One community's list (the home, 活动) or the city's, which names each one's community.
    qs = qs.filter(community=community) if community else qs.select_related("community")
    return list(qs.order_by("starts_at", "id")[:limit])


def resolved_nearby(*, place: Place, limit: int = HOME_ROWS) -> list[Case]:
    """Cases of public categories resolved under ``place`` in the last ``RESOLVED_DAYS``."""
    since = timezone.now() - dt.timedelta(days=RESOLVED_DAYS)
    return list(
        Case.objects.filter(
            _PUBLIC,
            place_path__descendant=place.path,
            status__in=[Status.RESOLVED, Status.CLOSED],
            resolved_at__gte=since,
        )
        .select_related("category", "place")
        .only("id", "title", "resolved_at", "category__name", "place__name")
        .order_by("-resolved_at", "-id")[:limit]
    )


def my_cases(user: User) -> QuerySet[Case]:
    """What the resident raised, newest first."""
    return (
        Case.objects.filter(raiser_id=user.pk)
        .select_related("category")
        .order_by("-created_at", "-id")
    )


def my_open_cases(user: User, *, limit: int = HOME_ROWS) -> list[Case]:
    """Raised or followed, not yet closed or merged: raised first, newest first."""
    raised = list(my_cases(user).exclude(status__in=FINAL_STATUSES).only(*_ROW)[:limit])
    followed = list(followed_cases(user).exclude(status__in=FINAL_STATUSES).only(*_ROW)[:limit])
    seen = {c.pk for c in raised}
    return (raised + [c for c in followed if c.pk not in seen])[:limit]


@dataclass(frozen=True)
class ProgramState:
    program: Program
    window: Window


def veterans_offer(*, now: dt.datetime | None = None) -> ProgramState | None:
    """The programme a resident should see now, with its window's state."""
    program = program_current()
    return None if program is None else ProgramState(program, program_window(program, now=now))


def veterans_offer_for(*, birth_date: dt.date | None) -> ProgramState | None:
    """``veterans_offer`` when the person could be eligible by age (born on or before the
    programme's cut-off; unknown birth dates are shown it) and the window is not over."""
    offer = veterans_offer()
    if offer is None or offer.window.state == "closed":
        return None
    if birth_date is not None and birth_date > offer.program.born_on_or_before:
        return None
    return offer


def points_balances(user: User) -> list[tuple[Place, int]]:
    """The resident's points per community."""
    return [(a.community, a.balance) for a in own_accounts(user).order_by("community__path")]
