"""``history_load``: the six months before today, played through the services (see the
package docstring), and the veterans' programme open today beside the real 2026 one."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from shequgang.audit.services import audit_record
from shequgang.cases.models import Case
from shequgang.demo.history import civic, residents, showcase, stories
from shequgang.demo.history.cases import Cast, Step, Story, cases_play
from shequgang.demo.history.clock import moved_clock
from shequgang.demo.history.geo import grid_boundaries_load
from shequgang.needs.demo import door_knocking_events
from shequgang.people.id_numbers import make_id_number
from shequgang.places.selectors import place_by_names
from shequgang.points.demo import points_demo_load
from shequgang.veterans.models import Program
from shequgang.veterans.programs import program_roll_over
from shequgang.veterans.services import ApplicationInput, application_submit

DAYS = 182
# Cases of ordinary work over the months before the showcase, per scale.
BACKGROUND = {"small": 110, "city": 110}


@dataclass(frozen=True)
class HistorySummary:
    cases: int
    grids_drawn: int


def history_load(*, admin: User, scale: str, seed: int) -> HistorySummary:
    """Play the demo's history up to now. Needs the tree, the accounts and the party
    organisation; the caller's transaction holds it all."""
    rng = random.Random(seed * 104729 + 17)
    until = timezone.now().replace(microsecond=0)
    start = until - dt.timedelta(days=DAYS)
    drawn = grid_boundaries_load(actor=admin)
    community = place_by_names(*stories.CHENGDONG)
    if community is None:  # a city built without the named places: only the tree
        return HistorySummary(cases=0, grids_drawn=drawn)
    with moved_clock(start) as clock:
        # The supermarket opens first: its catalogue, the first points and an order.
        points_demo_load()
        # Three residents registered on their phones and were confirmed back then.
        people, pending = residents.resident_accounts(
            at=start, until=until, password_hash=admin.password
        )
        cast = Cast()
        plot = stories.background(
            start=start, end=until - dt.timedelta(days=16), count=BACKGROUND[scale], rng=rng
        )
        plot.update(_meeting_stories(until))
        plot.update(showcase.showcase(until))
        plot.update(residents.resident_stories(people, until))
        for key, step in residents.follow_steps(people):
            plot[key].steps.append(step)
        extra = [
            *civic.owners_meeting(
                cast,
                plot["parking_past"],
                title="小区停车位规划议事",
                matter=8,
                planned=plot["parking_past"].raised_at + dt.timedelta(days=1),
                held=plot["parking_past"].raised_at + dt.timedelta(days=7),
                turnout=0.8,
                support=0.85,
                decision="同意将东侧绿地边角改建为30个停车位，按业主表决结果实施",
                rng=rng,
            ),
            *civic.owners_meeting(
                cast,
                plot["branch_extended"],
                title="1号楼屋面防水维修使用维修资金",
                matter=5,
                planned=plot["branch_extended"].raised_at + dt.timedelta(days=4),
                held=until + dt.timedelta(days=2),  # ahead: the vote is still open
                turnout=0.7,
                support=0.9,
                decision="",
                rng=rng,
            ),
            *civic.community_meeting(
                cast,
                plot["to_command"],
                convener="chengdong_secretary",
                title="2号楼一层违建处置协商",
                planned=plot["to_command"].raised_at + dt.timedelta(hours=5),
                held=until + dt.timedelta(days=3),
                invitees=("lishi_cgj", "chengdong_grid1", "bindong_branch"),
            ),
            *civic.community_meeting(
                cast,
                plot["jianchang_acked"],
                convener="jianchang_secretary",
                title="建昌小区停车位协商",
                planned=plot["jianchang_acked"].raised_at + dt.timedelta(hours=4),
                held=until + dt.timedelta(days=4),
                invitees=(),
            ),
            *civic.patrols(cast, start=start, end=until, rng=rng),
            *civic.monthly_activities(cast, community, start=start, end=until),
            *civic.shopping(cast, community, start=start, end=until),
            *residents.resident_points(people, start=start, community=community),
            *pending,
            # 敲门行动: the last four weeks at 滨东花园, through the needs services.
            *door_knocking_events(
                users=cast.__getitem__,
                compound=stories.place(*stories.BINDONG),
                until=until,
                # Its own stream: the other events' draws stay as they were.
                rng=random.Random(seed * 7919 + 3),
            ),
        ]
        cases_play(clock=clock, cast=cast, stories=plot, until=until, rng=rng, extra=extra)
        veterans_open_programme(admin=admin, now=until)
    return HistorySummary(cases=Case.objects.count(), grids_drawn=drawn)


