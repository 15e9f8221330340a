"""The command centre's figures for the city or one county, read from the tallies.

Every figure but one is a sum over tally rows, kept exactly in step with the cases by
the triggers, and summed in the database (``tally_reads.py``), so each read returns a
handful of rows however many tally rows the city has:

- live counts by status, by county or town/street, red cards (红牌), yellow cards and
  overdue acknowledgements (the sweep's stamps, which are row writes): ``StateTally``;
- the grids and departments with the most open cases: their open-load roll-ups
  ``GridOpenTally`` and ``DepartmentOpenTally`` (a county's ten busiest are the first
  ten entries of an index);
- cases raised per category this week and last: ``WeekTally``;
- the 三率 and the ladder shares of ``cases.measures`` for whole months: ``MonthTally``
  and, for the dispute figure, ``MonthCategoryTally``.

The exception is **overdue** (超期): a deadline passes without any row being written, so
it is split at the start of today (``overdue.py``): the cases due on earlier days are a
sum over ``DueDayTally`` (clock-running cases by deadline day), those due today before
now are counted live over a small partial index — exact to the second, and the live
range is at most one day's deadlines however many cases are overdue.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from shequgang.cases.engine.measures import MEASURES, Measures, Ratio
from shequgang.cases.models import (
    OPEN_STATUSES,
    CaseRules,
    Category,
    Status,
)
from shequgang.dashboard.access import DashboardScope
from shequgang.dashboard.models import (
    DepartmentOpenTally,
    GridOpenTally,
)
from shequgang.dashboard.overdue import overdue_by_county
from shequgang.dashboard.tally_reads import month_sums, state_sums, week_sums
from shequgang.places.models import Department, Grid, Kind, Place

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TOP = 10  # rows in the load tables


def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status  # a status added after this code: counted all the same


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    n: int
    is_open: bool


@dataclass(frozen=True)
class Load:
    id: int
    name: str
    open: int
    red: int = 0


@dataclass(frozen=True)
class CategoryWeek:
    id: int
    name: str
    this_week: int
    last_week: int


@dataclass(frozen=True)
class Figures:
    scope: DashboardScope
    at: dt.datetime
    total: int
    open: int
    red: int  # open cases that carry a red card
    yellow: int  # open cases that carry a yellow card
    ack_overdue: int  # submitted cases flagged past the acknowledgement limit
    overdue: int  # open cases past the resolution deadline, now
    by_status: list[StatusCount]
    areas: list[Load]  # counties (city) or towns/streets (county)
    grids: list[Load]
    departments: list[Load]
    week_start: dt.date
    categories: list[CategoryWeek]
    month_start: dt.date
    measures: Measures


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def overdue_count(scope: DashboardScope, now: dt.datetime) -> int:
    """Open cases past their resolution deadline at ``now`` (``overdue.py``)."""
    by_county = overdue_by_county(now)
    return sum(by_county.values()) if scope.is_city else by_county.get(scope.county_code or "", 0)


def _live(scope: DashboardScope) -> tuple[list[StatusCount], dict[str, int], list[Load]]:
    by_status: dict[str, int] = defaultdict(int)
    flags: dict[str, int] = defaultdict(int)
    area_open: dict[str, int] = defaultdict(int)
    area_red: dict[str, int] = defaultdict(int)
    for area, status, n, red, yellow, ack in state_sums(scope.county_code):
        by_status[status] += n
        if status not in OPEN_STATUSES:
            continue
        area_open[area] += n
        area_red[area] += red
        flags["red"] += red
        flags["yellow"] += yellow
        if status == Status.SUBMITTED:
            flags["ack_overdue"] += ack
    order = {s: i for i, s in enumerate(Status.values)}
    statuses = [
        StatusCount(s, status_label(s), n, s in OPEN_STATUSES)
        for s, n in sorted(by_status.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
        if n
    ]
    if scope.county_code:
        places = Place.objects.filter(path__in=area_open.keys())
        names = {p.path: p for p in places}
    else:
        places = Place.objects.filter(kind=Kind.COUNTY, code__in=area_open.keys())
        names = {p.code: p for p in places}
    areas = [
        Load(names[k].pk if k in names else 0, names[k].name if k in names else k, n, area_red[k])
        for k, n in sorted(area_open.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return statuses, flags, areas


def _loads(
    model: type[GridOpenTally] | type[DepartmentOpenTally], column: str, scope: DashboardScope
) -> list[tuple[int, int]]:
    """The ``TOP`` busiest grids or departments: (id, open cases), busiest first."""
    if scope.county_code:
        # One row per grid of the county: its first entries of the (county, -n, id) index.
        rows = (
            model.objects.filter(county_code=scope.county_code, n__gt=0)
            .order_by("-n", column)
            .values_list(column, "n")[:TOP]
        )
        return list(rows)
    # City-wide a grid's cases may (wrongly) carry two county codes: sum its rows.
    summed = (
        model.objects.values_list(column)
        .annotate(open=Sum("n"))
        .filter(open__gt=0)
        .order_by("-open", column)[:TOP]
    )
    return [(pk, int(n)) for pk, n in summed]


def _grid_loads(scope: DashboardScope) -> list[Load]:
    loads = _loads(GridOpenTally, "grid_id", scope)
    grids = Grid.objects.select_related("community").in_bulk([g for g, _ in loads])
    return [Load(g, str(grids[g]) if g in grids else f"#{g}", n) for g, n in loads]


def _department_loads(scope: DashboardScope) -> list[Load]:
    loads = _loads(DepartmentOpenTally, "department_id", scope)
    departments = Department.objects.in_bulk([d for d, _ in loads])
    return [Load(d, departments[d].name if d in departments else f"#{d}", n) for d, n in loads]


def _categories(scope: DashboardScope, monday: dt.date) -> list[CategoryWeek]:
    counts = {c: (a, b) for c, a, b in week_sums(scope.county_code, monday) if a or b}
    categories = Category.objects.in_bulk(list(counts))
    out = [
        CategoryWeek(c, categories[c].name if c in categories else f"#{c}", a, b)
        for c, (a, b) in counts.items()
    ]
    return sorted(out, key=lambda c: (-c.this_week, -c.last_week, c.id))


def measures_from_tallies(*, scope: DashboardScope, first: dt.date, last: dt.date) -> Measures:
    """``cases.measures.compute_measures`` for the cases raised in the months ``first``
    to ``last`` (their first days, both included), from the tallies: the same
    numerators, denominators, satisfaction and composite (a test holds them equal)."""
    m = month_sums(scope.county_code, first, last)
    total, done, rated = m["total"], m["done"], m["rated"]
    parts = {  # name: (numerator, denominator)
        "response": (m["response"], total),
        "resolution": (done, total),
        "on_time": (m["on_time"], done),
        "satisfied": (m["satisfied"], rated),
        "basic": (m["basic"], rated),
        "in_building": (m["in_building"], done),
        "in_compound": (m["in_compound"], done),
        "disputes_local": (m["disputes_local"], m["disputes"]),
    }
    ratios = {name: Ratio(label, *parts[name]) for name, (label, _n, _d) in MEASURES.items()}
    return _with_scores(total, ratios)


def _with_scores(total: int, ratios: dict[str, Ratio]) -> Measures:
    """Satisfaction and composite exactly as ``compute_measures`` derives them."""
    rules = CaseRules.current()
    rated = ratios["satisfied"].denominator
    satisfaction = None
    if rated:
        satisfaction = (
            (
                Decimal(ratios["satisfied"].numerator)
                + rules.basic_weight * Decimal(ratios["basic"].numerator)
            )
            / Decimal(rated)
        ).quantize(Decimal("0.0001"))
    parts = [
        (ratios["response"].value, rules.weight_response),
        (ratios["resolution"].value, rules.weight_resolution),
        (satisfaction, rules.weight_satisfaction),
    ]
    composite = None
    if all(v is not None for v, _w in parts):
        composite = sum((v * w for v, w in parts if v is not None), Decimal(0)).quantize(
            Decimal("0.0001")
        )
    return Measures(total=total, ratios=ratios, satisfaction=satisfaction, composite=composite)


def dashboard_figures(
    *, scope: DashboardScope, now: dt.datetime | None = None, months: int = 1
) -> Figures:
    """Every figure of the command centre for ``scope`` at ``now``; the 三率 cover the
    current month and the ``months - 1`` before it (Asia/Shanghai)."""
    now = now or timezone.now()
    today = local_today(now)
    monday = today - dt.timedelta(days=today.weekday())
    first = month_start(today, back=max(months, 1) - 1)
    statuses, flags, areas = _live(scope)
    return Figures(
        scope=scope,
        at=now,
        total=sum(s.n for s in statuses),
        open=sum(s.n for s in statuses if s.is_open),
        red=flags["red"],
        yellow=flags["yellow"],
        ack_overdue=flags["ack_overdue"],
        overdue=overdue_count(scope, now),
        by_status=statuses,
        areas=areas,
        grids=_grid_loads(scope),
        departments=_department_loads(scope),
        week_start=monday,
        categories=_categories(scope, monday),
        month_start=first,
        measures=measures_from_tallies(scope=scope, first=first, last=month_start(today)),
    )
