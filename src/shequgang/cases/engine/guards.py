"""The checks every write to a case shares: who may handle a case now (its current
holder), who may supervise it (a rung above), and how free text is cleaned and bounded.
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
from shequgang.errors import DomainError, Forbidden


def actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def clean_text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"{field}_required", f"请填写{label}")
    if len(text) > limit:
        raise DomainError(f"{field}_too_long", f"{label}不能超过{limit}个字")
    return text


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


def reason_text(reason: str, label: str = "理由") -> str:
    return clean_text(reason, field="reason", label=label, limit=1000, required=True)
