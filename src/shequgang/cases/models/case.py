"""The case itself, its append-only timeline (CaseEvent), its photos and the numbering
counter."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.audit.appendonly import AppendOnlyModel
from shequgang.cases.models.category import Category
from shequgang.cases.models.choices import (
    BROAD_QUEUE_STATUSES,
    OPEN_STATUSES,
    EventKind,
    Rung,
    Satisfaction,
    Source,
    Status,
)
from shequgang.places.models import Department, Grid, Place
from shequgang.places.paths import PathField


class Case(models.Model):
    number = models.CharField("编号", max_length=32, unique=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.PROTECT)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("描述", max_length=4000, blank=True)

    # Where: the node it concerns, with its path and grid copied for scoped reads.
    place = models.ForeignKey(
        Place, verbose_name="地点", on_delete=models.PROTECT, related_name="+"
    )
    place_path = PathField(editable=False)
    county_code = models.CharField("县级区划", max_length=6, db_index=True, editable=False)
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)

    # Who raised it. Contact details are personal data: encrypted, masked on screen.
    raiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raised_cases",
    )
    raiser_name = models.CharField("提出人姓名", max_length=50, blank=True)
    raiser_phone_cipher = models.TextField(blank=True, editable=False)
    raiser_phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    # Hidden from handlers below the community.
    anonymous = models.BooleanField("对基层匿名", default=False)

    # Where it stands.
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    rung = models.PositiveSmallIntegerField("当前层级", choices=Rung.choices)
    handler_place = models.ForeignKey(
        Place,
        verbose_name="承办节点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler_department = models.ForeignKey(
        Department,
        verbose_name="承办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField("分派时间")
    ack_due_at = models.DateTimeField("签收时限", db_index=True)
    warn_at = models.DateTimeField("黄牌时间")
    resolve_due_at = models.DateTimeField("办结时限")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    # First response measured against the first limit (响应率), set once.
    responded_on_time = models.BooleanField(null=True, blank=True)
    ack_overdue_at = models.DateTimeField("超时未签收", null=True, blank=True)
    yellow_card_at = models.DateTimeField("黄牌", null=True, blank=True)
    red_card_at = models.DateTimeField("红牌", null=True, blank=True)
    supervised_at = models.DateTimeField("督办时间", null=True, blank=True)
    extension_days_requested = models.PositiveSmallIntegerField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField("提级次数", default=0)
    reopens = models.PositiveSmallIntegerField("重办次数", default=0)

    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    resolved_rung = models.PositiveSmallIntegerField(
        "办结层级", choices=Rung.choices, null=True, blank=True
    )
    resolved_on_time = models.BooleanField(null=True, blank=True)
    resolution = models.TextField("办理结果", max_length=4000, blank=True)
    close_due_at = models.DateTimeField("自动结案时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    solved = models.BooleanField("是否解决", null=True, blank=True)
    satisfaction = models.CharField(
        "满意度", max_length=16, choices=Satisfaction.choices, blank=True
    )
    rating_comment = models.CharField("评价", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    hold_reason = models.TextField("挂账说明", blank=True)
    # The dispatch loop: who sent it to a department, from which node (the county's
    # command centre or the community) — a department's 退单 goes back to that node's
    # queue — and the on-site verification clock after the department reports back.
    dispatcher_place = models.ForeignKey(
        Place,
        verbose_name="派遣节点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="派遣人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dispatched_at = models.DateTimeField("派遣时间", null=True, blank=True)
    verify_due_at = models.DateTimeField("核查时限", null=True, blank=True)
    verify_overdue_at = models.DateTimeField("超时未核查", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    created_at = models.DateTimeField("提交时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # The sweep run that last changed the row: a conditional UPDATE sets it, so each run
    # knows exactly which rows it claimed (two runs never act on one case twice).
    swept_by = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        indexes = [
            # The sweep: open cases by deadline.
            models.Index(fields=["status", "resolve_due_at"], name="case_sweep_due"),
            models.Index(fields=["status", "warn_at"], name="case_sweep_warn"),
            models.Index(fields=["status", "close_due_at"], name="case_sweep_close"),
            # Work queues: by holder, overdue first, keyset on (resolve_due_at, id).
            models.Index(
                fields=["handler_place", "status", "resolve_due_at", "id"], name="case_queue_place"
            ),
            models.Index(
                fields=["handler_department", "status", "resolve_due_at", "id"],
                name="case_queue_dept",
            ),
            # Queues not narrowed to one holder walk this instead of sorting every open
            # case: (rung, resolve_due_at, id) is the work queue's order and keyset.
            models.Index(
                fields=["rung", "resolve_due_at", "id"],
                condition=models.Q(status__in=BROAD_QUEUE_STATUSES),
                name="case_queue_broad",
            ),
            models.Index(fields=["place_path", "created_at"], name="case_scope_time"),
            models.Index(fields=["grid", "status"], name="case_grid"),
            models.Index(fields=["raiser", "created_at"], name="case_raiser"),
            # The dispatcher's queue and the verification sweep.
            models.Index(fields=["dispatcher_place", "status"], name="case_dispatcher"),
            models.Index(fields=["status", "verify_due_at"], name="case_sweep_verify"),
            # Duplicate suggestions (cases/duplicates/suggestions.py): open cases of a few categories
            # in one compound's subtree, or in a latitude band, recent first. The pattern
            # opclass lets PostgreSQL serve the path prefix (LIKE) from this index.
            models.Index(
                fields=["category", "status", "place_path", "created_at"],
                opclasses=["", "", "varchar_pattern_ops", ""],
                name="case_dupe_place",
            ),
            models.Index(
                fields=["category", "status", "latitude", "longitude", "created_at"],
                name="case_dupe_geo",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(AppendOnlyModel):
    """One line of a case's timeline. Append-only: never updated, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField("事件", max_length=24, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_rung = models.PositiveSmallIntegerField(null=True, blank=True)
    to_rung = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "事项记录"
        verbose_name_plural = "事项记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


def photo_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case.created_at:%Y/%m}/{instance.case.number}/{filename}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Who added it at which stage: the raiser, or a handler's evidence of resolution.
    purpose = models.CharField(max_length=16, default="report")

    class Meta:
        verbose_name = "事项照片"
        verbose_name_plural = "事项照片"

    def __str__(self) -> str:
        return str(self.image.name)


class CaseNumberCounter(models.Model):
    """The last sequence number handed out per county and day (Asia/Shanghai)."""

    county_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county_code", "day"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.day:%Y%m%d}: {self.last}"
