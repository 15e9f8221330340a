"""Who sees which party records, as SQL conditions over the place tree.

- Staff with ``party.view`` on a node see the records under it: a county its subtree, a
  community its own committee, branches, members, reports, pairings and 双包联 entries. A
  branch secretary (on a compound) sees the branch covering that compound and its members.
- A party member sees their own record, reports and responsibilities (``Member.user``).
- A unit's liaison accounts (``PairedUnit.accounts``) see the unit, its pairings, its members'
  reports and its responsibilities.

``access_*`` helpers return the object or raise the same ``NotFound`` whether it is missing
or out of scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet

from shequgang.actors import Actor, UserLike
from shequgang.errors import NotFound
from shequgang.party.models import (
    Branch,
    BranchCompound,
    CentralHousehold,
    Committee,
    Member,
    MemberReport,
    PairedUnit,
    PartyGroup,
    Responsibility,
    UnitPairing,
)
from shequgang.people.roles import Perm
from shequgang.people.scope import is_unrestricted, place_in_scope, place_scope_q
from shequgang.places.models import Place

VIEW = Perm.PARTY_VIEW
MANAGE = Perm.PARTY_MANAGE
_NOTHING = Q(pk__in=[])


def _places(user: UserLike, perm: str, prefix: str) -> Q:
    if not user.is_authenticated:
        return _NOTHING
    return place_scope_q(user, perm, prefix=prefix)


def _own_units(user: UserLike) -> QuerySet[PairedUnit]:
    """The units the user is a liaison account of."""
    if not user.is_authenticated:
        return PairedUnit.objects.none()
    return PairedUnit.objects.filter(accounts__id=user.pk)


def branch_scope_q(user: UserLike, perm: str = VIEW) -> Q:
    if is_unrestricted(user):
        return Q()
    covered = BranchCompound.objects.filter(_places(user, perm, "compound__")).values("branch_id")
    return _places(user, perm, "committee__community__") | Q(pk__in=covered)


def scoped_committees(user: UserLike, perm: str = VIEW) -> QuerySet[Committee]:
    return Committee.objects.filter(_places(user, perm, "community__"))


def scoped_branches(user: UserLike, perm: str = VIEW) -> QuerySet[Branch]:
    return Branch.objects.filter(branch_scope_q(user, perm))


def scoped_groups(user: UserLike, perm: str = VIEW) -> QuerySet[PartyGroup]:
    if is_unrestricted(user):
        return PartyGroup.objects.all()
    return PartyGroup.objects.filter(
        _places(user, perm, "building__")
        | Q(branch__in=Branch.objects.filter(branch_scope_q(user, perm)).values("pk"))
    )


def scoped_central_households(user: UserLike, perm: str = VIEW) -> QuerySet[CentralHousehold]:
    if not user.is_authenticated:
        return CentralHousehold.objects.none()
    return CentralHousehold.objects.filter(
        _places(user, perm, "household__") | Q(member__user_id=user.pk)
    )


def member_scope_q(user: UserLike, perm: str = VIEW) -> Q:
    """Staff: members belonging to a community in scope, or organised in a branch in
    scope. Everyone: their own record. Units (view only): their own staff."""
    if is_unrestricted(user):
        return Q()
    if not user.is_authenticated:
        return _NOTHING
    cond = _places(user, perm, "community__") | Q(
        branch__in=Branch.objects.filter(branch_scope_q(user, perm)).values("pk")
    )
    if perm == VIEW:
        cond |= Q(user_id=user.pk) | Q(work_unit__in=_own_units(user).values("pk"))
    return cond


def scoped_members(user: UserLike, perm: str = VIEW) -> QuerySet[Member]:
    return Member.objects.filter(member_scope_q(user, perm))


def scoped_reports(user: UserLike, perm: str = VIEW) -> QuerySet[MemberReport]:
    """Reports to a community in scope (with the history of earlier ones there), a
    member's own reports, and a unit's members' reports."""
    if is_unrestricted(user):
        return MemberReport.objects.all()
    if not user.is_authenticated:
        return MemberReport.objects.none()
    cond = _places(user, perm, "community__")
    if perm == VIEW:
        cond |= Q(member__user_id=user.pk) | Q(member__work_unit__in=_own_units(user).values("pk"))
    return MemberReport.objects.filter(cond)


