"""Who may see and handle applications.

An application belongs to two places: the county where the applicant's household is
registered (户籍所在县, stated on the form) and, when staff took it, the place where they
did (``intake_place``). A role on the city or a county sees the applications registered in
its counties; every place role also sees those taken inside its subtree. Scope is a SQL
condition, and ``access_application`` raises the same NotFound whether an application is
missing or outside the user's scope.

Which roles may do what is the policy below; it lives here rather than in
``people.roles`` because only this app uses it."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from shequgang.actors import Actor, UserLike
from shequgang.errors import NotFound
from shequgang.people.roles import Role
from shequgang.people.scope import active_assignments, is_unrestricted, may_view_full_pii
from shequgang.places.models import Kind, Place
from shequgang.veterans.models import Application, Program

VIEW = "veterans.view"  # list, detail, counts, budget
SUBMIT = "veterans.submit"  # apply on a resident's behalf
REVIEW = "veterans.review"  # correct and withdraw
EXPORT = "veterans.export"  # download the insurer's roster

_DESK = frozenset({VIEW, SUBMIT, REVIEW})
ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: _DESK | {EXPORT},
    Role.COUNTY_COMMAND: _DESK | {EXPORT},
    Role.TOWN_STAFF: _DESK,
    Role.COMMUNITY_SECRETARY: _DESK,
    Role.COMMUNITY_WORKER: _DESK,
}

# Roles whose node is a whole county or the city: they see by county of registration.
_AREA_KINDS = {Kind.CITY, Kind.COUNTY}
_NOTHING = Q(pk__in=[])
REFERENCE_RE = re.compile(r"^\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def has_perm(user: UserLike, perm: str) -> bool:
    """Whether the user holds ``perm`` anywhere (to show a menu entry, not to authorize)."""
    return is_unrestricted(user) or any(
        perm in ROLE_PERMS.get(a.role, ()) and a.place is not None for a in active_assignments(user)
    )


def _counties_under(place: Place) -> QuerySet[Place]:
    return Place.objects.filter(kind=Kind.COUNTY, path__descendant=place.path).exclude(code="")


def application_scope_q(user: UserLike, perm: str) -> Q:
    if is_unrestricted(user):
        return Q()
    cond = _NOTHING
    for a in active_assignments(user):
        if perm not in ROLE_PERMS.get(a.role, ()) or a.place is None:
            continue
        cond |= Q(intake_place__path__descendant=a.place.path)
        if a.place.kind in _AREA_KINDS:
            cond |= Q(registration_code__in=_counties_under(a.place).values("code"))
    return cond


def scoped_applications(user: UserLike, perm: str = VIEW) -> QuerySet[Application]:
    return Application.objects.filter(application_scope_q(user, perm))


def access_application(user: Actor, reference: str, perm: str = VIEW) -> Application:
    """The application, if ``user`` has ``perm`` on it; otherwise NotFound (also when
    missing)."""
    ref = reference.strip().upper()
    if user is None or not REFERENCE_RE.match(ref):
        raise NotFound("申请")
    found = (
        scoped_applications(user, perm)
        .select_related("program", "group", "intake_place")
        .filter(reference=ref)
        .first()
    )
    if found is None:
        raise NotFound("申请")
    return found


# The levels an intake desk sits at (and the place picker of the staff form offers).
INTAKE_KINDS = (Kind.CITY, Kind.COUNTY, Kind.TOWN, Kind.COMMUNITY)


def submit_places(user: UserLike) -> QuerySet[Place]:
    """Where the user may take applications: the nodes of their assignments and below,
    down to communities (the level an intake desk sits at)."""
    if is_unrestricted(user):
        cond = Q()
    else:
        cond = _NOTHING
        for a in active_assignments(user):
            if SUBMIT in ROLE_PERMS.get(a.role, ()) and a.place is not None:
                cond |= Q(path__descendant=a.place.path)
    return Place.objects.filter(cond, kind__in=INTAKE_KINDS).order_by("path")


def may_submit_at(user: UserLike, place: Place) -> bool:
    return submit_places(user).filter(pk=place.pk).exists()


def export_area_codes(user: UserLike, program: Program) -> list[str]:
    """The county codes whose roster the user may download: every area of the program
    for superusers, else the program's areas inside the user's city or county roles."""
    areas = list(program.areas.values_list("code", flat=True))
    if is_unrestricted(user):
        return areas
    codes: set[str] = set()
    for a in active_assignments(user):
        if (
            EXPORT in ROLE_PERMS.get(a.role, ())
            and a.place is not None
            and a.place.kind in _AREA_KINDS
        ):
            codes.update(_counties_under(a.place).values_list("code", flat=True))
    return [code for code in areas if code in codes]


def may_export_full(user: UserLike, codes: list[str]) -> bool:
    """Full ID numbers on a roster: superusers, or a full-PII grant covering every county
    exported (``people.scope.may_view_full_pii`` against each county's place)."""
    if is_unrestricted(user):
        return True
    if not codes:
        return False
    counties = list(Place.objects.filter(kind=Kind.COUNTY, code__in=codes))
    if {c.code for c in counties} != set(codes):
        return False
    return all(may_view_full_pii(user, county) for county in counties)
