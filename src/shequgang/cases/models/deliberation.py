"""Deliberations (议事): a meeting at a rung of the 「四议」 ladder about one or more cases,
with its invitees and sign-in, a show-of-hands vote, the decision, follow-up actions that
become tasks on the cases, and — for compound matters decided by the owners — an owners'
vote under Civil Code Art. 278 with the roll it was counted on.

Re-exported by ``cases/models/__init__.py``, which Django loads."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.cases.engine.art278 import Choice, MatterType
from shequgang.cases.models.case import Case
from shequgang.cases.models.choices import Rung
from shequgang.places.models import Place

__all__ = [
    "DEVELOPER_PARTY",
    "Attendee",
    "Deliberation",
    "DeliberationStatus",
    "FollowUp",
    "HandVote",
    "OwnerBallot",
    "OwnerRollEntry",
    "OwnersVote",
    "OwnersVoteStatus",
    "VoteOption",
]


class DeliberationStatus(models.TextChoices):
    PLANNED = "planned", "已安排"  # scheduled; invitees sign in on the day
    HELD = "held", "已召开"  # the meeting is on or over: hands, minutes
    DECIDED = "decided", "已决定"  # the decision is recorded; follow-ups carry on
    CANCELLED = "cancelled", "已取消"


class Deliberation(models.Model):
    rung = models.PositiveSmallIntegerField("层级", choices=Rung.choices)
    # The node of that rung: the compound of a branch's 组织议, the building of a party
    # group's 牵头议, the community, the town.
    place = models.ForeignKey(
        Place, verbose_name="议事节点", on_delete=models.PROTECT, related_name="+"
    )
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="召集人",
        on_delete=models.PROTECT,
        related_name="convened_deliberations",
    )
    title = models.CharField("议题", max_length=100)
    agenda = models.TextField("议程", max_length=4000, blank=True)
    scheduled_at = models.DateTimeField("时间", db_index=True)
    location = models.CharField("地点", max_length=200, blank=True)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=DeliberationStatus.choices,
        default=DeliberationStatus.PLANNED,
    )
    minutes = models.TextField("会议记录", max_length=20000, blank=True)
    decision = models.TextField("议定事项", max_length=4000, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=500, blank=True)
    cases = models.ManyToManyField(Case, verbose_name="事项", related_name="deliberations")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "议事"
        verbose_name_plural = "议事"
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["place", "scheduled_at"], name="delib_place_time")]

    def __str__(self) -> str:
        return self.title


class Attendee(models.Model):
    """An invitee (a user, or a resident by name) and their sign-in. People who come
    uninvited are added when they sign in (``invited=False``)."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="attendees"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=50)
    invited = models.BooleanField("受邀", default=True)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签到登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "议事参会人"
        verbose_name_plural = "议事参会人"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation", "user"],
                condition=models.Q(user__isnull=False),
                name="delib_attendee_user_unique",
            ),
            models.UniqueConstraint(
                fields=["deliberation", "name"],
                condition=models.Q(user__isnull=True),
                name="delib_attendee_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VoteOption(models.Model):
    """One of the choices put to a show of hands (举手表决)."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.PROTECT, related_name="options")
    text = models.CharField("选项", max_length=100)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "表决选项"
        verbose_name_plural = "表决选项"
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "text"], name="delib_option_unique")
        ]

    def __str__(self) -> str:
        return self.text


class HandVote(models.Model):
    """One signed-in attendee's raised hand: one per attendee."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="hand_votes"
    )
    attendee = models.OneToOneField(Attendee, on_delete=models.PROTECT, related_name="hand_vote")
    option = models.ForeignKey(VoteOption, on_delete=models.PROTECT, related_name="votes")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "举手表决"
        verbose_name_plural = "举手表决"

    def __str__(self) -> str:
        return f"{self.attendee_id} → {self.option_id}"


