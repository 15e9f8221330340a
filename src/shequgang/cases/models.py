"""Cases (事项): categories, the case itself, its append-only timeline, photos, numbering,
notifications outbox and the admin-editable rules (settings row)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shequgang.audit.appendonly import AppendOnlyModel
from shequgang.places.models import Department, Grid, Place
from shequgang.places.paths import PathField


class Rung(models.IntegerChoices):
    """The 「四议」 ladder, bottom to top."""

    CENTRAL_HOUSEHOLD = 1, "党员中心户（协调议）"
    PARTY_GROUP = 2, "党小组（牵头议）"
    BRANCH = 3, "小区党支部（组织议）"
    COMMUNITY = 4, "社区"
    TOWN = 5, "乡镇/街道"
    DEPARTMENT = 6, "县级部门"


class Source(models.TextChoices):
    RESIDENT = "resident", "居民上报"
    GRID_PATROL = "grid_patrol", "网格巡查"
    CAMERA = "camera", "视频告警"
    OPEN311 = "open311", "Open311"
    LIVESTREAM = "livestream", "书记接单直播"
    DOOR_KNOCKING = "door_knocking", "敲门走访"
    HOTLINE = "hotline", "12345热线"
    STAFF = "staff", "工作人员代报"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待签收"  # waiting for the current holder to sign for it
    ACKNOWLEDGED = "acknowledged", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    REOPENED = "reopened", "重办中"  # the raiser was unhappy; handled again at the same rung
    ON_HOLD = "on_hold", "挂账"  # not solvable now; explained and kept visible
    RETURNED = "returned", "已退回"  # wrong rung or category; waits for re-routing
    RESOLVED = "resolved", "已办结"  # waiting for the raiser's rating (回访)
    CLOSED = "closed", "已结案"
    MERGED = "merged", "已合并"  # duplicate of another case, which carries on
    # The dispatch loop (派遣·核查): waiting in the dispatcher's queue (a department
    # returned it, or a holder asked for dispatch), and waiting for on-site verification
    # after a department reported back.
    TO_DISPATCH = "to_dispatch", "待派遣"
    VERIFYING = "verifying", "待核查"


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}
)
# Statuses whose resolution clock runs (the sweep looks at these).
CLOCK_STATUSES = OPEN_STATUSES
FINAL_STATUSES = frozenset({Status.CLOSED, Status.MERGED})
# The whole-city queue (an unrestricted user's, the command centre's view of everything
# still waiting on someone): a sorted tuple, because the partial index below is used by
# SQLite only when a query lists the values in the index condition's own order.
BROAD_QUEUE_STATUSES: tuple[str, ...] = tuple(
    sorted(
        {
            Status.SUBMITTED,
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.REOPENED,
            Status.ON_HOLD,
            Status.RETURNED,
            Status.TO_DISPATCH,
        }
    )
)
# The same condition as literal SQL, for queries that should use that partial index on
# SQLite: its planner proves a query implies an index's condition only from literal
# values, never from bound parameters. Constants from this module, not user input.
BROAD_QUEUE_SQL = '"cases_case"."status" IN ({})'.format(
    ", ".join(f"'{status}'" for status in BROAD_QUEUE_STATUSES)
)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Category(models.Model):
    """An admin-editable category (大类 with 小类 below). Cases use leaf categories."""

    parent = models.ForeignKey(
        "self",
        verbose_name="大类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    start_rung = models.PositiveSmallIntegerField(
        "起始层级", choices=Rung.choices, default=Rung.COMMUNITY
    )
    # The department (by short name, e.g. "城管") in the case's county that receives the
    # case when it leaves the community; the routing table of the grid app refines it.
    department = models.CharField("派遣部门", max_length=32, blank=True)
    ack_hours = models.PositiveSmallIntegerField("签收时限(工作小时)", default=24)
    resolve_days = models.PositiveSmallIntegerField("办结时限(工作日)", default=5)
    needs_deliberation = models.BooleanField("需议事", default=False)
    is_dispute = models.BooleanField("矛盾纠纷", default=False)
    # Cases of a private category concern one household (a quarrel, a family matter,
    # someone's hardship): nobody but the raiser and the staff in scope may see them, so
    # they are never suggested as likely duplicates and cannot be followed ("我也遇到了").
    private = models.BooleanField(
        "涉及隐私",
        default=False,
        help_text="纠纷、家庭矛盾、个人困难等：不在“可能重复的事项”中出现，其他居民不能关注",
    )
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "事项分类"
        verbose_name_plural = "事项分类"
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent_id and self.parent else self.name

    def has_children(self) -> bool:
        """A 大类 (cases are raised in leaves). A row read with the annotation
        ``children_exist=children_exist()`` answers without another query."""
        known = self.__dict__.get("children_exist")
        return bool(known) if known is not None else self.children.exists()


def children_exist() -> models.Exists:
    """Annotate categories with it: ``has_children`` then needs no query."""
    return models.Exists(Category.objects.filter(parent=models.OuterRef("pk")))


class CaseRules(models.Model):
    """The admin-editable rules of the engine. One row (pk=1), created by a migration."""

    auto_close_days = models.PositiveSmallIntegerField("未评价自动结案(工作日)", default=5)
    max_reopens = models.PositiveSmallIntegerField("不满意重办次数", default=1)
    basic_weight = models.DecimalField(
        "基本满意权重", max_digits=4, decimal_places=3, default=Decimal("0.9")
    )
    weight_response = models.DecimalField(
        "综合得分·响应率权重", max_digits=4, decimal_places=3, default=Decimal("0.1")
    )
    weight_resolution = models.DecimalField(
        "综合得分·解决率权重", max_digits=4, decimal_places=3, default=Decimal("0.5")
    )
    weight_satisfaction = models.DecimalField(
        "综合得分·满意率权重", max_digits=4, decimal_places=3, default=Decimal("0.4")
    )
    max_photos = models.PositiveSmallIntegerField("照片上限", default=9)
    max_photo_bytes = models.PositiveIntegerField("单张照片上限(字节)", default=10 * 1024 * 1024)
    verify_hours = models.PositiveSmallIntegerField("核查时限(工作小时)", default=24)

    class Meta:
        verbose_name = "事项规则"
        verbose_name_plural = "事项规则"

    def __str__(self) -> str:
        return "事项规则"

    @classmethod
    def current(cls) -> CaseRules:
        rules, _ = cls.objects.get_or_create(pk=1)
        return rules


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
            # Duplicate suggestions (cases/duplicates.py): open cases of a few categories
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


class EventKind(models.TextChoices):
    CREATED = "created", "提交"
    ASSIGNED = "assigned", "分派"
    ACKNOWLEDGED = "acknowledged", "签收"
    STARTED = "started", "开始办理"
    RESOLVED = "resolved", "办结"
    RETURNED = "returned", "退回"
    REROUTED = "rerouted", "重新分派"
    TRANSFERRED = "transferred", "流转"
    ESCALATED = "escalated", "提级上报"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_GRANTED = "extension_granted", "批准延期"
    EXTENSION_DENIED = "extension_denied", "驳回延期"
    SUPERVISED = "supervised", "督办"
    ON_HOLD = "on_hold", "挂账"
    RESUMED = "resumed", "恢复办理"
    RATED = "rated", "回访评价"
    REOPENED = "reopened", "重新办理"
    CLOSED = "closed", "结案"
    MERGED = "merged", "合并"
    ACK_OVERDUE = "ack_overdue", "超时未签收"
    YELLOW_CARD = "yellow_card", "黄牌预警"
    RED_CARD = "red_card", "红牌超期"
    COMMENT = "comment", "备注"
    TASK = "task", "议事任务"
    DISPATCH_REQUESTED = "dispatch_requested", "提请派遣"
    DISPATCHED = "dispatched", "派遣"
    DISPATCH_RETURNED = "dispatch_returned", "退单"
    REPORTED = "reported", "回复办理结果"
    VERIFIED = "verified", "核查通过"
    VERIFY_FAILED = "verify_failed", "核查未通过"
    VERIFY_OVERDUE = "verify_overdue", "超时未核查"
    FOLLOWED = "followed", "我也遇到了"  # another resident joined the case (cases/followers.py)


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


def _photo_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case.created_at:%Y/%m}/{instance.case.number}/{filename}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to=_photo_path)
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


class Notification(models.Model):
    """The outbox: written in the same transaction as the change it reports, delivered
    after commit by the worker through its channel."""

    class Channel(models.TextChoices):
        INBOX = "inbox", "站内信"
        SMS = "sms", "短信"
        WECHAT = "wechat", "微信"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.INBOX)
    title = models.CharField(max_length=100)
    body = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deliver_after = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The worker delivering it: when that process is dead the claim is released at once,
    # without waiting for the lease (cases/workers.py).
    claimed_by_worker = models.ForeignKey(
        "cases.WorkerProcess",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        editable=False,
    )

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [
            models.Index(fields=["delivered_at", "failed_at", "deliver_after"], name="outbox_due"),
            models.Index(fields=["recipient", "read_at"], name="inbox_unread"),
        ]

    def __str__(self) -> str:
        return self.title


# Deliberations live in their own module; importing them here registers them with the app.
from shequgang.cases.deliberation_models import *  # noqa: E402,F403
from shequgang.cases.dispatch_models import *  # noqa: E402,F403

# Duplicate detection: followers ("me too") and the suggestion rules.
from shequgang.cases.duplicate_models import *  # noqa: E402,F403

# The queued intake: reports accepted with one INSERT, raised as cases by the worker.
from shequgang.cases.intake_models import *  # noqa: E402,F403
