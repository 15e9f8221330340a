"""The deliberation workflow: the transition table and the one function that enforces it.

Every write to a deliberation — its status, attendees, votes, tasks and owners' vote —
starts with ``deliberation_lock``: it locks the row, refuses an actor who may not act and
an action the table does not allow from the current status, so a write outside the table
changes nothing and concurrent writes to one deliberation serialize."""

from __future__ import annotations

from collections.abc import Callable

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.cases.deliberation.access import may_manage
from shequgang.cases.models import Rung
from shequgang.cases.models.deliberation import Deliberation, DeliberationStatus
from shequgang.errors import DomainError, Forbidden

D = DeliberationStatus

# action -> (statuses it may start from, status it leads to; None keeps the status).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "hold": (frozenset({D.PLANNED}), D.HELD),
    "decide": (frozenset({D.HELD}), D.DECIDED),
    "cancel": (frozenset({D.PLANNED}), D.CANCELLED),
    "invite": (frozenset({D.PLANNED, D.HELD}), None),
    "sign_in": (frozenset({D.PLANNED, D.HELD}), None),
    "add_option": (frozenset({D.PLANNED, D.HELD}), None),
    "hand_vote": (frozenset({D.HELD}), None),
    "minutes": (frozenset({D.HELD, D.DECIDED}), None),
    "add_follow_up": (frozenset({D.HELD, D.DECIDED}), None),
    "finish_follow_up": (frozenset({D.HELD, D.DECIDED}), None),
    # The owners' vote is collected before and at the meeting; the decision follows it.
    "open_owners_vote": (frozenset({D.PLANNED, D.HELD}), None),
    "edit_roll": (frozenset({D.PLANNED, D.HELD}), None),
    "record_ballot": (frozenset({D.PLANNED, D.HELD}), None),
    "close_owners_vote": (frozenset({D.PLANNED, D.HELD}), None),
}

ACTION_LABELS: dict[str, str] = {
    "hold": "召开会议",
    "decide": "记录议定事项",
    "cancel": "取消",
    "invite": "邀请参会人",
    "sign_in": "签到",
    "add_option": "添加表决选项",
    "hand_vote": "举手表决",
    "minutes": "填写会议记录",
    "add_follow_up": "布置任务",
    "finish_follow_up": "完成任务",
    "open_owners_vote": "发起业主表决",
    "edit_roll": "修改业主名册",
    "record_ballot": "登记选票",
    "close_owners_vote": "计票",
}


def must_manage(actor: Actor) -> Callable[[Deliberation], None]:
    def check(d: Deliberation) -> None:
        if actor is None or not may_manage(actor, d):
            raise Forbidden(f"只有{Rung(d.rung).label}负责人或上级可以执行此操作")

    return check


def deliberation_lock(
    *,
    deliberation: Deliberation,
    action: str,
    actor: Actor,
    check: Callable[[Deliberation], None] | None = None,
) -> Deliberation:
    """Lock the deliberation row (call inside ``transaction.atomic``), refuse an actor
    who may not act (``check``, managers by default; 403) and an action the table does
    not allow from the current status (409 ``invalid_transition``). Every write to a
    deliberation, its vote and its tasks starts here, so concurrent writes serialize."""
    d = (
        Deliberation.objects.select_for_update(of=("self",))
        .select_related("place")
        .get(pk=deliberation.pk)
    )
    (check or must_manage(actor))(d)
    starts, _ = TRANSITIONS[action]
    if d.status not in starts:
        raise DomainError(
            "invalid_transition",
            f"议事当前为“{d.get_status_display()}”，不能{ACTION_LABELS[action]}",
            status=409,
        )
    return d


def deliberation_move(
    d: Deliberation, action: str, *, actor: Actor, fields: dict[str, object]
) -> None:
    """Apply a status-changing action from the table to a locked row, and audit it."""
    _, target = TRANSITIONS[action]
    assert target is not None
    before = d.status
    d.status = target
    for name, value in fields.items():
        setattr(d, name, value)
    d.save(update_fields=["status", *fields, "updated_at"])
    audit_record(
        actor=actor,
        action=f"deliberation.{action}",
        obj=d,
        changes={"status": [before, target], **{k: [None, v] for k, v in fields.items()}},
    )
