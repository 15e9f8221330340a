"""The 「四议」 ladder: which node holds a case at each rung, and who acts for it.

A case at a rung is held by the node of that rung above its place — the party group's
building, the branch's compound, the community, the town — or by a department of its
county. A rung with nobody appointed to it is skipped upward (the event says so), since a
case waiting on an empty chair would only time out."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from shequgang import reference_cache
from shequgang.actors import UserLike
from shequgang.cases.models import Category, Rung
from shequgang.cases.models.dispatch import DepartmentRoute
from shequgang.errors import DomainError
from shequgang.people.models import RoleAssignment
from shequgang.people.roles import Role
from shequgang.people.scope import active_assignments, is_unrestricted
from shequgang.places.models import Department, Kind, Place
from shequgang.places.selectors import place_ancestors

RUNG_KIND: dict[int, str] = {
    Rung.CENTRAL_HOUSEHOLD: Kind.HOUSEHOLD,
    Rung.PARTY_GROUP: Kind.BUILDING,
    Rung.BRANCH: Kind.COMPOUND,
    Rung.COMMUNITY: Kind.COMMUNITY,
    Rung.TOWN: Kind.TOWN,
}

RUNG_ROLES: dict[int, set[str]] = {
    Rung.CENTRAL_HOUSEHOLD: {Role.CENTRAL_HOUSEHOLD},
    Rung.PARTY_GROUP: {Role.PARTY_GROUP_LEADER},
    Rung.BRANCH: {Role.BRANCH_SECRETARY},
    Rung.COMMUNITY: {Role.COMMUNITY_SECRETARY, Role.COMMUNITY_WORKER},
    Rung.TOWN: {Role.TOWN_STAFF},
    Rung.DEPARTMENT: {Role.DEPARTMENT_HANDLER},
}

# Rungs that always take a case, staffed or not: above them there is nowhere to skip to
# inside the community's own chain.
_ALWAYS_HOLD = {Rung.COMMUNITY, Rung.TOWN}


@dataclass
class Route:
    rung: int
    place: Place | None = None
    department: Department | None = None
    skipped: list[str] = field(default_factory=list)
    # For a department: the node a 退单 goes back to (the county's command centre when
    # the ladder itself carried the case up; the dispatcher when one sent it).
    dispatcher: Place | None = None
    # Who acts for ``place`` (``notifications.holders_of`` for a case held there), when
    # the routing read already knows it: None for a department.
    holder_ids: list[int] | None = None

    @property
    def holder_name(self) -> str:
        return str(self.department or self.place or "")


def _ladder_assignments(by_kind: dict[str, Place], rung: int) -> list[RoleAssignment]:
    """In one query, the live assignments that could hold a case at ``rung`` or above in
    the chain ``by_kind``, up to the first rung that always holds: the central households
    in the case's building (or unit), and whoever acts for each rung's node. Ordered by
    their place's path, then id."""
    roles: set[str] = set()
    places = Q(pk__in=[])
    for candidate in range(max(rung, Rung.CENTRAL_HOUSEHOLD), Rung.DEPARTMENT):
        if candidate == Rung.CENTRAL_HOUSEHOLD:
            broadest = by_kind.get(Kind.BUILDING) or by_kind.get(Kind.UNIT)
            if Kind.HOUSEHOLD in by_kind and broadest is not None:
                places |= Q(path__descendant=broadest.path)
                roles |= RUNG_ROLES[candidate]
            continue
        node = by_kind.get(RUNG_KIND[candidate])
        if node is None:
            continue
        places |= Q(pk=node.pk)
        roles |= RUNG_ROLES[candidate]
        if candidate in _ALWAYS_HOLD:
            break
    if not roles:
        return []
    rows = RoleAssignment.objects.filter(
        role__in=roles,
        revoked_at__isnull=True,
        place_id__in=Place.objects.filter(places).values("pk"),
    ).select_related("place")
    # Sorted here: a handful of rows, and an ORDER BY over a join costs Django more to
    # compile than this.
    return sorted(rows, key=lambda a: (a.place.path if a.place else "", a.pk))


def _holder_ids(assignments: list[RoleAssignment], rung: int, node: Place) -> list[int]:
    return sorted(
        {a.user_id for a in assignments if a.place_id == node.pk and a.role in RUNG_ROLES[rung]}
    )


def _central_household_for(
    by_kind: dict[str, Place], assignments: list[RoleAssignment]
) -> Place | None:
    """The party-member central household looking after the household in the chain
    ``by_kind`` (the case's ancestors by kind, already loaded): one appointed in the same
    unit or building (the nearest; the first by path), until 联系户 links say otherwise.
    ``assignments`` are the ladder's, ordered by path."""
    unit, building = by_kind.get(Kind.UNIT), by_kind.get(Kind.BUILDING)
    for scope in (unit, building):
        if scope is None:
            continue
        for a in assignments:
            if (
                a.role == Role.CENTRAL_HOUSEHOLD
                and a.place is not None
                and a.place.path.startswith(scope.path)
            ):
                return a.place
    return None


