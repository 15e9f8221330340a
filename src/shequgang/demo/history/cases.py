"""The runner for the demo's cases: each ``Story`` is a case raised at a moment and the
steps people took on it, hours after it was raised. ``cases_play`` puts every step of
every story on one timeline, moves the clock to each in turn, runs the deadline sweep at
07:00 every day in between (yellow and red cards, escalation, auto-closing), and calls the
service of the step with the person who would have acted: the case's holder by default,
or a named demo account."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from PIL import Image

from shequgang.cases.dispatch.services import (
    case_dispatch,
    case_hand_back,
    case_report,
    case_request_dispatch,
    case_verify,
)
from shequgang.cases.engine.routing import is_handler
from shequgang.cases.models import Case, Category
from shequgang.cases.services import (
    case_acknowledge,
    case_comment,
    case_create,
    case_decide_extension,
    case_escalate,
    case_hold,
    case_merge,
    case_rate,
    case_request_extension,
    case_reroute,
    case_resolve,
    case_return,
    case_start,
    case_supervise,
)
from shequgang.cases.services.followers import case_follow
from shequgang.cases.services.notifications import deliver_due
from shequgang.cases.services.sweep import run_sweep
from shequgang.demo.history.clock import DemoClock
from shequgang.demo.history.geo import near
from shequgang.places.models import Department, Kind, Place
from shequgang.places.selectors import place_ancestor_of_kind

SWEEP_HOUR = 7  # local time, every day


@dataclass
class Step:
    hours: float  # after the case was raised
    action: str
    who: str = ""  # a demo username; empty: whoever holds the case then
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Story:
    raised_at: dt.datetime
    category: str
    place: Place
    title: str
    raiser: str  # username
    source: str
    description: str = ""
    raiser_name: str = ""
    steps: list[Step] = field(default_factory=list)
    case: Case | None = None


def photo(colour: str = "gray") -> io.BytesIO:
    """A small JPEG standing in for a site photo."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "site.jpg"
    return buf


class Cast:
    """The demo's people, by username, and who holds a case now."""

    def __init__(self) -> None:
        self.users = {u.username: u for u in User.objects.all()}
        # Staff who may hold a case, in ladder order; the administrator only as a last
        # resort (a department without a demo account does its own work).
        self.handlers = [u for u in self.users.values() if not u.is_superuser]
        self.handlers.sort(key=lambda u: u.pk)
        self.admin = next(u for u in self.users.values() if u.is_superuser)

    def __getitem__(self, username: str) -> User:
        return self.users[username]

    def holder(self, case: Case) -> User:
        for user in self.handlers:
            if is_handler(
                user,
                rung=case.rung,
                place_id=case.handler_place_id,
                department_id=case.handler_department_id,
            ):
                return user
        return self.admin


def _department(case: Case, short_name: str) -> Department:
    county = place_ancestor_of_kind(place=case.place, kind=Kind.COUNTY)
    return Department.objects.get(short_name=short_name, place=county)


