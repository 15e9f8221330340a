"""The case workflow: the transition table and the one function that enforces it.

Every change of a case's state goes through ``transition``: it locks the row, checks the
table, applies the change with ``update_fields``, and appends the event — so a transition
not in the table changes nothing, and of two concurrent transitions on one case exactly
one wins (the second sees the first's result under the lock and is refused)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.cases.models import Case, CaseEvent, EventKind, Status
from shequgang.errors import DomainError

S = Status

# action -> (statuses it may start from, status it leads to; None keeps the status).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "acknowledge": (frozenset({S.SUBMITTED}), S.ACKNOWLEDGED),
    "start": (frozenset({S.ACKNOWLEDGED, S.REOPENED}), S.IN_PROGRESS),
    "resolve": (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}), S.RESOLVED),
    "return": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED}), S.RETURNED),
    "reroute": (frozenset({S.RETURNED}), S.SUBMITTED),
    "transfer": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS}), S.SUBMITTED),
    "escalate": (
        frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED, S.ON_HOLD}),
        S.SUBMITTED,
    ),
    "request_extension": (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}), None),
    "decide_extension": (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}), None),
    "supervise": (
        frozenset(
            {
                S.SUBMITTED,
                S.ACKNOWLEDGED,
                S.IN_PROGRESS,
                S.REOPENED,
                S.ON_HOLD,
                S.RETURNED,
                S.TO_DISPATCH,
                S.VERIFYING,
            }
        ),
        None,
    ),
    "hold": (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}), S.ON_HOLD),
    "resume": (frozenset({S.ON_HOLD}), S.IN_PROGRESS),
    "rate_close": (frozenset({S.RESOLVED}), S.CLOSED),
    "rate_reopen": (frozenset({S.RESOLVED}), S.REOPENED),
    "rate_escalate": (frozenset({S.RESOLVED}), S.SUBMITTED),
    "auto_close": (frozenset({S.RESOLVED}), S.CLOSED),
    "merge": (
        frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED, S.RETURNED}),
        S.MERGED,
    ),
    # The dispatch loop 上报→受理→派遣→处置→核查→结案 (``cases/dispatch/services.py``): a holder
    # hands a case to the county's command centre; the command centre (or the community,
    # for a case it holds) dispatches it to a department, which signs for it
    # (``acknowledge``), may transfer it (``transfer``) or return it to the dispatcher's
    # queue (退单), handles it and reports back; the grid worker verifies on site: pass
    # resolves it (then rating or auto-close), fail sends it back to the department.
    "request_dispatch": (
        frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}),
        S.TO_DISPATCH,
    ),
    "dispatch": (
        frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED, S.TO_DISPATCH}),
        S.SUBMITTED,
    ),
    "return_to_dispatcher": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED}), S.TO_DISPATCH),
    "report": (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}), S.VERIFYING),
    "verify_pass": (frozenset({S.VERIFYING}), S.RESOLVED),
    "verify_fail": (frozenset({S.VERIFYING}), S.IN_PROGRESS),
    "comment": (frozenset(set(Status.values) - {S.MERGED}), None),
}

ACTION_LABELS: dict[str, str] = {
    "acknowledge": "签收",
    "start": "开始办理",
    "resolve": "办结",
    "return": "退回",
    "reroute": "重新分派",
    "transfer": "流转",
    "escalate": "提级上报",
    "request_extension": "申请延期",
    "decide_extension": "审批延期",
    "supervise": "督办",
    "hold": "挂账",
    "resume": "恢复办理",
    "rate_close": "评价",
    "rate_reopen": "评价",
    "rate_escalate": "评价",
    "auto_close": "自动结案",
    "merge": "合并",
    "request_dispatch": "提请派遣",
    "dispatch": "派遣",
    "return_to_dispatcher": "退单",
    "report": "回复办理结果",
    "verify_pass": "核查",
    "verify_fail": "核查",
    "comment": "备注",
}


def allowed_from(action: str, status: str) -> bool:
    starts, _ = TRANSITIONS[action]
    return status in starts


@dataclass
class Change:
    """What an action does to the locked case beyond its status: extra fields set on the
    row, and the event to append."""

    kind: EventKind
    reason: str = ""
    fields: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    to_rung: int | None = None


def transition(
    *,
    case_id: int,
    action: str,
    actor: Actor,
    check: Callable[[Case], None],
    change: Callable[[Case], Change],
) -> tuple[Case, CaseEvent]:
    """Lock the case, refuse if the table forbids ``action`` from its status (409
    ``invalid_transition``), run ``check`` (raises to refuse: permissions and
    preconditions on the fresh row), apply ``change`` and append the event. Atomic."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        starts, target = TRANSITIONS[action]
        if case.status not in starts:
            raise DomainError(
                "invalid_transition",
                f"事项当前为“{case.get_status_display()}”，不能{ACTION_LABELS[action]}",
                status=409,
            )
        check(case)
        result = change(case)
        from_status, from_rung = case.status, case.rung
        updated = set((result.fields or {}).keys())
        for name, value in (result.fields or {}).items():
            setattr(case, name, value)
        if target is not None and target != case.status:
            case.status = target
            updated.add("status")
        if result.to_rung is not None and result.to_rung != case.rung:
            case.rung = result.to_rung
            updated.add("rung")
        if updated:
            case.save(update_fields=[*sorted(updated), "updated_at"])
        event = CaseEvent.objects.create(
            case=case,
            at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            kind=result.kind,
            from_status=from_status,
            to_status=case.status,
            from_rung=from_rung,
            to_rung=case.rung,
            reason=result.reason,
            data=result.data or {},
        )
        return case, event
