"""Reads for 双服务 activities. Published activities are public notices: anyone signed
in sees them (and the counts of places taken); rosters are for organisers."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequgang.actors import UserLike
from shequgang.errors import NotFound
from shequgang.party.activity_models import Activity, ActivityStatus, Signup, SignupStatus


def _annotated(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.select_related("community", "branch", "unit").annotate(
        n_confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
        n_waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITING)),
    )


def activity_list(
    user: UserLike, *, community_id: int | None = None, upcoming: bool = False
) -> QuerySet[Activity]:
    qs = Activity.objects.all()
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if upcoming:
        qs = qs.filter(status=ActivityStatus.PUBLISHED, ends_at__gt=timezone.now())
    return _annotated(qs).order_by("-starts_at", "-id")


def access_activity(user: UserLike, activity_id: Any) -> Activity:
    if not user.is_authenticated or not str(activity_id).isdigit():
        raise NotFound("活动")
    activity = _annotated(Activity.objects.filter(pk=activity_id)).first()
    if activity is None:
        raise NotFound("活动")
    return activity


def activity_roster(activity: Activity) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(activity=activity)
        .select_related("user", "member")
        .order_by("status", "signed_up_at", "id")
    )


def my_signups(user: UserLike) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(user_id=user.pk or 0)
        .select_related("activity", "activity__community")
        .order_by("-activity__starts_at")
    )
