"""The checks every write to a case shares: who may handle a case now (its current
holder), who may supervise it (a rung above), and the required reason of a step. Free
text is cleaned by the one rule, ``shequgang.text_rules.text_clean``.
Pure functions over the models and ``cases.access``; no writes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from shequgang.actors import Actor
from shequgang.cases.access import supervisor_rung
from shequgang.cases.engine.routing import is_handler
from shequgang.cases.models import (
    Case,
)
from shequgang.errors import Forbidden
from shequgang.text_rules import text_clean


def actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def must_handle(actor: Actor) -> Any:
    def check(case: Case) -> None:
        if actor is None or not is_handler(
            actor,
            rung=case.rung,
            place_id=case.handler_place_id,
            department_id=case.handler_department_id,
        ):
            raise Forbidden("您不是该事项当前的承办人")

    return check


def must_supervise(actor: Actor, *, above: bool = True) -> Any:
    def check(case: Case) -> None:
        rung = supervisor_rung(actor, case) if actor is not None else None
        if rung is None or (above and rung <= case.rung):
            raise Forbidden("只有上级可以执行此操作")

    return check


REASON_LIMIT = 1000


def reason_text(reason: str, label: str = "理由") -> str:
    """A required reason of a case step (退回, 流转, 延期 …): ``text_rules.text_clean`` with
    field ``reason`` (codes ``reason_required`` / ``reason_too_long`` /
    ``reason_unstorable``), at most ``REASON_LIMIT`` characters, ``label`` in the message."""
    return text_clean(reason, field="reason", label=label, limit=REASON_LIMIT, required=True)
