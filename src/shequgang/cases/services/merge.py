"""Merging a duplicate case into another (合并)."""

from __future__ import annotations

from django.db import transaction

from shequgang.actors import Actor
from shequgang.cases.engine.guards import (
    must_supervise,
)
from shequgang.cases.engine.legs import legs_follow
from shequgang.cases.engine.workflow import Change, transition
from shequgang.cases.models import (
    Case,
    EventKind,
)
from shequgang.cases.models.dispatch import LegOutcome, LegVia
from shequgang.cases.services import notifications
from shequgang.cases.services.followers import followers_absorb
from shequgang.errors import DomainError


@transaction.atomic
def case_merge(*, actor: Actor, case: Case, into: Case, reason: str = "") -> Case:
    """合并 a duplicate into another case of the same county; its raiser then hears the
    other case's outcome."""
    if into.pk == case.pk:
        raise DomainError("invalid_merge", "不能与自身合并")
    target = Case.objects.select_for_update().get(pk=into.pk)
    if target.status == "merged" or target.county_code != case.county_code:
        raise DomainError("invalid_merge", "只能合并到本县未合并的事项")
    result, event = transition(
        case_id=case.pk,
        action="merge",
        actor=actor,
        check=must_supervise(actor, above=False),
        change=lambda c: Change(
            EventKind.MERGED,
            reason=reason.strip(),
            fields={"merged_into": target},
            data={"into": target.number},
        ),
    )
    followers_absorb(merged=result, into=target)
    legs_follow(result, via=LegVia.ESCALATION, at=event.at, ended=LegOutcome.MERGED)
    notifications.notify(
        user_ids=[result.raiser_id],
        case=target,
        title=f"您反映的问题已并入事项 {target.number} 统一办理",
        body=target.title,
    )
    return result
