"""微心愿: a resident's small wish, reviewed, published without personal data, claimed by
exactly one member, unit liaison, partner or volunteer, fulfilled with proof and
confirmed by the resident with thanks.

The claim is one conditional UPDATE (``wishes.wish_claim``): status published, not past
``expires_at``, no claimer yet. Whoever's UPDATE changes the row wins; everyone else's
changes nothing and is refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shequgang.needs.models import DemandType
from shequgang.places.models import Place


class WishStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", "待审核"
    REJECTED = "rejected", "未通过"
    PUBLISHED = "published", "待认领"
    CLAIMED = "claimed", "已认领"
    FULFILLED = "fulfilled", "待确认"
    CONFIRMED = "confirmed", "已完成"
    WITHDRAWN = "withdrawn", "已撤回"


# The workflow, enforced in wishes.py (the claim by its conditional UPDATE).
WISH_TRANSITIONS: dict[str, set[str]] = {
    WishStatus.PENDING_REVIEW: {WishStatus.PUBLISHED, WishStatus.REJECTED, WishStatus.WITHDRAWN},
    WishStatus.PUBLISHED: {WishStatus.CLAIMED, WishStatus.WITHDRAWN},
    WishStatus.CLAIMED: {WishStatus.FULFILLED, WishStatus.PUBLISHED},
    WishStatus.FULFILLED: {WishStatus.CONFIRMED},
    WishStatus.REJECTED: set(),
    WishStatus.CONFIRMED: set(),
    WishStatus.WITHDRAWN: set(),
}


class Wish(models.Model):
    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="needs_wishes"
    )
    household = models.ForeignKey(
        Place, verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name="居民",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The resident's own account, when they posted it themselves (they confirm it).
    wisher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="心愿人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_wishes",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField("类型", max_length=16, choices=DemandType.choices)
    # What the resident wrote (staff only), and what is published after review.
    text = models.CharField("心愿内容", max_length=300)
    public_text = models.CharField("公开内容", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=WishStatus.choices, default=WishStatus.PENDING_REVIEW
    )
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField("登记时间")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    expires_at = models.DateTimeField("认领截止", null=True, blank=True)
    claimer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认领人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs_claimed_wishes",
    )
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    proof_photo = models.ImageField("完成照片", upload_to="needs/wishes/%Y/%m", blank=True)
    proof_note = models.CharField("完成说明", max_length=200, blank=True)
    fulfilled_at = models.DateTimeField("完成时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    thanks = models.CharField("感谢的话", max_length=200, blank=True)
    points_awarded = models.PositiveIntegerField("奖励积分", default=0)
    demand = models.OneToOneField(
        "needs.Demand",
        verbose_name="需求",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wish",
    )

    class Meta:
        verbose_name = "微心愿"
        verbose_name_plural = "微心愿"
        ordering = ["-posted_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"]),
            # Wishes unclaimed too long are read live from here (wishes.stale_wishes).
            models.Index(fields=["status", "published_at"], name="needs_wish_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "fulfilled", "confirmed"])
                | Q(claimer__isnull=False),
                name="needs_wish_claimed_has_claimer",
            ),
        ]

    def __str__(self) -> str:
        return self.public_text or self.get_type_display()
