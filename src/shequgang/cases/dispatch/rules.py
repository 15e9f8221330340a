"""Who may do what in the dispatch loop: the dispatcher of a case, who may request dispatch
or verify on site, the departments a case may go to, and each user's dispatch queue.
Reads only."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shequgang.actors import UserLike
from shequgang.cases.engine.routing import department_for, is_handler
from shequgang.cases.models import (
    OPEN_STATUSES,
    Case,
    Rung,
    Source,
    Status,
)
from shequgang.people.models import RoleAssignment
from shequgang.people.roles import Role
from shequgang.people.scope import active_assignments, is_unrestricted
from shequgang.places.models import Department, Kind, Place
from shequgang.places.selectors import place_ancestor_of_kind

COMMAND_ROLES = frozenset({Role.COUNTY_COMMAND, Role.CITY_ADMIN})
COMMUNITY_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_WORKER})


# --- Who may do what -----------------------------------------------------------------------


def dispatcher_node(user: UserLike, case: Case) -> Place | None:
    """The node from which ``user`` may dispatch ``case`` now, or None. The command
    centre over the case's place: cases at the town rung or above, and those waiting for
    dispatch. The community: open cases it holds, and those back in its own queue."""
    if not user.is_authenticated:
        return None
    if is_unrestricted(user):
        return place_ancestor_of_kind(place=case.place, kind=Kind.COUNTY)
    waiting = case.status == Status.TO_DISPATCH
    found: Place | None = None
    for a in active_assignments(user):
        node = a.place
        if node is None or not case.place_path.startswith(node.path):
            continue
        if a.role in COMMAND_ROLES and (waiting or case.rung >= Rung.TOWN):
            return node  # the command centre first: it is the county's dispatcher
        if a.role in COMMUNITY_ROLES and (
            (waiting and case.dispatcher_place_id == node.pk)
            or (
                case.status in OPEN_STATUSES
                and case.rung == Rung.COMMUNITY
                and case.handler_place_id == node.pk
            )
        ):
            found = node
    return found


def may_request_dispatch(user: UserLike, case: Case) -> bool:
    """The community or town holding the case; or the grid worker who reported it on
    patrol as needing dispatch, before anyone has signed for it."""
    if not user.is_authenticated:
        return False
    if case.rung in {Rung.COMMUNITY, Rung.TOWN} and is_handler(
        user,
        rung=case.rung,
        place_id=case.handler_place_id,
        department_id=case.handler_department_id,
    ):
        return True
    return (
        case.source == Source.GRID_PATROL
        and case.status == Status.SUBMITTED
        and case.raiser_id == user.pk
        and case.rung < Rung.DEPARTMENT
        and any(
            a.role == Role.GRID_WORKER and a.grid_id is not None and a.grid_id == case.grid_id
            for a in active_assignments(user)
        )
    )


def verifier_assignments(case: Case) -> QuerySet[RoleAssignment]:
    """The grid workers of the case's grid; where it has none, the community's staff."""
    live = RoleAssignment.objects.filter(revoked_at__isnull=True)
    if case.grid_id is not None:
        grid = live.filter(role=Role.GRID_WORKER, grid_id=case.grid_id)
        if grid.exists():
            return grid
    community = place_ancestor_of_kind(place=case.place, kind=Kind.COMMUNITY)
    if community is None:
        return live.none()
    return live.filter(role__in=COMMUNITY_ROLES, place=community)


def may_verify(user: UserLike, case: Case) -> bool:
    if not user.is_authenticated:
        return False
    if is_unrestricted(user):
        return True
    return verifier_assignments(case).filter(user_id=user.pk).exists()


def dispatch_targets(case: Case) -> QuerySet[Department]:
    """The departments a case may be sent to: active ones of its county and its city."""
    ancestors = [p for p in case.place_path.split("/") if p]
    paths = ["/".join(ancestors[: i + 1]) + "/" for i in range(len(ancestors))]
    return (
        Department.objects.filter(active=True, place__path__in=paths)
        .select_related("place")
        .order_by("-place__depth", "name")
    )


def default_department(case: Case) -> Department | None:
    county = place_ancestor_of_kind(place=case.place, kind=Kind.COUNTY)
    return department_for(category=case.category, county=county)


def dispatch_queue_q(user: UserLike) -> Q:
    """Cases waiting for ``user`` to dispatch them: those in the queue of a node they
    dispatch from, and for a command centre the open cases at the town rung below it."""
    if is_unrestricted(user):
        return Q(status=Status.TO_DISPATCH) | Q(status__in=OPEN_STATUSES, rung=Rung.TOWN)
    cond = Q(pk__in=[])
    for a in active_assignments(user):
        if a.place is None or a.role not in COMMAND_ROLES | COMMUNITY_ROLES:
            continue
        cond |= Q(status=Status.TO_DISPATCH, dispatcher_place_id=a.place_id)
        if a.role in COMMAND_ROLES:
            cond |= Q(status__in=OPEN_STATUSES, rung=Rung.TOWN, place_path__descendant=a.place.path)
    return cond
