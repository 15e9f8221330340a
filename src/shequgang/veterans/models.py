"""Veterans' insurance enrolment (优待证持证人员参保申报): programs as data, and the
applications made to them.

A program is one year's enrolment: its window, birth-date cut-off, premium, insurer and
who is covered are rows an administrator edits, so next year needs no code change.
An application's ID number, phone and certificate number are personal data: stored only
as Fernet ciphertext, a masked form for screens, and (for the ID number) a blind index
that enforces one live application per person per program."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from shequgang.audit.appendonly import AppendOnlyModel
from shequgang.people.masking import mask_name
from shequgang.places.models import Place

BEIJING = ZoneInfo("Asia/Shanghai")


class Group(models.Model):
    """A kind of person a program may cover: 退役军人, 烈士遗属, 因公牺牲军人遗属 …"""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "人员类别"
        verbose_name_plural = "人员类别"
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """One year's enrolment, as the notice announces it."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("名称", max_length=200)
    issuer = models.CharField("发布单位", max_length=100, blank=True)
    notice = models.TextField("公告摘要", blank=True)
    # The window is half-open, [opens_at, closes_at): the notice's "7月31日24时" is stored
    # as 8月1日 00:00 Beijing time, and the first instant of that day is already late.
    opens_at = models.DateTimeField("申报开始")
    closes_at = models.DateTimeField("申报截止(不含)")
    born_on_or_before = models.DateField("出生日期不晚于")
    premium = models.DecimalField("保费(元/人/年)", max_digits=10, decimal_places=2)
    payer = models.CharField("缴费方", max_length=100)
    insurer = models.CharField("承保机构", max_length=100)
    support_phone = models.CharField("技术支持电话", max_length=32, blank=True)
    registration_rule = models.CharField(
        "户籍要求", max_length=200, default="吕梁籍（户籍在吕梁市所辖县、市、区）"
    )
    published = models.BooleanField("已发布", default=False)

    class Meta:
        verbose_name = "参保项目"
        verbose_name_plural = "参保项目"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="veterans_program_window_order",
            ),
            models.CheckConstraint(
                condition=models.Q(premium__gte=0), name="veterans_program_premium_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.title}"

    @property
    def opens_local(self) -> dt.datetime:
        return self.opens_at.astimezone(BEIJING)

    @property
    def closes_local(self) -> dt.datetime:
        return self.closes_at.astimezone(BEIJING)

    @property
    def window_text(self) -> str:
        """How the notice writes the window: "2026年5月1日0时至2026年7月31日24时"."""
        start, end = self.opens_local, self.closes_local
        if end.time() == dt.time(0, 0):
            last = end.date() - dt.timedelta(days=1)
            end_text = f"{last.year}年{last.month}月{last.day}日24时"
        else:
            end_text = f"{end.year}年{end.month}月{end.day}日{end:%H:%M}"
        start_text = f"{start.year}年{start.month}月{start.day}日{start.hour}时"
        if start.minute:
            start_text = f"{start.year}年{start.month}月{start.day}日{start:%H:%M}"
        return f"{start_text}至{end_text}"

    @property
    def cutoff_text(self) -> str:
        d = self.born_on_or_before
        return f"{d.year}年{d.month}月{d.day}日"


class ProgramGroup(models.Model):
    """A group the program covers, and which rules apply to it."""

    program = models.ForeignKey(
        Program, verbose_name="项目", on_delete=models.CASCADE, related_name="groups"
    )
    group = models.ForeignKey(Group, verbose_name="人员类别", on_delete=models.PROTECT)
    # The notice puts the age limit on every group; a later program may lift it for some.
    age_limit_applies = models.BooleanField("适用年龄限制", default=True)
    certificate_required = models.BooleanField("须持优待证", default=True)

    class Meta:
        verbose_name = "保障对象"
        verbose_name_plural = "保障对象"
        ordering = ["group__sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "group"], name="veterans_program_group_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program.year} {self.group.name}"


class ProgramArea(models.Model):
    """A county-level division where household registration qualifies (吕梁籍)."""

    program = models.ForeignKey(
        Program, verbose_name="项目", on_delete=models.CASCADE, related_name="areas"
    )
    code = models.CharField("区划代码", max_length=6)
    name = models.CharField("名称", max_length=32)

    class Meta:
        verbose_name = "户籍地范围"
        verbose_name_plural = "户籍地范围"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="veterans_program_area_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Status(models.TextChoices):
    # Passed every rule when submitted (or after a correction): on the roster and the budget.
    ACCEPTED = "accepted", "已受理"
    # Taken off the roster by staff, with a reason; the person may apply again in the window.
    WITHDRAWN = "withdrawn", "已撤回"


# The workflow, enforced in services.application_withdraw.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.ACCEPTED: {Status.WITHDRAWN},
    Status.WITHDRAWN: set(),
}


