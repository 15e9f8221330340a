"""A case's clocks, from its category's limits and the working-day calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shequgang.calendar.workdays import working_days_after, working_hours_after
from shequgang.cases.models import Category


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