def routed_department(*, category: Category, county: Place) -> Department | None:
    """The routing table's answer, most specific row first: the 小类 in this county, the
    小类 in every county, then the same for its 大类. Inactive departments are skipped."""
    rows = DepartmentRoute.objects.filter(
        category_id__in=[category.pk, *([category.parent_id] if category.parent_id else [])],
        department__active=True,
    ).filter(Q(county=county) | Q(county__isnull=True))
    best: tuple[int, Department] | None = None
    for row in rows.select_related("department"):
        rank = (0 if row.category_id == category.pk else 2) + (0 if row.county_id else 1)
        if best is None or rank < best[0]:
            best = (rank, row.department)
    return best[1] if best else None


def department_for(*, category: Category, county: Place | None) -> Department | None:
    """The department a case of ``category`` in ``county`` goes to when it leaves the
    community: the routing table (``DepartmentRoute``), else the county's department
    whose short name (or name) matches the category's ``department``."""
    if county is None:
        return None
    routed = routed_department(category=category, county=county)
    if routed is not None:
        return routed
    if not category.department:
        return None
    return (
        Department.objects.filter(place=county, active=True)
        .filter(Q(short_name=category.department) | Q(name__contains=category.department))
        .order_by("id")
        .first()
    )


def _ladder_assignments_cached(
    by_kind: dict[str, Place], rung: int, generation: int | None
) -> list[RoleAssignment]:
    """``_ladder_assignments`` from the process's copy under ``generation``
    (``shequgang.reference_cache``): fresh instances each time."""
    # Not the household itself: only whether there is one (the query reads the nodes
    # above it), so the households of a building share one copy.
    nodes = tuple(sorted((k, p.pk) for k, p in by_kind.items() if k != Kind.HOUSEHOLD))
    key = ("ladder", rung, Kind.HOUSEHOLD in by_kind, nodes)
    shared = reference_cache.cached(
        generation, key, lambda: tuple(_ladder_assignments(by_kind, rung))
    )
    mine = []
    for a in shared:
        a = reference_cache.fresh(a)
        if a.place is not None:
            a.place = reference_cache.fresh(a.place)
        mine.append(a)
    return mine


def route(
    *,
    place: Place,
    category: Category,
    rung: int,
    chain: list[Place] | None = None,
    generation: int | None = None,
) -> Route:
    """The first staffed holder at or above ``rung`` for a case at ``place``. ``chain`` is
    ``place_ancestors(place=place)`` when the caller has already loaded it. With a
    reference ``generation``, the ladder's assignments may come from the process's copy."""
    if chain is None:
        chain = place_ancestors(place=place)
    by_kind = {p.kind: p for p in chain}
    assignments = _ladder_assignments_cached(by_kind, rung, generation)
    skipped: list[str] = []
    for candidate in range(max(rung, Rung.CENTRAL_HOUSEHOLD), Rung.DEPARTMENT + 1):
        label = Rung(candidate).label
        if candidate == Rung.DEPARTMENT:
            dept = department_for(category=category, county=by_kind.get(Kind.COUNTY))
            if dept is not None:
                return Route(
                    rung=candidate,
                    department=dept,
                    skipped=skipped,
                    dispatcher=by_kind.get(Kind.COUNTY),
                )
            raise DomainError("no_department", "本县未设置该类事项的承办部门，无法继续提级")
        if candidate == Rung.CENTRAL_HOUSEHOLD:
            node = (
                _central_household_for(by_kind, assignments) if Kind.HOUSEHOLD in by_kind else None
            )
            if node is not None:
                return Route(
                    rung=candidate,
                    place=node,
                    skipped=skipped,
                    holder_ids=_holder_ids(assignments, candidate, node),
                )
            skipped.append(f"{label}：无")
            continue
        node = by_kind.get(RUNG_KIND[candidate])
        if node is None:
            continue  # the case sits above this level (e.g. raised for a whole compound)
        holders = _holder_ids(assignments, candidate, node)
        if candidate in _ALWAYS_HOLD or holders:
            return Route(rung=candidate, place=node, skipped=skipped, holder_ids=holders)
        skipped.append(f"{label}：{node.name}未设置负责人")
    raise DomainError("no_route", "找不到承办节点")  # pragma: no cover - DEPARTMENT returns


def is_handler(
    user: UserLike, *, rung: int, place_id: int | None, department_id: int | None
) -> bool:
    """Does ``user`` act for the holder of a case at this rung and node?"""
    if is_unrestricted(user):
        return True
    roles = RUNG_ROLES[rung]
    for a in active_assignments(user):
        if a.role not in roles:
            continue
        if department_id is not None and a.department_id == department_id:
            return True
        if place_id is not None and a.place_id == place_id:
            return True
    return False
