"""Residents and their households, tags, staff role assignments and API tokens.

Personal data (ID number, phone, registered address) is stored only as Fernet ciphertext,
a blind index for exact lookup, and the masked form that screens show."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.people.roles import Role
from shequgang.places.models import Department, Grid, Place


class ResidentTag(models.Model):
    """Admin-editable labels: 独居老人, 残疾人, 低保户, 双职工家庭子女 …"""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "居民标签"
        verbose_name_plural = "居民标签"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    RELATIVE = "relative", "其他亲属"
    TENANT = "tenant", "租住人员"
    OTHER = "other", "其他"


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    MOVED_OUT = "moved_out", "迁出"
    DECEASED = "deceased", "死亡"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Resident(models.Model):
    household = models.ForeignKey(
        Place,
        verbose_name="户",
        on_delete=models.PROTECT,
        related_name="residents",
        limit_choices_to={"kind": "household"},
    )
    name = models.CharField("姓名", max_length=50, db_index=True)
    relation = models.CharField(
        "与户主关系", max_length=16, choices=Relation.choices, default=Relation.HEAD
    )
    status = models.CharField(
        "状态", max_length=16, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE
    )
    # Derived from the ID number when there is one.
    birth_date = models.DateField("出生日期", null=True, blank=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)

    id_number_cipher = models.TextField("身份证号(密文)", blank=True, editable=False)
    id_number_index = models.CharField(
        "身份证号索引", max_length=64, null=True, blank=True, unique=True, editable=False
    )
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True, editable=False)

    phone_cipher = models.TextField("电话(密文)", blank=True, editable=False)
    phone_index = models.CharField(
        "电话索引", max_length=64, blank=True, db_index=True, editable=False
    )
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)

    # 户籍地址 when it differs from where the person lives.
    address_cipher = models.TextField("户籍地址(密文)", blank=True, editable=False)
    address_masked = models.CharField("户籍地址", max_length=40, blank=True, editable=False)

    tags = models.ManyToManyField(ResidentTag, verbose_name="标签", blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    # The person's own login, once a community worker confirmed their resident account
    # against this row (``residency``); cleared when the row is erased. The layers below
    # ``residency`` (cases' "me too", the portal's neighbourhood) learn a resident's home
    # from here: ``people.selectors.home_households``.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="本人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="register_entry",
    )
    # When the person left the register (moved out or died): the retention clock of
    # privacy.RetentionRule starts here. Cleared if they come back.
    left_at = models.DateTimeField("迁出/注销时间", null=True, blank=True, db_index=True)
    # Personal data erased (PIPL Art. 47, privacy.erasure): the row is a pseudonym now and
    # no longer changes, so nobody re-identifies it by editing.
    anonymised_at = models.DateTimeField("匿名化时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        indexes = [models.Index(fields=["household", "status"])]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """One role held by one staff account on one node: a place, a grid or a department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    place = models.ForeignKey(
        Place, verbose_name="地点", null=True, blank=True, on_delete=models.PROTECT
    )
    grid = models.ForeignKey(
        Grid, verbose_name="网格", null=True, blank=True, on_delete=models.PROTECT
    )
    department = models.ForeignKey(
        Department, verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT
    )
    # Seeing full ID numbers and phones is granted on its own, per assignment.
    may_view_full_pii = models.BooleanField("可查看完整个人信息", default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(place__isnull=False, grid__isnull=True, department__isnull=True)
                    | models.Q(place__isnull=True, grid__isnull=False, department__isnull=True)
                    | models.Q(place__isnull=True, grid__isnull=True, department__isnull=False)
                ),
                name="role_on_exactly_one_node",
            )
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        node = self.place or self.grid or self.department
        return f"{self.get_role_display()} @ {node}"

    @property
    def node_name(self) -> str:
        node = self.place or self.grid or self.department
        return str(node)


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 is stored; the token itself is
    shown once, when issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
