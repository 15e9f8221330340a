"""Followers: residents who joined an open case instead of raising their own ("我也遇到了"),
and the raisers and followers of a duplicate merged into a case. They hear what the
raiser hears (``follower_ids`` feeds ``services._notify_raisers``), see the case's
progress on their own page (``followed_case``) and never the raiser's name or phone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.cases.access import access_case_to_follow, follow_scope_q, followable_cases
from shequgang.cases.models import (
    SUGGESTED_STATUSES,
    Case,
    CaseEvent,
    CaseFollower,
    EventKind,
    FollowReason,
)
from shequgang.cases.services import notifications
from shequgang.errors import DomainError, NotFound

# What a follower sees of the timeline: milestones, without who acted or internal notes.
PUBLIC_EVENTS = frozenset(
    {
        EventKind.CREATED,
        EventKind.ACKNOWLEDGED,
        EventKind.STARTED,
        EventKind.DISPATCHED,
        EventKind.VERIFIED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
        EventKind.ESCALATED,
        EventKind.ON_HOLD,
        EventKind.RESUMED,
        EventKind.CLOSED,
        EventKind.MERGED,
        EventKind.FOLLOWED,
    }
)


def follower_ids(case: Case) -> list[int]:
    return list(
        CaseFollower.objects.filter(case=case).order_by("user_id").values_list("user_id", flat=True)
    )


def notified_follower_ids(case: Case) -> list[int]:
    """The followers who still may follow ``case`` (``follow_scope_q``): the ones told of
    its progress. A follower who moved away, lost the role that made it their
    neighbourhood, or whose case's category became private hears nothing more of it."""
    users = User.objects.filter(followed_cases__case=case).order_by("pk")
    return [u.pk for u in users if followable_cases(u).filter(pk=case.pk).exists()]


def is_follower(*, user_id: int | None, case_id: int) -> bool:
    return (
        user_id is not None
        and CaseFollower.objects.filter(case_id=case_id, user_id=user_id).exists()
    )


@dataclass(frozen=True)
class Followed:
    case: Case
    created: bool  # False: they already followed it (or raised it); nothing was written


@transaction.atomic
def case_follow(*, actor: Actor, case_id: int, now: dt.datetime | None = None) -> Followed:
    """我也遇到了: ``actor`` joins the open case ``case_id``. Writes the follower row, a
    ``followed`` event on the timeline and a notice to the case's holder, in one
    transaction under the case's row lock. Idempotent: a second call, a concurrent one,
    or one by the raiser writes nothing and returns ``created=False`` — also once the
    case is no longer open. Raises NotFound (missing case), 401 ``unauthenticated``, 409
    ``case_not_open`` (closed, resolved, merged … and not already followed); NotFound
    also for a case ``actor`` may not follow (``access_case_to_follow``: outside their
    neighbourhood or staff scope, or of a private category), before anything is written."""
    if actor is None or not actor.is_authenticated:
        raise DomainError("unauthenticated", "请先登录", status=401)
    allowed = access_case_to_follow(actor, case_id)
    case = Case.objects.select_for_update().filter(pk=allowed.pk).first()
    if case is None:
        raise NotFound("事项")
    if case.raiser_id == actor.pk or is_follower(user_id=actor.pk, case_id=case.pk):
        return Followed(case=case, created=False)
    if case.status not in SUGGESTED_STATUSES:
        raise DomainError(
            "case_not_open", "该事项已办结或已合并，不能再加入，请反映新的问题", status=409
        )
    now = now or timezone.now()
    try:
        with transaction.atomic():
            CaseFollower.objects.create(
                case=case, user_id=actor.pk, reason=FollowReason.ME_TOO, created_at=now
            )
    except IntegrityError:
        # A concurrent request by the same user won (SQLite does not lock the row).
        return Followed(case=case, created=False)
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor_id=actor.pk,
        kind=EventKind.FOLLOWED,
        from_status=case.status,
        to_status=case.status,
        from_rung=case.rung,
        to_rung=case.rung,
    )
    notifications.notify(
        user_ids=notifications.holders_of(case),
        case=case,
        title=f"又有居民反映同一问题：{case.number}",
        body=case.title,
    )
    return Followed(case=case, created=True)


def followers_absorb(*, merged: Case, into: Case, now: dt.datetime | None = None) -> int:
    """After ``merged`` was merged into ``into`` (inside ``case_merge``'s transaction):
    its raiser and its followers follow ``into`` (one row each; whoever already follows
    it or raised it is skipped), and its followers are told where it went (its raiser is
    told by ``case_merge``). Returns how many rows were added."""
    now = now or timezone.now()
    old_followers = follower_ids(merged)
    wanted = {uid for uid in [merged.raiser_id, *old_followers] if uid is not None}
    wanted.discard(into.raiser_id)  # type: ignore[arg-type]
    wanted -= set(follower_ids(into))
    CaseFollower.objects.bulk_create(
        [
            CaseFollower(
                case=into, user_id=uid, reason=FollowReason.MERGED, via=merged, created_at=now
            )
            for uid in sorted(wanted)
        ],
        ignore_conflicts=True,
    )
    notifications.notify(
        user_ids=[uid for uid in notified_follower_ids(into) if uid in set(old_followers)],
        case=into,
        title=f"您关注的问题已并入事项 {into.number} 统一办理",
        body=into.title,
    )
    return len(wanted)


# --- Reads ---------------------------------------------------------------------------------


def followed_cases(user: Actor) -> QuerySet[Case]:
    """The cases ``user`` follows and still may follow (``follow_scope_q``: a follower
    who moved away, lost a role, or whose case's category became private reads nothing
    more of it), newest join first."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    return (
        Case.objects.filter(follow_scope_q(user), followers__user_id=user.pk)
        .select_related("category")
        .order_by("-followers__created_at", "-id")
    )


def followed_case(user: Actor, case_id: int) -> Case:
    """A case ``user`` follows; NotFound otherwise (missing or not followed alike)."""
    case = followed_cases(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound("事项")
    return case


def public_timeline(case: Case) -> list[CaseEvent]:
    """The milestones a follower sees: no actors, no internal notes; the reason is kept
    only for the resolution and a hold (what was done, why it waits)."""
    return list(
        CaseEvent.objects.filter(case=case, kind__in=sorted(PUBLIC_EVENTS)).order_by("at", "id")
    )
