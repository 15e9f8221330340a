"""The owners' vote of a compound deliberation (业主共同决定), counted under Civil Code
Art. 278 by ``art278.art278_tally``.

Counting decisions (the arithmetic's own are documented in ``art278``):
- The roll is a snapshot of the compound's households taken when the vote opens: each
  household is one exclusive unit, weighed by its registered floor area
  (``Place.floor_area``). A household without a registered area refuses the opening, with
  the list of them: the law counts registered area and we do not guess.
- The owner of a unit is the household head (``Resident`` with relation 户主) and is keyed
  by the blind index of the head's ID number, so the roll never holds an ID number. A
  household without a registered head (or whose head has no ID number) gets the stable
  key ``household:<pk>`` and is flagged: it still counts as one owner and may vote.
- Units the developer has not sold or delivered are marked on the roll before the first
  ballot; they vote together, once, as the developer.
- Ballots are recorded by staff from signed paper ballots, one per party (an owner, or the
  developer), for / against / abstain. After the first ballot the roll is locked.
- Closing counts the ballots on the roll and stores the result with every ratio against
  its threshold; owners who cast no ballot simply did not take part."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor, UserLike
from shequgang.audit.services import audit_record
from shequgang.cases.deliberation.access import may_manage, signed_in_user
from shequgang.cases.deliberation.owners_result import result_json
from shequgang.cases.deliberation.workflow import deliberation_lock
from shequgang.cases.engine.art278 import (
    Ballot,
    Choice,
    MatterType,
    UnitShare,
    VoteResult,
    art278_tally,
)
from shequgang.cases.models.deliberation import (
    DEVELOPER_PARTY,
    Deliberation,
    OwnerBallot,
    OwnerRollEntry,
    OwnersVote,
    OwnersVoteStatus,
)
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.people.models import Relation, Resident, ResidentStatus
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope
from shequgang.places.models import Kind, Place

_MISSING_LISTED = 20


def may_see_roll(user: UserLike, deliberation: Deliberation) -> bool:
    """Who owns which unit and how each owner voted: the managers, and staff who may view
    residents of the compound. Everyone else who sees the deliberation sees the totals."""
    return may_manage(user, deliberation) or place_in_scope(
        user, Perm.RESIDENT_VIEW, deliberation.place
    )


def owners_vote_of(deliberation: Deliberation) -> OwnersVote | None:
    return OwnersVote.objects.filter(deliberation=deliberation).first()


# --- The roll -----------------------------------------------------------------------------


def _labels(compound: Place, places: dict[int, Place]) -> dict[int, str]:
    """ "1号楼 1单元 101" for each household, from the places of the compound in memory."""

    def label(p: Place) -> str:
        names = []
        node: Place | None = p
        while node is not None and node.pk != compound.pk:
            names.append(node.name)
            node = places.get(node.parent_id) if node.parent_id else None
        return " ".join(reversed(names))

    return {pk: label(p) for pk, p in places.items() if p.kind == Kind.HOUSEHOLD}


def _build_roll(vote: OwnersVote, compound: Place) -> list[OwnerRollEntry]:
    places = {
        p.pk: p
        for p in Place.objects.filter(path__descendant=compound.path)
        .exclude(pk=compound.pk)
        .only("pk", "parent_id", "kind", "name", "path", "floor_area")
    }
    households = sorted(
        (p for p in places.values() if p.kind == Kind.HOUSEHOLD), key=lambda p: p.path
    )
    if not households:
        raise DomainError("no_households", f"“{compound.name}”尚未登记任何户，无法建立业主名册")
    labels = _labels(compound, places)
    missing = [h for h in households if h.floor_area is None]
    if missing:
        listed = "、".join(labels[h.pk] for h in missing[:_MISSING_LISTED])
        more = f"等{len(missing)}户" if len(missing) > _MISSING_LISTED else f"共{len(missing)}户"
        raise DomainError(
            "floor_area_missing",
            f"以下户未登记专有面积，请先在台账中登记后再发起表决：{listed}（{more}）",
            households=[h.pk for h in missing],
        )
    heads: dict[int, Resident] = {}
    for r in Resident.objects.filter(
        household__path__descendant=compound.path,
        relation=Relation.HEAD,
        status=ResidentStatus.ACTIVE,
    ).order_by("household_id", "id"):
        heads.setdefault(r.household_id, r)
    rows = []
    for h in households:
        head = heads.get(h.pk)
        key = head.id_number_index if head is not None else None
        assert h.floor_area is not None
        rows.append(
            OwnerRollEntry(
                vote=vote,
                household=h,
                unit_label=labels[h.pk][:200],
                floor_area=h.floor_area,
                owner_key=key or f"household:{h.pk}",
                owner_name=head.name if head is not None else "",
                owner_unverified=not key,
            )
        )
    return OwnerRollEntry.objects.bulk_create(rows)


@transaction.atomic
def owners_vote_open(
    *, actor: Actor, deliberation: Deliberation, matter_type: int, now: dt.datetime | None = None
) -> OwnersVote:
    """Open the owners' vote of a compound deliberation on one of the nine matters of
    Art. 278 and snapshot the roll (refused, listing them, if any household of the
    compound has no registered floor area). One vote per deliberation (409)."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="open_owners_vote", actor=user)
    if d.place.kind != Kind.COMPOUND:
        raise DomainError("not_a_compound", "只有小区层级的议事可以发起业主共同决定表决")
    try:
        matter = MatterType(matter_type)
    except ValueError:
        raise DomainError(
            "invalid_matter_type", "表决事项应为民法典第二百七十八条第（一）至（九）项"
        ) from None
    if OwnersVote.objects.filter(deliberation=d).exists():
        raise Conflict("owners_vote_exists", "本次议事已发起业主表决")
    vote = OwnersVote.objects.create(
        deliberation=d, matter_type=matter.value, opened_at=now or timezone.now(), opened_by=user
    )
    roll = _build_roll(vote, d.place)
    audit_record(
        actor=user,
        action="owners_vote.open",
        obj=vote,
        changes={"matter_type": [None, matter.value], "roll": [None, len(roll)]},
    )
    return vote


