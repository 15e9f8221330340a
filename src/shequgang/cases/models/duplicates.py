"""Duplicate detection: the residents who joined a case instead of raising their own
("me too", or their duplicate was merged into it), and the admin-editable rules that
decide which open cases are suggested while a case is being raised.

Re-exported by ``cases/models/__init__.py``, which Django loads."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shequgang.cases.models.case import Case

__all__ = ["CaseFollower", "DuplicateRules", "FollowReason"]


class FollowReason(models.TextChoices):
    ME_TOO = "me_too", "我也遇到了"
    MERGED = "merged", "重复件合并"


class CaseFollower(models.Model):
    """Someone besides the raiser who hears the case's outcome. One row per user and
    case; the raiser never has one (they hear it as the raiser)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases"
    )
    reason = models.CharField("方式", max_length=16, choices=FollowReason.choices)
    # For a merge: the duplicate through which they came.
    via = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("加入时间")

    class Meta:
        verbose_name = "事项关注人"
        verbose_name_plural = "事项关注人"
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_follower_unique")
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="case_follower_user")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.user_id}"


class DuplicateRules(models.Model):
    """How similar cases are found and ranked. One row (pk=1), created on first use.

    score = w_distance × proximity + w_recency × recency + w_text × text similarity
            + w_category × (same leaf category)
    where proximity = 1 − distance / radius (coordinates on both sides), or 1 in the same
    building and ``same_compound_proximity`` elsewhere in the same compound; recency =
    1 − age / window; text similarity = cosine of the character-bigram sets."""

    radius_m = models.PositiveIntegerField("附近范围(米)", default=300)
    window_days = models.PositiveSmallIntegerField("时间窗口(天)", default=30)
    max_results = models.PositiveSmallIntegerField("最多提示条数", default=5)
    min_score = models.DecimalField(
        "最低得分", max_digits=4, decimal_places=3, default=Decimal("0.1")
    )
    weight_distance = models.DecimalField(
        "距离权重", max_digits=4, decimal_places=3, default=Decimal("0.4")
    )
    weight_recency = models.DecimalField(
        "时间权重", max_digits=4, decimal_places=3, default=Decimal("0.2")
    )
    weight_text = models.DecimalField(
        "文字相似度权重", max_digits=4, decimal_places=3, default=Decimal("0.3")
    )
    weight_category = models.DecimalField(
        "同一小类权重", max_digits=4, decimal_places=3, default=Decimal("0.1")
    )
    same_compound_proximity = models.DecimalField(
        "同小区不同楼栋的接近度", max_digits=4, decimal_places=3, default=Decimal("0.6")
    )

    class Meta:
        verbose_name = "重复事项提示规则"
        verbose_name_plural = "重复事项提示规则"

    def __str__(self) -> str:
        return "重复事项提示规则"

    @classmethod
    def current(cls) -> DuplicateRules:
        return cls.objects.filter(pk=1).first() or cls.objects.get_or_create(pk=1)[0]
