"""At the meeting and after: sign-in, the options and the show of hands with its tally,
the minutes, holding, deciding or cancelling the deliberation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.cases.deliberation.access import (
    may_manage,
    signed_in_user,
)
from shequgang.cases.deliberation.common import (
    MAX_OPTIONS,
    case_events,
    display_name,
)
from shequgang.cases.deliberation.workflow import deliberation_lock, deliberation_move
from shequgang.cases.engine.guards import clean_text
from shequgang.cases.models import EventKind
from shequgang.cases.models.deliberation import (
    Attendee,
    Deliberation,
    HandVote,
    OwnersVote,
    OwnersVoteStatus,
    VoteOption,
)
from shequgang.errors import Conflict, DomainError, Forbidden, NotFound
from shequgang.people.masking import mask_name

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
    name = clean_text(name, field="name", label="姓名", limit=50)
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
            deliberation=d, user=user, name=display_name(user), invited=False
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
    text = clean_text(text, field="option", label="表决选项", limit=100, required=True)
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
    text = clean_text(minutes, field="minutes", label="会议记录", limit=20000, required=True)
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
    text = clean_text(decision, field="decision", label="议定事项", limit=4000, required=True)
    _no_open_owners_vote(d)
    deliberation_move(
        d, "decide", actor=user, fields={"decision": text, "decided_at": now or timezone.now()}
    )
    case_events(
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
    text = clean_text(reason, field="reason", label="取消原因", limit=500, required=True)
    _no_open_owners_vote(d)
    deliberation_move(
        d,
        "cancel",
        actor=user,
        fields={"cancel_reason": text, "cancelled_at": now or timezone.now()},
    )
    return d
