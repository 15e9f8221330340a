"""Reads over the register, always through the user's scope."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from shequgang.actors import UserLike as User
from shequgang.errors import DomainError
from shequgang.people.id_numbers import normalize_id_number
from shequgang.people.models import Resident, ResidentStatus
from shequgang.people.phones import normalize_phone
from shequgang.people.roles import Perm
from shequgang.people.scope import scoped_residents
from shequgang.people.services import id_number_index, phone_index
from shequgang.places.models import Place

_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_PHONE_LIKE = re.compile(r"^\+?[\d\- ]{7,16}$")


def resident_search(
    *,
    user: User,
    query: str = "",
    within: Place | None = None,
    tag: str = "",
    include_inactive: bool = False,
    perm: Perm | str = Perm.RESIDENT_VIEW,
) -> QuerySet[Resident]:
    """Residents in the user's scope matching ``query``: a full ID number or phone number
    (exact, through the blind index, since both are stored encrypted) or part of a name."""
    qs = scoped_residents(user, perm).select_related("household")
    if within is not None:
        qs = qs.filter(household__path__descendant=within.path)
    if not include_inactive:
        qs = qs.filter(status="active")
    if tag:
        qs = qs.filter(tags__code=tag)
    text = query.strip()
    if text:
        if _ID_LIKE.match(text):
            qs = qs.filter(id_number_index=id_number_index(normalize_id_number(text)))
        elif _PHONE_LIKE.match(text) and sum(c.isdigit() for c in text) >= 7:
            try:
                qs = qs.filter(phone_index=phone_index(normalize_phone(text)))
            except DomainError:
                qs = qs.none()
        else:
            qs = qs.filter(Q(name__contains=text))
    return qs.order_by("household__path", "id")


def lives_in_household(resident: Resident, user: User) -> bool:
    """``home_households``' test on one row already loaded (no query)."""
    return (
        user.is_authenticated
        and resident.user_id == user.pk
        and resident.status == ResidentStatus.ACTIVE
        and resident.anonymised_at is None
    )


def home_households(user: User) -> QuerySet[Place]:
    """The households ``user`` lives in as a confirmed resident: the register's row
    linked to their login (``Resident.user``, set when their account was confirmed),
    while it is active and not erased. Empty for staff, visitors, pending and refused
    accounts, and from the moment the person leaves the household (moved out, deceased,
    erased) — whichever path changed the row."""
    if not user.is_authenticated:
        return Place.objects.none()
    return Place.objects.filter(
        residents__user_id=user.pk,
        residents__status=ResidentStatus.ACTIVE,
        residents__anonymised_at__isnull=True,
    )
