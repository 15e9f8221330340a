"""The audit log: one append-only row for every write made through a service and for
every full view of personal data. Rows are never updated or deleted; each carries the
hash of the one before it (``chain``), and the database refuses UPDATE and DELETE
(``guard``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from shequgang.audit.appendonly import AppendOnlyModel


class AuditEntry(AppendOnlyModel):
    # Set by ``audit_record`` before the row hash is computed (not auto_now_add, which
    # would stamp it after).
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A stable machine name, e.g. "resident.create", "resident.reveal_id_number".
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    # {"field": [before, after]} for changed fields; personal data appears masked only.
    changes = models.JSONField("变更", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    # The chain (see ``chain``): the previous row's hash, and this row's.
    prev_hash = models.CharField("前一条哈希", max_length=64, default="", editable=False)
    row_hash = models.CharField("本条哈希", max_length=64, default="", editable=False)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [
            # Two rows chained onto the same predecessor would be a fork: refused.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_chain_no_fork")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
