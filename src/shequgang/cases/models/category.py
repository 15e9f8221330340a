"""Categories (事项分类, 大类/小类) and the admin-editable rules row (CaseRules)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from shequgang.cases.models.choices import Rung


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
