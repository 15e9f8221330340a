"""A case's clocks, from its category's limits and the working-day calendar, and the one
copy of the overdue rule: ``lateness`` for a row in hand, ``overdue_q`` for SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from shequgang.calendar.workdays import working_days_after, working_hours_after
from shequgang.cases.models import CLOCK_STATUSES, Case, Category, Status


@dataclass(frozen=True)
class Clocks:
    ack_due_at: dt.datetime
    warn_at: dt.datetime
    resolve_due_at: dt.datetime


def warn_time(resolve_due_at: dt.datetime) -> dt.datetime:
    """The yellow card shows one working day before the deadline: a deadline is the end of
    a working day, so the warning starts when that last day begins."""
    return resolve_due_at - dt.timedelta(days=1)


def clocks_for(*, category: Category, start: dt.datetime) -> Clocks:
    resolve = working_days_after(start, max(1, category.resolve_days))
    return Clocks(
        ack_due_at=working_hours_after(start, max(1, category.ack_hours)),
        warn_at=warn_time(resolve),
        resolve_due_at=resolve,
    )


# --- Overdue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lateness:
    """Which of a case's clocks have run out at a moment."""

    resolve: bool  # 已超期: being handled, past the resolution limit
    verify: bool  # 超时未核查: waiting for on-site verification, past its limit
    ack: bool  # 超时未签收: not yet signed for, past the acknowledgement limit

    @property
    def overdue(self) -> bool:
        """The overdue of the lists and the API: ``overdue_q`` in SQL."""
        return self.resolve or self.verify


def lateness(
    *,
    status: str,
    now: dt.datetime,
    resolve_due_at: dt.datetime,
    verify_due_at: dt.datetime | None = None,
    ack_due_at: dt.datetime | None = None,
) -> Lateness:
    """The overdue rule on values (a row read as a dict, or a case's fields)."""
    return Lateness(
        resolve=status in CLOCK_STATUSES and resolve_due_at < now,
        verify=status == Status.VERIFYING and verify_due_at is not None and verify_due_at < now,
        ack=status == Status.SUBMITTED and ack_due_at is not None and ack_due_at < now,
    )


def case_lateness(case: Case, now: dt.datetime) -> Lateness:
    return lateness(
        status=case.status,
        now=now,
        resolve_due_at=case.resolve_due_at,
        verify_due_at=case.verify_due_at,
        ack_due_at=case.ack_due_at,
    )


def overdue_q(now: dt.datetime) -> Q:
    """``Lateness.overdue`` in SQL: past the resolution limit while being handled, or past
    the verification limit while waiting for on-site verification."""
    return Q(status__in=CLOCK_STATUSES, resolve_due_at__lt=now) | Q(
        status=Status.VERIFYING, verify_due_at__lt=now
    )
