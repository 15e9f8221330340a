"""A case's extension requests and their decision, supervision (督办), holds and resumes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.calendar.workdays import working_days_after
from shequgang.cases.access import supervisor_rung
from shequgang.cases.engine.deadlines import clocks_for, warn_time
from shequgang.cases.engine.guards import (
    must_handle,
    must_supervise,
    reason_text,
)
from shequgang.cases.engine.routing import is_handler, route
from shequgang.cases.engine.workflow import Change, transition
from shequgang.cases.models import (
    Case,
    EventKind,
    Rung,
)
from shequgang.cases.services import notifications
from shequgang.cases.services.notify import notify_holder
from shequgang.errors import DomainError, Forbidden


@transaction.atomic
def case_request_extension(*, actor: Actor, case: Case, days: int, reason: str) -> Case:
    """申请延期 by ``days`` working days; one rung up decides."""
    text = reason_text(reason, "延期理由")
    if not 1 <= days <= 30:
        raise DomainError("invalid_extension", "延期天数应为1至30个工作日")

    def change(c: Case) -> Change:
        if c.extension_days_requested:
            raise DomainError("extension_pending", "已有待审批的延期申请", status=409)
        return Change(
            EventKind.EXTENSION_REQUESTED,
            reason=text,
            fields={"extension_days_requested": days},
            data={"days": days},
        )

    result, _ = transition(
        case_id=case.pk,
        action="request_extension",
        actor=actor,
        check=must_handle(actor),
        change=change,
    )
    if result.rung < Rung.DEPARTMENT:
        above = route(place=result.place, category=result.category, rung=result.rung + 1)
        probe = Case(
            rung=above.rung, handler_place=above.place, handler_department=above.department
        )
        notifications.notify(
            user_ids=notifications.holders_of(probe),
            case=result,
            title=f"延期申请待审批：{result.number}",
            body=text,
        )
    return result


def _may_decide_extension(actor: Actor) -> Any:
    def check(c: Case) -> None:
        if not c.extension_days_requested:
            raise DomainError("no_extension_request", "没有待审批的延期申请", status=409)
        if actor is None:
            raise Forbidden()
        if c.rung < Rung.DEPARTMENT:
            above = route(place=c.place, category=c.category, rung=c.rung + 1)
            if is_handler(
                actor,
                rung=above.rung,
                place_id=above.place.pk if above.place else None,
                department_id=above.department.pk if above.department else None,
            ):
                return
        rung = supervisor_rung(actor, c)
        if rung is None or rung <= c.rung:
            raise Forbidden("延期须由上一级审批")

    return check


@transaction.atomic
def case_decide_extension(*, actor: Actor, case: Case, approve: bool, reason: str = "") -> Case:
    def change(c: Case) -> Change:
        days = c.extension_days_requested or 0
        if not approve:
            return Change(
                EventKind.EXTENSION_DENIED,
                reason=reason.strip(),
                fields={"extension_days_requested": None},
            )
        due = working_days_after(c.resolve_due_at, days)
        return Change(
            EventKind.EXTENSION_GRANTED,
            reason=reason.strip(),
            data={"days": days},
            fields={
                "extension_days_requested": None,
                "resolve_due_at": due,
                "warn_at": warn_time(due),
                "yellow_card_at": None,
            },
        )

    result, _ = transition(
        case_id=case.pk,
        action="decide_extension",
        actor=actor,
        check=_may_decide_extension(actor),
        change=change,
    )
    notify_holder(result, "延期申请已" + ("批准" if approve else "驳回"))
    return result


@transaction.atomic
def case_supervise(*, actor: Actor, case: Case, reason: str) -> Case:
    """督办 by a community (or anyone above the case's rung)."""
    text = reason_text(reason, "督办意见")
    result, _ = transition(
        case_id=case.pk,
        action="supervise",
        actor=actor,
        check=must_supervise(actor),
        change=lambda c: Change(
            EventKind.SUPERVISED, reason=text, fields={"supervised_at": timezone.now()}
        ),
    )
    notify_holder(result, "事项被督办")
    return result


def case_hold(*, actor: Actor, case: Case, reason: str) -> Case:
    """挂账: not solvable now. Only from the community up; the explanation stays visible."""
    text = reason_text(reason, "挂账说明")

    def check(c: Case) -> None:
        must_handle(actor)(c)
        if c.rung < Rung.COMMUNITY:
            raise Forbidden("挂账须由社区及以上决定，请提级上报")

    return transition(
        case_id=case.pk,
        action="hold",
        actor=actor,
        check=check,
        change=lambda c: Change(EventKind.ON_HOLD, reason=text, fields={"hold_reason": text}),
    )[0]


def case_resume(*, actor: Actor, case: Case, reason: str = "") -> Case:
    def change(c: Case) -> Change:
        clocks = clocks_for(category=c.category, start=timezone.now())
        return Change(
            EventKind.RESUMED,
            reason=reason.strip(),
            fields={
                "warn_at": clocks.warn_at,
                "resolve_due_at": clocks.resolve_due_at,
                "yellow_card_at": None,
            },
        )

    return transition(
        case_id=case.pk, action="resume", actor=actor, check=must_handle(actor), change=change
    )[0]