def _act(cast: Cast, story: Story, step: Step, stories: dict[str, Story]) -> None:
    case = Case.objects.get(pk=story.case.pk) if story.case else None
    assert case is not None
    actor = cast[step.who] if step.who else cast.holder(case)
    p = step.params
    actions: dict[str, Callable[[], Any]] = {
        "ack": lambda: case_acknowledge(actor=actor, case=case),
        "start": lambda: case_start(actor=actor, case=case),
        "resolve": lambda: case_resolve(
            actor=actor, case=case, resolution=p["text"], photos=[photo()] if p.get("photo") else []
        ),
        "escalate": lambda: case_escalate(actor=actor, case=case, reason=p["reason"]),
        "return": lambda: case_return(actor=actor, case=case, reason=p["reason"]),
        "reroute": lambda: case_reroute(
            actor=actor,
            case=case,
            category=Category.objects.get(code=p["category"]) if "category" in p else None,
            rung=p.get("rung"),
            reason=p["reason"],
        ),
        "request_dispatch": lambda: case_request_dispatch(
            actor=actor, case=case, reason=p["reason"]
        ),
        "dispatch": lambda: case_dispatch(
            actor=actor,
            case=case,
            department=_department(case, p["to"]) if "to" in p else None,
            reason=p.get("reason", ""),
        ),
        "hand_back": lambda: case_hand_back(actor=actor, case=case, reason=p["reason"]),
        "report": lambda: case_report(actor=actor, case=case, result=p["text"], photos=[photo()]),
        "verify": lambda: case_verify(
            actor=actor, case=case, passed=p.get("passed", True), note=p["text"], photos=[photo()]
        ),
        "extend": lambda: case_request_extension(
            actor=actor, case=case, days=p["days"], reason=p["reason"]
        ),
        "decide": lambda: case_decide_extension(
            actor=actor, case=case, approve=p.get("approve", True), reason=p.get("reason", "")
        ),
        "rate": lambda: case_rate(
            actor=actor,
            case=case,
            solved=p.get("solved", True),
            satisfaction=p.get("satisfaction", "satisfied"),
            comment=p.get("comment", ""),
        ),
        "merge": lambda: case_merge(
            actor=actor, case=case, into=_case(stories[p["into"]]), reason=p["reason"]
        ),
        "supervise": lambda: case_supervise(actor=actor, case=case, reason=p["reason"]),
        "hold": lambda: case_hold(actor=actor, case=case, reason=p["reason"]),
        "comment": lambda: case_comment(actor=actor, case=case, text=p["text"]),
        "follow": lambda: case_follow(actor=actor, case_id=case.pk),
    }
    actions[step.action]()


def _case(story: Story) -> Case:
    assert story.case is not None
    return Case.objects.get(pk=story.case.pk)


def _raise(cast: Cast, story: Story, rng: random.Random) -> None:
    story.case = case_create(
        actor=cast[story.raiser],
        source=story.source,
        category=Category.objects.get(code=story.category),
        place=story.place,
        title=story.title,
        description=story.description,
        raiser_name=story.raiser_name,
        now=story.raised_at,
        **near(story.place, rng),
    )


def _sweeps_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    day = timezone.localtime(start).replace(hour=SWEEP_HOUR, minute=0, second=0, microsecond=0)
    if day <= start:
        day += dt.timedelta(days=1)
    out = []
    while day <= end:
        out.append(day)
        day += dt.timedelta(days=1)
    return out


class StoryError(Exception):
    """A step of the demo's history failed: says which, for whoever changed a rule."""


def _named(label: str, event: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return event()
        except Exception as error:
            raise StoryError(f"{label}: {error}") from error

    return run


def cases_play(
    *,
    clock: DemoClock,
    cast: Cast,
    stories: dict[str, Story],
    until: dt.datetime,
    rng: random.Random,
    extra: Sequence[tuple[dt.datetime, Callable[[], Any]]] = (),
) -> None:
    """Play every story (and the ``extra`` events: deliberations, patrols …) in time order
    up to ``until``, sweeping daily; steps scheduled after ``until`` are left undone."""
    timeline: list[tuple[dt.datetime, int, Callable[[], Any]]] = []
    n = 0
    for key, story in stories.items():
        timeline.append((story.raised_at, n, _named(key, partial(_raise, cast, story, rng))))
        n += 1
        for step in story.steps:
            when = story.raised_at + dt.timedelta(hours=step.hours)
            act = partial(_act, cast, story, step, stories)
            timeline.append((when, n, _named(f"{key} {step.action}", act)))
            n += 1
    for when, event in extra:
        timeline.append((when, n, event))
        n += 1
    timeline.sort(key=lambda row: (row[0], row[1]))
    last = clock.now
    for when, _n, event in timeline:
        if when > until:
            break
        for sweep_at in _sweeps_between(last, when):
            _daily(clock, sweep_at)
        clock.set(when)
        event()
        last = when
    for sweep_at in _sweeps_between(last, until):
        _daily(clock, sweep_at)
    _daily(clock, until)  # the worker sweeps every minute: today's cards are given


def _daily(clock: DemoClock, at: dt.datetime) -> None:
    """The worker's daily round: the sweep, then the notifications it and the day made."""
    clock.set(at)
    run_sweep(now=at)
    deliver_due(now=at, batch=10_000)
