"""API of a compound's owners' vote under Civil Code Art. 278 (mounted at
/api/v1/deliberations, beside ``deliberation.api``): open it on a snapshot of the roll, mark
the developer's units, record ballots, close and count it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from shequgang.apikit.schemas import PathId, errors
from shequgang.cases.deliberation import owners_vote as ov
from shequgang.cases.deliberation.api_out import (
    WRITE_ERRORS,
    owners_vote_or_404,
    scoped_deliberation,
    vote_out,
)
from shequgang.cases.deliberation.schemas import (
    BallotIn,
    BallotOut,
    OpenVoteIn,
    OwnersVoteOut,
    RollEntryIn,
    RollEntryOut,
)
from shequgang.cases.models.deliberation import (
    OwnerBallot,
    OwnerRollEntry,
)

router = Router(tags=["议事"])


# --- Owners' vote -------------------------------------------------------------------------


@router.get(
    "/{int:deliberation_id}/owners-vote",
    response={200: OwnersVoteOut, **errors(404)},
    summary="业主共同决定表决（含名册）",
)
def owners_vote_detail(request: HttpRequest, deliberation_id: PathId) -> OwnersVoteOut:
    user, d = scoped_deliberation(request, deliberation_id)
    return vote_out(user, d, owners_vote_or_404(d), with_roll=True)


@router.post(
    "/{int:deliberation_id}/owners-vote",
    response={201: OwnersVoteOut, **WRITE_ERRORS},
    summary="发起业主共同决定表决（建立业主名册）",
)
def owners_vote_open(
    request: HttpRequest, deliberation_id: PathId, payload: OpenVoteIn
) -> Status[OwnersVoteOut]:
    """Snapshots the compound's households as the roll; refused (400
    ``floor_area_missing``, with ``households``) while any has no registered area."""
    user, d = scoped_deliberation(request, deliberation_id)
    vote = ov.owners_vote_open(actor=user, deliberation=d, matter_type=payload.matter_type)
    return Status(201, vote_out(user, d, vote, with_roll=True))


@router.patch(
    "/{int:deliberation_id}/owners-vote/roll/{int:entry_id}",
    response={200: RollEntryOut, **WRITE_ERRORS},
    summary="标记建设单位未售出/未交付的房屋（首张选票前）",
)
def owners_roll_edit(
    request: HttpRequest, deliberation_id: PathId, entry_id: PathId, payload: RollEntryIn
) -> RollEntryOut:
    user, d = scoped_deliberation(request, deliberation_id)
    entry: OwnerRollEntry = ov.owners_roll_mark_developer(
        actor=user, deliberation=d, entry_id=entry_id, developer_unsold=payload.developer_unsold
    )
    return RollEntryOut(
        id=entry.pk,
        household_id=entry.household_id,
        unit_label=entry.unit_label,
        floor_area=format(entry.floor_area, "f"),
        owner_name=entry.owner_name,
        owner_unverified=entry.owner_unverified,
        developer_unsold=entry.developer_unsold,
        choice=None,
    )


@router.post(
    "/{int:deliberation_id}/owners-vote/ballots",
    response={201: BallotOut, **WRITE_ERRORS},
    summary="登记业主选票（每位业主一票）",
)
def owners_ballot_record(
    request: HttpRequest, deliberation_id: PathId, payload: BallotIn
) -> Status[BallotOut]:
    """A second ballot of the same owner (through any of their units) is 409
    ``duplicate_ballot``."""
    user, d = scoped_deliberation(request, deliberation_id)
    ballot: OwnerBallot = ov.owners_ballot_record(
        actor=user, deliberation=d, entry_id=payload.entry_id, choice=payload.choice
    )
    return Status(
        201,
        BallotOut(
            id=ballot.pk,
            entry_id=ballot.entry_id,
            choice=ballot.choice,
            recorded_at=ballot.recorded_at,
        ),
    )


@router.post(
    "/{int:deliberation_id}/owners-vote/close",
    response={200: OwnersVoteOut, **WRITE_ERRORS},
    summary="计票（按民法典第二百七十八条）",
)
def owners_vote_close(request: HttpRequest, deliberation_id: PathId) -> OwnersVoteOut:
    user, d = scoped_deliberation(request, deliberation_id)
    vote = ov.owners_vote_close(actor=user, deliberation=d)
    return vote_out(user, d, vote, with_roll=True)