def scoped_units(user: UserLike, perm: str = VIEW) -> QuerySet[PairedUnit]:
    """Units registered in scope, units paired with a community in scope, and (to view)
    a liaison's own units."""
    if is_unrestricted(user):
        return PairedUnit.objects.all()
    if not user.is_authenticated:
        return PairedUnit.objects.none()
    paired = UnitPairing.objects.filter(_places(user, perm, "community__")).values("unit_id")
    cond = _places(user, perm, "place__") | Q(pk__in=paired)
    if perm == VIEW:
        cond |= Q(pk__in=_own_units(user).values("pk"))
    return PairedUnit.objects.filter(cond)


def scoped_pairings(user: UserLike, perm: str = VIEW) -> QuerySet[UnitPairing]:
    if is_unrestricted(user):
        return UnitPairing.objects.all()
    if not user.is_authenticated:
        return UnitPairing.objects.none()
    cond = _places(user, perm, "community__")
    if perm == VIEW:
        cond |= Q(unit__in=_own_units(user).values("pk"))
    return UnitPairing.objects.filter(cond)


def scoped_responsibilities(user: UserLike, perm: str = VIEW) -> QuerySet[Responsibility]:
    if is_unrestricted(user):
        return Responsibility.objects.all()
    if not user.is_authenticated:
        return Responsibility.objects.none()
    cond = _places(user, perm, "place__")
    if perm == VIEW:
        cond |= Q(member__user_id=user.pk) | Q(unit__in=_own_units(user).values("pk"))
    return Responsibility.objects.filter(cond)


def _access(qs: QuerySet[Any], pk: Any, what: str) -> Any:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(what) from None
    found = qs.filter(pk=key).first()
    if found is None:
        raise NotFound(what)
    return found


def access_committee(user: UserLike, pk: Any, perm: str = VIEW) -> Committee:
    obj: Committee = _access(
        scoped_committees(user, perm).select_related("community"), pk, "党组织"
    )
    return obj


def access_branch(user: UserLike, pk: Any, perm: str = VIEW) -> Branch:
    obj: Branch = _access(scoped_branches(user, perm).select_related("committee"), pk, "党支部")
    return obj


def access_member(user: UserLike, pk: Any, perm: str = VIEW) -> Member:
    obj: Member = _access(scoped_members(user, perm), pk, "党员")
    return obj


def access_unit(user: UserLike, pk: Any, perm: str = VIEW) -> PairedUnit:
    obj: PairedUnit = _access(scoped_units(user, perm), pk, "单位")
    return obj


def access_pairing(user: UserLike, pk: Any, perm: str = VIEW) -> UnitPairing:
    obj: UnitPairing = _access(scoped_pairings(user, perm), pk, "结对共建")
    return obj


def access_report(user: UserLike, pk: Any, perm: str = VIEW) -> MemberReport:
    obj: MemberReport = _access(scoped_reports(user, perm), pk, "报到记录")
    return obj


def access_responsibility(user: UserLike, pk: Any, perm: str = VIEW) -> Responsibility:
    obj: Responsibility = _access(scoped_responsibilities(user, perm), pk, "包联记录")
    return obj


def require_manage(actor: Actor, place: Place, what: str = "地点") -> None:
    """``party.manage`` over ``place``, or the same NotFound as a missing place."""
    if actor is None or not place_in_scope(actor, MANAGE, place):
        raise NotFound(what)


def is_own(user: Actor, obj: Model) -> bool:
    """Whether ``obj`` (a member) is the user's own record."""
    return (
        user is not None
        and user.is_authenticated
        and isinstance(obj, Member)
        and obj.user_id == user.pk
    )
