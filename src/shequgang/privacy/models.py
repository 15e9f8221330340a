"""Retention rules (data, admin-editable) and the record of each anonymisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.people.models import Resident


class Category(models.TextChoices):
    """What a rule applies to. Each category has one query in ``retention.py``; the rule
    row says how long and why."""

    RESIDENT_MOVED_OUT = "resident_moved_out", "迁出居民的登记信息"
    RESIDENT_DECEASED = "resident_deceased", "已故居民的登记信息"
    NOTIFICATIONS = "notifications", "已送达或已失败的通知"
    IDEMPOTENCY_RECORDS = "idempotency_records", "接口幂等记录"
    VETERANS_WITHDRAWN = "veterans_withdrawn", "已撤回的参保申请"
    LOGIN_RECORDS = "login_records", "登录记录（登录日志、失败计数，含用户名和IP）"


class Action(models.TextChoices):
    ANONYMISE = "anonymise", "匿名化（保留记录，去除个人信息）"
    DELETE = "delete", "删除"


# The action each category takes: records other records point at are anonymised, copies
# that nothing else needs are deleted.
CATEGORY_ACTION: dict[str, str] = {
    Category.RESIDENT_MOVED_OUT: Action.ANONYMISE,
    Category.RESIDENT_DECEASED: Action.ANONYMISE,
    Category.NOTIFICATIONS: Action.DELETE,
    Category.IDEMPOTENCY_RECORDS: Action.DELETE,
    Category.VETERANS_WITHDRAWN: Action.ANONYMISE,
    Category.LOGIN_RECORDS: Action.DELETE,
}


class RetentionRule(models.Model):
    """How long one category of personal data is kept after its clock starts, and on
    what legal basis. Defaults come with migration 0002; the admin may change them."""

    category = models.CharField("数据类别", max_length=32, choices=Category.choices, unique=True)
    keep_days = models.PositiveIntegerField("保存期限(天)")
    starts = models.CharField("起算时间", max_length=100)
    basis = models.TextField("法律依据")
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "保存期限规则"
        verbose_name_plural = "保存期限规则"
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.keep_days}天"

    @property
    def action(self) -> str:
        return CATEGORY_ACTION[self.category]


class Erasure(models.Model):
    """One anonymised resident: who did it, why, on what basis, and the records kept
    because the law requires them (their references, no personal data)."""

    resident = models.OneToOneField(
        Resident, verbose_name="居民", on_delete=models.PROTECT, related_name="erasure"
    )
    pseudonym = models.CharField("化名", max_length=50)
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The retention rule that made it due, when the purge did it.
    rule = models.CharField("保存期限规则", max_length=32, choices=Category.choices, blank=True)
    reason = models.CharField("原因", max_length=200)
    # Set when staff proceeded despite open cases or a live insurance application.
    override_basis = models.CharField("例外的法律依据", max_length=200, blank=True)
    # {"cases": [...numbers], "veterans_applications": [...references], ...}
    kept = models.JSONField("依法保留的记录", default=dict, blank=True)

    class Meta:
        verbose_name = "匿名化记录"
        verbose_name_plural = "匿名化记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.pseudonym
