"""Patrols (巡查) and the events grid workers report on them.

A grid worker starts a patrol over one of their grids, the phone posts GPS fixes while
it is open, the worker reports what they find, and ends it. One open patrol per worker
at a time is a database constraint (``patrol_one_open_per_worker``); the services turn
its violation into 409 ``patrol_open``. A worker reaches only their own patrols: any
other is the same 404 as a missing one."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.cases.dispatch.services import case_request_dispatch
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.cases.services.on_the_spot import case_create_resolved_on_the_spot
from shequgang.errors import Conflict, DomainError, Forbidden, NotFound
from shequgang.grid.models import Patrol, PatrolPoint, PatrolReport
from shequgang.people.roles import Role
from shequgang.people.scope import active_assignments
from shequgang.places.models import Grid, Place
from shequgang.text_rules import text_clean

# One post of track points; a phone posting every few seconds sends far fewer.
MAX_POINTS_PER_POST = 500
# Phone clocks drift: a fix may be stamped this much before the start or after "now".
CLOCK_SKEW = dt.timedelta(minutes=2)


def worker_grids(actor: Actor) -> list[Grid]:
    """The grids ``actor`` is a grid worker of."""
    if actor is None:
        return []
    return [
        a.grid
        for a in active_assignments(actor)
        if a.role == Role.GRID_WORKER and a.grid is not None
    ]


def access_patrol(actor: Actor, patrol_id: Any) -> Patrol:
    """The actor's own patrol, or NotFound (also for someone else's)."""
    try:
        pk = int(patrol_id)
    except (TypeError, ValueError):
        raise NotFound("巡查") from None
    if actor is None or not actor.is_authenticated:
        raise NotFound("巡查")
    patrol = Patrol.objects.select_related("grid").filter(pk=pk, worker_id=actor.pk).first()
    if patrol is None:
        raise NotFound("巡查")
    return patrol


def open_patrol(actor: Actor) -> Patrol | None:
    if actor is None or not actor.is_authenticated:
        return None
    return (
        Patrol.objects.select_related("grid")
        .filter(worker_id=actor.pk, ended_at__isnull=True)
        .first()
    )


def patrol_start(
    *, actor: Actor, grid: Grid | None = None, now: dt.datetime | None = None
) -> Patrol:
    """Open a patrol over ``grid`` (optional when the worker has one grid). 403 for
    someone who is no grid worker, 404 for a grid that is not theirs, 400
    ``grid_required`` when they have several and named none, 409 ``patrol_open`` when
    they already have an open patrol."""
    grids = worker_grids(actor)
    if not grids:
        raise Forbidden("只有网格员可以开始巡查")
    if grid is None:
        if len(grids) > 1:
            raise DomainError("grid_required", "您负责多个网格，请选择要巡查的网格")
        grid = grids[0]
    elif grid.pk not in {g.pk for g in grids}:
        raise NotFound("网格")
    assert actor is not None and actor.pk is not None
    if open_patrol(actor) is not None:
        raise Conflict("patrol_open", "您已有进行中的巡查，请先结束")
    try:
        with transaction.atomic():
            return Patrol.objects.create(
                worker_id=actor.pk, grid=grid, started_at=now or timezone.now()
            )
    except IntegrityError:
        # A concurrent start won the unique index.
        raise Conflict("patrol_open", "您已有进行中的巡查，请先结束") from None


def _locked_open(actor: Actor, patrol: Patrol) -> Patrol:
    locked = Patrol.objects.select_for_update().get(pk=access_patrol(actor, patrol.pk).pk)
    if locked.ended_at is not None:
        raise Conflict("patrol_ended", "该巡查已结束")
    return locked


@transaction.atomic
def patrol_end(
    *, actor: Actor, patrol: Patrol, note: str = "", now: dt.datetime | None = None
) -> Patrol:
    """Close the actor's open patrol (409 ``patrol_ended`` if it already is)."""
    note = text_clean(note, field="note", label="备注", limit=500)
    locked = _locked_open(actor, patrol)
    locked.ended_at = max(now or timezone.now(), locked.started_at)
    locked.note = note
    locked.save(update_fields=["ended_at", "note"])
    return locked


@dataclass(frozen=True)
class TrackPoint:
    at: dt.datetime
    latitude: float
    longitude: float
    accuracy: float | None = None


def _check_point(p: TrackPoint, *, start: dt.datetime, now: dt.datetime) -> None:
    if timezone.is_naive(p.at):
        raise DomainError("invalid_point", "轨迹点的时间必须带时区")
    if not (math.isfinite(p.latitude) and -90 <= p.latitude <= 90):
        raise DomainError("invalid_point", "轨迹点纬度超出范围")
    if not (math.isfinite(p.longitude) and -180 <= p.longitude <= 180):
        raise DomainError("invalid_point", "轨迹点经度超出范围")
    if p.accuracy is not None and not (math.isfinite(p.accuracy) and 0 <= p.accuracy <= 1e5):
        raise DomainError("invalid_point", "定位精度超出范围")
    if not start - CLOCK_SKEW <= p.at <= now + CLOCK_SKEW:
        raise DomainError("invalid_point", "轨迹点的时间不在本次巡查期间")


@transaction.atomic
def patrol_track(
    *, actor: Actor, patrol: Patrol, points: Sequence[TrackPoint], now: dt.datetime | None = None
) -> int:
    """Append GPS fixes to the actor's open patrol; all or none are stored. Returns how
    many were added."""
    if not points:
        return 0
    if len(points) > MAX_POINTS_PER_POST:
        raise DomainError("too_many_points", f"每次最多上传{MAX_POINTS_PER_POST}个轨迹点")
    locked = _locked_open(actor, patrol)
    now = now or timezone.now()
    for p in points:
        _check_point(p, start=locked.started_at, now=now)
    PatrolPoint.objects.bulk_create(
        PatrolPoint(
            patrol=locked, at=p.at, latitude=p.latitude, longitude=p.longitude, accuracy=p.accuracy
        )
        for p in points
    )
    return len(points)


@transaction.atomic
def patrol_report(
    *,
    actor: Actor,
    patrol: Patrol,
    category: Category,
    place: Place,
    title: str,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    photos: Sequence[IO[bytes]] = (),
    handled_on_the_spot: bool = False,
    handling: str = "",
    now: dt.datetime | None = None,
) -> PatrolReport:
    """Report an event found on the actor's open patrol as a ``grid_patrol`` case at
    ``place``, which must be in the patrol's grid (else 404, as for any place outside
    it). Handled on the spot (自行处置): the case is created and recorded resolved by the
    worker with ``handling`` (required). Needs dispatch (需要派遣): the case is raised and
    handed straight to the county command centre's 待派遣 queue (上报→受理→派遣), on its
    timeline as 提请派遣. Atomic: on any error no case and no report exist."""
    locked = _locked_open(actor, patrol)
    if place.grid_id != locked.grid_id:
        raise NotFound("地点")
    now = now or timezone.now()
    common: dict[str, Any] = {
        "actor": actor,
        "category": category,
        "place": place,
        "title": title,
        "description": description,
        "latitude": latitude,
        "longitude": longitude,
        "photos": photos,
        "now": now,
    }
    if handled_on_the_spot:
        case = case_create_resolved_on_the_spot(resolution=handling, **common)
    else:
        case = case_create(source=Source.GRID_PATROL, **common)
        case = case_request_dispatch(actor=actor, case=case, reason="网格员巡查上报：需派遣处置")
    return PatrolReport.objects.create(
        patrol=locked, case=case, handled_on_the_spot=handled_on_the_spot, reported_at=now
    )
