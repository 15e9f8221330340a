"""The raiser's rating (评价) of a resolved case: closed, or reopened for another round."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.cases.access import supervisor_rung
from shequgang.cases.engine.deadlines import clocks_for
from shequgang.cases.engine.guards import (
    clean_text,
)
from shequgang.cases.engine.legs import legs_follow
from shequgang.cases.engine.route_fields import escalation_change
from shequgang.cases.engine.workflow import Change, transition
from shequgang.cases.models import (
    Case,
    CaseRules,
    EventKind,
    Rung,
    Satisfaction,
)
from shequgang.cases.models.dispatch import LegOutcome, LegVia
from shequgang.cases.services.notify import notify_holder
from shequgang.errors import DomainError, Forbidden

# --- Follow-up -------------------------------------------------------------------------------


@transaction.atomic
def case_rate(
    *, actor: Actor, case: Case, solved: bool, satisfaction: str, comment: str = ""
) -> Case:
    """回访: the raiser (or staff recording a phone follow-up) rates a resolved case.
    Solved and (basically) satisfied closes it; otherwise it is handled again at the same
    rung once (``CaseRules.max_reopens``), and after that escalated — at the department
    rung, handled again by the department (and verified again)."""
    if satisfaction not in Satisfaction.values:
        raise DomainError("invalid_satisfaction", "请选择满意、基本满意或不满意")
    note = clean_text(comment, field="comment", label="评价", limit=500)
    rules = CaseRules.current()

    def check(c: Case) -> None:
        if actor is None or not actor.is_authenticated:
            raise Forbidden()
        if c.raiser_id == actor.pk:
            return
        rung = supervisor_rung(actor, c)
        if rung is None:
            raise Forbidden("只有提出人或社区回访人员可以评价")

    happy = solved and satisfaction != Satisfaction.UNSATISFIED
    locked = Case.objects.select_for_update().get(pk=case.pk)
    # At the top rung there is nowhere to escalate: the department handles it again.
    may_reopen = locked.reopens < rules.max_reopens or locked.rung >= Rung.DEPARTMENT
    action = "rate_close" if happy else ("rate_reopen" if may_reopen else "rate_escalate")
    now = timezone.now()
    rating = {
        "solved": solved,
        "satisfaction": satisfaction,
        "rating_comment": note,
        "rated_at": now,
    }

    def change(c: Case) -> Change:
        data = {"solved": solved, "satisfaction": satisfaction}
        if action == "rate_close":
            return Change(
                EventKind.CLOSED, reason=note, data=data, fields={**rating, "closed_at": now}
            )
        if action == "rate_reopen":
            clocks = clocks_for(category=c.category, start=now)
            return Change(
                EventKind.REOPENED,
                reason=note or "群众不满意，重新办理",
                data=data,
                fields={
                    **rating,
                    "reopens": c.reopens + 1,
                    "resolved_at": None,
                    "resolved_rung": None,
                    "resolved_on_time": None,
                    "close_due_at": None,
                    "warn_at": clocks.warn_at,
                    "resolve_due_at": clocks.resolve_due_at,
                    "yellow_card_at": None,
                },
            )
        esc = escalation_change(c, reason=note or "重办后群众仍不满意")
        assert esc.fields is not None
        esc.fields.update(
            {
                **rating,
                "resolved_at": None,
                "resolved_rung": None,
                "resolved_on_time": None,
                "close_due_at": None,
            }
        )
        esc.data = data
        return esc

    result, event = transition(
        case_id=case.pk, action=action, actor=actor, check=check, change=change
    )
    via = LegVia.REOPEN if action == "rate_reopen" else LegVia.ESCALATION
    legs_follow(result, via=via, at=event.at, ended=LegOutcome.REDISPATCHED)
    if action != "rate_close":
        notify_holder(result, "群众不满意，事项需重新办理")
    return result
