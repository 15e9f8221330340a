"""Reads of cases for pages and the API: the user's work queue and what they may do to a
case now. (Written by the case pages; the cases API adds its selectors here.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone

from shequgang.actors import UserLike
from shequgang.cases.access import case_scope_q, may_see_raiser, scoped_cases, supervisor_rung
from shequgang.cases.dispatch.rules import (
    COMMAND_ROLES,
    COMMUNITY_ROLES,
    dispatcher_node,
    may_request_dispatch,
    may_verify,
)
from shequgang.cases.engine.deadlines import overdue_q
from shequgang.cases.engine.routing import RUNG_ROLES, is_handler, route
from shequgang.cases.engine.workflow import allowed_from
from shequgang.cases.models import (
    BROAD_QUEUE_SQL,
    BROAD_QUEUE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    EventKind,
    Rung,
    Status,
)
from shequgang.errors import DomainError
from shequgang.people.models import RoleAssignment
from shequgang.people.roles import Perm, Role
from shequgang.people.scope import active_assignments, has_perm_anywhere, is_unrestricted
from shequgang.places.models import Kind, Place

# A held case waits on its holder in these statuses (挂账 stays on the holder's list).
QUEUE_STATUSES = frozenset(OPEN_STATUSES | {Status.ON_HOLD})
# Returned cases wait for the community to re-route them.
_REROUTERS = {Role.COMMUNITY_SECRETARY, Role.COMMUNITY_WORKER}
_NOTHING = Q(pk__in=[])

# The order actions are offered in; ``allowed_actions`` returns a subsequence of it.
ACTIONS: tuple[str, ...] = (
    "acknowledge",
    "start",
    "resolve",
    "escalate",
    "return",
    "transfer",
    "request_extension",
    "decide_extension",
    "hold",
    "resume",
    "supervise",
    "reroute",
    "merge",
    "request_dispatch",
    "dispatch",
    "report",
    "verify",
    "rate",
    "comment",
)
_HOLDER_ACTIONS = (
    "acknowledge",
    "start",
    "resolve",
    "escalate",
    "return",
    "transfer",
    "request_extension",
    "hold",
    "resume",
)


def _verify_q(user: UserLike) -> Q:
    """Cases waiting for ``user``'s on-site verification: their grid's, and for
    community staff those of their community outside any staffed grid (mirrors
    ``dispatch.may_verify``)."""
    staffed = RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, revoked_at__isnull=True, grid__isnull=False
    ).values("grid_id")
    cond = _NOTHING
    for a in active_assignments(user):
        if a.role == Role.GRID_WORKER and a.grid_id is not None:
            cond |= Q(grid_id=a.grid_id)
        elif a.role in _REROUTERS and a.place is not None and a.place.kind == Kind.COMMUNITY:
            cond |= Q(place_path__descendant=a.place.path) & (
                Q(grid__isnull=True) | ~Q(grid_id__in=staffed)
            )
    return cond & Q(status=Status.VERIFYING)


def _queue_q(user: UserLike) -> Q:
    """Held cases: the same test as ``routing.is_handler``, in SQL. Returned cases: the
    community below which they sit re-routes them. Cases waiting for dispatch from a
    node the user dispatches from, and for verification on the user's grid."""
    if is_unrestricted(user):
        return Q(status__in=BROAD_QUEUE_STATUSES)
    held = _NOTHING
    returned = _NOTHING
    for a in active_assignments(user):
        for rung, roles in RUNG_ROLES.items():
            if a.role not in roles:
                continue
            if a.department_id is not None:
                held |= Q(rung=rung, handler_department_id=a.department_id)
            elif a.place_id is not None:
                held |= Q(rung=rung, handler_place_id=a.place_id)
        if a.role in _REROUTERS and a.place is not None:
            returned |= Q(place_path__descendant=a.place.path)
    return (
        (held & Q(status__in=QUEUE_STATUSES))
        | (returned & Q(status=Status.RETURNED))
        | Q(status=Status.TO_DISPATCH, dispatcher_place_id__in=_dispatch_nodes(user))
        | _verify_q(user)
    )


def _dispatch_nodes(user: UserLike) -> list[int]:
    return [
        a.place_id
        for a in active_assignments(user)
        if a.place_id is not None and a.role in (COMMAND_ROLES | COMMUNITY_ROLES)
    ]


def work_queue(user: UserLike) -> QuerySet[Case]:
    """The cases waiting on ``user``: held by a node or department they act for (and, for
    a community, the returned cases below it), by rung, then soonest deadline first — so
    overdue cases lead — then id. The keyset for paging is (rung, resolve_due_at, id)."""
    if not user.is_authenticated:
        return Case.objects.none()
    if is_unrestricted(user):
        # Literal SQL so SQLite walks the partial index case_queue_broad (in queue order)
        # instead of scanning the table and sorting (126 ms → a few ms at 100,000 cases).
        return Case.objects.extra(where=[BROAD_QUEUE_SQL]).order_by("rung", "resolve_due_at", "id")
    return Case.objects.filter(_queue_q(user)).order_by("rung", "resolve_due_at", "id")


def _may_decide_extension(user: UserLike, case: Case, over: int | None) -> bool:
    """Mirrors ``services.case_decide_extension``'s check: the holder one rung up, or a
    supervisor above the case."""
    if case.rung < Rung.DEPARTMENT:
        try:
            above = route(place=case.place, category=case.category, rung=case.rung + 1)
        except DomainError:
            above = None
        if above is not None and is_handler(
            user,
            rung=above.rung,
            place_id=above.place.pk if above.place else None,
            department_id=above.department.pk if above.department else None,
        ):
            return True
    return over is not None and over > case.rung


