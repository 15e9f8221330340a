"""Reads for 双服务 activities. Published activities are public notices: anyone signed
in sees them (and the counts of places taken); rosters are for organisers."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequgang.actors import UserLike
from shequgang.apikit.schemas import parse_pk
from shequgang.errors import NotFound
from shequgang.party.activity_models import Activity, ActivityStatus, Signup, SignupStatus
from shequgang.party.models import UnitPairing
from shequgang.people.roles import Perm
from shequgang.people.scope import scoped_places
from shequgang.places.models import Kind


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
    pk = parse_pk(activity_id)
    if not user.is_authenticated or pk is None:
        raise NotFound("活动")
    activity = _annotated(Activity.objects.filter(pk=pk)).first()
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


def live_signup(activity: Activity, user: UserLike) -> Signup:
    """``user``'s sign-up to ``activity`` that is not cancelled; NotFound otherwise."""
    found = (
        Signup.objects.filter(activity=activity, user_id=user.pk)
        .exclude(status=SignupStatus.CANCELLED)
        .first()
        if user.is_authenticated
        else None
    )
    if found is None:
        raise NotFound("报名")
    return found


def activity_signup(activity: Activity, signup_id: Any) -> Signup:
    """A sign-up of ``activity`` by its id (typed into a form); NotFound for a garbled id,
    a missing one or one of another activity. Whether the caller may act on it is the
    service's check (only organisers confirm hours)."""
    pk = parse_pk(signup_id)
    found = Signup.objects.filter(pk=pk, activity=activity).first() if pk is not None else None
    if found is None:
        raise NotFound("报名")
    return found


def publish_choices(user: UserLike) -> list[tuple[str, str]]:
    """(value, label) choices of where ``user`` may publish an activity: ``c:<community>``
    for the communities they manage, ``u:<unit>:<community>`` for each current pairing
    of a paired unit they are a liaison of."""
    choices = [
        (f"c:{p.pk}", p.name)
        for p in scoped_places(user, Perm.PARTY_MANAGE).filter(kind=Kind.COMMUNITY)[:200]
    ]
    if not user.is_authenticated:
        return choices
    today = timezone.localdate()
    for pairing in (
        UnitPairing.objects.filter(unit__accounts__id=user.pk, started_on__lte=today)
        .exclude(ended_on__lt=today)
        .select_related("unit", "community")
        .order_by("id")
    ):
        choices.append(
            (
                f"u:{pairing.unit_id}:{pairing.community_id}",
                f"{pairing.unit.name}（{pairing.community.name}）",
            )
        )
    return choices