class Channel(models.TextChoices):
    SELF = "self", "本人申报"
    STAFF = "staff", "工作人员代办"


class Application(models.Model):
    program = models.ForeignKey(
        Program, verbose_name="项目", on_delete=models.PROTECT, related_name="applications"
    )
    # Shown to the applicant; with the last 6 characters of the ID number it opens the
    # status page. Random, so one reference tells nothing about another.
    reference = models.CharField("受理编号", max_length=20, unique=True, editable=False)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.ACCEPTED
    )
    channel = models.CharField("申报方式", max_length=8, choices=Channel.choices)

    name = models.CharField("姓名", max_length=50)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1)
    id_number_cipher = models.TextField("身份证号(密文)", editable=False)
    id_number_index = models.CharField("身份证号索引", max_length=64, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    phone_cipher = models.TextField("电话(密文)", editable=False)
    phone_masked = models.CharField("电话", max_length=20, editable=False)
    certificate_cipher = models.TextField("优待证号(密文)", blank=True, editable=False)
    certificate_masked = models.CharField("优待证号", max_length=32, blank=True, editable=False)

    group = models.ForeignKey(Group, verbose_name="人员类别", on_delete=models.PROTECT)
    # 户籍所在县, as the applicant states it: not the ID number's area code (people move).
    registration_code = models.CharField("户籍所在县代码", max_length=6)
    registration_name = models.CharField("户籍所在县", max_length=32)
    consent_at = models.DateTimeField("同意向承保机构提供信息时间")

    # Where staff took the application (a community, town or county), for their scope.
    intake_place = models.ForeignKey(
        Place,
        verbose_name="受理地点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("申报时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "参保申请"
        verbose_name_plural = "参保申请"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One live application per person per program. A unique index rather than a
            # read-then-write check, so two simultaneous submissions cannot both pass.
            models.UniqueConstraint(
                fields=["program", "id_number_index"],
                condition=~models.Q(status="withdrawn"),
                name="veterans_one_live_application_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["program", "status", "registration_code"]),
            models.Index(fields=["program", "id_number_index"]),
        ]

    # The audit log keeps an applicant's name masked (audit.services.audit_record).
    AUDIT_MASKED_FIELDS = {"name": mask_name}

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def audit_label(self) -> str:
        return f"{self.reference} {mask_name(self.name)}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "提交申请"
    CORRECTED = "corrected", "更正信息"
    WITHDRAWN = "withdrawn", "撤回申请"


class ApplicationEvent(AppendOnlyModel):
    """The application's history, shown to staff and (in part) to the applicant."""

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField("时间")
    kind = models.CharField("事件", max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # {"field": [before, after]}; personal data appears masked only.
    changes = models.JSONField("变更", default=dict, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "申请记录"
        verbose_name_plural = "申请记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class RepeatSubmission(AppendOnlyModel):
    """An anonymous submission for a person who already has a live application in the
    program. Nothing is enrolled: the first accepted application stands. The submitter is
    answered exactly as a new applicant is — a receipt with its own reference — so the
    public door never tells a stranger holding someone's ID number that this person is a
    veteran or a martyr's family member; staff see these rows (a second receipt of a
    resident who pressed twice, or someone else using their ID number).

    Only what the receipt shows is kept, masked, plus the blind index linking it to the
    application: no ciphertext of anything."""

    program = models.ForeignKey(
        Program, verbose_name="项目", on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField("受理编号", max_length=20, unique=True)
    id_number_index = models.CharField("身份证号索引", max_length=64, db_index=True)
    id_number_masked = models.CharField("身份证号", max_length=18)
    # The receipt's status page checks the last six characters of the ID number.
    id_tail_digest = models.CharField("身份证号后6位摘要", max_length=64)
    name_masked = models.CharField("姓名(脱敏)", max_length=50)
    phone_masked = models.CharField("电话", max_length=20)
    group = models.ForeignKey(Group, verbose_name="人员类别", on_delete=models.PROTECT)
    registration_name = models.CharField("户籍所在县", max_length=32)
    submitted_at = models.DateTimeField("提交时间", db_index=True)

    class Meta:
        verbose_name = "重复提交"
        verbose_name_plural = "重复提交"
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.name_masked}"
