"""Bookkeeping of departments' turns with a case (``DispatchLeg``), kept in step with the
case by the services that move it. Called inside the service's transaction, after the
transition: the case row is locked and current."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F

from shequgang.cases.models import Case, Rung, Status
from shequgang.cases.models.dispatch import DispatchLeg, LegOutcome, LegVia

# Statuses in which a department holds a case (its leg stays open).
DEPARTMENT_HELD = frozenset(
    {
        Status.SUBMITTED,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.REOPENED,
        Status.ON_HOLD,
        Status.VERIFYING,
    }
)


def open_leg(case: Case) -> DispatchLeg | None:
    return DispatchLeg.objects.filter(case_id=case.pk, ended_at__isnull=True).first()


def _new_leg(case: Case, via: str) -> DispatchLeg:
    assert case.handler_department_id is not None
    return DispatchLeg(
        case_id=case.pk,
        department_id=case.handler_department_id,
        place_path=case.place_path,
        via=via,
        dispatcher_place_id=case.dispatcher_place_id,
        dispatched_by_id=case.dispatched_by_id,
        assigned_at=case.assigned_at,
        ack_due_at=case.ack_due_at,
        resolve_due_at=case.resolve_due_at,
    )


def leg_end(case: Case, *, outcome: str, at: dt.datetime) -> None:
    """End the open leg (if any) with ``outcome``; a first response is recorded too."""
    leg = open_leg(case)
    if leg is None:
        return
    leg.outcome, leg.ended_at = outcome, at
    if leg.responded_at is None and outcome in {LegOutcome.RETURNED, LegOutcome.TRANSFERRED}:
        leg.responded_at, leg.responded_on_time = at, at <= leg.ack_due_at
    leg.save()


def legs_follow(case: Case, *, via: str, at: dt.datetime, ended: str) -> None:
    """Make the legs agree with where ``case`` now is: end a leg whose department no
    longer holds it (with ``ended``), open one for the department that now does."""
    if case.rung != Rung.DEPARTMENT:
        return  # legs open only at the department rung, and a case never goes back down
    held = (
        case.handler_department_id
        if case.rung == Rung.DEPARTMENT and case.status in DEPARTMENT_HELD
        else None
    )
    leg = open_leg(case)
    if leg is not None and leg.department_id != held:
        leg_end(case, outcome=ended, at=at)
        leg = None
    if held is not None and leg is None:
        _new_leg(case, via).save()


def legs_open_many(ids: Iterable[int], *, via: str = LegVia.ESCALATION) -> None:
    """Legs for cases the sweep just moved to a department (set-wise)."""
    cases = Case.objects.filter(pk__in=list(ids), handler_department__isnull=False)
    DispatchLeg.objects.bulk_create([_new_leg(c, via) for c in cases], batch_size=1000)


def leg_acknowledged(case: Case, *, at: dt.datetime) -> None:
    leg = open_leg(case)
    if leg is None:
        return
    leg.acknowledged_at = at
    if leg.responded_at is None:
        leg.responded_at, leg.responded_on_time = at, at <= leg.ack_due_at
    leg.save()


def leg_reported(case: Case, *, at: dt.datetime) -> None:
    DispatchLeg.objects.filter(case_id=case.pk, ended_at__isnull=True).update(
        reported_at=at, reported_on_time=at <= case.resolve_due_at, reports=F("reports") + 1
    )


def leg_verified(case: Case, *, passed: bool, at: dt.datetime) -> DispatchLeg | None:
    leg = open_leg(case)
    if leg is None:
        return None
    leg.verifications += 1
    if passed:
        leg.verifications_passed += 1
        leg.outcome, leg.ended_at = LegOutcome.RESOLVED, at
    leg.save()
    return leg
