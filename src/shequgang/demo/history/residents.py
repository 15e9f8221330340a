"""The demo's residents with accounts (``residency``): three people of the register at
滨东花园 who registered on their phones months ago and were confirmed by the community —
an elder living alone, a parent, a renter — and a few neighbours who registered in the
last days and wait in the 待认证居民 queue. Each is registered and decided through the
residency services; the cases they raise and rate are stories like any other
(``resident_stories``), and their points go through the points services."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q

from shequgang.cases.models import Source
from shequgang.demo.history.cases import Step, Story
from shequgang.demo.history.stories import BINDONG, JIANCHANG, WORKER, place, resolve
from shequgang.people import pii
from shequgang.people.models import Relation, Resident
from shequgang.points.models import Goods
from shequgang.points.models import Source as PointsSource
from shequgang.points.redemptions import order_confirm, order_place
from shequgang.points.services import points_earn
from shequgang.residency.models import ResidentAccount
from shequgang.residency.services import (
    Registration,
    resident_account_confirm,
    resident_account_register,
)

Event = tuple[dt.datetime, Callable[[], Any]]
# The demo's resident logins (README.md): who they are in the register.
ELDER, PARENT, RENTER = "bindong_elder", "bindong_parent", "bindong_renter"
PENDING = ("bindong_new1", "bindong_new2", "bindong_new3", "jianchang_new1")


@dataclass(frozen=True)
class DemoResident:
    username: str
    resident: Resident


def _in_bindong() -> Any:
    # The first grid's buildings (1-4号楼), where the grid worker confirms accounts too.
    compound = place(*BINDONG)
    buildings = [place(*BINDONG, f"{n}号楼") for n in range(1, 5)]
    near = Q()
    for b in buildings:
        near |= Q(household__path__startswith=b.path)
    # Not the staff's own homes (郝志明's 101 …): those people have their accounts.
    staff = User.objects.exclude(first_name="").values("first_name")
    return (
        Resident.objects.filter(near, household__path__startswith=compound.path)
        .exclude(name__in=staff)
        .order_by("household__path", "pk")
    )


def _pick() -> dict[str, Resident]:
    rows = _in_bindong()
    elder = rows.filter(tags__code="elder_alone").first()
    parents = rows.filter(relation=Relation.HEAD).annotate(
        children=Count("household__residents", filter=Q(household__residents__relation="child"))
    )
    parent = parents.filter(children__gt=0).first()
    renter = rows.filter(relation=Relation.TENANT).first()
    chosen = {ELDER: elder, PARENT: parent, RENTER: renter}
    taken = {r.pk for r in chosen.values() if r is not None}
    others = rows.filter(relation=Relation.HEAD).exclude(pk__in=taken)
    households = {r.household_id for r in chosen.values() if r is not None}
    jianchang = place(*JIANCHANG)
    elsewhere = Resident.objects.filter(
        household__path__startswith=jianchang.path, relation=Relation.HEAD
    ).order_by("household__path", "pk")
    for username in PENDING:
        pool = elsewhere if username.startswith("jianchang") else others
        new = pool.exclude(household_id__in=households).first()
        chosen[username] = new
        if new is not None:
            households.add(new.household_id)
    return {k: v for k, v in chosen.items() if v is not None}


def _register(username: str, resident: Resident, password_hash: str, n: int) -> ResidentAccount:
    """The person registers on a phone with what the register holds about them; the
    login is then given the demo's published password (a registration may not choose it)
    and a name the README can print."""
    phone = pii.decrypt(resident.phone_cipher) if resident.phone_cipher else f"1393582{n:04d}"
    account, _ = resident_account_register(
        data=Registration(
            name=resident.name,
            phone=phone,
            id_number=pii.decrypt(resident.id_number_cipher),
            household_id=resident.household_id,
            password=f"Demo-{secrets.token_urlsafe(12)}",
            relation=resident.relation,
        )
    )
    User.objects.filter(pk=account.user_id).update(username=username, password=password_hash)
    return account


def resident_accounts(
    *, at: dt.datetime, until: dt.datetime, password_hash: str
) -> tuple[dict[str, Resident], list[Event]]:
    """Register and confirm the three now (``at``, months ago); return their register rows
    and the events of the pending neighbours' registrations in the last days."""
    chosen = _pick()
    worker = User.objects.get(username=WORKER)
    for n, username in enumerate((ELDER, PARENT, RENTER)):
        if username in chosen:
            account = _register(username, chosen[username], password_hash, n)
            resident_account_confirm(account=account, actor=worker)
    events: list[Event] = []
    for n, username in enumerate(PENDING, start=10):
        if username in chosen:
            when = until - dt.timedelta(hours=70 - 20 * (n - 10))
            events.append((when, _later(username, chosen[username], password_hash, n)))
    return {k: v for k, v in chosen.items() if k not in PENDING}, events


