import datetime as dt
import zoneinfo
from collections import Counter

import pytest

from shequgang.cases.models import CLOCK_STATUSES, OPEN_STATUSES, Case, Category, Source
from shequgang.cases.services import case_create
from shequgang.dashboard.models import (
    DepartmentOpenTally,
    DueDayTally,
    GridOpenTally,
    MonthCategoryTally,
    MonthTally,
    StateTally,
    WeekTally,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def raise_case(world):
    def make(code="stairwell_light", place=None, actor=None, now=None, **kw):
        return case_create(
            actor=actor or world.users["nobody"],
            source=kw.pop("source", Source.RESIDENT),
            category=Category.objects.get(code=code),
            place=place or world.household_a1,
            title=kw.pop("title", "楼道灯坏了"),
            now=now,
            **kw,
        )

    return make


def _tri(value):
    return -1 if value is None else int(value)


def _area(path):
    return "/".join(path.split("/")[:3]) + "/" if path.count("/") >= 3 else path


def expected_tallies():
    """The tallies recomputed in Python from every case: an oracle independent of the
    SQL the triggers and the recount share."""
    out: dict[str, Counter[tuple[str, ...]]] = {
        name: Counter()
        for name in (
            *("state", "week", "month", "mc", "due_day"),
            *("grid_open", "department_open"),
        )
    }
    for c in Case.objects.all():
        local = c.created_at.astimezone(SHANGHAI).date()
        week = str(local - dt.timedelta(days=local.weekday()))
        month = str(local.replace(day=1))
        flags = (
            (c.ack_overdue_at is not None)
            + 2 * (c.yellow_card_at is not None)
            + 4 * (c.red_card_at is not None)
        )
        cc = c.county_code
        out["state"][(cc, _area(c.place_path), c.status, str(flags))] += 1
        out["week"][(cc, week, str(c.category_id))] += 1
        out["month"][
            (
                cc,
                month,
                c.status,
                str(_tri(c.responded_on_time)),
                str(_tri(c.resolved_on_time)),
                c.satisfaction,
                str(c.resolved_rung or 0),
            )
        ] += 1
        out["mc"][(cc, month, str(c.category_id), c.status, str(c.resolved_rung or 0))] += 1
        if c.status in CLOCK_STATUSES and c.resolve_due_at is not None:
            out["due_day"][(cc, str(c.resolve_due_at.astimezone(SHANGHAI).date()))] += 1
        if c.status in OPEN_STATUSES and c.grid_id is not None:
            out["grid_open"][(cc, str(c.grid_id))] += 1
        if c.status in OPEN_STATUSES and c.handler_department_id is not None:
            out["department_open"][(cc, str(c.handler_department_id))] += 1
    return {k: {key: n for key, n in v.items() if n} for k, v in out.items()}


def stored_tallies():
    def rows(model, *fields):
        return {
            tuple(str(v) for v in row[:-1]): row[-1]
            for row in model.objects.exclude(n=0).values_list(*fields, "n")
        }

    return {
        "state": rows(StateTally, "county_code", "area_path", "status", "flags"),
        "week": rows(WeekTally, "county_code", "week", "category_id"),
        "month": rows(
            MonthTally,
            "county_code",
            "month",
            "status",
            "responded_on_time",
            "resolved_on_time",
            "satisfaction",
            "resolved_rung",
        ),
        "mc": rows(
            MonthCategoryTally, "county_code", "month", "category_id", "status", "resolved_rung"
        ),
        "due_day": rows(DueDayTally, "county_code", "due_day"),
        "grid_open": rows(GridOpenTally, "county_code", "grid_id"),
        "department_open": rows(DepartmentOpenTally, "county_code", "department_id"),
    }


def assert_in_step():
    expected, stored = expected_tallies(), stored_tallies()
    for name in expected:
        assert stored[name] == expected[name], name