def _open_vote(d: Deliberation) -> OwnersVote:
    vote = OwnersVote.objects.select_for_update().filter(deliberation=d).first()
    if vote is None:
        raise NotFound("业主表决")
    if vote.status != OwnersVoteStatus.OPEN:
        raise DomainError("owners_vote_closed", "业主表决已计票", status=409)
    return vote


def _entry(vote: OwnersVote, entry_id: int) -> OwnerRollEntry:
    entry = OwnerRollEntry.objects.filter(pk=entry_id, vote=vote).first()
    if entry is None:
        raise NotFound("名册中的房屋")
    return entry


@transaction.atomic
def owners_roll_mark_developer(
    *, actor: Actor, deliberation: Deliberation, entry_id: int, developer_unsold: bool
) -> OwnerRollEntry:
    """Mark a unit as the developer's (unsold, or sold but not delivered) or not. Only
    before the first ballot: after it the roll is locked (409 ``roll_locked``)."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="edit_roll", actor=user)
    vote = _open_vote(d)
    if vote.ballots.exists():
        raise DomainError("roll_locked", "已开始登记选票，业主名册不能再修改", status=409)
    entry = _entry(vote, entry_id)
    before = entry.developer_unsold
    entry.developer_unsold = developer_unsold
    entry.save(update_fields=["developer_unsold"])
    audit_record(
        actor=user,
        action="owners_vote.edit_roll",
        obj=entry,
        changes={"developer_unsold": [before, developer_unsold]},
    )
    return entry


@transaction.atomic
def owners_ballot_record(
    *,
    actor: Actor,
    deliberation: Deliberation,
    entry_id: int,
    choice: str,
    now: dt.datetime | None = None,
) -> OwnerBallot:
    """Record the ballot of the owner of one unit on the roll (or the developer's, for a
    developer unit): once per party — a second ballot of the same owner, through any of
    their units, is a 409 ``duplicate_ballot`` (the row lock and a unique constraint make
    it hold under concurrency)."""
    user = signed_in_user(actor)
    try:
        chosen = Choice(choice)
    except ValueError:
        raise DomainError("invalid_choice", "选票须选择同意、反对或弃权") from None
    d = deliberation_lock(deliberation=deliberation, action="record_ballot", actor=user)
    vote = _open_vote(d)
    entry = _entry(vote, entry_id)
    party = entry.party
    if vote.ballots.filter(party=party).exists():
        raise Conflict("duplicate_ballot", f"{_party_name(entry)}已投票，每位业主只能投票一次")
    try:
        with transaction.atomic():
            ballot = OwnerBallot.objects.create(
                vote=vote,
                party=party,
                entry=entry,
                choice=chosen.value,
                recorded_by=user,
                recorded_at=now or timezone.now(),
            )
    except IntegrityError:
        raise Conflict(
            "duplicate_ballot", f"{_party_name(entry)}已投票，每位业主只能投票一次"
        ) from None
    audit_record(
        actor=user,
        action="owners_vote.ballot",
        obj=vote,
        changes={"entry": [None, entry.pk], "choice": [None, chosen.value]},
    )
    return ballot


def _party_name(entry: OwnerRollEntry) -> str:
    if entry.developer_unsold:
        return "建设单位"
    return f"{entry.unit_label}的业主"


def owners_vote_count(vote: OwnersVote) -> VoteResult:
    """Count the vote's ballots against its roll (pure; nothing stored)."""
    units = [
        UnitShare(
            unit_id=str(e.household_id),
            area=e.floor_area,
            owner_key=None if e.developer_unsold else e.owner_key,
            developer_unsold=e.developer_unsold,
        )
        for e in vote.roll.order_by("id")
    ]
    ballots = [
        Ballot(
            owner_key=None if b.party == DEVELOPER_PARTY else b.party,
            choice=Choice(b.choice),
            developer=b.party == DEVELOPER_PARTY,
        )
        for b in vote.ballots.order_by("id")
    ]
    return art278_tally(matter=vote.matter, units=units, ballots=ballots)


@transaction.atomic
def owners_vote_close(
    *, actor: Actor, deliberation: Deliberation, now: dt.datetime | None = None
) -> OwnersVote:
    """Close the vote and count it under Art. 278; stores whether it was valid and passed,
    and every ratio against its threshold. Once."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="close_owners_vote", actor=user)
    vote = _open_vote(d)
    result = owners_vote_count(vote)
    vote.status = OwnersVoteStatus.CLOSED
    vote.closed_at = now or timezone.now()
    vote.closed_by = user
    vote.quorum_met = result.quorum_met
    vote.passed = result.passed
    vote.summary_zh = result.summary_zh
    vote.result = result_json(result)
    vote.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "quorum_met",
            "passed",
            "summary_zh",
            "result",
        ]
    )
    audit_record(
        actor=user,
        action="owners_vote.close",
        obj=vote,
        changes={
            "status": [OwnersVoteStatus.OPEN, OwnersVoteStatus.CLOSED],
            "quorum_met": [None, result.quorum_met],
            "passed": [None, result.passed],
        },
    )
    return vote
