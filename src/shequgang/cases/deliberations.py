"""Deliberations (议事): every write to a meeting — planning, invitations, sign-in, the show of hands, minutes, the
decision and its follow-up actions. The owners' vote is in ``owners_vote.py``, who may
do what in ``deliberation_access.py`` and the transition table in
``deliberation_workflow.py``.

Every write takes the deliberation's row lock through ``deliberation_lock`` (which checks
the actor's rights and the table), runs in one transaction and writes an audit row. A
follow-up action appends a task event to every case of the deliberation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequgang.actors import Actor, UserLike
from shequgang.audit.services import audit_record
from shequgang.cases import notifications
from shequgang.cases.access import scoped_cases
from shequgang.cases.deliberation_access import (
    deliberation_node_for,
    may_convene,
    may_manage,
    scoped_deliberations,
    signed_in_user,
)
from shequgang.cases.deliberation_models import (
    Attendee,
    Deliberation,
    FollowUp,
    HandVote,
    OwnersVote,
    OwnersVoteStatus,
    VoteOption,
)
from shequgang.cases.deliberation_workflow import deliberation_lock, deliberation_move
from shequgang.cases.models import CaseEvent, EventKind, Rung, Status
from shequgang.cases.routing import RUNG_KIND
from shequgang.errors import Conflict, DomainError, Forbidden, NotFound
from shequgang.people.masking import mask_name
from shequgang.places.models import Kind, Place

MAX_CASES = 50
MAX_INVITEES = 200
MAX_OPTIONS = 20


def _text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"{field}_required", f"请填写{label}")
    if len(text) > limit:
        raise DomainError(f"{field}_too_long", f"{label}不能超过{limit}个字")
    return text


def _display_name(user: User) -> str:
    return (user.get_full_name() or user.username)[:50]


# --- Selectors ---------------------------------------------------------------------------


def deliberation_list(
    *, user: UserLike, status: str = "", case_id: int | None = None
) -> QuerySet[Deliberation]:
    qs = scoped_deliberations(user).select_related("place", "convener")
    if status:
        qs = qs.filter(status=status)
    if case_id is not None:
        qs = qs.filter(cases__id=case_id)
    return qs.order_by("-scheduled_at", "-id")


def _case_events(
    d: Deliberation, *, actor: User, kind: EventKind, reason: str, data: dict[str, object]
) -> None:
    """Append one event to each case of the deliberation (never changes the case)."""
    now = timezone.now()
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                at=now,
                actor=actor,
                kind=kind,
                from_status=case.status,
                to_status=case.status,
                from_rung=case.rung,
                to_rung=case.rung,
                reason=reason,
                data={"deliberation_id": d.pk, **data},
            )
            for case in d.cases.order_by("pk")
        ]
    )


# --- Planning ---------------------------------------------------------------------------


def _invitee_users(ids: Sequence[int]) -> list[User]:
    wanted = sorted(set(ids))
    users = list(User.objects.filter(pk__in=wanted, is_active=True).order_by("pk"))
    if len(users) != len(wanted):
        raise DomainError("unknown_user", "邀请的账号不存在或已停用")
    return users


def _invitee_names(names: Sequence[str]) -> list[str]:
    cleaned = [_text(n, field="invitee_name", label="参会人姓名", limit=50) for n in names]
    cleaned = [n for n in cleaned if n]
    if len(set(cleaned)) != len(cleaned):
        raise DomainError("duplicate_invitee", "参会人姓名重复")
    return cleaned


def _aware(value: dt.datetime, label: str) -> dt.datetime:
    if timezone.is_naive(value):
        raise DomainError("invalid_time", f"{label}须注明时区")
    try:  # stored in UTC, shown in Beijing time: both must be in the calendar
        value.astimezone(dt.UTC), timezone.localtime(value)
    except OverflowError:
        raise DomainError("invalid_time", f"{label}超出范围") from None
    return value


@transaction.atomic
def deliberation_plan(
    *,
    actor: Actor,
    rung: int,
    case_ids: Sequence[int],
    title: str,
    scheduled_at: dt.datetime,
    place: Place | None = None,
    agenda: str = "",
    location: str = "",
    invitee_ids: Sequence[int] = (),
    invitee_names: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Deliberation:
    """Convene a deliberation at ``rung`` on one or more cases. The node is ``place`` or,
    by default, the node of that rung above the first case. Every case must be visible to
    the actor (else 404) and lie under the node or be held by it; the actor must hold the
    node or supervise it from above (403). Appends a note to each case's timeline,
    notifies invited accounts, audits."""
    user = signed_in_user(actor)
    now = now or timezone.now()
    if rung not in RUNG_KIND:
        raise DomainError(
            "invalid_rung", "议事层级应为党员中心户、党小组、小区党支部、社区或乡镇（街道）"
        )
    ids = sorted(set(case_ids))
    if not ids:
        raise DomainError("cases_required", "请至少选择一个事项")
    if len(ids) > MAX_CASES:
        raise DomainError("too_many_cases", f"一次议事最多关联{MAX_CASES}个事项")
    cases = list(
        scoped_cases(user)
        .filter(pk__in=ids)
        .select_related("place", "handler_place")
        .order_by("pk")
    )
    if len(cases) != len(ids):
        raise NotFound("事项")
    node = place or deliberation_node_for(case=cases[0], rung=rung)
    if node.kind != RUNG_KIND[rung]:
        raise DomainError(
            "invalid_place", f"{Rung(rung).label}的议事节点应为{Kind(RUNG_KIND[rung]).label}"
        )
    for case in cases:
        if case.status == Status.MERGED:
            raise DomainError("case_merged", f"事项“{case.number}”已合并，请关联主事项")
        if not (case.place_path.startswith(node.path) or case.handler_place_id == node.pk):
            raise DomainError("case_outside_node", f"事项“{case.number}”不在“{node.name}”范围内")
    if not may_convene(user, rung=rung, place=node):
        raise Forbidden(f"只有“{node.name}”的{Rung(rung).label}负责人或上级可以召集议事")
    title = _text(title, field="title", label="议题", limit=100, required=True)
    agenda = _text(agenda, field="agenda", label="议程", limit=4000)
    location = _text(location, field="location", label="地点", limit=200)
    if timezone.localdate(_aware(scheduled_at, "会议时间")) < timezone.localdate(now):
        raise DomainError("scheduled_in_past", "会议时间不能早于今天")
    users = _invitee_users(invitee_ids)
    names = _invitee_names(invitee_names)
    if len(users) + len(names) > MAX_INVITEES:
        raise DomainError("too_many_invitees", f"参会人最多{MAX_INVITEES}人")
    d = Deliberation.objects.create(
        rung=rung,
        place=node,
        convener=user,
        title=title,
        agenda=agenda,
        scheduled_at=scheduled_at,
        location=location,
    )
    d.cases.set(cases)
    Attendee.objects.bulk_create(
        [Attendee(deliberation=d, user=u, name=_display_name(u)) for u in users]
        + [Attendee(deliberation=d, name=n) for n in names]
    )
    when = timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M")
    _case_events(
        d,
        actor=user,
        kind=EventKind.COMMENT,
        reason=f"安排{Rung(rung).label}：“{title}”，{when}，{location or node.name}",
        data={"step": "planned"},
    )
    notifications.notify(
        user_ids=[u.pk for u in users], case=cases[0], title=f"议事邀请：{title}", body=when
    )
    audit_record(
        actor=user,
        action="deliberation.plan",
        obj=d,
        changes={
            "rung": [None, rung],
            "place": [None, node.pk],
            "cases": [None, ids],
            "scheduled_at": [None, scheduled_at.isoformat()],
            "invitees": [None, [u.pk for u in users] + names],
        },
    )
    return d


@transaction.atomic
def deliberation_invite(
    *,
    actor: Actor,
    deliberation: Deliberation,
    invitee_ids: Sequence[int] = (),
    invitee_names: Sequence[str] = (),
) -> list[Attendee]:
    """Add invitees (accounts and/or residents by name); someone already invited is a
    409 ``already_invited``."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="invite", actor=user)
    users = _invitee_users(invitee_ids)
    names = _invitee_names(invitee_names)
    if not users and not names:
        raise DomainError("invitees_required", "请填写参会人")
    if d.attendees.count() + len(users) + len(names) > MAX_INVITEES:
        raise DomainError("too_many_invitees", f"参会人最多{MAX_INVITEES}人")
    if d.attendees.filter(Q(user__in=users) | Q(user__isnull=True, name__in=names)).exists():
        raise Conflict("already_invited", "其中有人已在参会名单中")
    created = Attendee.objects.bulk_create(
        [Attendee(deliberation=d, user=u, name=_display_name(u)) for u in users]
        + [Attendee(deliberation=d, name=n) for n in names]
    )
    notifications.notify(
        user_ids=[u.pk for u in users],
        case=d.cases.order_by("pk").first(),
        title=f"议事邀请：{d.title}",
        body=timezone.localtime(d.scheduled_at).strftime("%Y-%m-%d %H:%M"),
    )
    audit_record(
        actor=user,
        action="deliberation.invite",
        obj=d,
        changes={"invitees": [None, [u.pk for u in users] + names]},
    )
    return created


