"""The periodic sweep over deadlines, set-wise.

- 超时未签收: submitted cases past their acknowledgement limit are flagged once.
- 黄牌: open cases whose last working day has begun get a yellow card once.
- 红牌 + 提级: open cases past the resolution limit get a red card and go one rung up
  (grouped: every case of one holder and category moves with one UPDATE). At the top
  rung they are only flagged.
- 超时未核查: cases a department reported back that nobody verified on site within
  ``CaseRules.verify_hours`` are flagged once.
- 自动结案: resolved cases nobody rated close after ``CaseRules.auto_close_days``.

Each step selects candidate ids through an index, then claims them with a conditional
UPDATE that stamps the run's token; only rows carrying the token get events, so two
sweeps running at once never act on a case twice."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from shequgang.cases.engine.legs import legs_open_many
from shequgang.cases.engine.route_fields import route_fields
from shequgang.cases.engine.routing import Route, route
from shequgang.cases.models import (
    CLOCK_STATUSES,
    Case,
    CaseEvent,
    Category,
    EventKind,
    Rung,
    Status,
)
from shequgang.cases.services import notifications
from shequgang.errors import DomainError
from shequgang.places.models import Place
from shequgang.places.selectors import place_ancestors_cached
from shequgang.reference_cache import read_generation

# Escalation groups moved per transaction (each group is one UPDATE).
MOVES_PER_TRANSACTION = 200


@dataclass
class SweepReport:
    ack_overdue: int = 0
    yellow: int = 0
    escalated: int = 0
    red_at_top: int = 0
    verify_overdue: int = 0
    auto_closed: int = 0

    def __str__(self) -> str:
        return (
            f"超时未签收 {self.ack_overdue}，黄牌 {self.yellow}，红牌提级 {self.escalated}，"
            f"顶层红牌 {self.red_at_top}，超时未核查 {self.verify_overdue}，"
            f"自动结案 {self.auto_closed}"
        )


def _claimed(ids: list[int], token: uuid.UUID) -> list[int]:
    return list(Case.objects.filter(pk__in=ids, swept_by=token).values_list("pk", flat=True))


def _event_rows(
    ids: Iterable[int],
    *,
    kind: EventKind,
    now: dt.datetime,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    from_rung: int | None = None,
    to_rung: int | None = None,
) -> list[CaseEvent]:
    return [
        CaseEvent(
            case_id=pk,
            at=now,
            kind=kind,
            reason=reason,
            from_status=from_status,
            to_status=to_status,
            from_rung=from_rung,
            to_rung=to_rung,
        )
        for pk in ids
    ]


def _events(ids: Iterable[int], **kw: Any) -> None:
    CaseEvent.objects.bulk_create(_event_rows(ids, **kw), batch_size=1000)


def _flag(
    qs: QuerySet[Case],
    *,
    field: str,
    kind: EventKind,
    now: dt.datetime,
    batch: int,
    reason: str,
    to_status: str = "",
) -> list[int]:
    """Set ``field`` (and the status, if given) once on up to ``batch`` matching cases."""
    ids = list(qs.filter(**{f"{field}__isnull": True}).values_list("pk", flat=True)[:batch])
    if not ids:
        return []
    token = uuid.uuid4()
    extra = {"status": to_status} if to_status else {}
    with transaction.atomic():
        qs.filter(pk__in=ids, **{f"{field}__isnull": True}).update(
            **{field: now, "swept_by": token, "updated_at": now, **extra}
        )
        mine = _claimed(ids, token)
        _events(mine, kind=kind, now=now, reason=reason, to_status=to_status)
    return mine


@dataclass
class _Move:
    """One group of a batch: every case of one holder and category (and, at the central
    household, one place) moves to the same ``route`` (None: top rung, flag only)."""

    rung: int
    category: Category
    route: Route | None
    ids: list[int]


def _plan(rows: list[tuple[int, int, Any, Any, int, int]], generation: int | None) -> list[_Move]:
    """The batch's groups with their routes: two reads for the whole batch (categories,
    sample places); the routes from the reference copies (``route`` with the generation)."""
    groups: dict[tuple[int, int | None, int | None, int, int | None], list[int]] = defaultdict(list)
    first_place: dict[tuple[int, int | None, int | None, int, int | None], int] = {}
    for pk, rung, hp, hd, cat, place_id in rows:
        # Above the central household, every case of one holder shares the next node.
        key = (rung, hp, hd, cat, place_id if rung == Rung.CENTRAL_HOUSEHOLD else None)
        groups[key].append(pk)
        first_place.setdefault(key, place_id)
    categories = Category.objects.in_bulk({k[3] for k in groups})
    places = Place.objects.in_bulk(set(first_place.values()))
    moves = []
    for key, ids in groups.items():
        rung, category = key[0], categories[key[3]]
        r: Route | None = None
        if rung < Rung.DEPARTMENT:
            place = places[first_place[key]]
            chain = place_ancestors_cached(place=place, generation=generation)
            try:
                r = route(
                    place=place,
                    category=category,
                    rung=rung + 1,
                    chain=chain,
                    generation=generation,
                )
            except DomainError:
                r = None  # no department to go to: flag only
        moves.append(_Move(rung=rung, category=category, route=r, ids=ids))
    return moves


def _escalate(moves: list[_Move], *, now: dt.datetime, report: SweepReport) -> set[int]:
    """Move ``moves`` in one transaction: one UPDATE per group (stamped with one token),
    then the claimed cases' events, legs and the holders' notices, set-wise. Returns the
    ids that did not move up (at the top rung, taken by a concurrent sweep, or no longer
    overdue): the caller sets them aside."""
    token = uuid.uuid4()
    events: list[CaseEvent] = []
    to_departments: list[int] = []
    holder_ids: dict[tuple[int, int | None, int | None], list[int]] = {}
    with transaction.atomic():
        for move in moves:
            overdue = Case.objects.filter(
                pk__in=move.ids, status__in=CLOCK_STATUSES, rung=move.rung, resolve_due_at__lt=now
            )
            r = move.route
            if r is None:
                overdue.filter(red_card_at__isnull=True).update(red_card_at=now, swept_by=token)
                continue
            # The same fields as a manual escalation (engine.route_fields), plus the red card.
            overdue.update(
                status=Status.SUBMITTED,
                rung=r.rung,
                **route_fields(r, category=move.category, start=now),
                red_card_at=now,
                escalations=F("escalations") + 1,
                swept_by=token,
                updated_at=now,
            )
        mine = set(_claimed([pk for m in moves for pk in m.ids], token))
        for move in moves:
            moved = [pk for pk in move.ids if pk in mine]
            r = move.route
            if r is None:
                events += _event_rows(
                    moved, kind=EventKind.RED_CARD, now=now, reason="超过办结时限（已在最高层级）"
                )
                report.red_at_top += len(moved)
                continue
            if not moved:
                continue
            note = f"超期自动提级至{Rung(r.rung).label}：{r.holder_name}"
            events += _event_rows(
                moved,
                kind=EventKind.RED_CARD,
                now=now,
                reason="超过办结时限",
                from_rung=move.rung,
                to_rung=move.rung,
            )
            events += _event_rows(
                moved,
                kind=EventKind.ESCALATED,
                now=now,
                reason=note,
                to_status=Status.SUBMITTED,
                from_rung=move.rung,
                to_rung=r.rung,
            )
            if r.department is not None:
                to_departments += moved
            holder = (
                r.rung,
                r.place.pk if r.place else None,
                r.department.pk if r.department else None,
            )
            if holder not in holder_ids:
                holder_ids[holder] = (
                    r.holder_ids
                    if r.holder_ids is not None
                    else notifications.holders_of(
                        Case(rung=r.rung, handler_place=r.place, handler_department=r.department)
                    )
                )
            notifications.notify(
                user_ids=holder_ids[holder],
                case=None,
                title=f"{len(moved)}件超期事项提级至您处",
                body=note,
            )
            report.escalated += len(moved)
        CaseEvent.objects.bulk_create(events, batch_size=1000)
        if to_departments:
            legs_open_many(to_departments)
    return {pk for m in moves for pk in m.ids if m.route is None or pk not in mine}


def run_sweep(*, now: dt.datetime | None = None, batch: int = 5000) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    open_cases = Case.objects.filter(status__in=CLOCK_STATUSES)

    while ids := _flag(
        Case.objects.filter(status=Status.SUBMITTED, ack_due_at__lt=now),
        field="ack_overdue_at",
        kind=EventKind.ACK_OVERDUE,
        now=now,
        batch=batch,
        reason="超过签收时限",
    ):
        report.ack_overdue += len(ids)
    while ids := _flag(
        open_cases.filter(warn_at__lte=now, resolve_due_at__gte=now),
        field="yellow_card_at",
        kind=EventKind.YELLOW_CARD,
        now=now,
        batch=batch,
        reason="距办结时限不足一个工作日",
    ):
        report.yellow += len(ids)

    # Escalation, grouped by holder and category so each group is one UPDATE. Cases that
    # cannot move (top rung, or taken by a concurrent sweep) are set aside, so every pass
    # makes progress.
    set_aside: set[int] = set()
    generation = read_generation()
    while True:
        rows = list(
            open_cases.filter(resolve_due_at__lt=now)
            .exclude(pk__in=set_aside)
            .order_by("resolve_due_at")
            .values_list(
                "pk", "rung", "handler_place_id", "handler_department_id", "category_id", "place_id"
            )[:batch]
        )
        if not rows:
            break
        moves = _plan(rows, generation)
        # Groups of one batch move in transactions of up to MOVES_PER_TRANSACTION groups
        # (on SQLite a transaction holds the one write lock: the site's writes wait).
        for start in range(0, len(moves), MOVES_PER_TRANSACTION):
            set_aside |= _escalate(
                moves[start : start + MOVES_PER_TRANSACTION], now=now, report=report
            )

    while ids := _flag(
        Case.objects.filter(status=Status.VERIFYING, verify_due_at__lt=now),
        field="verify_overdue_at",
        kind=EventKind.VERIFY_OVERDUE,
        now=now,
        batch=batch,
        reason="超过核查时限",
    ):
        report.verify_overdue += len(ids)
    while ids := _flag(
        Case.objects.filter(status=Status.RESOLVED, close_due_at__lt=now),
        field="closed_at",
        kind=EventKind.CLOSED,
        now=now,
        batch=batch,
        reason="群众未评价，自动结案",
        to_status=Status.CLOSED,
    ):
        report.auto_closed += len(ids)
    return report
