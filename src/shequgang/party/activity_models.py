"""双服务 activities and 双评价 appraisals: what a community, a branch or a paired unit
publishes, who signs up (places, then a waiting list), who came (check-in and check-out
with the code shown on site), the hours the organiser confirms, residents' ratings of
activities, and the community's year-end appraisal of each reporting member and unit.

Imported by ``party.models`` so Django registers the models with the party app."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from shequgang.places.models import Place


class ActivityKind(models.TextChoices):
    ACTIVITY = "activity", "活动"
    TASK = "task", "任务"


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", "报名中"
    CANCELLED = "cancelled", "已取消"
    FINISHED = "finished", "已结束"  # closed by the organiser: no-shows recorded


class Activity(models.Model):
    """An activity or task in one community. The publisher is the community itself, one of
    its compound branches (``branch``) or a paired unit (``unit``)."""

    community = models.ForeignKey(
        Place,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="party_activities",
        limit_choices_to={"kind": "community"},
    )
    branch = models.ForeignKey(
        "party.Branch",
        verbose_name="发布党支部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    unit = models.ForeignKey(
        "party.PairedUnit",
        verbose_name="发布单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField("类型", max_length=8, choices=ActivityKind.choices)
    # The points earning rule (by code) used when ``points`` is 0: "volunteer_hour" (per
    # hour served, the default), "activity" (per activity), or a community's own rule.
    activity_type = models.SlugField("活动类别", max_length=40, default="volunteer_hour")
    title = models.CharField("标题", max_length=100)
    description = models.TextField("内容", max_length=4000, blank=True)
    location = models.CharField("地点", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("名额")
    skills_wanted = models.CharField("所需技能", max_length=200, blank=True)
    points = models.PositiveIntegerField("积分", default=0)
    # The short code shown on site (and inside the QR code) for check-in and check-out.
    code = models.CharField("签到码", max_length=8, editable=False)
    status = models.CharField(
        "状态", max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.PUBLISHED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("发布时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束登记时间", null=True, blank=True)

    class Meta:
        verbose_name = "服务活动"
        verbose_name_plural = "服务活动"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_min"),
            models.CheckConstraint(
                condition=Q(branch__isnull=True) | Q(unit__isnull=True),
                name="activity_one_publisher",
            ),
        ]
        indexes = [models.Index(fields=["community", "starts_at"], name="activity_community")]

    def __str__(self) -> str:
        return self.title

    @property
    def publisher_name(self) -> str:
        if self.unit_id and self.unit:
            return self.unit.name
        if self.branch_id and self.branch:
            return self.branch.name
        return self.community.name


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", "已报名"
    WAITING = "waiting", "候补"
    CANCELLED = "cancelled", "已取消"


class Attendance(models.TextChoices):
    PENDING = "", "未登记"
    ATTENDED = "attended", "已参加"
    NO_SHOW = "no_show", "未到"


class Signup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activity_signups"
    )
    # The party member behind the account, when there is one (for 双评价 hours).
    member = models.ForeignKey(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signups",
    )
    status = models.CharField("状态", max_length=12, choices=SignupStatus.choices)
    signed_up_at = models.DateTimeField("报名时间")
    promoted_at = models.DateTimeField("候补转正时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    attendance = models.CharField(
        "出勤", max_length=8, choices=Attendance.choices, blank=True, default=Attendance.PENDING
    )
    # Computed from check-in/out within the activity window; the organiser confirms (and
    # may correct, with a reason) before it counts.
    hours = models.DecimalField("服务时长(小时)", max_digits=5, decimal_places=2, default=0)
    hours_confirmed_at = models.DateTimeField("时长确认时间", null=True, blank=True)
    hours_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours_note = models.CharField("时长说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["signed_up_at", "id"]
        constraints = [
            # One live sign-up per person and activity; cancelled ones stay as history.
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=~Q(status="cancelled"),
                name="signup_one_live_per_user",
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="signup_hours_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["activity", "status", "signed_up_at"], name="signup_queue"),
            models.Index(fields=["user", "signed_up_at"], name="signup_user"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.user}"


class ActivityRating(models.Model):
    """A resident's rating of an activity (1–5), once per person."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField("评分")
    comment = models.CharField("评价", max_length=300, blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动评价"
        verbose_name_plural = "活动评价"
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="rating_once_per_user"),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="rating_stars_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.stars}星"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class Appraisal(models.Model):
    """双评价: the community's year-end rating of a member or a unit that reported to it,
    with the service figures as they stood when rated."""

    year = models.PositiveSmallIntegerField("年度")
    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        "party.Member",
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisals",
    )
    unit = models.ForeignKey(
        "party.PairedUnit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisals",
    )
    hours = models.DecimalField("服务时长", max_digits=7, decimal_places=2, default=Decimal(0))
    activities = models.PositiveIntegerField("参加/组织活动数", default=0)
    grade = models.CharField("等次", max_length=12, choices=Grade.choices)
    comment = models.CharField("评语", max_length=500, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "双评价"
        verbose_name_plural = "双评价"
        ordering = ["-year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(unit__isnull=True))
                | (Q(member__isnull=True) & Q(unit__isnull=False)),
                name="appraisal_member_xor_unit",
            ),
            models.UniqueConstraint(
                fields=["year", "community", "member"],
                condition=Q(member__isnull=False),
                name="appraisal_once_per_member",
            ),
            models.UniqueConstraint(
                fields=["year", "community", "unit"],
                condition=Q(unit__isnull=False),
                name="appraisal_once_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.member or self.unit} {self.get_grade_display()}"
