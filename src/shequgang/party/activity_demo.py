"""Demo 双服务 activities for 城东社区, through the real services: one finished activity
with hours confirmed (and the points they earn), one open for sign-up with a waiting
list. Called by ``loaddemo`` after the points demo; running it again adds nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequgang.party import activities as svc
from shequgang.party.activity_models import Activity
from shequgang.places.models import Place
from shequgang.places.selectors import place_by_names

COMMUNITY = ("离石区", "滨河街道", "城东社区")
ORGANISER = "chengdong_worker"
VOLUNTEERS = ["bindong_central", "bindong_group1", "bindong_branch"]
TITLES = ("滨东花园小区楼道清扫", "关爱独居老人上门探访")


def _community() -> Place | None:
    return place_by_names(*COMMUNITY)


@transaction.atomic
def activities_demo_load() -> int:
    """Returns how many activities it created (0 when they exist or the city is absent)."""
    community = _community()
    organiser = User.objects.filter(username=ORGANISER).first()
    volunteers = [u for u in User.objects.filter(username__in=VOLUNTEERS).order_by("username")]
    if (
        community is None
        or organiser is None
        # Its own two activities, by title: the demo's history may have held others.
        or Activity.objects.filter(community=community, title__in=TITLES).exists()
    ):
        return 0
    now = timezone.now()
    # A past activity: published with a start in the future as the service requires, then
    # moved back in time the way the clock would have moved it.
    start = now + dt.timedelta(days=1)
    past = svc.activity_publish(
        actor=organiser,
        community=community,
        data=svc.ActivityInput(
            title="滨东花园小区楼道清扫",
            location="滨东花园小区1号楼",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=10,
            skills_wanted="自带扫帚",
        ),
    )
    for user in volunteers:
        svc.signup_create(actor=user, activity=past)
    shift = dt.timedelta(days=8)
    Activity.objects.filter(pk=past.pk).update(
        starts_at=past.starts_at - shift, ends_at=past.ends_at - shift
    )
    past.refresh_from_db()
    for user in volunteers[:2]:
        svc.check_in(actor=user, activity=past, code=past.code, now=past.starts_at)
        svc.check_out(actor=user, activity=past, code=past.code, now=past.ends_at)
    svc.activity_finish(actor=organiser, activity=past, now=past.ends_at)
    for signup in past.signups.filter(attendance="attended"):
        svc.hours_confirm(actor=organiser, signup=signup)

    start = timezone.localtime(now + dt.timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    upcoming = svc.activity_publish(
        actor=organiser,
        community=community,
        data=svc.ActivityInput(
            title="关爱独居老人上门探访",
            location="城东社区党群服务中心集合",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=2,
            points=15,
            skills_wanted="耐心细致，会用血压计优先",
        ),
    )
    for user in volunteers:
        svc.signup_create(actor=user, activity=upcoming)  # the third waits
    return 2
