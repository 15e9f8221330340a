"""Who may watch which command centre: the city's (city administrators) or a county's
(that county's command centre, and the city above it). A scope is a city or county node;
anything else, or one outside the user's scope, is the same 404."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shequgang.actors import UserLike
from shequgang.errors import Forbidden, NotFound
from shequgang.people.roles import ROLE_PERMS, Perm
from shequgang.people.scope import (
    active_assignments,
    has_perm_anywhere,
    is_unrestricted,
    place_in_scope,
)
from shequgang.places.models import Kind, Place

SCOPE_KINDS = (Kind.CITY, Kind.COUNTY)
_COUNTY_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class DashboardScope:
    place: Place
    # None for the whole city: its counties' tallies are summed.
    county_code: str | None

    @property
    def is_city(self) -> bool:
        return self.county_code is None


def _scope_of(place: Place) -> DashboardScope:
    return DashboardScope(place, None if place.kind == Kind.CITY else place.code)


def dashboard_scopes(user: UserLike) -> list[Place]:
    """The city and county nodes the user may watch from, top first."""
    if is_unrestricted(user):
        return list(Place.objects.filter(kind=Kind.CITY).order_by("path"))
    places = {
        a.place.pk: a.place
        for a in active_assignments(user)
        if a.place is not None
        and a.place.kind in SCOPE_KINDS
        and Perm.DASHBOARD_VIEW in ROLE_PERMS[a.role]
    }
    return sorted(places.values(), key=lambda p: p.path)


def may_watch(user: UserLike) -> bool:
    """Whether the user has a command centre to watch (for the top bar; no query beyond
    the cached role assignments)."""
    if not user.is_authenticated:
        return False
    return is_unrestricted(user) or any(
        a.place is not None
        and a.place.kind in SCOPE_KINDS
        and Perm.DASHBOARD_VIEW in ROLE_PERMS[a.role]
        for a in active_assignments(user)
    )


def access_dashboard(user: UserLike, scope: str | int | None) -> DashboardScope:
    """The scope named by a place id or a 6-digit county code (GB/T 2260; six digits are
    read as a code first), or the user's own top scope when ``scope`` is empty.
    Forbidden when the user may watch no command centre at all; NotFound when the scope
    is missing, is not a city or county, or lies outside the user's scope."""
    if not has_perm_anywhere(user, Perm.DASHBOARD_VIEW):
        raise Forbidden("仅县级指挥中心和市级管理员可查看指挥中心")
    text = "" if scope is None else str(scope).strip()
    if not text:
        own = dashboard_scopes(user)
        if not own:
            raise NotFound("指挥范围")
        return _scope_of(own[0])
    place: Place | None = None
    if _COUNTY_CODE.match(text):
        place = Place.objects.filter(kind=Kind.COUNTY, code=text).first()
    if place is None and text.isdigit() and len(text) <= 18:
        place = Place.objects.filter(pk=int(text), kind__in=SCOPE_KINDS).first()
    if place is None or not place_in_scope(user, Perm.DASHBOARD_VIEW, place):
        raise NotFound("指挥范围")
    return _scope_of(place)
