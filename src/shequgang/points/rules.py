"""Earning rules and caps are data: look them up, turn a rule into points, and measure
how much of a person's daily and monthly cap is used."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum

from shequgang.errors import DomainError
from shequgang.places.models import Place
from shequgang.points.models import Account, EarningBasis, EarningRule, Entry, Policy, TxnKind

BEIJING = ZoneInfo("Asia/Shanghai")
MAX_HOURS = Decimal(24)
# One earning event never brings more than this (a typo guard, not a policy).
MAX_AWARD = 10_000


def policy_for(community: Place) -> Policy:
    """The community's own policy, else the city-wide default, else no caps."""
    found = {
        p.community_id: p
        for p in Policy.objects.filter(Q(community=community) | Q(community__isnull=True))
    }
    own = found.get(community.pk) or found.get(None)
    return own or Policy(community=community)


def rule_for(community: Place, code: str) -> EarningRule:
    """The community's active rule with this code, else the city-wide default."""
    rules = {
        r.community_id: r
        for r in EarningRule.objects.filter(
            Q(community=community) | Q(community__isnull=True), code=code
        )
    }
    rule = rules.get(community.pk) or rules.get(None)
    if rule is None or not rule.active:
        raise DomainError("unknown_rule", f"积分规则“{code[:40]}”不存在或已停用")
    return rule


def rule_points(rule: EarningRule, hours: Decimal | float | int | str | None) -> int:
    """Points a rule gives: per event, or per hour (whole points, rounded down)."""
    if rule.unit == EarningBasis.EVENT:
        if hours is not None:
            raise DomainError("hours_not_applicable", f"“{rule.name}”按次计分，不需要填写时长")
        return rule.points
    if hours is None:
        raise DomainError("hours_required", f"“{rule.name}”按小时计分，请填写服务时长")
    try:
        value = Decimal(str(hours))
    except InvalidOperation:
        raise DomainError("invalid_hours", "服务时长应为数字") from None
    if not value.is_finite() or value <= 0 or value > MAX_HOURS:
        raise DomainError("invalid_hours", f"服务时长应大于0且不超过{MAX_HOURS}小时")
    return int((value * rule.points).to_integral_value(rounding=ROUND_DOWN))


@dataclass(frozen=True)
class CapRoom:
    """How many more points a person may earn now, and why the limit is what it is."""

    room: int | None  # None: no cap
    used_today: int
    used_this_month: int


def period_starts(at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The start of the day and of the month containing ``at``, in Beijing time."""
    local = at.astimezone(BEIJING)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def cap_room(*, policy: Policy, account: Account, at: dt.datetime) -> CapRoom:
    """Room left under the caps. Counts earnings (not manual adjustments) that have not
    been reversed. The caller holds the account's lock, so the figure cannot move."""
    day, month = period_starts(at)
    earned = Entry.objects.filter(
        account=account,
        transaction__kind=TxnKind.EARN,
        transaction__reversed_by__isnull=True,
        created_at__gte=month,
    )
    used_month = earned.aggregate(t=Sum("amount"))["t"] or 0
    used_day = earned.filter(created_at__gte=day).aggregate(t=Sum("amount"))["t"] or 0
    limits = []
    if policy.daily_cap is not None:
        limits.append(policy.daily_cap - used_day)
    if policy.monthly_cap is not None:
        limits.append(policy.monthly_cap - used_month)
    room = max(0, min(limits)) if limits else None
    return CapRoom(room=room, used_today=used_day, used_this_month=used_month)