def _later(username: str, resident: Resident, password_hash: str, n: int) -> Callable[[], None]:
    def run() -> None:
        _register(username, resident, password_hash, n)

    return run


def resident_stories(people: dict[str, Resident], until: dt.datetime) -> dict[str, Story]:
    """What the three raised, rated and followed."""
    h = dt.timedelta(hours=1)
    out: dict[str, Story] = {}

    def add(key: str, who: str, hours_ago: float, category: str, title: str, **kw: Any) -> None:
        if who not in people:
            return
        out[key] = Story(
            raised_at=until - hours_ago * h,
            category=category,
            place=people[who].household,
            title=title,
            raiser=who,
            source=Source.RESIDENT,
            description=kw.get("description", ""),
            steps=kw.get("steps", []),
        )

    def rated(hours: float, who: str, satisfaction: str = "satisfied", note: str = "") -> Step:
        solved = satisfaction != "unsatisfied"
        params = {"solved": solved, "satisfaction": satisfaction, "comment": note}
        return Step(hours, "rate", who, params)

    add("elder_leak", ELDER, 40 * 24, "leak_between_floors", "楼上漏水，墙皮脱落",
        description="卫生间顶上一直滴水，我一个人住，麻烦帮忙看看。",
        steps=[Step(2, "ack"), resolve(22, "已协调楼上住户更换防水，墙面已修补"),
               rated(30, ELDER, "satisfied", "谢谢中心户和党小组")])  # fmt: skip
    add("elder_light", ELDER, 3 * 24, "stairwell_light", "楼道灯不亮，晚上看不清台阶",
        steps=[Step(1, "ack"), resolve(30, "已更换声控灯")])  # fmt: skip
    add("parent_playground", PARENT, 25 * 24, "property_service", "儿童滑梯破损有安全隐患",
        steps=[Step(3, "ack"), resolve(50, "物业已更换滑梯护栏", photo=True),
               rated(70, PARENT, "basic", "修好了，希望以后定期检查")])  # fmt: skip
    add("parent_noise", PARENT, 20, "noise", "楼下商铺音响太吵，孩子没法写作业")
    add("renter_door", RENTER, 12 * 24, "building_door", "单元门禁卡办不了",
        description="我是租户，物业说要房东来办。",
        steps=[Step(2, "ack"), resolve(20, "已协调物业为租户办理门禁卡"),
               rated(40, RENTER, "unsatisfied", "只给了一张卡"), Step(44, "start"),
               resolve(60, "已按租住人数补办两张门禁卡"), rated(80, RENTER, "satisfied")])  # fmt: skip
    return out


def follow_steps(people: dict[str, Resident]) -> list[tuple[str, Step]]:
    """``(story key, step)`` pairs: residents who join a neighbour's open case."""
    return [("light_first", Step(6, "follow", ELDER))] if ELDER in people else []


def resident_points(
    people: dict[str, Resident], *, start: dt.datetime, community: Any
) -> list[Event]:
    """Points the three earned (volunteering, a meeting) and the parent's exchange."""
    desk = User.objects.get(username=WORKER)
    events: list[Event] = []
    for n, username in enumerate(p for p in (ELDER, PARENT, RENTER) if p in people):
        for k, (days, rule, reason) in enumerate(
            [
                (40, "activity", "垃圾分类宣传志愿服务"),
                (95, "deliberation", "参加业主议事会"),
                (150, "activity", "关爱独居老人志愿服务"),
            ]
        ):
            when = start + dt.timedelta(days=days + n)
            events.append((when, _earn(desk, username, community, rule, reason, k, when)))
    if PARENT in people:
        when = start + dt.timedelta(days=120)
        events.append((when, _spend(desk, PARENT, community, when)))
    return events


def _earn(
    desk: User, username: str, community: Any, rule: str, reason: str, k: int, at: dt.datetime
) -> Callable[[], None]:
    def run() -> None:
        points_earn(
            actor=desk,
            user=User.objects.get(username=username),
            community=community,
            rule_code=rule,
            source=PointsSource.ACTIVITY if rule == "activity" else PointsSource.DELIBERATION,
            source_ref=f"demo:resident:{k}",
            reason=reason,
            idempotency_key=f"demo:resident:{username}:{k}",
            now=at,
        )

    return run


def _spend(desk: User, username: str, community: Any, at: dt.datetime) -> Callable[[], None]:
    def run() -> None:
        user = User.objects.get(username=username)
        goods = Goods.objects.filter(community=community, name="毛巾").first()
        if goods is None:
            return
        outcome = order_place(
            actor=user, user=user, goods=goods, idempotency_key=f"demo:shop:{username}", now=at
        )
        order_confirm(actor=desk, order=outcome.order, now=at + dt.timedelta(hours=5))

    return run