# --- At the meeting -----------------------------------------------------------------------


@transaction.atomic
def deliberation_sign_in(
    *,
    actor: Actor,
    deliberation: Deliberation,
    attendee_id: int | None = None,
    name: str = "",
    now: dt.datetime | None = None,
) -> Attendee:
    """签到, on the meeting day only (Asia/Shanghai), while planned or held. Managers sign
    in an invitee (``attendee_id``) or a resident who came uninvited (``name``); anyone
    who may see the deliberation signs themselves in (neither given). Twice is a 409."""
    user = signed_in_user(actor)
    now = now or timezone.now()
    name = _text(name, field="name", label="姓名", limit=50)
    self_sign_in = attendee_id is None and not name

    def check(d: Deliberation) -> None:
        if self_sign_in or may_manage(user, d):
            return
        # An invitee may name their own attendee row.
        if attendee_id is not None and d.attendees.filter(pk=attendee_id, user=user).exists():
            return
        raise Forbidden("只能为本人签到")

    d = deliberation_lock(deliberation=deliberation, action="sign_in", actor=user, check=check)
    day = timezone.localdate(d.scheduled_at)
    if timezone.localdate(now) != day:
        raise DomainError("not_meeting_day", f"只能在会议当天（{day:%Y-%m-%d}）签到", status=409)
    if attendee_id is not None:
        found = Attendee.objects.select_for_update().filter(pk=attendee_id, deliberation=d).first()
        if found is None:
            raise NotFound("参会人")
        attendee = found
    elif self_sign_in:
        attendee = d.attendees.filter(user=user).first() or Attendee(
            deliberation=d, user=user, name=_display_name(user), invited=False
        )
    else:
        attendee = d.attendees.filter(user__isnull=True, name=name).first() or Attendee(
            deliberation=d, name=name, invited=False
        )
    if attendee.signed_in_at is not None:
        raise Conflict("already_signed_in", f"{attendee.name}已签到")
    attendee.signed_in_at = now
    attendee.signed_in_by = user
    try:
        with transaction.atomic():
            attendee.save()
    except IntegrityError:  # pragma: no cover - the row lock serializes sign-ins
        raise Conflict("already_signed_in", f"{attendee.name}已签到") from None
    audit_record(
        actor=user,
        action="deliberation.sign_in",
        obj=d,
        changes={"attendee": [None, attendee.pk], "name": [None, mask_name(attendee.name)]},
    )
    return attendee


