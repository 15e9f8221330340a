"""The demo's life beside the cases, as events on the same timeline: owners' meetings with
their Art. 278 votes, the grid worker's patrols with GPS tracks and on-the-spot fixes,
monthly volunteer activities (sign-up, check-in, hours → points) and points spent in the
supermarket. Each event is a call of the service a person would have made then."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from shequgang.cases.deliberation.meeting import (
    deliberation_decide,
    deliberation_hold,
    deliberation_record_minutes,
    deliberation_sign_in,
)
from shequgang.cases.deliberation.owners_vote import (
    owners_ballot_record,
    owners_vote_close,
    owners_vote_open,
)
from shequgang.cases.deliberation.planning import deliberation_plan
from shequgang.cases.models import Category, Deliberation, Rung
from shequgang.demo.history.cases import Cast, Story, photo
from shequgang.demo.history.stories import CHENGDONG, place
from shequgang.grid.patrols import TrackPoint, patrol_end, patrol_report, patrol_start, patrol_track
from shequgang.party import activities
from shequgang.party.activity_models import Activity
from shequgang.places.models import Grid, Place
from shequgang.points.models import Goods
from shequgang.points.redemptions import order_confirm, order_place

Event = tuple[dt.datetime, Callable[[], Any]]
GRID = "chengdong_grid1"
# Who signs up for every activity (and comes: their hours earn points).
VOLUNTEERS = ("bindong_central", "bindong_group1", "bindong_branch", GRID)


def owners_meeting(
    cast: Cast,
    story: Story,
    *,
    title: str,
    matter: int,
    planned: dt.datetime,
    held: dt.datetime,
    turnout: float,
    support: float,
    decision: str,
    rng: random.Random,
) -> list[Event]:
    """The branch convenes a meeting on ``story``'s case, opens the owners' vote the next
    hour, owners' ballots come in until the meeting, where the vote is counted (unless
    the meeting is still ahead) and the decision recorded."""
    branch = cast["bindong_branch"]
    state: dict[str, Any] = {}

    def plan() -> None:
        state["d"] = _convene(
            cast,
            story,
            convener="bindong_branch",
            rung=Rung.BRANCH,
            title=title,
            planned=planned,
            held=held,
            where=("滨东花园小区党群服务站", "一、通报情况；二、讨论方案；三、业主表决"),
            invitees=("bindong_group1", "bindong_central", GRID),
        )

    def open_vote() -> None:
        vote = owners_vote_open(actor=branch, deliberation=state["d"], matter_type=matter)
        entries = list(vote.roll.order_by("pk").values_list("pk", flat=True))
        rng.shuffle(entries)
        state["ballots"] = entries[: math.floor(len(entries) * turnout)]

    def ballots(share: float) -> Callable[[], None]:
        def record() -> None:
            todo = state["ballots"]
            count = math.ceil(len(todo) * share)
            for entry in todo[:count]:
                choice = "for" if rng.random() < support else rng.choice(["against", "abstain"])
                owners_ballot_record(
                    actor=branch, deliberation=state["d"], entry_id=entry, choice=choice
                )
            state["ballots"] = todo[count:]

        return record

    def meet() -> None:
        d: Deliberation = state["d"]
        for username in ("bindong_branch", "bindong_group1", "bindong_central", GRID):
            deliberation_sign_in(actor=cast[username], deliberation=d, now=held)
        owners_vote_close(actor=branch, deliberation=d)
        deliberation_hold(actor=branch, deliberation=d)
        deliberation_record_minutes(actor=branch, deliberation=d, minutes=decision)
        deliberation_decide(actor=branch, deliberation=d, decision=decision)

    span = held - planned
    events: list[Event] = [
        (planned, plan),
        (planned + dt.timedelta(hours=1), open_vote),
        (planned + span / 3, ballots(0.5)),
        (planned + span * 2 / 3, ballots(0.6)),
    ]
    return [*events, (held, meet)]


def community_meeting(
    cast: Cast,
    story: Story,
    *,
    convener: str,
    title: str,
    planned: dt.datetime,
    held: dt.datetime,
    invitees: tuple[str, ...],
) -> list[Event]:
    """A community convenes a meeting on a case (协商议事), still ahead today."""

    def plan() -> None:
        _convene(
            cast,
            story,
            convener=convener,
            rung=Rung.COMMUNITY,
            title=title,
            planned=planned,
            held=held,
            where=("社区党群服务中心议事厅", "一、通报情况；二、听取各方意见；三、形成处置方案"),
            invitees=invitees,
        )

    return [(planned, plan)]


def _convene(
    cast: Cast,
    story: Story,
    *,
    convener: str,
    rung: int,
    title: str,
    planned: dt.datetime,
    held: dt.datetime,
    where: tuple[str, str],  # (location, agenda)
    invitees: tuple[str, ...],
) -> Deliberation:
    assert story.case is not None
    return deliberation_plan(
        actor=cast[convener],
        rung=rung,
        case_ids=[story.case.pk],
        title=title,
        scheduled_at=held,
        location=where[0],
        agenda=where[1],
        invitee_ids=[cast[u].pk for u in invitees],
        now=planned,
    )


def patrols(cast: Cast, *, start: dt.datetime, end: dt.datetime, rng: random.Random) -> list[Event]:
    """The first grid's worker walks the grid every third day at 09:00: a GPS fix every
    half minute around the grid's boundary, and now and then a problem fixed on the spot."""
    worker = cast["chengdong_grid1"]
    # By the community's place, not its name: the city scale may name another 城东社区.
    grid = Grid.objects.get(community=place(*CHENGDONG), name="第一网格")
    ring = (grid.boundary or {}).get("coordinates", [[]])[0]
    buildings = list(Place.objects.filter(grid=grid, kind="building").order_by("path"))
    clutter = Category.objects.get(code="stairwell_clutter")
    events: list[Event] = []
    day = start.replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in Beijing
    while day < end:
        events.append((day, _walk(worker, grid, ring, day, rng, buildings, clutter)))
        day += dt.timedelta(days=3)
    return events


