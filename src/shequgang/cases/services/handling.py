"""The holder's work on a case: acknowledge (签收), start, resolve, return (退回),
re-route, transfer, escalate (提级) and comment. Each state change goes through
``engine.workflow.transition``.

A department's return (退单) is not here: for a case held at the department rung the caller
calls ``dispatch.services.case_dispatch_return`` (``dispatch.services.case_hand_back`` picks
one by the rung); ``case_return`` refuses such a case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.calendar.workdays import working_days_after
from shequgang.cases.access import supervisor_rung
from shequgang.cases.engine.guards import (
    actor_user,
    clean_text,
    must_handle,
    must_supervise,
    reason_text,
)
from shequgang.cases.engine.legs import leg_acknowledged, legs_follow
from shequgang.cases.engine.route_fields import escalation_change, route_fields, route_note
from shequgang.cases.engine.routing import RUNG_ROLES, Route, is_handler, route
from shequgang.cases.engine.workflow import Change, transition
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseRules,
    Category,
    EventKind,
    Rung,
)
from shequgang.cases.models.dispatch import LegOutcome, LegVia
from shequgang.cases.services import notifications
from shequgang.cases.services.notify import notify_holder, notify_raisers
from shequgang.cases.services.photos import clean_photo
from shequgang.errors import DomainError, Forbidden
from shequgang.people.models import RoleAssignment
from shequgang.places.models import Department, Kind, Place
from shequgang.places.selectors import place_ancestor_of_kind

# --- Handling --------------------------------------------------------------------------------


@transaction.atomic
def case_acknowledge(*, actor: Actor, case: Case) -> Case:
    """签收. Records whether the first response was within the limit (响应率), and for a
    department whether it signed within its own limit (its dispatch leg)."""

    def change(c: Case) -> Change:
        now = timezone.now()
        fields: dict[str, Any] = {"acknowledged_at": now}
        if c.responded_on_time is None:
            fields["responded_on_time"] = now <= c.ack_due_at
        return Change(EventKind.ACKNOWLEDGED, fields=fields)

    result, event = transition(
        case_id=case.pk, action="acknowledge", actor=actor, check=must_handle(actor), change=change
    )
    if result.rung == Rung.DEPARTMENT:
        leg_acknowledged(result, at=event.at)
    return result


def case_start(*, actor: Actor, case: Case) -> Case:
    return transition(
        case_id=case.pk,
        action="start",
        actor=actor,
        check=must_handle(actor),
        change=lambda c: Change(EventKind.STARTED),
    )[0]


@transaction.atomic
def case_resolve(
    *, actor: Actor, case: Case, resolution: str, photos: Sequence[IO[bytes]] = ()
) -> Case:
    """办结, with what was done and optional evidence photos; asks the raiser to rate it."""
    text = clean_text(resolution, field="resolution", label="办理结果", limit=4000, required=True)
    rules = CaseRules.current()
    if len(photos) > rules.max_photos:
        raise DomainError("too_many_photos", f"最多上传{rules.max_photos}张照片")
    cleaned = [clean_photo(p, max_bytes=rules.max_photo_bytes) for p in photos]

    def check(c: Case) -> None:
        must_handle(actor)(c)
        if c.rung == Rung.DEPARTMENT:
            raise DomainError(
                "report_required",
                "部门承办的事项请回复办理结果，经网格员现场核查后办结",
                status=409,
            )

    def change(c: Case) -> Change:
        now = timezone.now()
        return Change(
            EventKind.RESOLVED,
            reason=text,
            fields={
                "resolved_at": now,
                "resolved_rung": c.rung,
                "resolution": text,
                "resolved_on_time": now <= c.resolve_due_at,
                "close_due_at": working_days_after(now, max(1, rules.auto_close_days)),
            },
        )

    result, _ = transition(
        case_id=case.pk, action="resolve", actor=actor, check=check, change=change
    )
    for photo in cleaned:
        CasePhoto.objects.create(
            case=result,
            image=photo.content,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            uploaded_by=actor_user(actor),
            purpose="resolution",
        )
    notify_raisers(result, "您反映的事项已办结，请评价")
    return result


def _returned(c: Case, text: str) -> Change:
    if c.rung == Rung.DEPARTMENT:
        # A department's 退单 is dispatch.services.case_dispatch_return.
        raise DomainError("department_return", "部门承办的事项请退单", status=409)
    return Change(EventKind.RETURNED, reason=text)


@transaction.atomic
def case_return(*, actor: Actor, case: Case, reason: str) -> Case:
    """退回: wrong rung or category. It waits for the community to re-route it. A
    department's return (退单) goes back to the dispatcher's queue instead: its caller
    calls ``dispatch.services.case_dispatch_return`` (``case_hand_back`` picks)."""
    text = reason_text(reason, "退回理由")
    result, _ = transition(
        case_id=case.pk,
        action="return",
        actor=actor,
        check=must_handle(actor),
        change=lambda c: _returned(c, text),
    )
    community = place_ancestor_of_kind(place=result.place, kind=Kind.COMMUNITY)
    if community is not None:
        ids = RoleAssignment.objects.filter(
            role__in=RUNG_ROLES[Rung.COMMUNITY], place=community, revoked_at__isnull=True
        ).values_list("user_id", flat=True)
        notifications.notify(
            user_ids=ids, case=result, title=f"事项被退回，请重新分派：{result.number}", body=text
        )
    return result


@transaction.atomic
def case_reroute(
    *,
    actor: Actor,
    case: Case,
    category: Category | None = None,
    rung: int | None = None,
    reason: str = "",
) -> Case:
    """重新分派 a returned case, with a corrected category and/or starting rung."""
    if category is not None and (not category.active or category.children.exists()):
        raise DomainError("invalid_category", "请选择具体的事项小类")
    if rung is not None and rung not in Rung.values:
        raise DomainError("invalid_rung", "无效的层级")

    def change(c: Case) -> Change:
        cat = category or c.category
        r = route(place=c.place, category=cat, rung=rung or cat.start_rung)
        fields = route_fields(r, category=cat, start=timezone.now())
        fields["category"] = cat
        return Change(
            EventKind.REROUTED,
            reason=(reason.strip() + " " + route_note(r)).strip(),
            fields=fields,
            to_rung=r.rung,
        )

    result, event = transition(
        case_id=case.pk,
        action="reroute",
        actor=actor,
        check=must_supervise(actor, above=False),
        change=change,
    )
    legs_follow(result, via=LegVia.ESCALATION, at=event.at, ended=LegOutcome.REDISPATCHED)
    notify_holder(result, "新事项待签收")
    return result


@transaction.atomic
def case_transfer(
    *,
    actor: Actor,
    case: Case,
    reason: str,
    to_place: Place | None = None,
    to_department: Department | None = None,
) -> Case:
    """流转 to another holder on the same rung: another department of the county, or
    another node of the same level (e.g. the right building's party group)."""
    text = reason_text(reason, "流转理由")
    if (to_place is None) == (to_department is None):
        raise DomainError("invalid_target", "请指定一个流转对象")

    def change(c: Case) -> Change:
        if to_department is not None:
            # The county's departments, and the city's (a department serves its node's
            # subtree).
            if c.rung != Rung.DEPARTMENT or not c.place_path.startswith(to_department.place.path):
                raise DomainError("invalid_target", "只能流转给本县或市级的其他部门")
            if to_department.pk == c.handler_department_id:
                raise DomainError("invalid_target", "不能流转给自己")
            r = Route(rung=c.rung, department=to_department, dispatcher=c.dispatcher_place)
        else:
            assert to_place is not None
            if (
                c.handler_place is None
                or to_place.kind != c.handler_place.kind
                or to_place.pk == c.handler_place_id
            ):
                raise DomainError("invalid_target", "只能流转给同一层级的其他节点")
            county = place_ancestor_of_kind(place=to_place, kind=Kind.COUNTY)
            if county is None or county.code[:6] != c.county_code:
                raise DomainError("invalid_target", "只能流转给本县的其他节点")
            r = Route(rung=c.rung, place=to_place)
        return Change(
            EventKind.TRANSFERRED,
            reason=text,
            data={"to": r.holder_name},
            fields=route_fields(r, category=c.category, start=timezone.now()),
        )

    result, event = transition(
        case_id=case.pk, action="transfer", actor=actor, check=must_handle(actor), change=change
    )
    legs_follow(result, via=LegVia.TRANSFER, at=event.at, ended=LegOutcome.TRANSFERRED)
    notify_holder(result, "流转来的事项待签收")
    return result


@transaction.atomic
def case_escalate(*, actor: Actor, case: Case, reason: str) -> Case:
    """提级上报 one rung (skipping unstaffed rungs), with a reason; new clocks start."""
    text = reason_text(reason, "提级理由")
    result, event = transition(
        case_id=case.pk,
        action="escalate",
        actor=actor,
        check=must_handle(actor),
        change=lambda c: escalation_change(c, reason=text),
    )
    legs_follow(result, via=LegVia.ESCALATION, at=event.at, ended=LegOutcome.REDISPATCHED)
    notify_holder(result, "提级上报的事项待签收")
    return result


def case_comment(*, actor: Actor, case: Case, text: str) -> CaseEvent:
    body = clean_text(text, field="text", label="备注", limit=2000, required=True)

    def check(c: Case) -> None:
        if actor is None or not (
            is_handler(
                actor,
                rung=c.rung,
                place_id=c.handler_place_id,
                department_id=c.handler_department_id,
            )
            or supervisor_rung(actor, c) is not None
        ):
            raise Forbidden()

    return transition(
        case_id=case.pk,
        action="comment",
        actor=actor,
        check=check,
        change=lambda c: Change(EventKind.COMMENT, reason=body),
    )[1]
