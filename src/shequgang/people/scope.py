"""Who may see what: scoped querysets and ``access_*`` helpers.

Scope is computed as a SQL condition over the place tree (path ranges and grid ids),
never by looping over rows in Python. ``access_*`` helpers return the object or raise the
same ``NotFound`` whether it is missing or outside the user's scope, so a probe learns
nothing about what exists elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from shequgang import reference_cache
from shequgang.actors import UserLike as User
from shequgang.errors import NotFound
from shequgang.people.models import Resident, RoleAssignment
from shequgang.people.roles import ROLE_PERMS, Perm
from shequgang.places.models import Grid, Kind, Place

_CACHE_ATTR = "_shequgang_assignments"
_NOTHING = Q(pk__in=[])


def active_assignments(user: User) -> Sequence[RoleAssignment]:
    """The user's live role assignments, fetched once per user object."""
    if not user.is_authenticated:
        return ()
    cached: Sequence[RoleAssignment] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _assignments_of(user.pk)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def _assignments_of(user_id: Any) -> list[RoleAssignment]:
    # Sorted here, not in SQL: with four joined tables Django spends longer compiling
    # an ORDER BY (it hashes every selected column) than the query takes.
    return sorted(
        RoleAssignment.objects.filter(user_id=user_id, revoked_at__isnull=True).select_related(
            "place", "grid", "grid__community", "department"
        ),
        key=lambda a: a.pk,
    )


def load_assignments_cached(user: User, *, generation: int | None) -> Sequence[RoleAssignment]:
    """``active_assignments`` from the process's copy under ``generation``
    (``shequgang.reference_cache``), kept on the user object as that function keeps them."""
    if not user.is_authenticated:
        return ()
    shared = reference_cache.cached(
        generation, ("assignments", user.pk), lambda: tuple(_assignments_of(user.pk))
    )
    mine = [reference_cache.fresh(a) for a in shared]
    setattr(user, _CACHE_ATTR, mine)
    return mine


def forget_assignments(user: User) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_unrestricted(user: User) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_superuser", False))


def has_perm_anywhere(user: User, perm: Perm | str) -> bool:
    return is_unrestricted(user) or any(
        perm in ROLE_PERMS[a.role] for a in active_assignments(user)
    )


def place_scope_q(user: User, perm: Perm | str, *, prefix: str = "") -> Q:
    """A condition on Place (or on a relation to Place via ``prefix``, e.g.
    ``"household__"``) that holds for the places where ``user`` has ``perm``."""
    if is_unrestricted(user):
        return Q()
    cond = _NOTHING
    for a in active_assignments(user):
        if perm not in ROLE_PERMS[a.role]:
            continue
        if a.grid_id is not None:
            cond |= Q(**{f"{prefix}grid_id": a.grid_id})
        elif a.place is not None:
            cond |= Q(**{f"{prefix}path__descendant": a.place.path})
    return cond


def scoped_places(user: User, perm: Perm | str = Perm.PLACE_VIEW) -> QuerySet[Place]:
    return Place.objects.filter(place_scope_q(user, perm))


def scoped_residents(user: User, perm: Perm | str = Perm.RESIDENT_VIEW) -> QuerySet[Resident]:
    return Resident.objects.filter(place_scope_q(user, perm, prefix="household__"))


def place_in_scope(user: User, perm: Perm | str, place: Place) -> bool:
    """The same rule as ``place_scope_q``, for one object already in memory."""
    if is_unrestricted(user):
        return True
    for a in active_assignments(user):
        if perm not in ROLE_PERMS[a.role]:
            continue
        if a.grid_id is not None and place.grid_id == a.grid_id:
            return True
        if a.place is not None and place.path.startswith(a.place.path):
            return True
    return False


def may_view_full_pii(user: User, place: Place) -> bool:
    """Full ID numbers and phones: granted per assignment, on its subtree only."""
    if is_unrestricted(user):
        return True
    for a in active_assignments(user):
        if not a.may_view_full_pii or Perm.RESIDENT_VIEW not in ROLE_PERMS[a.role]:
            continue
        if a.grid_id is not None and place.grid_id == a.grid_id:
            return True
        if a.place is not None and place.path.startswith(a.place.path):
            return True
    return False


def scope_roots(user: User, perm: Perm | str = Perm.PLACE_VIEW) -> list[Place]:
    """The top nodes of the user's scope, for the home page: the assigned places, and
    for grid assignments the grid's buildings."""
    if is_unrestricted(user):
        return list(Place.objects.filter(parent__isnull=True).order_by("path"))
    roots: dict[int, Place] = {}
    grid_ids = set()
    for a in active_assignments(user):
        if perm not in ROLE_PERMS[a.role]:
            continue
        if a.place is not None:
            roots[a.place.pk] = a.place
        elif a.grid_id is not None:
            grid_ids.add(a.grid_id)
    if grid_ids:
        for b in Place.objects.filter(grid_id__in=grid_ids, kind=Kind.BUILDING):
            roots[b.pk] = b
    # Drop nodes already inside another root.
    ordered = sorted(roots.values(), key=lambda p: p.path)
    return [
        p for p in ordered if not any(p is not r and p.path.startswith(r.path) for r in ordered)
    ]


def access_place(user: User, place_id: Any, perm: Perm | str = Perm.PLACE_VIEW) -> Place:
    """The place, if ``user`` has ``perm`` on it; otherwise NotFound (also when missing)."""
    try:
        pk = int(place_id)
    except (TypeError, ValueError):
        raise NotFound("地点") from None
    place = scoped_places(user, perm).filter(pk=pk).first()
    if place is None:
        raise NotFound("地点")
    return place


def access_resident(
    user: User, resident_id: Any, perm: Perm | str = Perm.RESIDENT_VIEW
) -> Resident:
    try:
        pk = int(resident_id)
    except (TypeError, ValueError):
        raise NotFound("居民") from None
    resident = scoped_residents(user, perm).select_related("household").filter(pk=pk).first()
    if resident is None:
        raise NotFound("居民")
    return resident


def grid_in_scope(user: User, grid: Grid) -> bool:
    """Whoever sees the grid's community, and the grid's own workers."""
    if place_in_scope(user, Perm.PLACE_VIEW, grid.community):
        return True
    return any(
        a.grid_id == grid.pk and Perm.PLACE_VIEW in ROLE_PERMS[a.role]
        for a in active_assignments(user)
    )


def access_grid(user: User, grid_id: Any) -> Grid:
    try:
        pk = int(grid_id)
    except (TypeError, ValueError):
        raise NotFound("网格") from None
    grid = Grid.objects.select_related("community").filter(pk=pk).first()
    if grid is None or not grid_in_scope(user, grid):
        raise NotFound("网格")
    return grid
