"""Opening and closing 敲门行动 campaigns: the households are resolved from the register's
place tree and split into one walking-order list per visitor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.needs.access import may_manage
from shequgang.needs.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    ListHousehold,
    VisitList,
    VisitorRole,
)
from shequgang.places.models import Kind, Place
from shequgang.text_rules import text_clean

TARGET_KINDS = {Kind.COMPOUND, Kind.BUILDING}
MAX_DAYS = 366


@dataclass(frozen=True)
class Visitor:
    user: User
    role: str = VisitorRole.GRID_WORKER


def campaign_households(targets: Sequence[Place]) -> list[Place]:
    """The households below ``targets``, in walking order (the tree's path order: building
    by building, unit by unit, door by door)."""
    cond = Q(pk__in=[])
    for target in targets:
        cond |= Q(path__descendant=target.path)
    return list(Place.objects.filter(cond, kind=Kind.HOUSEHOLD).order_by("path"))


def split_walking_order(count: int, parts: int) -> list[range]:
    """Contiguous shares of ``count`` stops for ``parts`` visitors, sizes differing by at
    most one, so each visitor walks whole stretches of the route."""
    base, extra = divmod(count, parts)
    shares, start = [], 0
    for i in range(parts):
        size = base + (1 if i < extra else 0)
        shares.append(range(start, start + size))
        start += size
    return shares


def _check_targets(community: Place, targets: Sequence[Place]) -> list[Place]:
    if not targets:
        raise DomainError("targets_required", "请选择至少一个小区或楼栋")
    unique = {t.pk: t for t in targets}
    for target in unique.values():
        if target.kind not in TARGET_KINDS or not target.path.startswith(community.path):
            raise DomainError("invalid_target", f"{target.name}不是本社区的小区或楼栋")
    # A building inside a chosen compound would be visited twice; keep the outer one.
    kept = [
        t
        for t in unique.values()
        if not any(o.pk != t.pk and t.path.startswith(o.path) for o in unique.values())
    ]
    return sorted(kept, key=lambda t: t.path)


def _check_visitors(visitors: Sequence[Visitor]) -> None:
    if not visitors:
        raise DomainError("visitors_required", "请指定至少一名走访人")
    if len({v.user.pk for v in visitors}) != len(visitors):
        raise DomainError("duplicate_visitor", "同一走访人只能有一份清单")
    for v in visitors:
        if v.role not in VisitorRole.values:
            raise DomainError("invalid_role", f"未知的走访人身份：{v.role}")
        if not v.user.is_active:
            raise DomainError("inactive_visitor", "走访人账号已停用")


@transaction.atomic
def campaign_open(
    *,
    actor: Actor,
    community: Place,
    title: str,
    targets: Sequence[Place],
    visitors: Sequence[Visitor],
    starts_on: dt.date,
    ends_on: dt.date,
    goal: str = "",
    branch_id: int | None = None,
) -> Campaign:
    """Open a campaign over compounds/buildings of ``community`` (``resident.edit`` there,
    else NotFound): resolve the households below the targets in walking order, split them
    into contiguous lists, one per visitor, each household on exactly one list. Refuses
    no targets, a target outside the community, no households, no or repeated visitors,
    and dates out of order or spanning more than a year (400, nothing written)."""
    if actor is None or community.kind != Kind.COMMUNITY or not may_manage(actor, community):
        raise NotFound("社区")
    title = text_clean(title, field="title", label="名称", limit=100, required=True)
    goal = text_clean(goal, field="goal", label="目标", limit=200)
    if ends_on < starts_on:
        raise DomainError("invalid_dates", "结束日期不能早于开始日期")
    if (ends_on - starts_on).days > MAX_DAYS:
        raise DomainError("invalid_dates", "一次行动不超过一年")
    kept = _check_targets(community, targets)
    _check_visitors(visitors)
    households = campaign_households(kept)
    if not households:
        raise DomainError("no_households", "所选范围内没有登记的住户")
    if len(visitors) > len(households):
        raise DomainError("too_many_visitors", "走访人多于住户")
    campaign = Campaign.objects.create(
        community=community,
        branch_id=branch_id,
        title=title,
        goal=goal,
        starts_on=starts_on,
        ends_on=ends_on,
        household_count=len(households),
        created_by=actor if actor.is_authenticated else None,
    )
    CampaignTarget.objects.bulk_create(CampaignTarget(campaign=campaign, place=t) for t in kept)
    stops = []
    for visitor, share in zip(
        visitors, split_walking_order(len(households), len(visitors)), strict=True
    ):
        visit_list = VisitList.objects.create(
            campaign=campaign,
            visitor=visitor.user,
            role=visitor.role,
            name=f"{title}·{visitor.user.get_full_name() or visitor.user.get_username()}",
        )
        stops += [
            ListHousehold(
                visit_list=visit_list,
                campaign=campaign,
                household=households[i],
                position=n,
            )
            for n, i in enumerate(share, start=1)
        ]
    ListHousehold.objects.bulk_create(stops, batch_size=500)
    audit_record(
        actor=actor,
        action="needs.campaign.open",
        obj=campaign,
        changes={"households": [None, len(households)], "visitors": [None, len(visitors)]},
    )
    return campaign


@transaction.atomic
def campaign_close(
    *, actor: Actor, campaign: Campaign, summary: str = "", now: dt.datetime | None = None
) -> Campaign:
    """Close an open campaign (``resident.edit`` over its community); visits are refused
    afterwards. Closing twice is ``campaign_closed`` (409)."""
    campaign = Campaign.objects.select_for_update().select_related("community").get(pk=campaign.pk)
    if actor is None or not may_manage(actor, campaign.community):
        raise NotFound("敲门行动")
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict("campaign_closed", "该行动已结束")
    campaign.summary = text_clean(summary, field="summary", label="总结", limit=2000)
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = now or timezone.now()
    campaign.save(update_fields=["summary", "status", "closed_at"])
    audit_record(actor=actor, action="needs.campaign.close", obj=campaign)
    return campaign
