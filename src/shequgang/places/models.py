"""The place tree (city → county → town → community → compound → building → unit →
household), the grids overlaid on it, and the departments that receive dispatched work."""

from __future__ import annotations

from django.db import models

from shequgang.places.paths import PathField, ancestor_paths


class Kind(models.TextChoices):
    CITY = "city", "市"
    COUNTY = "county", "县（市、区）"
    TOWN = "town", "乡镇/街道"
    COMMUNITY = "community", "社区/村"
    COMPOUND = "compound", "小区"
    BUILDING = "building", "楼栋"
    UNIT = "unit", "单元"
    HOUSEHOLD = "household", "户"


# Which kinds a node of each kind may sit under. A building may stand directly in a
# community (scattered buildings with no compound); the unit level is optional.
PARENT_KINDS: dict[str, set[str]] = {
    Kind.CITY: set(),
    Kind.COUNTY: {Kind.CITY},
    Kind.TOWN: {Kind.COUNTY},
    Kind.COMMUNITY: {Kind.TOWN},
    Kind.COMPOUND: {Kind.COMMUNITY},
    Kind.BUILDING: {Kind.COMPOUND, Kind.COMMUNITY},
    Kind.UNIT: {Kind.BUILDING},
    Kind.HOUSEHOLD: {Kind.UNIT, Kind.BUILDING},
}

# Kinds that may belong to a grid: a grid covers whole buildings (and what is in them).
GRID_KINDS = {Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}


class ManagementMode(models.TextChoices):
    PROPERTY_COMPANY = "property_company", "物业公司"
    OWNERS_COMMITTEE = "owners_committee", "业主委员会"
    PROPERTY_COMMITTEE = "property_committee", "物业管理委员会"
    SELF_MANAGED = "self_managed", "自管"
    NONE = "none", "无人管理"


class Grid(models.Model):
    """A grid (网格): part of one community, covering whole buildings."""

    community = models.ForeignKey(
        "Place", verbose_name="社区", on_delete=models.PROTECT, related_name="grids"
    )
    name = models.CharField("名称", max_length=100)
    code = models.CharField("编码", max_length=32, blank=True)
    boundary = models.JSONField("边界(GeoJSON)", null=True, blank=True)
    latitude = models.FloatField("中心纬度", null=True, blank=True)
    longitude = models.FloatField("中心经度", null=True, blank=True)

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.community.name}·{self.name}"


class PlaceQuerySet(models.QuerySet["Place"]):
    """Tree reads, each one indexed query on the materialized path."""

    def subtree_of(self, place: Place, *, include_self: bool = True) -> PlaceQuerySet:
        """``place`` and every node below it (a range on the path index)."""
        qs = self.filter(path__descendant=place.path)
        return qs if include_self else qs.exclude(pk=place.pk)

    def ancestors_of(self, place: Place) -> PlaceQuerySet:
        """The chain from the root down to ``place`` itself, root first."""
        return self.filter(path__in=ancestor_paths(place.path)).order_by("depth")

    def ancestor_of_kind(self, place: Place, kind: Kind | str) -> Place | None:
        """The nearest node of ``kind`` at or above ``place``; None when there is none."""
        if place.kind == kind:
            return place
        return (
            self.filter(path__in=ancestor_paths(place.path), kind=kind).order_by("-depth").first()
        )


class Place(models.Model):
    kind = models.CharField("层级", max_length=16, choices=Kind.choices)
    # A finer label for display: 街道/镇/乡 for towns, 社区/村 for communities.
    subtype = models.CharField("类型", max_length=16, blank=True)
    name = models.CharField("名称", max_length=100)
    # GB/T 2260 code for the city and counties, the statistical code below when known.
    code = models.CharField("区划代码", max_length=16, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = PathField("路径", unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("深度", editable=False)
    # The last child segment handed out; children take the next numbers under a row lock.
    last_child = models.PositiveIntegerField(default=0, editable=False)
    # Buildings and everything inside them carry their grid (set-wise, see services).
    grid = models.ForeignKey(
        Grid,
        verbose_name="网格",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
    )
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)

    # Compounds.
    management_mode = models.CharField(
        "管理方式", max_length=24, choices=ManagementMode.choices, blank=True
    )
    property_company = models.CharField("物业公司", max_length=100, blank=True)
    owners_committee = models.CharField("业委会/物管会", max_length=100, blank=True)

    # Households: the registered exclusive floor area (专有部分面积, m²), which weighs
    # owners' votes under Civil Code Art. 278.
    floor_area = models.DecimalField(
        "专有面积(㎡)", max_digits=9, decimal_places=2, null=True, blank=True
    )

    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = "地点"
        verbose_name_plural = "地点"
        indexes = [
            models.Index(fields=["kind", "path"]),
            models.Index(fields=["parent", "name"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "kind", "name"], name="place_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    def full_name(self, below: Kind | str = Kind.COUNTY) -> str:
        """The names of this node's ancestors from ``below`` down, e.g.
        "离石区 滨河街道 城东社区 滨东花园小区 3号楼 2单元 502"."""
        order = list(Kind.values)
        start = order.index(str(below))
        chain = Place.objects.ancestors_of(self)
        return " ".join(p.name for p in chain if order.index(p.kind) >= start)


class Department(models.Model):
    """A city or county department or utility that receives dispatched work."""

    class Level(models.TextChoices):
        CITY = "city", "市级"
        COUNTY = "county", "县级"

    class Sort(models.TextChoices):
        GOVERNMENT = "government", "政府部门"
        UTILITY = "utility", "公用事业单位"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=32, blank=True)
    level = models.CharField("层级", max_length=8, choices=Level.choices)
    sort = models.CharField("类别", max_length=16, choices=Sort.choices, default=Sort.GOVERNMENT)
    # The city or county node it serves.
    place = models.ForeignKey(
        Place, verbose_name="所属区划", on_delete=models.PROTECT, related_name="departments"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ReferenceGeneration(models.Model):
    """One row (id 1) whose ``value`` database triggers change, never to a value it had
    before, in the same transaction as every write to the tables that processes cache
    (``shequgang.reference_cache``): a process that reads the value sees whether its
    copies are still those rows."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "参考数据版本"
        verbose_name_plural = "参考数据版本"

    def __str__(self) -> str:
        return str(self.value)
