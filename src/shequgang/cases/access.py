"""Who sees which cases and who may do what to them.

Staff see the cases inside their subtree (by the case's place path, or their grid), and
every case they currently hold (a department sees what is dispatched to it). A resident
sees the cases they raised. ``access_case`` gives the same 404 for missing and hidden.

Following a case (``follow_scope_q``, ``access_case_to_follow``) is the narrower right of
a neighbour: the public part of a non-private case where they could have raised it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequgang.actors import UserLike
from shequgang.cases.engine.routing import RUNG_ROLES
from shequgang.cases.models import Case, Rung, Source
from shequgang.errors import NotFound
from shequgang.people.roles import ROLE_PERMS, Perm, Role
from shequgang.people.scope import active_assignments, is_unrestricted
from shequgang.people.selectors import home_households
from shequgang.places.models import Kind, Place
from shequgang.places.paths import ancestor_paths

_NOTHING = Q(pk__in=[])

# The rung a supervising role stands on: it may supervise cases held below it.
_ROLE_RUNG: dict[str, int] = {
    Role.COMMUNITY_SECRETARY: Rung.COMMUNITY,
    Role.COMMUNITY_WORKER: Rung.COMMUNITY,
    Role.TOWN_STAFF: Rung.TOWN,
    Role.COUNTY_COMMAND: Rung.DEPARTMENT + 1,
    Role.CITY_ADMIN: Rung.DEPARTMENT + 1,
}


def case_scope_q(user: UserLike, perm: Perm | str = Perm.CASE_VIEW) -> Q:
    if not user.is_authenticated:
        return _NOTHING
    if is_unrestricted(user):
        return Q()
    cond = Q(raiser_id=user.pk)
    handler_roles = set().union(*RUNG_ROLES.values())
    for a in active_assignments(user):
        if perm in ROLE_PERMS[a.role]:
            if a.grid_id is not None:
                cond |= Q(grid_id=a.grid_id)
            elif a.place is not None:
                cond |= Q(place_path__descendant=a.place.path)
        if a.role in handler_roles:
            if a.department_id is not None:
                cond |= Q(handler_department_id=a.department_id)
            elif a.place_id is not None:
                cond |= Q(handler_place_id=a.place_id)
    return cond


def scoped_cases(user: UserLike) -> QuerySet[Case]:
    return Case.objects.filter(case_scope_q(user))


def access_case(user: UserLike, case_id: Any) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound("事项") from None
    case = (
        scoped_cases(user)
        .select_related("category", "place", "handler_place", "handler_department")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound("事项")
    return case


def access_case_by_number(user: UserLike, number: str) -> Case:
    case = scoped_cases(user).filter(number=number).first()
    if case is None:
        raise NotFound("事项")
    return case


def supervisor_rung(user: UserLike, case: Case) -> int | None:
    """The highest rung from which ``user`` oversees ``case`` (None: does not)."""
    return _supervisor_rung_over(user, case.place_path)


def _supervisor_rung_over(user: UserLike, place_path: str) -> int | None:
    if is_unrestricted(user):
        return Rung.DEPARTMENT + 1
    best: int | None = None
    for a in active_assignments(user):
        rung = _ROLE_RUNG.get(a.role)
        if rung is None or Perm.CASE_SUPERVISE not in ROLE_PERMS[a.role] or a.place is None:
            continue
        if place_path.startswith(a.place.path):
            best = rung if best is None else max(best, rung)
    return best


def may_see_raiser(user: UserLike, case: Case) -> bool:
    """A raiser who chose anonymity is hidden from handlers below the community."""
    return raiser_visible(
        user, anonymous=case.anonymous, raiser_id=case.raiser_id, place_path=case.place_path
    )


def raiser_visible(
    user: UserLike, *, anonymous: bool, raiser_id: int | None, place_path: str
) -> bool:
    """``may_see_raiser`` from a case's columns (a list read as ``.values()`` rows)."""
    if not anonymous or raiser_id == user.pk:
        return True
    rung = _supervisor_rung_over(user, place_path)
    return rung is not None and rung >= Rung.COMMUNITY


# --- Following ("我也遇到了") ------------------------------------------------------------------

# A resident's home is known from the register's row confirmed as theirs
# (``people.selectors.home_households``: set when their resident account is confirmed,
# gone when they leave or are erased), from a role on their own household, building or
# compound (中心户, 党小组长, 小区党支部书记) and from the places they gave when they raised
# a case themselves; the neighbourhood they may follow cases in is its compound (or building, or
# community, when there is no compound).
_HOME_KINDS = (Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD)
_NEIGHBOURHOOD_KINDS = (Kind.COMPOUND, Kind.BUILDING, Kind.COMMUNITY)
# At most this many of a resident's own reports count towards their home (newest first).
_HOME_REPORTS = 20


def _neighbourhoods(paths: set[str]) -> set[str]:
    """The compound (else building, else community) path around each place path."""
    wanted = {a for p in paths for a in ancestor_paths(p)}
    kinds = dict(
        Place.objects.filter(path__in=wanted, kind__in=_NEIGHBOURHOOD_KINDS).values_list(
            "path", "kind"
        )
    )
    found: set[str] = set()
    for path in paths:
        chain = [a for a in ancestor_paths(path) if a in kinds]
        for kind in _NEIGHBOURHOOD_KINDS:
            match = [a for a in chain if kinds[a] == kind]
            if match:
                found.add(match[-1])
                break
    return found


def follow_scope_q(user: UserLike) -> Q:
    """The condition on Case for the cases ``user`` may follow and read as a follower:
    the ones they could have raised at that place — in their staff scope (``case.raise``)
    or in their own neighbourhood as a resident — and only of a category that is not
    private (``Category.private``, on the leaf or its 大类). Their own reports too."""
    if not user.is_authenticated:
        return _NOTHING
    if is_unrestricted(user):
        return Q()
    places = _NOTHING
    homes: set[str] = set()
    for a in active_assignments(user):
        if Perm.CASE_RAISE in ROLE_PERMS[a.role]:
            if a.grid_id is not None:
                places |= Q(grid_id=a.grid_id)
            elif a.place is not None:
                places |= Q(place_path__descendant=a.place.path)
        if a.place is not None and a.place.kind in _HOME_KINDS:
            homes.add(a.place.path)
    reported = (
        Case.objects.filter(raiser_id=user.pk, source=Source.RESIDENT)
        .order_by("-id")
        .values_list("place_path", flat=True)[:_HOME_REPORTS]
    )
    homes.update(reported)
    homes.update(home_households(user).values_list("path", flat=True))
    for path in sorted(_neighbourhoods(homes)):
        places |= Q(place_path__descendant=path)
    public = ~Q(category__private=True) & ~Q(category__parent__private=True)
    return Q(raiser_id=user.pk) | (public & places)


def followable_cases(user: UserLike) -> QuerySet[Case]:
    return Case.objects.filter(follow_scope_q(user))


def access_case_to_follow(user: UserLike, case_id: Any) -> Case:
    """The case, if ``user`` may follow it (``follow_scope_q``); otherwise the same
    NotFound whether it is missing, out of their neighbourhood or private."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound("事项") from None
    case = followable_cases(user).select_related("category").filter(pk=pk).first()
    if case is None:
        raise NotFound("事项")
    return case