@transaction.atomic
def deliberation_add_option(*, actor: Actor, deliberation: Deliberation, text: str) -> VoteOption:
    """Put one more choice to the show of hands; not once hands have been counted."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="add_option", actor=user)
    text = _text(text, field="option", label="表决选项", limit=100, required=True)
    if d.hand_votes.exists():
        raise Conflict("voting_started", "已开始举手表决，不能再添加选项")
    if d.options.count() >= MAX_OPTIONS:
        raise DomainError("too_many_options", f"表决选项最多{MAX_OPTIONS}个")
    if d.options.filter(text=text).exists():
        raise Conflict("duplicate_option", "已有相同的表决选项")
    option = VoteOption.objects.create(deliberation=d, text=text, sort=d.options.count())
    audit_record(actor=user, action="deliberation.add_option", obj=option)
    return option


@transaction.atomic
def deliberation_hand_vote(
    *,
    actor: Actor,
    deliberation: Deliberation,
    attendee_id: int,
    option_id: int,
    now: dt.datetime | None = None,
) -> HandVote:
    """Record one signed-in attendee's raised hand, once (409 ``already_voted``).
    Managers count the hands; an attendee with an account may record their own."""
    user = signed_in_user(actor)

    def check(d: Deliberation) -> None:
        if not may_manage(user, d) and not d.attendees.filter(pk=attendee_id, user=user).exists():
            raise Forbidden("只能为本人表决")

    d = deliberation_lock(deliberation=deliberation, action="hand_vote", actor=user, check=check)
    attendee = d.attendees.filter(pk=attendee_id).first()
    if attendee is None:
        raise NotFound("参会人")
    option = d.options.filter(pk=option_id).first()
    if option is None:
        raise NotFound("表决选项")
    if attendee.signed_in_at is None:
        raise DomainError("not_signed_in", f"{attendee.name}尚未签到，不能表决", status=409)
    if HandVote.objects.filter(attendee=attendee).exists():
        raise Conflict("already_voted", f"{attendee.name}已表决")
    try:
        with transaction.atomic():
            vote = HandVote.objects.create(
                deliberation=d,
                attendee=attendee,
                option=option,
                recorded_by=user,
                recorded_at=now or timezone.now(),
            )
    except IntegrityError:  # pragma: no cover - the row lock serializes votes
        raise Conflict("already_voted", f"{attendee.name}已表决") from None
    audit_record(
        actor=user,
        action="deliberation.hand_vote",
        obj=d,
        changes={"attendee": [None, attendee.pk], "option": [None, option.pk]},
    )
    return vote


@dataclass(frozen=True)
class OptionCount:
    option: VoteOption
    votes: int


@dataclass(frozen=True)
class HandTally:
    """The show of hands as counted: no statute governs it, so it reports the figures and
    the leading option and leaves the decision to the meeting."""

    rows: list[OptionCount]
    signed_in: int
    voted: int

    @property
    def leading(self) -> list[VoteOption]:
        top = max((r.votes for r in self.rows), default=0)
        return [r.option for r in self.rows if top and r.votes == top]

    @property
    def leader_has_majority_of_attendance(self) -> bool:
        """One option alone holds more than half of the people signed in."""
        lead = self.leading
        return len(lead) == 1 and 2 * max(r.votes for r in self.rows) > self.signed_in

    @property
    def summary_zh(self) -> str:
        if not self.voted:
            return f"签到{self.signed_in}人，尚无人表决"
        counts = "，".join(f"{r.option.text}{r.votes}票" for r in self.rows)
        lead = "、".join(o.text for o in self.leading)
        majority = "，超过签到人数半数" if self.leader_has_majority_of_attendance else ""
        return f"签到{self.signed_in}人，表决{self.voted}人：{counts}。得票最多：{lead}{majority}"


def hand_tally(*, deliberation: Deliberation) -> HandTally:
    options = deliberation.options.annotate(n=Count("votes")).order_by("sort", "id")
    return HandTally(
        rows=[OptionCount(o, o.n) for o in options],
        signed_in=deliberation.attendees.filter(signed_in_at__isnull=False).count(),
        voted=deliberation.hand_votes.count(),
    )


@transaction.atomic
def deliberation_record_minutes(
    *, actor: Actor, deliberation: Deliberation, minutes: str
) -> Deliberation:
    """会议记录, written during or after the meeting (replaces the text; audited)."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="minutes", actor=user)
    text = _text(minutes, field="minutes", label="会议记录", limit=20000, required=True)
    before = d.minutes
    d.minutes = text
    d.save(update_fields=["minutes", "updated_at"])
    audit_record(
        actor=user, action="deliberation.minutes", obj=d, changes={"minutes": [before, text]}
    )
    return d