class FollowUp(models.Model):
    """A follow-up action (议定事项的落实): each change appends a task event to every case
    of the deliberation."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="follow_ups"
    )
    text = models.CharField("任务", max_length=500)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliberation_tasks",
    )
    due_on = models.DateField("完成期限", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.CharField("完成情况", max_length=500, blank=True)

    class Meta:
        verbose_name = "议事任务"
        verbose_name_plural = "议事任务"
        ordering = ["id"]
        indexes = [models.Index(fields=["assignee", "done_at"], name="delib_task_assignee")]

    def __str__(self) -> str:
        return self.text


class OwnersVoteStatus(models.TextChoices):
    OPEN = "open", "表决中"
    CLOSED = "closed", "已计票"


class OwnersVote(models.Model):
    """The owners' vote of a compound deliberation (业主共同决定, Civil Code Art. 278).
    The result columns are written once, when the vote is closed and counted."""

    deliberation = models.OneToOneField(
        Deliberation, on_delete=models.PROTECT, related_name="owners_vote"
    )
    matter_type = models.PositiveSmallIntegerField(
        "表决事项",
        choices=[(m.value, f"（{m.value}）{m.label}") for m in MatterType],
    )
    status = models.CharField(
        "状态", max_length=8, choices=OwnersVoteStatus.choices, default=OwnersVoteStatus.OPEN
    )
    opened_at = models.DateTimeField("开始时间")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("计票时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quorum_met = models.BooleanField("表决有效", null=True, blank=True)
    passed = models.BooleanField("表决通过", null=True, blank=True)
    summary_zh = models.TextField("结果说明", blank=True)
    # Each ratio against its threshold and the tally, as counted (see deliberations.py).
    result = models.JSONField("计票结果", default=dict, blank=True)

    class Meta:
        verbose_name = "业主共同决定表决"
        verbose_name_plural = "业主共同决定表决"

    def __str__(self) -> str:
        return f"{self.deliberation_id} 第{self.matter_type}项"

    @property
    def matter(self) -> MatterType:
        return MatterType(self.matter_type)


# The party key of the developer's single vote (its unsold or undelivered units together).
# Owner keys are 64-hex blind indexes or "household:<pk>", so it cannot collide.
DEVELOPER_PARTY = "developer"


class OwnerRollEntry(models.Model):
    """One exclusive unit (a household of the compound) on the roll, as it stood when the
    vote opened: its registered area and whose vote it carries."""

    vote = models.ForeignKey(OwnersVote, on_delete=models.PROTECT, related_name="roll")
    household = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    unit_label = models.CharField("房号", max_length=200)
    floor_area = models.DecimalField("专有面积(㎡)", max_digits=9, decimal_places=2)
    # The blind index of the head's ID number, so one owner counts once; households with
    # no registered head get "household:<pk>" and ``owner_unverified``.
    owner_key = models.CharField(max_length=80)
    owner_name = models.CharField("业主", max_length=50, blank=True)
    owner_unverified = models.BooleanField("业主未登记", default=False)
    developer_unsold = models.BooleanField("建设单位未售出/未交付", default=False)

    class Meta:
        verbose_name = "业主名册"
        verbose_name_plural = "业主名册"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "household"], name="owner_roll_unique")
        ]

    def __str__(self) -> str:
        return self.unit_label

    @property
    def party(self) -> str:
        return DEVELOPER_PARTY if self.developer_unsold else self.owner_key


class OwnerBallot(models.Model):
    """One owner's (or the developer's) ballot, recorded by staff from the signed paper
    ballot. One per party: the constraint holds under concurrency."""

    vote = models.ForeignKey(OwnersVote, on_delete=models.PROTECT, related_name="ballots")
    party = models.CharField(max_length=80)
    # The unit the ballot was recorded against (any of the party's units).
    entry = models.ForeignKey(OwnerRollEntry, on_delete=models.PROTECT, related_name="ballots")
    choice = models.CharField("意见", max_length=8, choices=[(c.value, c.label) for c in Choice])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "业主选票"
        verbose_name_plural = "业主选票"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "party"], name="owner_ballot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.party}: {self.choice}"
