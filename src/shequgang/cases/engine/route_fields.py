"""What routing a case to a holder writes on its row: the holder, fresh clocks (in UTC),
and the per-holder fields reset. One function for every path that routes a case — creation,
re-routing, transfer, escalation by hand and by the sweep — so none forgets a field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shequgang.cases.engine.deadlines import clocks_for
from shequgang.cases.engine.routing import Route, route
from shequgang.cases.engine.workflow import Change
from shequgang.cases.models import (
    Case,
    Category,
    EventKind,
    Rung,
)
from shequgang.errors import DomainError


def route_fields(r: Route, *, category: Category, start: dt.datetime) -> dict[str, Any]:
    clocks = clocks_for(category=category, start=start)
    return {
        "handler_place": r.place,
        "handler_department": r.department,
        "assigned_at": start,
        # In UTC, as the database gives them back (the calendar answers in Shanghai
        # time): a case built in memory then serializes like the row read back.
        "ack_due_at": clocks.ack_due_at.astimezone(dt.UTC),
        "warn_at": clocks.warn_at.astimezone(dt.UTC),
        "resolve_due_at": clocks.resolve_due_at.astimezone(dt.UTC),
        "acknowledged_at": None,
        "yellow_card_at": None,
        "ack_overdue_at": None,
        "extension_days_requested": None,
        # A department's 退单 goes back to this node (none below the department rung).
        "dispatcher_place": r.dispatcher if r.department is not None else None,
        "verify_due_at": None,
        "verify_overdue_at": None,
    }


def route_note(r: Route) -> str:
    note = f"分派至{Rung(r.rung).label}：{r.holder_name}"
    return note + ("（跳过 " + "；".join(r.skipped) + "）" if r.skipped else "")


def escalation_change(c: Case, *, reason: str, kind: EventKind = EventKind.ESCALATED) -> Change:
    if c.rung >= Rung.DEPARTMENT:
        raise DomainError("top_rung", "事项已在最高层级，不能再提级")
    r = route(place=c.place, category=c.category, rung=c.rung + 1)
    fields = route_fields(r, category=c.category, start=timezone.now())
    fields["escalations"] = c.escalations + 1
    return Change(kind, reason=f"{reason}；{route_note(r)}", fields=fields, to_rung=r.rung)
