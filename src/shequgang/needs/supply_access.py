"""Who sees and keeps resources, projects, wishes and partners (the supply side).

Staff see the rows of the communities (for resources: the places) inside their
assignments' subtrees, with ``Perm.PLACE_VIEW``; they keep them with
``Perm.PARTY_MANAGE`` (community workers and secretaries, town staff, the city).
An offerer keeps its own resources: a 报到单位's liaison accounts, a partner's accounts, the
volunteer who offered. Published wishes are seen and claimed by the people who serve a
community: its party members (``Member.community``), the liaisons of units paired with
it, its partners' accounts, and its staff. Every ``access_*`` answers the same NotFound
whether the row is missing or out of reach."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequgang.actors import Actor, UserLike
from shequgang.apikit.schemas import parse_pk
from shequgang.errors import NotFound
from shequgang.needs.models import DemandStatus
from shequgang.needs.project_models import Project, ProjectDemand
from shequgang.needs.supply_models import Partner, Resource, ResourceQuerySet
from shequgang.needs.wish_models import Wish, WishStatus
from shequgang.party.access import scoped_units
from shequgang.party.models import Member, PairedUnit, UnitPairing
from shequgang.people.roles import Perm
from shequgang.people.scope import (
    has_perm_anywhere,
    is_unrestricted,
    place_in_scope,
    place_scope_q,
)
from shequgang.places.models import Place
from shequgang.residency.selectors import confirmed_household_of

VIEW = Perm.PLACE_VIEW
MANAGE = Perm.PARTY_MANAGE

_NOTHING = Q(pk__in=[])


def _pk(value: Any, what: str) -> int:
    pk = parse_pk(value)
    if pk is None:
        raise NotFound(what)
    return pk


def may_manage(user: Actor, community: Place) -> bool:
    return user is not None and user.is_authenticated and place_in_scope(user, MANAGE, community)


def may_manage_anywhere(user: UserLike) -> bool:
    return user.is_authenticated and has_perm_anywhere(user, MANAGE)


def own_resources_q(user: UserLike) -> Q:
    if not user.is_authenticated:
        return _NOTHING
    return (
        Q(unit__accounts=user.pk)
        | Q(partner__accounts=user.pk)
        | Q(offerer_kind="volunteer", volunteer_id=user.pk)
    )


def scoped_resources(user: UserLike, perm: str = VIEW) -> ResourceQuerySet:
    """Resources placed in the user's staff scope, and the user's own offers."""
    if not user.is_authenticated:
        return Resource.objects.none()
    if is_unrestricted(user):
        # An empty Q OR'd with another is dropped, so everything is said outright.
        return Resource.objects.all()
    ids = Resource.objects.filter(
        place_scope_q(user, perm, prefix="place__") | own_resources_q(user)
    ).values("pk")
    return Resource.objects.filter(pk__in=ids)


def access_resource(user: UserLike, resource_id: Any, perm: str = VIEW) -> Resource:
    pk = _pk(resource_id, "资源")
    found = (
        scoped_resources(user, perm)
        .select_related("place", "unit", "partner", "community")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("资源")
    return found


def scoped_projects(user: UserLike, perm: str = VIEW) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(place_scope_q(user, perm, prefix="community__"))


def access_project(user: UserLike, project_id: Any, perm: str = VIEW) -> Project:
    pk = _pk(project_id, "项目")
    found = scoped_projects(user, perm).select_related("community", "owner").filter(pk=pk).first()
    if found is None:
        raise NotFound("项目")
    return found


def scoped_wishes(user: UserLike, perm: str = VIEW) -> QuerySet[Wish]:
    """Wishes of the communities in the user's staff scope (every status, full text)."""
    if not user.is_authenticated:
        return Wish.objects.none()
    return Wish.objects.filter(place_scope_q(user, perm, prefix="community__"))


def access_wish(user: UserLike, wish_id: Any, perm: str = VIEW) -> Wish:
    pk = _pk(wish_id, "微心愿")
    found = scoped_wishes(user, perm).select_related("community").filter(pk=pk).first()
    if found is None:
        raise NotFound("微心愿")
    return found


def served_communities_q(user: UserLike, *, prefix: str = "") -> Q:
    """Communities the user serves as a member, unit liaison or partner, or as staff."""
    if not user.is_authenticated:
        return _NOTHING
    if is_unrestricted(user):
        return Q()
    member_of = Member.objects.filter(user_id=user.pk, active=True).values("community_id")
    paired = UnitPairing.objects.filter(
        unit__accounts=user.pk, unit__active=True, ended_on__isnull=True
    ).values("community_id")
    partner_of = Partner.objects.filter(accounts=user.pk, active=True).values("community_id")
    return (
        Q(**{f"{prefix}pk__in": member_of})
        | Q(**{f"{prefix}pk__in": paired})
        | Q(**{f"{prefix}pk__in": partner_of})
        | place_scope_q(user, VIEW, prefix=prefix)
    )


