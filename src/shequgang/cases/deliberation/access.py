"""Who sees deliberations and who may convene and run them.

Reading needs ``case.view`` over the deliberation's node (or being its convener, an
invitee or a task's assignee); a deliberation outside that is the same 404 as a missing
one. Running it needs to hold the rung's node or to supervise it from above, with the same
rules as for cases (``routing.is_handler``, ``access.supervisor_rung``)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from shequgang.actors import Actor, UserLike
from shequgang.cases.access import supervisor_rung
from shequgang.cases.engine.routing import RUNG_KIND, is_handler
from shequgang.cases.models import Case, Rung
from shequgang.cases.models.deliberation import Attendee, Deliberation, FollowUp
from shequgang.errors import DomainError, NotFound
from shequgang.people.roles import Perm
from shequgang.people.scope import is_unrestricted, place_scope_q
from shequgang.places.models import Place
from shequgang.places.selectors import place_ancestor_of_kind


def signed_in_user(actor: Actor) -> User:
    if not isinstance(actor, User) or not actor.is_authenticated:
        raise DomainError("unauthenticated", "请先登录", status=401)
    return actor


def oversight_rung(user: UserLike, place: Place) -> int | None:
    """The highest rung from which ``user`` supervises ``place`` (None: does not)."""
    # supervisor_rung reads only the case's place path: a stand-in case at the node asks
    # exactly "who oversees this node", with the same rule as for real cases.
    return supervisor_rung(user, Case(place_path=place.path))


def may_convene(user: UserLike, *, rung: int, place: Place) -> bool:
    """Holders of the rung's node (the branch secretary of the compound …) and the
    supervisors standing above that rung (a community secretary over a branch)."""
    if not user.is_authenticated:
        return False
    if is_handler(user, rung=rung, place_id=place.pk, department_id=None):
        return True
    above = oversight_rung(user, place)
    return above is not None and above > rung


def may_manage(user: UserLike, deliberation: Deliberation) -> bool:
    return may_convene(user, rung=deliberation.rung, place=deliberation.place)


def deliberation_scope_q(user: UserLike) -> Q:
    """Case viewers over the node's subtree, the convener, invitees and task assignees."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if is_unrestricted(user):
        return Q()
    return (
        place_scope_q(user, Perm.CASE_VIEW, prefix="place__")
        | Q(convener_id=user.pk)
        | Q(pk__in=Attendee.objects.filter(user_id=user.pk).values("deliberation_id"))
        | Q(pk__in=FollowUp.objects.filter(assignee_id=user.pk).values("deliberation_id"))
    )


def scoped_deliberations(user: UserLike) -> QuerySet[Deliberation]:
    return Deliberation.objects.filter(deliberation_scope_q(user))


def access_deliberation(user: UserLike, deliberation_id: object) -> Deliberation:
    """The deliberation, or NotFound whether it is missing or outside the user's scope."""
    try:
        pk = int(str(deliberation_id))
    except ValueError:
        raise NotFound("议事") from None
    found = scoped_deliberations(user).select_related("place", "convener").filter(pk=pk).first()
    if found is None:
        raise NotFound("议事")
    return found


def deliberation_node_for(*, case: Case, rung: int) -> Place:
    """The node that deliberates ``case`` at ``rung``: the compound for a branch, the
    building for a party group …; at the central-household rung, the case's holder."""
    if rung == Rung.CENTRAL_HOUSEHOLD:
        if case.rung == Rung.CENTRAL_HOUSEHOLD and case.handler_place is not None:
            return case.handler_place
        raise DomainError("no_node", "该事项不在党员中心户层级，无法在此层级议事")
    kind = RUNG_KIND.get(rung)
    node = place_ancestor_of_kind(place=case.place, kind=kind) if kind else None
    if node is None:
        raise DomainError("no_node", f"事项“{case.number}”没有对应{Rung(rung).label}的节点")
    return node


def convenable_rungs(user: UserLike, case: Case) -> list[tuple[int, Place]]:
    """The rungs (with their nodes) at which ``user`` may convene a deliberation on
    ``case``, bottom first: the choices of the planning form."""
    found = []
    for rung in RUNG_KIND:
        try:
            node = deliberation_node_for(case=case, rung=rung)
        except DomainError:
            continue
        if may_convene(user, rung=rung, place=node):
            found.append((rung, node))
    return found