def _meeting_stories(until: dt.datetime) -> dict[str, Story]:
    """The parking matter the owners voted on two and a half months ago."""
    raised = (until - dt.timedelta(days=75)).replace(hour=2, minute=0)
    story = Story(
        raised_at=raised,
        category="parking",
        place=stories.building(2),
        title="小区停车难，车辆乱停堵塞消防通道",
        raiser=stories.WORKER,
        source="hotline",
        raiser_name="居民来电",
        steps=[
            Step(2, "ack"),
            stories.resolve(24 * 9, "已按业主表决结果施划30个停车位并启用", photo=True),
            stories.rate(24 * 11, "satisfied", "停车有序多了"),
        ],
    )
    return {"parking_past": story}


def veterans_open_programme(*, admin: User, now: dt.datetime) -> Program | None:
    """Next year's programme rolled over from 2026 (whose window closed on 31 July), its
    window opened for the demo ten days ago and closing in fifty, with a few applications,
    so the public form and the desk show an open window beside a closed one."""
    base = Program.objects.filter(year=2026).first()
    if base is None or Program.objects.filter(year=base.year + 1).exists():
        return None
    program = program_roll_over(actor=admin, program=base)
    before = (program.opens_at, program.closes_at, program.published)
    program.opens_at = (now - dt.timedelta(days=10)).replace(minute=0, second=0)
    program.closes_at = (now + dt.timedelta(days=50)).replace(minute=0, second=0)
    program.published = True
    program.notice = "演示项目：申报窗口按今天的日期开放，用来试用申报流程（2026年度项目已截止）。"
    program.save(update_fields=["opens_at", "closes_at", "published", "notice"])
    audit_record(
        actor=admin,
        action="veterans.program_update",
        obj=program,
        changes={"window": [str(before[:2]), str((program.opens_at, program.closes_at))]},
    )
    # At the desks (staff on a person's behalf, the intake place theirs) and online.
    applicants = [
        ("韩保国", "M", "veteran", None, None),
        ("吴桂兰", "F", "martyr_survivor", None, None),
        ("刘德胜", "M", "veteran", "chengdong_worker", stories.CHENGDONG),
        ("张凤英", "F", "illness_death_survivor", "chengdong_worker", stories.CHENGDONG),
        ("高长顺", "M", "veteran", "binhe_staff", stories.CHENGDONG[:2]),
        ("任振华", "M", "veteran", "jianchang_secretary", stories.JIANCHANG),
    ]
    for i, (name, sex, group, clerk, desk) in enumerate(applicants):
        county = "141182" if desk == stories.JIANCHANG else "141102"
        application_submit(
            actor=User.objects.get(username=clerk) if clerk else None,
            program=program,
            data=ApplicationInput(
                name=name,
                id_number=_id_number(i, sex, county, program.born_on_or_before),
                phone=f"1393580{7000 + i:04d}",
                certificate=f"{county}{program.year}9{i:04d}",
                group=group,
                registration_code=county,
                consent=True,
                intake_place=place_by_names(*desk) if desk else None,
            ),
            now=now - dt.timedelta(days=8 - i),
        )
    return program


def _id_number(i: int, sex: str, county: str, born_by: dt.date) -> str:
    # The sequence's parity carries the sex (odd: male).
    birth = dt.date(born_by.year - 6 - i, 3, 12 + i)
    return make_id_number(county, birth, 801 + 2 * i + (0 if sex == "M" else 1))