def wishes_to_claim(user: UserLike) -> QuerySet[Wish]:
    """Published wishes the user may see on the wish wall and claim (public text only:
    callers show ``public_text`` and the type, never the household or resident)."""
    if not user.is_authenticated:
        return Wish.objects.none()
    return Wish.objects.filter(
        served_communities_q(user, prefix="community__"), status=WishStatus.PUBLISHED
    )


def claimer_wishes(user: UserLike) -> QuerySet[Wish]:
    """Wishes the user claimed (to fulfil, or done)."""
    if not user.is_authenticated:
        return Wish.objects.none()
    return Wish.objects.filter(claimer_id=user.pk)


def access_wish_to_claim(user: UserLike, wish_id: Any) -> Wish:
    """A wish the user may claim or has claimed; NotFound otherwise. Its state is checked
    by the service, so a wish claimed by someone else answers 409, not 404."""
    pk = _pk(wish_id, "微心愿")
    found = (
        Wish.objects.filter(pk=pk)
        .filter(
            Q(
                pk__in=Wish.objects.filter(served_communities_q(user, prefix="community__")).values(
                    "pk"
                )
            )
            | Q(claimer_id=user.pk)
        )
        .exclude(status__in=[WishStatus.PENDING_REVIEW, WishStatus.REJECTED])
        .select_related("community")
        .first()
        if user.is_authenticated
        else None
    )
    if found is None:
        raise NotFound("微心愿")
    return found


def own_wishes(user: UserLike) -> QuerySet[Wish]:
    """The wishes a resident posted for themselves."""
    if not user.is_authenticated:
        return Wish.objects.none()
    return Wish.objects.filter(wisher_id=user.pk)


def access_own_wish(user: UserLike, wish_id: Any) -> Wish:
    pk = _pk(wish_id, "微心愿")
    found = own_wishes(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("微心愿")
    return found


def scoped_partners(user: UserLike, perm: str = VIEW) -> QuerySet[Partner]:
    if not user.is_authenticated:
        return Partner.objects.none()
    return Partner.objects.filter(place_scope_q(user, perm, prefix="community__"))


def access_partner(user: UserLike, partner_id: Any, perm: str = VIEW) -> Partner:
    pk = _pk(partner_id, "合伙人")
    found = scoped_partners(user, perm).select_related("community").filter(pk=pk).first()
    if found is None:
        raise NotFound("合伙人")
    return found


def access_place_to_offer(user: UserLike, place_id: Any) -> Place:
    """A place where the user may offer a resource: in their staff scope, or in a
    community they serve (as a unit liaison, partner or member)."""
    pk = _pk(place_id, "地点")
    place = Place.objects.filter(pk=pk).first() if user.is_authenticated else None
    if place is None:
        raise NotFound("地点")
    if place_in_scope(user, VIEW, place):
        return place
    served = Place.objects.filter(served_communities_q(user)).values_list("path", flat=True)
    if not any(place.path.startswith(path) for path in served):
        raise NotFound("地点")
    return place


def access_unit_to_offer(user: UserLike, unit_id: Any) -> PairedUnit:
    """A 报到单位 the user may offer for: one they are a liaison of, or one in their
    party scope (the service checks the place too)."""
    pk = _pk(unit_id, "报到单位")
    found = (
        PairedUnit.objects.filter(Q(pk__in=scoped_units(user).values("pk")) | Q(accounts=user.pk))
        .filter(pk=pk)
        .first()
        if user.is_authenticated
        else None
    )
    if found is None:
        raise NotFound("报到单位")
    return found


def access_partner_to_offer(user: UserLike, partner_id: Any) -> Partner:
    pk = _pk(partner_id, "合伙人")
    found = (
        Partner.objects.filter(
            Q(pk__in=scoped_partners(user).values("pk")) | Q(accounts=user.pk), pk=pk
        ).first()
        if user.is_authenticated
        else None
    )
    if found is None:
        raise NotFound("合伙人")
    return found


def partners_that_served(user: UserLike) -> QuerySet[Partner]:
    """Partners that served the user's confirmed household: one of their accounts
    fulfilled a wish of it (confirmed), or one of their resources met a demand of it."""
    household = confirmed_household_of(user) if user.is_authenticated else None
    if household is None:
        return Partner.objects.none()
    by_wish = Wish.objects.filter(household=household, status=WishStatus.CONFIRMED).values(
        "claimer_id"
    )
    by_project = ProjectDemand.objects.filter(
        demand__household=household,
        demand__status=DemandStatus.MET,
        resource__partner__isnull=False,
    ).values("resource__partner_id")
    return Partner.objects.filter(
        Q(pk__in=Partner.objects.filter(accounts__in=by_wish).values("pk")) | Q(pk__in=by_project),
        active=True,
    )


def access_partner_to_rate(user: UserLike, partner_id: Any) -> Partner:
    """A partner that served the user (else the same NotFound as a missing id)."""
    pk = _pk(partner_id, "合伙人")
    found = partners_that_served(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("合伙人")
    return found
