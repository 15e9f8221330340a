"""Grid work: patrols with their GPS track and the events reported on them, and the
camera platforms (雪亮工程) whose signed alerts become cases.

The grids themselves live in ``places`` (``places.Grid``, ``Place.grid``): the cut of a
community is part of the tree; this app only adds what grid workers and integrations do."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shequgang.cases.models import Case, Category
from shequgang.places.models import Grid, Place


class Patrol(models.Model):
    """One patrol (巡查) of a grid worker over their grid, from start to end."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="网格员",
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    grid = models.ForeignKey(
        Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="patrols"
    )
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)

    class Meta:
        verbose_name = "巡查"
        verbose_name_plural = "巡查"
        indexes = [models.Index(fields=["grid", "started_at"], name="patrol_grid_time")]
        constraints = [
            # One open patrol per worker at a time, kept by the database itself so two
            # taps on "start" (or two phones) cannot open two.
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(ended_at__isnull=True),
                name="patrol_one_open_per_worker",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="patrol_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class PatrolPoint(models.Model):
    """A GPS fix of a patrol's track, as the worker's browser reported it."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    at = models.DateTimeField("时间")
    latitude = models.FloatField("纬度")
    longitude = models.FloatField("经度")
    accuracy = models.FloatField("精度(米)", null=True, blank=True)

    class Meta:
        verbose_name = "巡查轨迹点"
        verbose_name_plural = "巡查轨迹点"
        indexes = [models.Index(fields=["patrol", "at"], name="patrol_point_time")]

    def __str__(self) -> str:
        return f"{self.latitude:.6f},{self.longitude:.6f} @ {self.at:%H:%M:%S}"


class PatrolReport(models.Model):
    """An event a grid worker reported on a patrol: the case it became, and whether the
    worker handled it on the spot (自行处置) or asked for dispatch (需要派遣)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, related_name="reports")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    handled_on_the_spot = models.BooleanField("自行处置")
    reported_at = models.DateTimeField("上报时间")

    class Meta:
        verbose_name = "巡查上报"
        verbose_name_plural = "巡查上报"

    def __str__(self) -> str:
        return str(self.case_id)


class CameraIntegration(models.Model):
    """A camera platform allowed to push alerts. Its shared secret is stored encrypted
    with the field keys (``people.pii``); it is shown once, when created or rotated."""

    name = models.CharField("名称", max_length=100, unique=True)
    # What the platform sends in X-Shequgang-Integration.
    key = models.SlugField("接入标识", max_length=40, unique=True)
    secret_cipher = models.TextField(editable=False)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    secret_rotated_at = models.DateTimeField("密钥更新时间", null=True, blank=True)

    class Meta:
        verbose_name = "视频平台接入"
        verbose_name_plural = "视频平台接入"

    def __str__(self) -> str:
        return self.name


class Camera(models.Model):
    """A camera of one platform, by the platform's own id, and the place it watches."""

    integration = models.ForeignKey(
        CameraIntegration, verbose_name="平台", on_delete=models.PROTECT, related_name="cameras"
    )
    camera_id = models.CharField("摄像头编号", max_length=64)
    name = models.CharField("名称", max_length=100)
    place = models.ForeignKey(
        Place, verbose_name="所在地点", on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "摄像头"
        verbose_name_plural = "摄像头"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "camera_id"], name="camera_unique_per_integration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.camera_id}）"


class CameraAlertType(models.Model):
    """Which case category an alert type of one platform becomes (rules are data)."""

    integration = models.ForeignKey(
        CameraIntegration,
        verbose_name="平台",
        on_delete=models.PROTECT,
        related_name="alert_types",
    )
    alert_type = models.CharField("告警类型", max_length=64)
    label = models.CharField("名称", max_length=50)
    category = models.ForeignKey(Category, verbose_name="事项分类", on_delete=models.PROTECT)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "告警类型映射"
        verbose_name_plural = "告警类型映射"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "alert_type"], name="camera_alert_type_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.alert_type}）"


class CameraAlert(models.Model):
    """A received alert and the case it became. (integration, alert id) is unique: a
    replayed or re-sent alert is refused and creates nothing."""

    integration = models.ForeignKey(
        CameraIntegration, on_delete=models.PROTECT, related_name="alerts"
    )
    alert_id = models.CharField("告警编号", max_length=64)
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="alerts")
    alert_type = models.ForeignKey(CameraAlertType, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField("告警时间", null=True, blank=True)
    received_at = models.DateTimeField("接收时间")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField("原始内容", default=dict)

    class Meta:
        verbose_name = "视频告警"
        verbose_name_plural = "视频告警"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "alert_id"], name="camera_alert_unique_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}:{self.alert_id}"
