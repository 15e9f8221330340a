"""Reads: programs, application lists through the user's scope, counts by county and
group, and the budget (the applicant's status lookup is in ``receipts``).

Counts, budget and roster are all computed from one queryset (``roster_queryset`` or a
scoped list), so the three always reconcile: roster rows = the counts' total, and the
budget = that total × the program's premium."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequgang.actors import UserLike
from shequgang.errors import NotFound
from shequgang.people.id_numbers import normalize_id_number
from shequgang.people.services import id_number_index
from shequgang.veterans.access import REFERENCE_RE, VIEW, scoped_applications
from shequgang.veterans.models import Application, Group, Program, Status

_ID_LIKE = re.compile(r"^\d{17}[\dX]$")


def _has_control(value: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


def program_list(*, published_only: bool = True) -> QuerySet[Program]:
    qs = Program.objects.all()
    return qs.filter(published=True) if published_only else qs


@dataclass(frozen=True)
class Window:
    """Where a program's application window stands now, in words a page shows before any
    field is filled."""

    state: str  # "open", "not_open" or "closed"
    label: str  # 申报中 / 尚未开始 / 已截止
    text: str  # the sentence with the dates

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def program_window(program: Program, *, now: dt.datetime | None = None) -> Window:
    """The window's state at ``now`` (half-open: open at ``opens_at``, closed at
    ``closes_at``), with the notice's dates."""
    now = now or timezone.now()
    if now < program.opens_at:
        return Window("not_open", "尚未开始", f"申报尚未开始：{program.window_text}")
    if now >= program.closes_at:
        return Window("closed", "已截止", f"本年度申报已截止（申报时间为{program.window_text}）")
    return Window("open", "申报中", f"正在申报：{program.window_text}")


def program_get(*, year: int | str, published_only: bool = True) -> Program:
    try:
        number = int(year)
    except (TypeError, ValueError):
        raise NotFound("参保项目") from None
    program = program_list(published_only=published_only).filter(year=number).first()
    if program is None:
        raise NotFound("参保项目")
    return program


def program_current() -> Program | None:
    """The published program a resident should see now: the one whose window is open,
    else the next to open, else the latest."""
    now = timezone.now()
    published = program_list()
    return (
        published.filter(opens_at__lte=now, closes_at__gt=now).order_by("-year").first()
        or published.filter(opens_at__gt=now).order_by("opens_at").first()
        or published.order_by("-year").first()
    )


def live_application_for(*, program: Program, id_number: str) -> Application | None:
    """The person's accepted (not withdrawn) application in the program, if any."""
    return (
        Application.objects.filter(
            program=program, id_number_index=id_number_index(normalize_id_number(id_number))
        )
        .exclude(status=Status.WITHDRAWN)
        .first()
    )


def application_search(
    *,
    user: UserLike,
    program: Program,
    county: str = "",
    group: str = "",
    status: str = "",
    query: str = "",
    perm: str = VIEW,
) -> QuerySet[Application]:
    """Applications in the user's scope. ``query`` is a reference, a full ID number
    (matched through the blind index) or part of a name."""
    qs = (
        scoped_applications(user, perm)
        .filter(program=program)
        .select_related("group", "intake_place", "program")
    )
    if any(_has_control(v) for v in (county, group, status, query)):
        # PostgreSQL refuses NUL in a query parameter; no filter value needs a control.
        return qs.none()
    if county:
        qs = qs.filter(registration_code=county)
    if group:
        qs = qs.filter(group__code=group)
    if status:
        qs = qs.filter(status=status)
    text = query.strip().upper()
    if text:
        if REFERENCE_RE.match(text):
            qs = qs.filter(reference=text)
        elif _ID_LIKE.match(normalize_id_number(text)):
            qs = qs.filter(id_number_index=id_number_index(normalize_id_number(text)))
        else:
            qs = qs.filter(Q(name__contains=query.strip()))
    return qs.order_by("-submitted_at", "-id")


@dataclass(frozen=True)
class CountsRow:
    code: str
    name: str
    cells: list[int]  # one per group, in ``CountsTable.groups`` order
    total: int


@dataclass(frozen=True)
class CountsTable:
    groups: list[Group]
    rows: list[CountsRow]
    column_totals: list[int]
    total: int


@dataclass(frozen=True)
class Budget:
    accepted: int
    premium: Decimal
    total: Decimal
    payer: str
    insurer: str


def application_counts(*, program: Program, applications: QuerySet[Application]) -> CountsTable:
    """Accepted applications by county of registration × group, with totals. Every area
    of the program has a row, even when empty."""
    groups = [pg.group for pg in program.groups.select_related("group")]
    cells: dict[tuple[str, int], int] = {}
    for row in (
        applications.filter(program=program, status=Status.ACCEPTED)
        .values("registration_code", "group_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        cells[(row["registration_code"], row["group_id"])] = row["n"]
    names = dict(program.areas.values_list("code", "name"))
    # An application keeps the county it was accepted under even if an area is later
    # removed from the program, so it still shows (and still adds up).
    for code, _ in cells:
        names.setdefault(code, code)
    group_ids = [g.pk for g in groups]
    for _, group_id in cells:
        if group_id not in group_ids:
            extra = Group.objects.get(pk=group_id)
            groups.append(extra)
            group_ids.append(group_id)
    rows = []
    for code in sorted(names):
        values = [cells.get((code, gid), 0) for gid in group_ids]
        rows.append(CountsRow(code=code, name=names[code], cells=values, total=sum(values)))
    column_totals = [sum(r.cells[i] for r in rows) for i in range(len(group_ids))]
    return CountsTable(
        groups=groups, rows=rows, column_totals=column_totals, total=sum(column_totals)
    )


def program_budget(*, program: Program, applications: QuerySet[Application]) -> Budget:
    """What the finance bureau pays: accepted applications × the premium (yuan)."""
    accepted = applications.filter(program=program, status=Status.ACCEPTED).count()
    return Budget(
        accepted=accepted,
        premium=program.premium,
        total=program.premium * accepted,
        payer=program.payer,
        insurer=program.insurer,
    )
