"""What the deliberation endpoints share: a deliberation in the caller's scope (or 404),
its owners' vote, and the answers built from them."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.http import HttpRequest

from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import errors
from shequgang.cases.deliberation import access
from shequgang.cases.deliberation import owners_result as ovr
from shequgang.cases.deliberation import owners_vote as ov
from shequgang.cases.deliberation import services as svc
from shequgang.cases.deliberation.schemas import (
    AttendeeOut,
    CaseBriefOut,
    DeliberationBriefOut,
    DeliberationOut,
    FollowUpOut,
    OptionOut,
    OwnersVoteOut,
    PlaceBriefOut,
    RollEntryOut,
    VoteResultOut,
)
from shequgang.cases.models import Rung
from shequgang.cases.models.deliberation import (
    Attendee,
    Deliberation,
    DeliberationStatus,
    FollowUp,
    OwnersVote,
)
from shequgang.errors import NotFound

# --- Building the answers -----------------------------------------------------------------


def brief_out(d: Deliberation) -> DeliberationBriefOut:
    return DeliberationBriefOut(
        id=d.pk,
        rung=d.rung,
        rung_label=Rung(d.rung).label,
        place=PlaceBriefOut(id=d.place.pk, name=d.place.name),
        title=d.title,
        scheduled_at=d.scheduled_at,
        location=d.location,
        status=DeliberationStatus(d.status),
        status_label=d.get_status_display(),
        convener_name=d.convener.get_full_name() or d.convener.username,
    )


def follow_up_out(t: FollowUp) -> FollowUpOut:
    assignee = t.assignee
    return FollowUpOut(
        id=t.pk,
        text=t.text,
        assignee_id=t.assignee_id,
        assignee_name=(assignee.get_full_name() or assignee.username) if assignee else "",
        due_on=t.due_on,
        created_at=t.created_at,
        done_at=t.done_at,
        done_note=t.done_note,
    )


def attendee_out(a: Attendee) -> AttendeeOut:
    return AttendeeOut(
        id=a.pk, name=a.name, user_id=a.user_id, invited=a.invited, signed_in_at=a.signed_in_at
    )


def vote_out(user: User, d: Deliberation, vote: OwnersVote, *, with_roll: bool) -> OwnersVoteOut:
    turnout = ovr.owners_turnout(vote)
    roll = None
    if with_roll and ov.may_see_roll(user, d):
        roll = [
            RollEntryOut(
                id=line.entry.pk,
                household_id=line.entry.household_id,
                unit_label=line.entry.unit_label,
                floor_area=format(line.entry.floor_area, "f"),
                owner_name=line.entry.owner_name,
                owner_unverified=line.entry.owner_unverified,
                developer_unsold=line.entry.developer_unsold,
                choice=line.choice.value if line.choice else None,
            )
            for line in ovr.owners_roll(vote)
        ]
    return OwnersVoteOut(
        matter_type=vote.matter_type,
        matter_label=vote.matter.label,
        supermajority=vote.matter.needs_supermajority,
        status=vote.status,
        opened_at=vote.opened_at,
        closed_at=vote.closed_at,
        parties=turnout.parties,
        ballots=turnout.ballots,
        result=VoteResultOut.model_validate(vote.result) if vote.result else None,
        roll=roll,
    )


def detail_out(user: User, d: Deliberation) -> DeliberationOut:
    d = (
        Deliberation.objects.select_related("place", "convener")
        .prefetch_related(
            "cases",
            "attendees",
            Prefetch("follow_ups", FollowUp.objects.select_related("assignee")),
        )
        .get(pk=d.pk)
    )
    vote = ov.owners_vote_of(d)
    tally = svc.hand_tally(deliberation=d)
    return DeliberationOut(
        **brief_out(d).model_dump(),
        agenda=d.agenda,
        minutes=d.minutes,
        decision=d.decision,
        decided_at=d.decided_at,
        cancel_reason=d.cancel_reason,
        cases=[
            CaseBriefOut(id=c.pk, number=c.number, title=c.title, status=c.status)
            for c in sorted(d.cases.all(), key=lambda c: c.pk)
        ],
        attendees=[attendee_out(a) for a in d.attendees.all()],
        options=[OptionOut(id=r.option.pk, text=r.option.text, votes=r.votes) for r in tally.rows],
        hands_summary_zh=tally.summary_zh,
        follow_ups=[follow_up_out(t) for t in d.follow_ups.all()],
        owners_vote=vote_out(user, d, vote, with_roll=False) if vote else None,
        may_manage=access.may_manage(user, d),
    )


def scoped_deliberation(request: HttpRequest, deliberation_id: int) -> tuple[User, Deliberation]:
    user = request_user(request)
    return user, access.access_deliberation(user, deliberation_id)


def owners_vote_or_404(d: Deliberation) -> OwnersVote:
    vote = ov.owners_vote_of(d)
    if vote is None:
        raise NotFound("业主表决")
    return vote


WRITE_ERRORS = errors(400, 403, 404, 409)
