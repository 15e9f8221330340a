"""Open311 GeoReport v2: the clients that may submit requests (API keys), the optional
extra questions a service asks (attributes), and the Open311 side of each submitted case
(its token, the client that sent it, what Open311 carries that a case does not).

The case itself lives in ``cases``; this app adds no workflow of its own."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.cases.models import Case, Category
from shequgang.places.models import Place


class Open311Client(models.Model):
    """A third-party application allowed to POST requests. Only the SHA-256 of its key is
    stored; the key is shown once, when issued (in the admin)."""

    name = models.CharField("客户端名称", max_length=100)
    contact = models.CharField("联系人/联系方式", max_length=200, blank=True)
    # The city or county whose places it may file requests for (a city covers its counties).
    jurisdiction = models.ForeignKey(
        Place,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": ["city", "county"]},
    )
    key_prefix = models.CharField("密钥前缀", max_length=12, blank=True, editable=False)
    key_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    active = models.BooleanField("启用", default=True)
    daily_limit = models.PositiveIntegerField(
        "每日提交上限", default=1000, help_text="24 小时内最多提交的诉求数"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    key_issued_at = models.DateTimeField("密钥签发时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "Open311 客户端"
        verbose_name_plural = "Open311 客户端"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)" if self.key_prefix else self.name


class AttributeType(models.TextChoices):
    """GeoReport v2 attribute datatypes."""

    STRING = "string", "单行文本"
    NUMBER = "number", "数字"
    DATETIME = "datetime", "日期时间"
    TEXT = "text", "多行文本"
    SINGLE = "singlevaluelist", "单选"
    MULTI = "multivaluelist", "多选"


class ServiceAttribute(models.Model):
    """An extra question a service (a leaf case category) asks Open311 clients. A service
    with at least one attribute is announced with ``metadata=true``."""

    category = models.ForeignKey(
        Category, verbose_name="事项分类", on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField("代码", max_length=40)
    # False: shown to the user as information only, no input.
    variable = models.BooleanField("需要填写", default=True)
    datatype = models.CharField(
        "类型", max_length=16, choices=AttributeType.choices, default=AttributeType.STRING
    )
    required = models.BooleanField("必填", default=False)
    datatype_description = models.CharField("填写说明", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=1)
    description = models.CharField("问题", max_length=200)
    # [{"key": "...", "name": "..."}] for single/multi value lists.
    values = models.JSONField("选项", default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Open311 服务属性"
        verbose_name_plural = "Open311 服务属性"
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attr_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.code}"

    def value_keys(self) -> set[str]:
        return {str(v.get("key")) for v in self.values if isinstance(v, dict)}


class Open311Request(models.Model):
    """The Open311 side of a case raised through ``POST requests``. The submitter's
    contact details go to the case (name, encrypted phone) or are kept encrypted here
    (email); no GET response shows them."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="open311_request")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(max_length=32, unique=True)
    # A retry with the same Idempotency-Key from the same client gets the first answer.
    idempotency_key = models.CharField(max_length=100, blank=True)
    address_string = models.CharField(max_length=250, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    email_cipher = models.TextField(blank=True, editable=False)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "Open311 诉求"
        verbose_name_plural = "Open311 诉求"
        indexes = [models.Index(fields=["client", "created_at"], name="open311_client_volume")]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="open311_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} via {self.client_id}"
