"""The 项目清单: a project meets demands with resources.

A project belongs to one community (its scope), has an owner, a budget, milestones,
participants and evidence of completion (photos, residents' sign-off). ``ProjectDemand``
ties each demand it takes on to the resource it uses, if any: a demand is in at most one
project (a unique index), so "which project meets this demand" has one answer.
Completing a project marks its demands met (``projects.project_complete``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shequgang.places.models import Place


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "筹备中"
    ACTIVE = "active", "实施中"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"


# The workflow, enforced in projects.project_transition.
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    ProjectStatus.PLANNED: {ProjectStatus.ACTIVE, ProjectStatus.CANCELLED},
    ProjectStatus.ACTIVE: {ProjectStatus.COMPLETED, ProjectStatus.CANCELLED},
    ProjectStatus.COMPLETED: set(),
    ProjectStatus.CANCELLED: set(),
}
OPEN_PROJECT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE)


class Project(models.Model):
    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="needs_projects"
    )
    title = models.CharField("项目名称", max_length=100)
    description = models.TextField("内容", blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="负责人", on_delete=models.PROTECT, related_name="+"
    )
    budget = models.DecimalField("预算(元)", max_digits=12, decimal_places=2, default=0)
    status = models.CharField(
        "状态", max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    # Points each participant earns when the project is completed (0: none).
    participant_points = models.PositiveIntegerField("参与积分", default=0)
    beneficiaries = models.PositiveIntegerField("受益人数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间")
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    status_reason = models.CharField("状态说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目清单"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["status", "completed_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="needs_project_budget"),
            models.CheckConstraint(
                condition=~Q(status=ProjectStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="needs_project_completed_at",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectDemand(models.Model):
    """A demand the project meets, and the resource matched to it (if any)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="demand_links")
    demand = models.OneToOneField(
        "needs.Demand", verbose_name="需求", on_delete=models.PROTECT, related_name="project_link"
    )
    resource = models.ForeignKey(
        "needs.Resource",
        verbose_name="资源",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_links",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField("加入时间")

    class Meta:
        verbose_name = "项目需求"
        verbose_name_plural = "项目需求"
        indexes = [models.Index(fields=["added_at"])]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.demand_id}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("节点", max_length=100)
    due_on = models.DateField("计划日期")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "项目节点"
        verbose_name_plural = "项目节点"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="参与人", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("分工", max_length=50, blank=True)

    class Meta:
        verbose_name = "项目参与人"
        verbose_name_plural = "项目参与人"
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="needs_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.user_id}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", "现场照片"
    SIGNOFF = "signoff", "居民签字确认"


class Evidence(models.Model):
    """Evidence of completion: a photo, or a resident's sign-off (who signed is kept as
    the masked name only)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField("类别", max_length=8, choices=EvidenceKind.choices)
    photo = models.ImageField("照片", upload_to="needs/projects/%Y/%m", blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    signed_by_masked = models.CharField("签字居民", max_length=50, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "完成凭证"
        verbose_name_plural = "完成凭证"
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()
