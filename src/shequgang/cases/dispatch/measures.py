"""Measures of the dispatch loop, per department and per grid worker, for a county or the
city and a period. Each figure is a numerator and a denominator over rows that can be
listed (department turns ``DispatchLeg``, verifications ``CaseVerification``).

Per department, over its turns assigned in [start, end) for cases inside the place:
- 签收及时率: turns it signed for (or returned/transferred) by the acknowledgement limit,
  over the turns it responded to plus those still unanswered past the limit at ``now``;
- 按时办结率: turns resolved (verified) whose report came by the resolution limit, over
  the turns resolved;
- 退单率 / 流转率: turns it returned / transferred, over all its turns;
- 核查通过率: verifications of its reports that passed, over all verifications of them.

Per grid worker (and community staff who verified), over verifications done in
[start, end): 核查及时率 (by the verification limit) and 核查通过率 (share passed), with the
cases they reported through the grid-patrol door in the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum

from shequgang.cases.engine.measures import Ratio
from shequgang.cases.models import Case, Source, Status
from shequgang.cases.models.dispatch import CaseVerification, DispatchLeg, LegOutcome
from shequgang.places.models import Department, Place

_ACK_DUE = Q(responded_on_time__isnull=False)


def _ack_den(now: dt.datetime) -> Q:
    return _ACK_DUE | Q(responded_at__isnull=True, ack_due_at__lt=now)


def department_figures(now: dt.datetime) -> dict[str, tuple[Q, Q]]:
    """figure -> (numerator, denominator) conditions on a department's turns; the
    drill-down lists the cases of the turns each one counts."""
    resolved = Q(outcome=LegOutcome.RESOLVED)
    return {
        "legs": (Q(), Q()),
        "acknowledged": (Q(responded_on_time=True), _ack_den(now)),
        "on_time": (resolved & Q(reported_on_time=True), resolved),
        "returned": (Q(outcome=LegOutcome.RETURNED), Q()),
        "transferred": (Q(outcome=LegOutcome.TRANSFERRED), Q()),
        # Turns with a passed verification / with any verification.
        "verified": (Q(verifications_passed__gt=0), Q(verifications__gt=0)),
    }


def _legs(*, place: Place, start: dt.datetime, end: dt.datetime) -> QuerySet[DispatchLeg]:
    return DispatchLeg.objects.filter(
        place_path__descendant=place.path, assigned_at__gte=start, assigned_at__lt=end
    )


def department_figure_cases(
    *,
    place: Place,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    department_id: int,
    figure: str,
    part: str,
) -> QuerySet[Case]:
    """The cases behind one department figure: ``part`` is "numerator" or
    "denominator". Raises KeyError for an unknown figure or part."""
    if part not in {"numerator", "denominator"}:
        raise KeyError(part)
    num, den = department_figures(now)[figure]
    cond = num & den if part == "numerator" else den
    legs = _legs(place=place, start=start, end=end).filter(cond, department_id=department_id)
    return Case.objects.filter(pk__in=legs.values("case_id"))


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    legs: int
    open: int
    acknowledged: Ratio
    on_time: Ratio
    returned: Ratio
    transferred: Ratio
    verified: Ratio


@dataclass(frozen=True)
class WorkerRow:
    user: User
    reported: int
    verify_on_time: Ratio
    verify_passed: Ratio


@dataclass(frozen=True)
class DispatchMeasures:
    place: Place
    start: dt.datetime
    end: dt.datetime
    departments: list[DepartmentRow]
    workers: list[WorkerRow]
    verify_overdue: int  # waiting for verification past the limit, now


def department_rows(
    *, place: Place, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list[DepartmentRow]:
    legs = _legs(place=place, start=start, end=end)
    rows = (
        legs.values("department_id")
        .annotate(
            legs=Count("id"),
            open=Count("id", filter=Q(ended_at__isnull=True)),
            ack_n=Count("id", filter=Q(responded_on_time=True)),
            ack_d=Count("id", filter=_ack_den(now)),
            ontime_n=Count("id", filter=Q(outcome=LegOutcome.RESOLVED, reported_on_time=True)),
            ontime_d=Count("id", filter=Q(outcome=LegOutcome.RESOLVED)),
            returned=Count("id", filter=Q(outcome=LegOutcome.RETURNED)),
            transferred=Count("id", filter=Q(outcome=LegOutcome.TRANSFERRED)),
            passed=Sum("verifications_passed"),
            verified=Sum("verifications"),
        )
        .order_by("department_id")
    )
    departments = Department.objects.in_bulk([r["department_id"] for r in rows])
    out = [
        DepartmentRow(
            department=departments[r["department_id"]],
            legs=r["legs"],
            open=r["open"],
            acknowledged=Ratio("签收及时率", r["ack_n"], r["ack_d"]),
            on_time=Ratio("按时办结率", r["ontime_n"], r["ontime_d"]),
            returned=Ratio("退单率", r["returned"], r["legs"]),
            transferred=Ratio("流转率", r["transferred"], r["legs"]),
            verified=Ratio("核查通过率", r["passed"] or 0, r["verified"] or 0),
        )
        for r in rows
    ]
    return sorted(out, key=lambda row: (-row.legs, row.department.name))


def worker_rows(*, place: Place, start: dt.datetime, end: dt.datetime) -> list[WorkerRow]:
    checks = (
        CaseVerification.objects.filter(
            place_path__descendant=place.path, at__gte=start, at__lt=end
        )
        .values("verifier_id")
        .annotate(
            total=Count("id"),
            on_time=Count("id", filter=Q(on_time=True)),
            passed=Count("id", filter=Q(passed=True)),
        )
    )
    by_user = {r["verifier_id"]: r for r in checks}
    reported = dict(
        Case.objects.filter(
            place_path__descendant=place.path,
            created_at__gte=start,
            created_at__lt=end,
            source=Source.GRID_PATROL,
            raiser__isnull=False,
        )
        .values("raiser_id")
        .annotate(n=Count("id"))
        .values_list("raiser_id", "n")
    )
    users = User.objects.in_bulk([*by_user, *reported])
    rows = []
    for uid, user in users.items():
        r = by_user.get(uid, {"total": 0, "on_time": 0, "passed": 0})
        rows.append(
            WorkerRow(
                user=user,
                reported=reported.get(uid, 0),
                verify_on_time=Ratio("核查及时率", r["on_time"], r["total"]),
                verify_passed=Ratio("核查通过率", r["passed"], r["total"]),
            )
        )
    return sorted(rows, key=lambda row: (-row.verify_passed.denominator, row.user.username))


def dispatch_measures(
    *, place: Place, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> DispatchMeasures:
    overdue = Case.objects.filter(
        place_path__descendant=place.path, status=Status.VERIFYING, verify_due_at__lt=now
    ).count()
    return DispatchMeasures(
        place=place,
        start=start,
        end=end,
        departments=department_rows(place=place, start=start, end=end, now=now),
        workers=worker_rows(place=place, start=start, end=end),
        verify_overdue=overdue,
    )
