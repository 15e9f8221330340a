"""Who sees and changes what in needs: scoped querysets and ``access_*`` helpers.

Campaigns and demands are scoped by the register's permissions over the place tree
(``resident.view`` to see, ``resident.edit`` to run campaigns and work the 需求清单), so a
worker of 城东 sees no 建昌 demand. A visitor — a grid worker, a party member or a
volunteer with a plain account — also sees their own visit lists, the households on them
and the demands they heard. Every helper raises the same ``NotFound`` for missing and
out of scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequgang.actors import UserLike as User
from shequgang.errors import NotFound
from shequgang.needs.models import Campaign, Demand, ListHousehold, Visit, VisitList
from shequgang.people.roles import Perm
from shequgang.people.scope import is_unrestricted, place_in_scope, place_scope_q

VIEW = Perm.RESIDENT_VIEW
MANAGE = Perm.RESIDENT_EDIT


def _pk(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(what) from None


def _visitor_q(user: User, prefix: str) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{prefix}visitor_id": user.pk})


def _scope_or_mine(user: User, prefix: str, visitor_prefix: str) -> Q:
    """The register scope over ``prefix``, or the visitor's own rows. (An unrestricted
    user's scope is the empty ``Q()``, which an OR would drop: it means everything.)"""
    if is_unrestricted(user):
        return Q()
    return place_scope_q(user, VIEW, prefix=prefix) | _visitor_q(user, visitor_prefix)


def scoped_campaigns(user: User) -> QuerySet[Campaign]:
    if is_unrestricted(user):
        return Campaign.objects.all()
    mine = Campaign.objects.filter(_visitor_q(user, "lists__")).values("pk")
    return Campaign.objects.filter(place_scope_q(user, VIEW, prefix="community__") | Q(pk__in=mine))


def scoped_lists(user: User) -> QuerySet[VisitList]:
    return VisitList.objects.filter(_scope_or_mine(user, "campaign__community__", ""))


def scoped_stops(user: User) -> QuerySet[ListHousehold]:
    return ListHousehold.objects.filter(_scope_or_mine(user, "household__", "visit_list__"))


def scoped_visits(user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(_scope_or_mine(user, "household__", ""))


def scoped_demands(user: User) -> QuerySet[Demand]:
    return Demand.objects.filter(_scope_or_mine(user, "place__", "visit__"))


def access_campaign(user: User, campaign_id: Any) -> Campaign:
    found = (
        scoped_campaigns(user)
        .select_related("community", "branch")
        .filter(pk=_pk(campaign_id, "敲门行动"))
        .first()
    )
    if found is None:
        raise NotFound("敲门行动")
    return found


def access_visit_list(user: User, list_id: Any) -> VisitList:
    found = (
        scoped_lists(user)
        .select_related("campaign", "visitor")
        .filter(pk=_pk(list_id, "走访清单"))
        .first()
    )
    if found is None:
        raise NotFound("走访清单")
    return found


def access_stop(user: User, stop_id: Any) -> ListHousehold:
    found = (
        scoped_stops(user)
        .select_related("household", "visit_list", "campaign")
        .filter(pk=_pk(stop_id, "走访住户"))
        .first()
    )
    if found is None:
        raise NotFound("走访住户")
    return found


def access_visit(user: User, visit_id: Any) -> Visit:
    found = scoped_visits(user).filter(pk=_pk(visit_id, "走访记录")).first()
    if found is None:
        raise NotFound("走访记录")
    return found


def access_demand(user: User, demand_id: Any) -> Demand:
    found = (
        scoped_demands(user)
        .select_related("place", "household", "case")
        .filter(pk=_pk(demand_id, "需求"))
        .first()
    )
    if found is None:
        raise NotFound("需求")
    return found


def may_manage(user: User, place: Any) -> bool:
    """Runs campaigns and works the 需求清单 at ``place``."""
    return place_in_scope(user, MANAGE, place)


def may_visit(user: User, stop: ListHousehold) -> bool:
    """Records visits (and the demands heard) at this household of a list: the list's
    visitor, or staff who keep the household's register."""
    visit_list = stop.visit_list
    return bool(user.is_authenticated and visit_list.visitor_id == user.pk) or may_manage(
        user, stop.household
    )
