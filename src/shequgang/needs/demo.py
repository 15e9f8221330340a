"""The demo's 敲门行动 at 滨东花园 (the article's 306 households), played through the
services as dated events for the demo's history: opened four weeks ago, four visitors
walking their lists on weekday evenings, not-home households revisited, demands heard and
worked, a few turned into cases. A handful of revisits are still due today, and two
moved-out findings wait for the register, so every page has something to show."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from shequgang.calendar.workdays import local_day
from shequgang.errors import DomainError
from shequgang.needs.campaigns import Visitor, campaign_open
from shequgang.needs.demands import demand_record, demand_to_case, demand_transition
from shequgang.needs.models import (
    ACTIVE_DEMAND_STATUSES,
    Campaign,
    Demand,
    DemandSource,
    DemandStatus,
    ListHousehold,
    StopState,
    VisitorRole,
    VisitOutcome,
)
from shequgang.needs.visits import visit_record
from shequgang.places.models import Place

Event = tuple[dt.datetime, Callable[[], Any]]
TITLE = "滨东花园敲门行动"
DAYS = 28
PER_EVENING = 6
LEFT_FOR_LAST = 2
VISITORS = (
    ("chengdong_grid1", VisitorRole.GRID_WORKER),
    ("chengdong_worker", VisitorRole.GRID_WORKER),
    ("bindong_branch", VisitorRole.MEMBER),
    ("bindong_group1", VisitorRole.MEMBER),
)
# What residents told the visitors, by type: (description, urgency).
HEARD: dict[str, list[tuple[str, str]]] = {
    "repair": [
        ("卫生间水管渗漏，影响楼下", "high"),
        ("单元门禁坏了，晚上进出不便", "normal"),
        ("楼道扶手松动", "normal"),
    ],
    "elderly_care": [
        ("独居老人，希望有人定期上门看看", "normal"),
        ("老人腿脚不便，想了解助餐服务", "low"),
    ],
    "childcare": [("双职工家庭，放学后孩子无人照看", "normal")],
    "employment": [("家中有人失业，想参加技能培训", "low")],
    "dispute": [("与楼上邻居因噪音多次争执", "high")],
    "policy": [
        ("咨询医保异地报销政策", "low"),
        ("咨询老旧小区加装电梯政策", "low"),
    ],
    "environment": [("楼下垃圾桶清运不及时，有异味", "normal")],
}
TYPES = list(HEARD)
WEIGHTS = [5, 4, 2, 2, 1, 4, 2]


def _evening(day: dt.date) -> dt.datetime:
    # 19:00 in Beijing.
    return dt.datetime(day.year, day.month, day.day, 11, 0, tzinfo=dt.UTC)


def door_knocking_events(
    *, users: Callable[[str], User], compound: Place, until: dt.datetime, rng: random.Random
) -> list[Event]:
    """The campaign's events up to ``until`` for the history's timeline."""
    worker = users("chengdong_worker")
    community = compound.parent
    assert community is not None
    first = local_day(until) - dt.timedelta(days=DAYS)
    state: dict[str, Any] = {}

    def open_campaign() -> None:
        campaign = state["campaign"] = campaign_open(
            actor=worker,
            community=community,
            title=TITLE,
            goal="滨东花园小区306户全部走访到户，摸清需求",
            targets=[compound],
            visitors=[Visitor(users(name), role) for name, role in VISITORS],
            starts_on=first,
            ends_on=local_day(until) + dt.timedelta(days=14),
        )
        # Two flats found empty: the register still lists people there.
        stops = list(ListHousehold.objects.filter(campaign=campaign).order_by("pk"))
        state["moved"] = {s.pk for s in rng.sample(stops, 2)}

    events: list[Event] = [(_evening(first) - dt.timedelta(hours=9), open_campaign)]
    evenings = [
        _evening(day)
        for day in (first + dt.timedelta(days=n) for n in range(DAYS + 1))
        if day.weekday() != 6 and _evening(day) <= until  # Sundays off
    ]
    for when in evenings:
        final = when == evenings[-1]
        events.append((when, _evening_round(state, users, when, rng, final=final, worker=worker)))
    return events


def _outcome(rng: random.Random, revisit: bool) -> str:
    roll = rng.random()
    if revisit:
        return VisitOutcome.MET if roll < 0.8 else VisitOutcome.NOT_HOME
    if roll < 0.78:
        return VisitOutcome.MET
    if roll < 0.94:
        return VisitOutcome.NOT_HOME
    return VisitOutcome.REFUSED


def _evening_round(
    state: dict[str, Any],
    users: Callable[[str], User],
    when: dt.datetime,
    rng: random.Random,
    *,
    final: bool,
    worker: User,
) -> Callable[[], None]:
    def walk() -> None:
        campaign: Campaign = state["campaign"]
        today = local_day(when)
        for visit_list in campaign.lists.select_related("visitor").order_by("pk"):
            visitor = visit_list.visitor
            due = list(
                visit_list.households.filter(state=StopState.NOT_HOME, revisit_on__lte=today)
                .select_related("household")
                .order_by("position")
            )
            pending = visit_list.households.filter(state=StopState.PENDING)
            # The last doors of each list are walked on the final evening, nobody home:
            # their revisits are what the visitors see due tomorrow.
            ends = set(pending.order_by("-position").values_list("pk", flat=True)[:LEFT_FOR_LAST])
            fresh = list(
                pending.select_related("household").order_by("position")
                if final
                else pending.exclude(pk__in=ends)
                .select_related("household")
                .order_by("position")[:PER_EVENING]
            )
            for i, stop in enumerate([*due, *fresh]):
                at = when + dt.timedelta(minutes=7 * i)
                if final and stop.pk in ends:
                    _not_home(stop, visitor, at)
                    continue
                moved = stop.pk in state["moved"]
                _knock(stop, visitor, at, rng, revisit=stop in due, moved=moved)
        _desk_work(campaign, worker, when, rng, final=final)

    return walk


def _not_home(stop: ListHousehold, visitor: User, at: dt.datetime) -> None:
    visit_record(
        actor=visitor,
        stop=stop,
        outcome=VisitOutcome.NOT_HOME,
        revisit_on=local_day(at) + dt.timedelta(days=1),
        note="白天上班，约好明晚再来",
        now=at,
    )


def _knock(
    stop: ListHousehold,
    visitor: User,
    at: dt.datetime,
    rng: random.Random,
    *,
    revisit: bool,
    moved: bool,
) -> None:
    outcome = VisitOutcome.MOVED_OUT if moved else _outcome(rng, revisit)
    visit = visit_record(
        actor=visitor,
        stop=stop,
        outcome=outcome,
        met_whom=rng.choice(["户主本人", "户主本人", "家属", "租户"])
        if outcome == VisitOutcome.MET
        else "",
        revisit_on=local_day(at) + dt.timedelta(days=rng.choice([1, 2, 3]))
        if outcome == VisitOutcome.NOT_HOME
        else None,
        now=at,
    )
    if outcome != VisitOutcome.MET or rng.random() > 0.22:
        return
    kind = rng.choices(TYPES, WEIGHTS)[0]
    description, urgency = rng.choice(HEARD[kind])
    demand_record(
        actor=visitor,
        place=stop.household,
        type=kind,
        description=description,
        urgency=urgency,
        consent=True,
        source=DemandSource.VISIT,
        visit=visit,
    )


def _desk_work(
    campaign: Campaign, worker: User, when: dt.datetime, rng: random.Random, *, final: bool
) -> None:
    """The community worker at the desk: urgent repairs and disputes become cases the
    next morning; older demands are matched and met; a few cannot be met."""
    active = Demand.objects.filter(campaign=campaign, status__in=ACTIVE_DEMAND_STATUSES)
    urgent = active.filter(case__isnull=True, urgency="high", type__in=["repair", "dispute"])
    for demand in urgent.order_by("pk")[:2]:
        try:
            demand_to_case(actor=worker, demand=demand)
        except DomainError:
            continue
    if final:
        return  # today's demands stay open on the lists
    older = active.filter(created_at__lte=when - dt.timedelta(days=5)).order_by("pk")
    for demand in older[:3]:
        roll = rng.random()
        if demand.status == DemandStatus.OPEN and roll < 0.5:
            demand_transition(actor=worker, demand=demand, to=DemandStatus.MATCHED)
        elif roll < 0.9:
            demand_transition(actor=worker, demand=demand, to=DemandStatus.MET, now=when)
        else:
            demand_transition(
                actor=worker,
                demand=demand,
                to=DemandStatus.CANNOT_MEET,
                reason="超出社区职责，已告知居民办理渠道",
            )
