"""Follow-up actions of a decided deliberation: each appends a task event to every case of
the deliberation; finishing one records its result."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.cases.deliberation.access import (
    may_manage,
    signed_in_user,
)
from shequgang.cases.deliberation.common import (
    case_events,
    display_name,
)
from shequgang.cases.deliberation.workflow import deliberation_lock
from shequgang.cases.engine.guards import clean_text
from shequgang.cases.models import EventKind
from shequgang.cases.models.deliberation import (
    Deliberation,
    FollowUp,
)
from shequgang.cases.services import notifications
from shequgang.errors import Conflict, DomainError, Forbidden

# --- Follow-up actions --------------------------------------------------------------------


@transaction.atomic
def follow_up_add(
    *,
    actor: Actor,
    deliberation: Deliberation,
    text: str,
    assignee_id: int | None = None,
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> FollowUp:
    """A follow-up action of the meeting. Appends a task event to every attached case and
    notifies the assignee."""
    user = signed_in_user(actor)
    now = now or timezone.now()
    d = deliberation_lock(deliberation=deliberation, action="add_follow_up", actor=user)
    body = clean_text(text, field="text", label="任务内容", limit=500, required=True)
    assignee = None
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise DomainError("unknown_user", "负责人账号不存在或已停用")
    if due_on is not None and due_on < timezone.localdate(now):
        raise DomainError("due_in_past", "完成期限不能早于今天")
    task = FollowUp.objects.create(
        deliberation=d,
        text=body,
        assignee=assignee,
        due_on=due_on,
        created_by=user,
        created_at=now,
    )
    who = f"，负责人：{display_name(assignee)}" if assignee else ""
    due = f"，期限：{due_on:%Y-%m-%d}" if due_on else ""
    case_events(
        d,
        actor=user,
        kind=EventKind.TASK,
        reason=f"议事任务：{body}{who}{due}",
        data={
            "follow_up_id": task.pk,
            "state": "open",
            "assignee_id": assignee.pk if assignee else None,
            "due_on": due_on.isoformat() if due_on else None,
        },
    )
    if assignee is not None:
        notifications.notify(
            user_ids=[assignee.pk],
            case=d.cases.order_by("pk").first(),
            title=f"议事任务：{d.title}",
            body=body,
        )
    audit_record(
        actor=user,
        action="deliberation.add_follow_up",
        obj=task,
        changes={"text": [None, body], "assignee": [None, assignee_id], "due_on": [None, due_on]},
    )
    return task


@transaction.atomic
def follow_up_finish(
    *, actor: Actor, follow_up: FollowUp, note: str = "", now: dt.datetime | None = None
) -> FollowUp:
    """Mark a follow-up action done (its manager or its assignee), once; appends a task
    event to every attached case."""
    user = signed_in_user(actor)

    def check(d: Deliberation) -> None:
        if follow_up.assignee_id != user.pk and not may_manage(user, d):
            raise Forbidden("只有任务负责人或召集方可以办结任务")

    d = deliberation_lock(
        deliberation=follow_up.deliberation, action="finish_follow_up", actor=user, check=check
    )
    task = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if task.done_at is not None:
        raise Conflict("already_done", "该任务已完成")
    text = clean_text(note, field="note", label="完成情况", limit=500)
    task.done_at = now or timezone.now()
    task.done_by = user
    task.done_note = text
    task.save(update_fields=["done_at", "done_by", "done_note"])
    case_events(
        d,
        actor=user,
        kind=EventKind.TASK,
        reason=f"议事任务完成：{task.text}" + (f"（{text}）" if text else ""),
        data={"follow_up_id": task.pk, "state": "done"},
    )
    audit_record(
        actor=user,
        action="deliberation.finish_follow_up",
        obj=task,
        changes={"done_at": [None, task.done_at], "done_note": [None, text]},
    )
    return task
