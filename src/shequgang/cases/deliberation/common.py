"""What the deliberation writes share: their limits, a user's display name, and the task
events a deliberation appends to its cases."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from shequgang.cases.models import CaseEvent, EventKind
from shequgang.cases.models.deliberation import (
    Deliberation,
)

MAX_CASES = 50
MAX_INVITEES = 200
MAX_OPTIONS = 20


def display_name(user: User) -> str:
    return (user.get_full_name() or user.username)[:50]


def case_events(
    d: Deliberation, *, actor: User, kind: EventKind, reason: str, data: dict[str, object]
) -> None:
    """Append one event to each case of the deliberation (never changes the case)."""
    now = timezone.now()
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                at=now,
                actor=actor,
                kind=kind,
                from_status=case.status,
                to_status=case.status,
                from_rung=case.rung,
                to_rung=case.rung,
                reason=reason,
                data={"deliberation_id": d.pk, **data},
            )
            for case in d.cases.order_by("pk")
        ]
    )
