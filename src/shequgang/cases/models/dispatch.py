"""The dispatch loop's records (一网统管 · 派遣): the routing table (category × county →
department), each department's turn with a case (a leg: from dispatch or transfer to its
return, transfer away or verified result), and the on-site verifications (核查).

Re-exported by ``cases/models/__init__.py``, which Django loads."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.audit.appendonly import AppendOnlyModel
from shequgang.cases.models.case import Case
from shequgang.cases.models.category import Category
from shequgang.places.models import Department, Place
from shequgang.places.paths import PathField

__all__ = ["CaseVerification", "DepartmentRoute", "DispatchLeg", "LegOutcome", "LegVia"]


class DepartmentRoute(models.Model):
    """One row of the routing table: cases of ``category`` (a 小类, or a 大类 for all its
    小类) in ``county`` (blank: every county without a row of its own) go to
    ``department`` when they leave the community. Consulted before the category's short
    department name."""

    category = models.ForeignKey(
        Category, verbose_name="事项分类", on_delete=models.CASCADE, related_name="routes"
    )
    county = models.ForeignKey(
        Place,
        verbose_name="县级区划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="留空：适用于没有单独设置的所有县",
    )
    department = models.ForeignKey(
        Department, verbose_name="承办部门", on_delete=models.CASCADE, related_name="routes"
    )

    class Meta:
        verbose_name = "派遣路由"
        verbose_name_plural = "派遣路由"
        constraints = [
            models.UniqueConstraint(fields=["category", "county"], name="route_unique_county"),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(county__isnull=True),
                name="route_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.county or '各县'} → {self.department}"


class LegVia(models.TextChoices):
    DISPATCH = "dispatch", "派遣"
    ESCALATION = "escalation", "提级"
    TRANSFER = "transfer", "流转"
    REOPEN = "reopen", "重办"


class LegOutcome(models.TextChoices):
    OPEN = "", "办理中"
    RETURNED = "returned", "退单"
    TRANSFERRED = "transferred", "流转"
    REDISPATCHED = "redispatched", "改派"
    RESOLVED = "resolved", "核查通过"
    MERGED = "merged", "合并"


class DispatchLeg(models.Model):
    """A department's turn with a case. Opened when the case reaches the department,
    updated as the department signs, reports and is verified, ended once. The timeline
    (``CaseEvent``) stays the record of what happened; legs are what the measures per
    department count (``dept_measures``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="dispatch_legs")
    department = models.ForeignKey(
        Department, verbose_name="承办部门", on_delete=models.PROTECT, related_name="+"
    )
    place_path = PathField(editable=False)  # the case's, for scoped measures
    via = models.CharField("来源", max_length=12, choices=LegVia.choices)
    dispatcher_place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField("派遣时间")
    ack_due_at = models.DateTimeField("签收时限")
    resolve_due_at = models.DateTimeField("办结时限")
    # The department's first response: signing for it, or returning/transferring it.
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_on_time = models.BooleanField(null=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField("最近回复时间", null=True, blank=True)
    reported_on_time = models.BooleanField(null=True)
    reports = models.PositiveSmallIntegerField(default=0)
    verifications = models.PositiveSmallIntegerField(default=0)
    verifications_passed = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=LegOutcome.choices, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "派遣记录"
        verbose_name_plural = "派遣记录"
        indexes = [
            models.Index(fields=["department", "assigned_at"], name="leg_dept_time"),
            models.Index(fields=["place_path", "assigned_at"], name="leg_scope_time"),
        ]
        constraints = [
            # At most one department holds a case at a time.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(ended_at__isnull=True), name="leg_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id}"


class CaseVerification(AppendOnlyModel):
    """One on-site verification (核查) of a department's reported result."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="verifications")
    leg = models.ForeignKey(DispatchLeg, null=True, on_delete=models.PROTECT, related_name="+")
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    place_path = PathField(editable=False)
    at = models.DateTimeField("核查时间")
    due_at = models.DateTimeField("核查时限")
    on_time = models.BooleanField()
    passed = models.BooleanField("通过")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "核查记录"
        verbose_name_plural = "核查记录"
        indexes = [models.Index(fields=["verifier", "at"], name="verification_by")]

    def __str__(self) -> str:
        return f"{self.case_id} {'通过' if self.passed else '未通过'}"
