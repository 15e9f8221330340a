"""自行处置: a grid worker reports an event they have already handled on the spot.

The case goes through the same engine as any other — created by ``case_create`` (so it
is numbered, routed and on the holder's books) — and is then signed for and resolved by
the reporting grid worker in the same transaction, both through ``workflow.transition``,
so the timeline shows created → assigned → acknowledged → resolved with the handling
text. Nothing else may resolve a case this way: only the grid worker of the place's grid
who raised it, in the same transaction that raised it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO

from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.calendar.workdays import working_days_after
from shequgang.cases.engine.workflow import Change, transition
from shequgang.cases.models import Case, CaseRules, Category, EventKind, Source
from shequgang.cases.services.create import case_create
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.people.roles import Role
from shequgang.people.scope import active_assignments
from shequgang.places.models import Place

ON_THE_SPOT_NOTE = "网格员现场自行处置"


def _grid_worker_of(actor: Actor, grid_id: int | None) -> bool:
    if actor is None or grid_id is None:
        return False
    return any(
        a.role == Role.GRID_WORKER and a.grid_id == grid_id for a in active_assignments(actor)
    )


@transaction.atomic
def case_create_resolved_on_the_spot(
    *,
    actor: Actor,
    category: Category,
    place: Place,
    title: str,
    resolution: str,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    photos: Sequence[IO[bytes]] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Raise a ``grid_patrol`` case at ``place`` and record it resolved by ``actor`` with
    ``resolution``. ``actor`` must be a grid worker of the place's grid (else 404
    ``not_found``, as for any place outside their grid); ``resolution`` is required
    (``resolution_required``). Atomic: on any error nothing is written."""
    text = (resolution or "").strip()
    if not text:
        raise DomainError("resolution_required", "请填写现场处置情况")
    if len(text) > 4000:
        raise DomainError("resolution_too_long", "处置情况不能超过4000个字")
    if not _grid_worker_of(actor, place.grid_id):
        raise NotFound("地点")
    now = now or timezone.now()
    case = case_create(
        actor=actor,
        source=Source.GRID_PATROL,
        category=category,
        place=place,
        title=title,
        description=description,
        latitude=latitude,
        longitude=longitude,
        photos=photos,
        now=now,
    )

    def check(c: Case) -> None:
        if c.raiser_id != getattr(actor, "pk", None) or not _grid_worker_of(actor, c.grid_id):
            raise Forbidden("只有上报的网格员可以现场处置")

    transition(
        case_id=case.pk,
        action="acknowledge",
        actor=actor,
        check=check,
        change=lambda c: Change(
            EventKind.ACKNOWLEDGED,
            reason=ON_THE_SPOT_NOTE,
            fields={"acknowledged_at": now, "responded_on_time": True},
            data={"on_the_spot": True},
        ),
    )
    auto_close_days = max(1, CaseRules.current().auto_close_days)
    resolved, _ = transition(
        case_id=case.pk,
        action="resolve",
        actor=actor,
        check=check,
        change=lambda c: Change(
            EventKind.RESOLVED,
            reason=text,
            fields={
                "resolved_at": now,
                "resolved_rung": c.rung,
                "resolution": text,
                "resolved_on_time": True,
                "close_due_at": working_days_after(now, auto_close_days),
            },
            data={"on_the_spot": True},
        ),
    )
    return resolved