def _walk(
    worker: User,
    grid: Grid,
    ring: list[list[float]],
    at: dt.datetime,
    rng: random.Random,
    buildings: list[Place],
    clutter: Category,
) -> Callable[[], None]:
    def walk() -> None:
        patrol = patrol_start(actor=worker, grid=grid, now=at)
        points = []
        steps = 90  # 45 minutes
        for i in range(steps):
            lon, lat = _along(ring, i / steps)
            points.append(
                TrackPoint(
                    at=at + dt.timedelta(seconds=30 * i),
                    latitude=round(lat + rng.uniform(-0.00003, 0.00003), 6),
                    longitude=round(lon + rng.uniform(-0.00003, 0.00003), 6),
                    accuracy=round(rng.uniform(4, 18), 1),
                )
            )
        end = at + dt.timedelta(seconds=30 * steps)
        patrol_track(actor=worker, patrol=patrol, points=points, now=end)
        if rng.random() < 0.3 and buildings:
            place = rng.choice(buildings)
            patrol_report(
                actor=worker,
                patrol=patrol,
                category=clutter,
                place=place,
                title=f"{place.name}楼道堆放杂物",
                latitude=points[len(points) // 2].latitude,
                longitude=points[len(points) // 2].longitude,
                photos=[photo("olive")],
                handled_on_the_spot=True,
                handling="已当场劝导住户清理",
                now=at + dt.timedelta(minutes=20),
            )
        patrol_end(actor=worker, patrol=patrol, note="巡查正常", now=end)

    return walk


def _along(ring: list[list[float]], share: float) -> tuple[float, float]:
    """The point ``share`` of the way around the ring (by vertex, which is enough here)."""
    if len(ring) < 2:
        return (111.14, 37.52)
    position = share * (len(ring) - 1)
    i = int(position)
    a, b = ring[i], ring[min(i + 1, len(ring) - 1)]
    t = position - i
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def monthly_activities(
    cast: Cast, community: Place, *, start: dt.datetime, end: dt.datetime
) -> list[Event]:
    """A volunteer activity each month: published a week ahead and three sign up; on the
    day two come and check in and out, and the organiser confirms their hours (which
    earn points)."""
    titles = ["清理小区卫生死角", "关爱独居老人", "垃圾分类宣传", "楼道小广告清理", "义务理发"]
    events: list[Event] = []
    when = start + dt.timedelta(days=10)
    month = 0
    while when + dt.timedelta(days=8) < end:
        state: dict[str, Activity] = {}
        starts = when.replace(hour=1, minute=0) + dt.timedelta(days=7)  # 09:00 in Beijing
        title = titles[month % len(titles)]
        events.append((when, _publish(cast, community, title, starts, state)))
        events.append((starts + dt.timedelta(hours=2), _held(cast, starts, state)))
        when += dt.timedelta(days=30)
        month += 1
    return events


def _publish(
    cast: Cast, community: Place, title: str, starts: dt.datetime, state: dict[str, Activity]
) -> Callable[[], None]:
    def run() -> None:
        activity = activities.activity_publish(
            actor=cast["chengdong_worker"],
            community=community,
            data=activities.ActivityInput(
                title=title,
                location="城东社区党群服务中心",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                capacity=10,
            ),
        )
        for username in VOLUNTEERS:
            activities.signup_create(actor=cast[username], activity=activity)
        state["activity"] = activity

    return run


def _held(cast: Cast, starts: dt.datetime, state: dict[str, Activity]) -> Callable[[], None]:
    def run() -> None:
        activity = Activity.objects.get(pk=state["activity"].pk)
        ends = starts + dt.timedelta(hours=2)
        for username in VOLUNTEERS:
            user = cast[username]
            activities.check_in(actor=user, activity=activity, code=activity.code, now=starts)
            activities.check_out(actor=user, activity=activity, code=activity.code, now=ends)
        organiser = cast["chengdong_worker"]
        activities.activity_finish(actor=organiser, activity=activity, now=ends)
        for signup in activity.signups.filter(attendance="attended"):
            activities.hours_confirm(actor=organiser, signup=signup)

    return run


def shopping(cast: Cast, community: Place, *, start: dt.datetime, end: dt.datetime) -> list[Event]:
    """Now and then a volunteer spends points at the desk, and picks the goods up."""
    events: list[Event] = []
    when = start + dt.timedelta(days=45)
    n = 0
    while when < end:
        username = VOLUNTEERS[n % len(VOLUNTEERS)]
        events.append((when, _order(cast, community, username, f"demo:shop:{n}", when)))
        when += dt.timedelta(days=21)
        n += 1
    return events


def _order(
    cast: Cast, community: Place, username: str, key: str, at: dt.datetime
) -> Callable[[], None]:
    def run() -> None:
        user = cast[username]
        towel = Goods.objects.filter(community=community, name="毛巾").first()
        if towel is None:
            return
        outcome = order_place(actor=user, user=user, goods=towel, idempotency_key=key, now=at)
        order_confirm(
            actor=cast["chengdong_worker"], order=outcome.order, now=at + dt.timedelta(hours=3)
        )

    return run
