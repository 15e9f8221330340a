"""The supply side of the three lists: 社区合伙人 (partners) and the 资源清单 (resources).

- A ``Partner`` is anyone who works with a community and is not its staff: an enterprise,
  a social organisation, a new-economy worker (rider, driver). A points merchant (红色合作
  伙伴, ``points.Merchant``) is the counter of a partner that accepts points: the partner
  owns it (``Partner.merchant``), so "who works with the community" is one model.
- A ``Resource`` is one offer (type, capacity, when, where, contact, valid until) by a
  报到单位 (``party.PairedUnit``), a partner or a volunteer. It is live while active,
  not past ``valid_until`` or ``available_until`` and with capacity left
  (``remaining > 0``); ``ResourceQuerySet.live(today)`` is the one rule, so an expired or
  exhausted resource drops out of every list and match by itself, with no sweep.

The matching query reads ``(type, town)`` and ``(type, place)`` over live rows; the two
partial indexes below hold exactly the rows that can be live (active, capacity left).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shequgang.needs.models import DemandType
from shequgang.places.models import Place


class PartnerKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    SOCIAL_ORGANISATION = "social_organisation", "社会组织"
    RIDER = "rider", "快递外卖骑手"
    DRIVER = "driver", "网约车司机"
    INDIVIDUAL = "individual", "个体工商户"
    OTHER = "other", "其他"


class Partner(models.Model):
    """社区合伙人: registered with a community (for scope) and with what it offers."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="needs_partners"
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=24, choices=PartnerKind.choices)
    offers = models.CharField("可提供", max_length=300, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone_cipher = models.TextField("联系电话(密文)", blank=True, editable=False)
    contact_phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    # The partner's counter that accepts the community's points, when it has one.
    merchant = models.OneToOneField(
        "points.Merchant",
        verbose_name="积分商家",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner",
    )
    # The partner's own people: they keep its resources and claim wishes.
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="账号", blank=True, related_name="needs_partners"
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "社区合伙人"
        verbose_name_plural = "社区合伙人"
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="needs_partner_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerContribution(models.Model):
    """One thing a partner did for the community (a project, a wish, an offer used)."""

    partner = models.ForeignKey(
        Partner, verbose_name="合伙人", on_delete=models.PROTECT, related_name="contributions"
    )
    description = models.CharField("内容", max_length=200)
    project = models.ForeignKey(
        "needs.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wish = models.ForeignKey(
        "needs.Wish", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField("服务时长(小时)", max_digits=7, decimal_places=1, default=0)
    on = models.DateField("日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "合伙人贡献"
        verbose_name_plural = "合伙人贡献"
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return self.description


class PartnerRating(models.Model):
    """A rating by someone the partner served: one per person and partner (a second
    rating replaces the first)."""

    partner = models.ForeignKey(
        Partner, verbose_name="合伙人", on_delete=models.CASCADE, related_name="ratings"
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评价人", on_delete=models.CASCADE, related_name="+"
    )
    stars = models.PositiveSmallIntegerField("评分")
    comment = models.CharField("评价", max_length=200, blank=True)
    rated_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "合伙人评价"
        verbose_name_plural = "合伙人评价"
        constraints = [
            models.UniqueConstraint(fields=["partner", "rater"], name="needs_rating_once"),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="needs_rating_stars"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.stars}"


class OffererKind(models.TextChoices):
    UNIT = "unit", "报到单位"
    PARTNER = "partner", "社区合伙人"
    VOLUNTEER = "volunteer", "志愿者"


class ResourceQuerySet(models.QuerySet["Resource"]):
    def live(self, today: dt.date) -> ResourceQuerySet:
        """Resources that can be matched today: active, within their validity and
        availability, with capacity left. The one rule for "expired or exhausted"."""
        return self.filter(
            Q(available_until__isnull=True) | Q(available_until__gte=today),
            active=True,
            remaining__gt=0,
            valid_until__gte=today,
        )


# Weekdays as bits (Monday = 1 … Sunday = 64); 127 is every day.
EVERY_DAY = 127


class Resource(models.Model):
    """One offer in the 资源清单."""

    type = models.CharField("类型", max_length=16, choices=DemandType.choices)
    title = models.CharField("名称", max_length=100)
    description = models.CharField("说明", max_length=500, blank=True)
    offerer_kind = models.CharField("提供方类别", max_length=12, choices=OffererKind.choices)
    unit = models.ForeignKey(
        "party.PairedUnit",
        verbose_name="报到单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs_resources",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name="合伙人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="志愿者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs_resources",
    )
    # Where it is offered; ``community`` and ``town`` are the place's own ancestors
    # (null above them), copied at write so scope and matching are single-column filters.
    place = models.ForeignKey(
        Place, verbose_name="地点", on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField("地点路径", max_length=255, editable=False)
    capacity = models.PositiveIntegerField("可服务数量")
    remaining = models.PositiveIntegerField("剩余数量")
    available_from = models.DateField("可用开始")
    available_until = models.DateField("可用截止", null=True, blank=True)
    days = models.PositiveSmallIntegerField("可用星期", default=EVERY_DAY)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone_cipher = models.TextField("联系电话(密文)", blank=True, editable=False)
    contact_phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    valid_until = models.DateField("有效期至")
    active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = "资源"
        verbose_name_plural = "资源清单"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["type", "town", "valid_until"],
                condition=Q(active=True, remaining__gt=0),
                name="needs_resource_live_town",
            ),
            models.Index(
                fields=["type", "place"],
                condition=Q(active=True, remaining__gt=0),
                name="needs_resource_live_place",
            ),
            models.Index(fields=["community", "valid_until"], name="needs_resource_community"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__lte=F("capacity")), name="needs_resource_remaining"
            ),
            models.CheckConstraint(
                condition=(
                    Q(offerer_kind="unit", unit__isnull=False)
                    | Q(offerer_kind="partner", partner__isnull=False)
                    | Q(offerer_kind="volunteer", volunteer__isnull=False)
                ),
                name="needs_resource_offerer",
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=EVERY_DAY), name="needs_resource_days"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def offerer_name(self) -> str:
        offerer = self.unit or self.partner
        if offerer is not None:
            return offerer.name
        return "志愿者"