def allowed_actions(user: UserLike, case: Case) -> list[str]:
    """The actions ``user`` may take on ``case`` in its current state, in ``ACTIONS``
    order: the transition table and the same permission checks the services make. A
    hint for what to offer; the services decide (under the row lock)."""
    if not user.is_authenticated:
        return []
    status = case.status
    holder = is_handler(
        user,
        rung=case.rung,
        place_id=case.handler_place_id,
        department_id=case.handler_department_id,
    )
    over = supervisor_rung(user, case)
    ok: set[str] = set()
    if holder:
        ok |= {a for a in _HOLDER_ACTIONS if allowed_from(a, status)}
        if case.rung >= Rung.DEPARTMENT:
            ok.discard("escalate")
        if case.rung < Rung.COMMUNITY:
            ok.discard("hold")
        if case.extension_days_requested:
            ok.discard("request_extension")
        if case.rung == Rung.DEPARTMENT:
            # A department reports back for verification instead of resolving.
            ok.discard("resolve")
            if allowed_from("report", status):
                ok.add("report")
            if not allowed_from("return_to_dispatcher", status):
                ok.discard("return")
    if allowed_from("request_dispatch", status) and may_request_dispatch(user, case):
        ok.add("request_dispatch")
    if allowed_from("dispatch", status) and dispatcher_node(user, case) is not None:
        ok.add("dispatch")
    if status == Status.VERIFYING and may_verify(user, case):
        ok.add("verify")
    if over is not None:
        ok |= {a for a in ("reroute", "merge") if allowed_from(a, status)}
        if over > case.rung and allowed_from("supervise", status):
            ok.add("supervise")
    if (holder or over is not None) and allowed_from("comment", status):
        ok.add("comment")
    if allowed_from("rate_close", status) and (case.raiser_id == user.pk or over is not None):
        ok.add("rate")
    if (
        case.extension_days_requested
        and allowed_from("decide_extension", status)
        and _may_decide_extension(user, case, over)
    ):
        ok.add("decide_extension")
    return [a for a in ACTIONS if a in ok]


# --- Lists and timelines (the cases API; pages may reuse them) --------------------------------


def case_search(
    *,
    user: UserLike,
    status: str | None = None,
    rung: int | None = None,
    category: str | None = None,
    within: Place | None = None,
    overdue: bool = False,
    q: str = "",
    mine: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases ``user`` may see (``scoped_cases``) narrowed by the filters, soonest
    resolution deadline first — so the overdue lead — then id: page it by the keyset
    (resolve_due_at, id). ``mine="holder"`` is the user's work queue, ``mine="raised"``
    what they raised; ``category`` is a leaf's code or a parent's (its leaves); ``within``
    must be a place the caller may see (the caller checks)."""
    if mine == "holder":
        cases = work_queue(user).filter(_confirmed_by(case_scope_q(user)))
    else:
        cases = scoped_cases(user)
        if mine == "raised":
            cases = cases.filter(raiser_id=user.pk)
    if status:
        cases = cases.filter(status=status)
    if rung is not None:
        cases = cases.filter(rung=rung)
    if category:
        cases = cases.filter(Q(category__code=category) | Q(category__parent__code=category))
    if within is not None:
        cases = cases.filter(place_path__descendant=within.path)
    if overdue:
        cases = cases.filter(overdue_q(now or timezone.now()))
    if q:
        cases = cases.filter(Q(number=q) | Q(title__contains=q))
    return cases.order_by("resolve_due_at", "id")


def _confirmed_by(cond: Q) -> Q | SqlCase:
    """``cond`` as a test of the rows found, never a way to find them: a CASE expression
    no index serves. The work queue's own conditions find its few rows through their
    indexes; given the scope as a plain condition, SQLite's planner walks the whole
    scope instead (4,723 cases of a community at 100,000 cases: 16 ms against 0.6 ms)."""
    if not cond:  # everything (an unrestricted user)
        return cond
    return SqlCase(When(cond, then=Value(True)), default=Value(False), output_field=BooleanField())


@dataclass(frozen=True)
class TimelineEntry:
    event: CaseEvent
    actor: str | None  # who acted, when the user may know it


def case_timeline(
    user: UserLike, case: Case, events: Sequence[CaseEvent] | None = None
) -> list[TimelineEntry]:
    """The case's events, oldest first, as ``user`` may see them: a raiser who is not
    staff sees neither internal notes (comments) nor who acted; whoever may not see an
    anonymous raiser (``may_see_raiser``) does not see the raiser named on their own
    steps (raising, rating). ``events``: all of the case's events, oldest first, when the
    caller has them (just written, with their actors) — else they are read."""
    internal = case.raiser_id != user.pk or has_perm_anywhere(user, Perm.CASE_VIEW)
    show_raiser = may_see_raiser(user, case)
    if events is None:
        read = CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
        if not internal:
            read = read.exclude(kind=EventKind.COMMENT)
        events = list(read)
    elif not internal:
        events = [e for e in events if e.kind != EventKind.COMMENT]
    entries = []
    for event in events:
        actor = None
        if (
            internal
            and event.actor is not None
            and (show_raiser or event.actor_id != case.raiser_id)
        ):
            actor = event.actor.get_full_name() or event.actor.get_username()
        entries.append(TimelineEntry(event=event, actor=actor))
    return entries