# --- Status changes -----------------------------------------------------------------------


@transaction.atomic
def deliberation_hold(
    *, actor: Actor, deliberation: Deliberation, now: dt.datetime | None = None
) -> Deliberation:
    """The meeting takes place: from the meeting day on (hands can be raised now)."""
    user = signed_in_user(actor)
    now = now or timezone.now()
    d = deliberation_lock(deliberation=deliberation, action="hold", actor=user)
    if timezone.localdate(now) < timezone.localdate(d.scheduled_at):
        raise DomainError("not_yet", "会议日期未到，不能开始", status=409)
    deliberation_move(d, "hold", actor=user, fields={})
    return d


def _no_open_owners_vote(d: Deliberation) -> None:
    if OwnersVote.objects.filter(deliberation=d, status=OwnersVoteStatus.OPEN).exists():
        raise DomainError("owners_vote_open", "业主表决尚未计票，请先计票", status=409)


@transaction.atomic
def deliberation_decide(
    *, actor: Actor, deliberation: Deliberation, decision: str, now: dt.datetime | None = None
) -> Deliberation:
    """议定事项: records the decision (an open owners' vote must be counted first) and
    notes it on each case's timeline."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="decide", actor=user)
    text = _text(decision, field="decision", label="议定事项", limit=4000, required=True)
    _no_open_owners_vote(d)
    deliberation_move(
        d, "decide", actor=user, fields={"decision": text, "decided_at": now or timezone.now()}
    )
    _case_events(
        d,
        actor=user,
        kind=EventKind.COMMENT,
        reason=f"议事决定（“{d.title}”）：{text}",
        data={"step": "decided"},
    )
    return d


@transaction.atomic
def deliberation_cancel(
    *, actor: Actor, deliberation: Deliberation, reason: str, now: dt.datetime | None = None
) -> Deliberation:
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="cancel", actor=user)
    text = _text(reason, field="reason", label="取消原因", limit=500, required=True)
    _no_open_owners_vote(d)
    deliberation_move(
        d,
        "cancel",
        actor=user,
        fields={"cancel_reason": text, "cancelled_at": now or timezone.now()},
    )
    return d


# --- Follow-up actions --------------------------------------------------------------------


@transaction.atomic
def follow_up_add(
    *,
    actor: Actor,
    deliberation: Deliberation,
    text: str,
    assignee_id: int | None = None,
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> FollowUp:
    """A follow-up action of the meeting. Appends a task event to every attached case and
    notifies the assignee."""
    user = signed_in_user(actor)
    now = now or timezone.now()
    d = deliberation_lock(deliberation=deliberation, action="add_follow_up", actor=user)
    body = _text(text, field="text", label="任务内容", limit=500, required=True)
    assignee = None
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise DomainError("unknown_user", "负责人账号不存在或已停用")
    if due_on is not None and due_on < timezone.localdate(now):
        raise DomainError("due_in_past", "完成期限不能早于今天")
    task = FollowUp.objects.create(
        deliberation=d,
        text=body,
        assignee=assignee,
        due_on=due_on,
        created_by=user,
        created_at=now,
    )
    who = f"，负责人：{_display_name(assignee)}" if assignee else ""
    due = f"，期限：{due_on:%Y-%m-%d}" if due_on else ""
    _case_events(
        d,
        actor=user,
        kind=EventKind.TASK,
        reason=f"议事任务：{body}{who}{due}",
        data={
            "follow_up_id": task.pk,
            "state": "open",
            "assignee_id": assignee.pk if assignee else None,
            "due_on": due_on.isoformat() if due_on else None,
        },
    )
    if assignee is not None:
        notifications.notify(
            user_ids=[assignee.pk],
            case=d.cases.order_by("pk").first(),
            title=f"议事任务：{d.title}",
            body=body,
        )
    audit_record(
        actor=user,
        action="deliberation.add_follow_up",
        obj=task,
        changes={"text": [None, body], "assignee": [None, assignee_id], "due_on": [None, due_on]},
    )
    return task


@transaction.atomic
def follow_up_finish(
    *, actor: Actor, follow_up: FollowUp, note: str = "", now: dt.datetime | None = None
) -> FollowUp:
    """Mark a follow-up action done (its manager or its assignee), once; appends a task
    event to every attached case."""
    user = signed_in_user(actor)

    def check(d: Deliberation) -> None:
        if follow_up.assignee_id != user.pk and not may_manage(user, d):
            raise Forbidden("只有任务负责人或召集方可以办结任务")

    d = deliberation_lock(
        deliberation=follow_up.deliberation, action="finish_follow_up", actor=user, check=check
    )
    task = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if task.done_at is not None:
        raise Conflict("already_done", "该任务已完成")
    text = _text(note, field="note", label="完成情况", limit=500)
    task.done_at = now or timezone.now()
    task.done_by = user
    task.done_note = text
    task.save(update_fields=["done_at", "done_by", "done_note"])
    _case_events(
        d,
        actor=user,
        kind=EventKind.TASK,
        reason=f"议事任务完成：{task.text}" + (f"（{text}）" if text else ""),
        data={"follow_up_id": task.pk, "state": "done"},
    )
    audit_record(
        actor=user,
        action="deliberation.finish_follow_up",
        obj=task,
        changes={"done_at": [None, task.done_at], "done_note": [None, text]},
    )
    return task
