"""敲门行动 campaigns, their visit lists and visits, and the 需求清单 (demands).

A campaign belongs to a community (and optionally a party branch) and covers compounds or
buildings; opening it resolves the households below them into visit lists, one list per
visitor, each household on exactly one list of the campaign. A visit is append-only; the
list's household row carries the latest outcome so coverage is one indexed count.
A demand is one need of one household (or place) of one type; among the demands still
being worked on (open, matched, in project) a household has at most one of each type."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shequgang.audit.appendonly import AppendOnlyModel
from shequgang.places.models import Place


class CampaignStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class Campaign(models.Model):
    """One 敲门行动: a community's (or branch's) round of visits to every household of
    the compounds/buildings it targets."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="needs_campaigns"
    )
    branch = models.ForeignKey(
        "party.Branch",
        verbose_name="党支部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs_campaigns",
    )
    title = models.CharField("名称", max_length=100)
    goal = models.CharField("目标", max_length=200, blank=True)
    # The compounds and buildings covered; households are resolved from them when opened.
    targets: models.ManyToManyField[Place, CampaignTarget] = models.ManyToManyField(
        Place, verbose_name="范围", through="CampaignTarget", related_name="+"
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    status = models.CharField(
        "状态", max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    household_count = models.PositiveIntegerField("目标户数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    summary = models.TextField("总结", blank=True)

    class Meta:
        verbose_name = "敲门行动"
        verbose_name_plural = "敲门行动"
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["community", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="needs_campaign_dates"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CampaignTarget(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="target_rows")
    place = models.ForeignKey(Place, verbose_name="小区/楼栋", on_delete=models.PROTECT)

    class Meta:
        verbose_name = "行动范围"
        verbose_name_plural = "行动范围"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "place"], name="needs_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}·{self.place_id}"


class VisitorRole(models.TextChoices):
    GRID_WORKER = "grid_worker", "网格员"
    MEMBER = "member", "党员"
    VOLUNTEER = "volunteer", "志愿者"


class VisitList(models.Model):
    """One visitor's share of a campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="敲门行动", on_delete=models.CASCADE, related_name="lists"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="走访人",
        on_delete=models.PROTECT,
        related_name="needs_visit_lists",
    )
    role = models.CharField("身份", max_length=16, choices=VisitorRole.choices)
    name = models.CharField("名称", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "走访清单"
        verbose_name_plural = "走访清单"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "visitor"], name="needs_list_per_visitor")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.campaign.title}·{self.visitor}"


class StopState(models.TextChoices):
    """The latest outcome at one household of a list."""

    PENDING = "pending", "未走访"
    MET = "met", "已见面"
    NOT_HOME = "not_home", "不在家(待回访)"
    REFUSED = "refused", "拒绝"
    MOVED_OUT = "moved_out", "已搬离"


# States that count as covered: the household was reached or is known to be gone.
COVERED_STATES = frozenset({StopState.MET, StopState.REFUSED, StopState.MOVED_OUT})


class ListHousehold(models.Model):
    """A household on a visit list; ``position`` is the walking order."""

    visit_list = models.ForeignKey(
        VisitList, verbose_name="走访清单", on_delete=models.CASCADE, related_name="households"
    )
    # Denormalised so "each household once per campaign" is a constraint.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        Place, verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField("顺序")
    state = models.CharField(
        "状态", max_length=16, choices=StopState.choices, default=StopState.PENDING
    )
    revisit_on = models.DateField("回访日期", null=True, blank=True)
    last_visited_at = models.DateTimeField("最近走访", null=True, blank=True)
    # A moved-out finding waits for staff to confirm it on the register (people's service).
    register_confirmed_at = models.DateTimeField("户籍核实时间", null=True, blank=True)

    class Meta:
        verbose_name = "清单住户"
        verbose_name_plural = "清单住户"
        ordering = ["visit_list", "position"]
        indexes = [models.Index(fields=["campaign", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="needs_household_once_per_campaign"
            ),
            models.UniqueConstraint(
                fields=["visit_list", "position"], name="needs_list_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_list_id}#{self.position}"


class VisitOutcome(models.TextChoices):
    MET = "met", "已见面"
    NOT_HOME = "not_home", "不在家"
    REFUSED = "refused", "拒绝"
    MOVED_OUT = "moved_out", "已搬离"


class Visit(AppendOnlyModel):
    """One knock at one door; append-only (a correction is a new visit)."""

    stop = models.ForeignKey(
        ListHousehold, verbose_name="清单住户", on_delete=models.PROTECT, related_name="visits"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name="敲门行动", on_delete=models.PROTECT, related_name="visits"
    )
    household = models.ForeignKey(
        Place, verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="走访人", on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField("走访时间")
    outcome = models.CharField("结果", max_length=16, choices=VisitOutcome.choices)
    met_whom = models.CharField("见到何人", max_length=50, blank=True)
    revisit_on = models.DateField("回访日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["campaign", "visited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=VisitOutcome.NOT_HOME) | Q(revisit_on__isnull=False),
                name="needs_not_home_has_revisit",
            )
        ]


class DemandType(models.TextChoices):
    REPAIR = "repair", "维修"
    ELDERLY_CARE = "elderly_care", "养老照护"
    CHILDCARE = "childcare", "托幼"
    EMPLOYMENT = "employment", "就业"
    DISPUTE = "dispute", "矛盾纠纷"
    POLICY = "policy", "政策咨询"
    HEALTH = "health", "医疗健康"
    ENVIRONMENT = "environment", "环境卫生"
    HARDSHIP = "hardship", "生活困难"
    OTHER = "other", "其他"


class Urgency(models.TextChoices):
    LOW = "low", "一般"
    NORMAL = "normal", "较急"
    HIGH = "high", "紧急"


class DemandSource(models.TextChoices):
    VISIT = "visit", "敲门走访"
    CASE = "case", "诉求转需求"
    WISH = "wish", "微心愿"
    RESIDENT = "resident", "居民提出"


class DemandStatus(models.TextChoices):
    OPEN = "open", "待对接"
    MATCHED = "matched", "已匹配"
    IN_PROJECT = "in_project", "项目实施中"
    MET = "met", "已满足"
    CANNOT_MEET = "cannot_meet", "无法满足"


# Demands still being worked on; the dedupe rule holds among these.
ACTIVE_DEMAND_STATUSES = (DemandStatus.OPEN, DemandStatus.MATCHED, DemandStatus.IN_PROJECT)


class Demand(models.Model):
    """One need in the 需求清单."""

    household = models.ForeignKey(
        Place,
        verbose_name="户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Where the need is: the household when there is one, else a building/compound/community.
    place = models.ForeignKey(
        Place, verbose_name="地点", on_delete=models.PROTECT, related_name="needs_demands"
    )
    type = models.CharField("类型", max_length=16, choices=DemandType.choices)
    description = models.TextField("描述")
    urgency = models.CharField(
        "紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.LOW
    )
    consent = models.BooleanField("同意记录", default=False)
    source = models.CharField("来源", max_length=12, choices=DemandSource.choices)
    status = models.CharField(
        "状态", max_length=16, choices=DemandStatus.choices, default=DemandStatus.OPEN
    )
    status_reason = models.CharField("状态说明", max_length=200, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name="敲门行动",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name="走访记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="诉求",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name="居民",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    met_at = models.DateTimeField("满足时间", null=True, blank=True)

    class Meta:
        verbose_name = "需求"
        verbose_name_plural = "需求清单"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "type"]),
            models.Index(fields=["place", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "type"],
                condition=Q(status__in=ACTIVE_DEMAND_STATUSES),
                name="needs_demand_one_active_per_household_type",
            ),
            models.CheckConstraint(
                condition=~Q(status=DemandStatus.CANNOT_MEET) | ~Q(status_reason=""),
                name="needs_demand_cannot_meet_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}·{self.description[:20]}"


class DemandEvent(AppendOnlyModel):
    """A demand's history: created, status changes (with reason), merged hearings."""

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事件", max_length=16)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    reason = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "需求记录"
        verbose_name_plural = "需求记录"
        ordering = ["at", "id"]


# Resources, partners, projects and wishes (the supply side) live in their own modules;
# importing them here registers them with Django. They import names defined above.
from shequgang.needs.project_models import *  # noqa: E402, F403
from shequgang.needs.supply_models import *  # noqa: E402, F403
from shequgang.needs.wish_models import *  # noqa: E402, F403
