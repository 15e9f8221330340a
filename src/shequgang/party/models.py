"""Party organisation overlaid on the place tree, and 双报到/双包联.

- A community's party organisation (``Committee``: 党委 or 党总支) sits on a community.
- Compound branches (``Branch``, 党支部) are built on one compound (单建) or jointly across
  several compounds of the same town (联建); ``BranchCompound`` holds which, and a compound
  belongs to at most one branch (a unique index, so coverage counts are exact).
- Party groups (``PartyGroup``) sit on buildings; party-member central households
  (``CentralHousehold``) on a member's household, each looking after other households
  (``CentralHouseholdLink``, 联系户).
- Party members (``Member``) carry personal data only as ciphertext, a blind index and the
  masked form; a member is identified by the ID number's blind index (the same index
  ``people.Resident`` uses, so the two link) or by an employee registration number.
- Paired units (``PairedUnit``, 报到单位: 机关、企事业单位 — not the 单元 of the place tree,
  ``places.Kind.UNIT``) pair with communities (``UnitPairing``, 结对共建);
  in-service members report to the community where they live (``MemberReport``, 双报到):
  exactly one active report per member, held by a partial unique index; ended reports are
  the history.
- ``Responsibility`` (双包联): a unit or a member takes charge of a compound, building or
  household and sees that subtree's open cases.
- ``CommitteeSeat``: seats on owners'/property/residents' committees and the party post the
  holder has, if any (交叉任职); the branch's ``secretary_chairs_owners_committee`` is
  「一肩挑」.

Which rows a user sees is decided in ``selectors.py`` (SQL over place paths); writes go
through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.people.masking import mask_name
from shequgang.places.models import Place


class CommitteeKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    # Small communities and villages have one branch at the community level.
    BRANCH = "branch", "党支部"


class Committee(models.Model):
    """The community's own party organisation (社区党委/党总支), one per community."""

    community = models.OneToOneField(
        Place,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="party_committee",
        limit_choices_to={"kind": "community"},
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField(
        "组织类型", max_length=16, choices=CommitteeKind.choices, default=CommitteeKind.COMMITTEE
    )
    secretary = models.ForeignKey(
        "Member",
        verbose_name="书记",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "社区党组织"
        verbose_name_plural = "社区党组织"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class BranchMode(models.TextChoices):
    SINGLE = "single", "单建"
    JOINT = "joint", "联建"


class Branch(models.Model):
    """A compound party branch (小区党支部) under a community's party organisation."""

    committee = models.ForeignKey(
        Committee, verbose_name="上级党组织", on_delete=models.PROTECT, related_name="branches"
    )
    name = models.CharField("名称", max_length=100)
    mode = models.CharField("组建方式", max_length=8, choices=BranchMode.choices)
    compounds: models.ManyToManyField[Place, BranchCompound] = models.ManyToManyField(
        Place,
        verbose_name="覆盖小区",
        through="BranchCompound",
        related_name="party_branches",
        blank=True,
    )
    secretary = models.ForeignKey(
        "Member",
        verbose_name="支部书记",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # 「一肩挑」: the branch secretary also chairs the compound's owners' committee
    # (业委会 or 物管会).
    secretary_chairs_owners_committee = models.BooleanField("书记兼任业委会主任", default=False)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "小区党支部"
        verbose_name_plural = "小区党支部"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="party_branch_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class BranchCompound(models.Model):
    """A compound covered by a branch. A compound has at most one branch."""

    branch = models.ForeignKey(
        Branch, verbose_name="党支部", on_delete=models.CASCADE, related_name="coverage"
    )
    compound = models.OneToOneField(
        Place,
        verbose_name="小区",
        on_delete=models.PROTECT,
        related_name="party_branch_link",
        limit_choices_to={"kind": "compound"},
    )

    class Meta:
        verbose_name = "支部覆盖小区"
        verbose_name_plural = "支部覆盖小区"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.branch} · {self.compound}"


class PartyGroup(models.Model):
    """A party group (党小组) of a branch, on one building."""

    branch = models.ForeignKey(
        Branch, verbose_name="党支部", on_delete=models.PROTECT, related_name="groups"
    )
    building = models.OneToOneField(
        Place,
        verbose_name="楼栋",
        on_delete=models.PROTECT,
        related_name="party_group",
        limit_choices_to={"kind": "building"},
    )
    name = models.CharField("名称", max_length=100)
    leader = models.ForeignKey(
        "Member",
        verbose_name="党小组长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PairedUnitKind(models.TextChoices):
    ORGAN = "organ", "机关"
    INSTITUTION = "institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
    SOCIAL_ORGANISATION = "social_organisation", "社会组织"
    OTHER = "other", "其他"


class PairedUnit(models.Model):
    """报到单位: an organisation (机关、企事业单位) whose party members report to communities and
    which pairs with communities. Registered at a county or the city, for scope."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    kind = models.CharField("单位类型", max_length=24, choices=PairedUnitKind.choices)
    place = models.ForeignKey(
        Place,
        verbose_name="所属区划",
        on_delete=models.PROTECT,
        related_name="party_units",
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone_cipher = models.TextField("联系电话(密文)", blank=True, editable=False)
    contact_phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    offers = models.TextField("可提供资源", blank=True)
    # Accounts of the unit's own liaison staff: they see the unit's pairings, members'
    # reports and 双包联 responsibilities, nothing else.
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="单位联络员账号",
        blank=True,
        related_name="party_units",
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "报到单位"
        verbose_name_plural = "报到单位"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在职党员"
    RETIRED = "retired", "退休党员"
    OTHER = "other", "其他（流动、无固定职业等）"


class Member(models.Model):
    """A party member (党员). Identified by the ID number's blind index (shared with
    ``people.Resident``) or by a unit's employee registration number; at least one."""

    name = models.CharField("姓名", max_length=50)
    status = models.CharField(
        "类别", max_length=16, choices=MemberStatus.choices, default=MemberStatus.IN_SERVICE
    )
    id_number_cipher = models.TextField("身份证号(密文)", blank=True, editable=False)
    id_number_index = models.CharField(
        "身份证号索引", max_length=64, null=True, blank=True, unique=True, editable=False
    )
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True, editable=False)
    # The member's organisation and its staff registration number (工号/登记号): an
    # organisational identifier, not personal data, unique within the unit.
    work_unit = models.ForeignKey(
        PairedUnit,
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    employee_number = models.CharField("单位登记号", max_length=32, blank=True)
    phone_cipher = models.TextField("电话(密文)", blank=True, editable=False)
    phone_index = models.CharField(
        "电话索引", max_length=64, blank=True, db_index=True, editable=False
    )
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)

    # The register entry of the same person, when there is one (matched by the blind index).
    resident = models.OneToOneField(
        "people.Resident",
        verbose_name="居民档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="本人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name="所在小区党支部",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    group = models.ForeignKey(
        PartyGroup,
        verbose_name="所在党小组",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # The community the member belongs to for scope: the community of the active report
    # (双报到) or of the branch; kept by the services, null until either exists.
    community = models.ForeignKey(
        Place,
        verbose_name="所属社区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_members",
        limit_choices_to={"kind": "community"},
    )
    joined_on = models.DateField("入党日期", null=True, blank=True)
    active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_unit", "employee_number"],
                condition=~models.Q(employee_number=""),
                name="party_member_unique_employee_number",
            ),
            models.CheckConstraint(
                condition=models.Q(id_number_index__isnull=False)
                | (models.Q(work_unit__isnull=False) & ~models.Q(employee_number="")),
                name="party_member_identified",
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    # The audit log keeps a member's name masked (audit.services.audit_record).
    AUDIT_MASKED_FIELDS = {"name": mask_name}

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return mask_name(self.name)


class CentralHousehold(models.Model):
    """A party-member central household (党员中心户): a member's household that looks
    after its neighbours (``links``, 联系户)."""

    member = models.OneToOneField(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="central_household"
    )
    household = models.OneToOneField(
        Place,
        verbose_name="户",
        on_delete=models.PROTECT,
        related_name="party_central_household",
        limit_choices_to={"kind": "household"},
    )
    group = models.ForeignKey(
        PartyGroup,
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="central_households",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "党员中心户"
        verbose_name_plural = "党员中心户"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.member.name}（{self.household.name}）"

    def audit_label(self) -> str:
        return f"{self.member.audit_label()}（{self.household.name}）"


class CentralHouseholdLink(models.Model):
    """A household looked after by a central household (联系户). Each household has at
    most one, so "who looks after us" has one answer."""

    central = models.ForeignKey(
        CentralHousehold, verbose_name="党员中心户", on_delete=models.CASCADE, related_name="links"
    )
    household = models.OneToOneField(
        Place,
        verbose_name="联系户",
        on_delete=models.PROTECT,
        related_name="party_central_link",
        limit_choices_to={"kind": "household"},
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "联系户"
        verbose_name_plural = "联系户"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.central} → {self.household}"


class UnitPairing(models.Model):
    """结对共建: a unit paired with a community, with its contact and what it offers there.
    At most one open pairing per unit and community; an ended one is history."""

    unit = models.ForeignKey(
        PairedUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="pairings"
    )
    community = models.ForeignKey(
        Place,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="party_pairings",
        limit_choices_to={"kind": "community"},
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    contact_name = models.CharField("对接联系人", max_length=50, blank=True)
    contact_phone_cipher = models.TextField("对接电话(密文)", blank=True, editable=False)
    contact_phone_masked = models.CharField("对接电话", max_length=20, blank=True, editable=False)
    offer = models.TextField("共建内容", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "结对共建"
        verbose_name_plural = "结对共建"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "community"],
                condition=models.Q(ended_on__isnull=True),
                name="party_one_open_pairing_per_unit_community",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="party_pairing_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ↔ {self.community}"


class MemberReport(models.Model):
    """双报到: an in-service member reporting to the community where they live.

    Exactly one active report (``ended_at`` null) per member, held by a partial unique
    index; moving ends the old report and opens a new one in the same transaction. Ended
    rows are the history and are never edited again (the services only ever set
    ``ended_at`` and ``end_reason`` once)."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="reports"
    )
    community = models.ForeignKey(
        Place,
        verbose_name="报到社区",
        on_delete=models.PROTECT,
        related_name="party_reports",
        limit_choices_to={"kind": "community"},
    )
    # Where in the community the member lives, when known (a household or building).
    residence = models.ForeignKey(
        Place,
        verbose_name="居住地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField("报到时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "双报到"
        verbose_name_plural = "双报到"
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(ended_at__isnull=True),
                name="party_one_active_report_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("reported_at")),
                name="party_report_dates_order",
            ),
        ]
        indexes = [models.Index(fields=["community", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.member} → {self.community}"

    def audit_label(self) -> str:
        return f"{self.member.audit_label()} → {self.community}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Responsibility(models.Model):
    """双包联: a unit or a member responsible for a compound, building or household. The
    holder sees that subtree's open cases (read-only)."""

    unit = models.ForeignKey(
        PairedUnit,
        verbose_name="包联单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    member = models.ForeignKey(
        Member,
        verbose_name="包联党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    place = models.ForeignKey(
        Place,
        verbose_name="包联对象",
        on_delete=models.PROTECT,
        related_name="party_responsibilities",
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "双包联"
        verbose_name_plural = "双包联"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False, member__isnull=True)
                | models.Q(unit__isnull=True, member__isnull=False),
                name="party_responsibility_one_holder",
            ),
            models.UniqueConstraint(
                fields=["unit", "place"],
                condition=models.Q(ended_on__isnull=True, unit__isnull=False),
                name="party_one_open_unit_responsibility",
            ),
            models.UniqueConstraint(
                fields=["member", "place"],
                condition=models.Q(ended_on__isnull=True, member__isnull=False),
                name="party_one_open_member_responsibility",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit or self.member} 包联 {self.place}"

    def audit_label(self) -> str:
        who = (
            self.unit if self.unit is not None else self.member.audit_label() if self.member else ""
        )
        return f"{who} 包联 {self.place}"


class CommitteeBody(models.TextChoices):
    OWNERS_COMMITTEE = "owners_committee", "业主委员会"
    PROPERTY_COMMITTEE = "property_committee", "物业管理委员会"
    RESIDENTS_COMMITTEE = "residents_committee", "居民委员会"


class SeatRole(models.TextChoices):
    CHAIR = "chair", "主任"
    VICE_CHAIR = "vice_chair", "副主任"
    MEMBER = "member", "委员"


class PartyPost(models.TextChoices):
    NONE = "", "无"
    COMMITTEE_SECRETARY = "committee_secretary", "社区党组织书记"
    COMMITTEE_MEMBER = "committee_member", "社区党组织委员"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    BRANCH_MEMBER = "branch_member", "支部委员"
    GROUP_LEADER = "group_leader", "党小组长"


class CommitteeSeat(models.Model):
    """A seat on an owners' or property committee (on a compound) or a residents'
    committee (on a community), and the party post its holder has (交叉任职 when set)."""

    place = models.ForeignKey(
        Place,
        verbose_name="所在小区/社区",
        on_delete=models.PROTECT,
        related_name="committee_seats",
    )
    body = models.CharField("组织", max_length=24, choices=CommitteeBody.choices)
    role = models.CharField("职务", max_length=16, choices=SeatRole.choices)
    name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        Member,
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="committee_seats",
    )
    party_post = models.CharField(
        "党内职务", max_length=24, choices=PartyPost.choices, blank=True, default=PartyPost.NONE
    )
    started_on = models.DateField("任职日期", null=True, blank=True)
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "委员会成员"
        verbose_name_plural = "委员会成员"
        ordering = ["place", "body", "role", "id"]
        indexes = [models.Index(fields=["party_post", "ended_on"])]

    AUDIT_MASKED_FIELDS = {"name": mask_name}

    def __str__(self) -> str:
        return f"{self.get_body_display()}{self.get_role_display()} {self.name}"

    def audit_label(self) -> str:
        return f"{self.get_body_display()}{self.get_role_display()} {mask_name(self.name)}"

    @property
    def is_cross_appointed(self) -> bool:
        return bool(self.party_post)


# Activities (双服务) and appraisals (双评价) live in their own module; importing them here
# registers them with the app.
from shequgang.party.activity_models import *  # noqa: E402,F403
