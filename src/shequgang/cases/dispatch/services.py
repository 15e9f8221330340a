"""The dispatch loop (一网统管): 上报→受理→派遣→处置→核查→结案.

- 提请派遣 ``case_request_dispatch``: the community or town holding a case hands it to the
  county command centre's queue (``to_dispatch``).
- 派遣 ``case_dispatch``: the county command centre (for cases at the town rung or above,
  or waiting in its queue) or the community (for a case it holds, or one back in its
  queue) sends it to the category's department (routing table) or another one. The case
  records who dispatched it and from which node.
- 签收 / 流转 are the ladder's ``case_acknowledge`` / ``case_transfer`` at the department
  rung; 退单 ``case_dispatch_return`` (its callers pick it instead of ``case_return`` for a
  department-held case: ``case_hand_back``) puts the case back
  in the dispatcher's queue.
- 回复 ``case_report``: the department reports its result with evidence photos.
- 核查 ``case_verify``: the grid worker of the case's grid (community staff where the grid
  has none) checks on site with a photo: pass resolves the case (then the raiser's rating
  or auto-close), fail sends it back to the department with the reason.

Every step goes through ``workflow.transition`` and appends its event; departments'
turns are kept in ``DispatchLeg`` rows for the measures (``dispatch.measures``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.calendar.workdays import working_days_after, working_hours_after
from shequgang.cases import services
from shequgang.cases.dispatch.rules import (
    COMMAND_ROLES,
    COMMUNITY_ROLES,
    default_department,
    dispatcher_node,
    may_request_dispatch,
    may_verify,
    verifier_assignments,
)
from shequgang.cases.engine.guards import actor_user, clean_text, must_handle, reason_text
from shequgang.cases.engine.legs import (
    leg_reported,
    leg_verified,
    legs_follow,
    open_leg,
)
from shequgang.cases.engine.route_fields import route_fields
from shequgang.cases.engine.routing import Route
from shequgang.cases.engine.workflow import Change, transition
from shequgang.cases.models import (
    Case,
    CasePhoto,
    CaseRules,
    EventKind,
    Rung,
)
from shequgang.cases.models.dispatch import CaseVerification, LegOutcome, LegVia
from shequgang.cases.services import notifications
from shequgang.cases.services.followers import notified_follower_ids
from shequgang.cases.services.photos import CleanPhoto, clean_photo
from shequgang.errors import DomainError, Forbidden
from shequgang.people.models import RoleAssignment
from shequgang.places.models import Department, Kind, Place
from shequgang.places.selectors import place_ancestor_of_kind


def _notify_node(node: Place | None, case: Case, title: str, body: str = "") -> None:
    """The staff sitting on a dispatcher node (command centre or community)."""
    if node is None:
        return
    ids = RoleAssignment.objects.filter(
        place=node, role__in=COMMAND_ROLES | COMMUNITY_ROLES, revoked_at__isnull=True
    ).values_list("user_id", flat=True)
    notifications.notify(user_ids=ids, case=case, title=f"{title}：{case.number}", body=body)


def _notify_department(case: Case, title: str, body: str = "") -> None:
    notifications.notify(
        user_ids=notifications.holders_of(case),
        case=case,
        title=f"{title}：{case.number}",
        body=body or case.title,
    )


def _photos(photos: Sequence[IO[bytes]], *, required: bool) -> list[CleanPhoto]:
    rules = CaseRules.current()
    if required and not photos:
        raise DomainError("photo_required", "请上传现场照片")
    if len(photos) > rules.max_photos:
        raise DomainError("too_many_photos", f"最多上传{rules.max_photos}张照片")
    return [clean_photo(p, max_bytes=rules.max_photo_bytes) for p in photos]


def _store(case: Case, photos: list[CleanPhoto], *, actor: Actor, purpose: str) -> None:
    for photo in photos:
        CasePhoto.objects.create(
            case=case,
            image=photo.content,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            uploaded_by=actor_user(actor),
            purpose=purpose,
        )


# --- Steps ----------------------------------------------------------------------------------


@transaction.atomic
def case_request_dispatch(*, actor: Actor, case: Case, reason: str) -> Case:
    """提请派遣: the community or town holding the case — or the grid worker who reported
    it on patrol, before anyone signed for it — hands it to the county command centre's
    queue. Raises 403 for anyone else, 409 from a status the table refuses."""
    text = reason_text(reason, "提请理由")

    def check(c: Case) -> None:
        if actor is None or not may_request_dispatch(actor, c):
            raise Forbidden("提请派遣须由承办的社区、乡镇（街道）或上报的网格员提出")

    county = place_ancestor_of_kind(place=case.place, kind=Kind.COUNTY)
    now = timezone.now()
    result, _ = transition(
        case_id=case.pk,
        action="request_dispatch",
        actor=actor,
        check=check,
        change=lambda c: Change(
            EventKind.DISPATCH_REQUESTED,
            reason=text,
            data={"to": str(county or "")},
            fields={
                "dispatcher_place": county,
                "handler_place": None,
                "handler_department": None,
                "assigned_at": now,
            },
        ),
    )
    _notify_node(county, result, "有事项待派遣", text)
    return result


@transaction.atomic
def case_dispatch(
    *, actor: Actor, case: Case, department: Department | None = None, reason: str = ""
) -> Case:
    """派遣 the case to ``department`` (default: the routing table's for its category and
    county). Records the dispatcher and its node; new acknowledgement and resolution
    clocks start; the department's staff are told. Errors: 403 not a dispatcher of this
    case, 409 wrong status, 400 ``no_department`` / ``invalid_target``."""
    note = clean_text(reason, field="reason", label="派遣说明", limit=1000)
    if department is None:
        department = default_department(case)
        if department is None:
            raise DomainError("no_department", "该类事项未设置派遣部门，请选择部门")
    target = department
    nodes: dict[str, Place] = {}

    def check(c: Case) -> None:
        node = dispatcher_node(actor, c) if actor is not None else None
        if node is None:
            raise Forbidden("您不能派遣该事项")
        nodes["node"] = node

    def change(c: Case) -> Change:
        if not target.active or not c.place_path.startswith(target.place.path):
            raise DomainError("invalid_target", "只能派遣给本县或市级的部门")
        if c.rung == Rung.DEPARTMENT and c.handler_department_id == target.pk:
            raise DomainError("invalid_target", "事项已在该部门办理")
        now = timezone.now()
        node = nodes["node"]
        route = Route(rung=Rung.DEPARTMENT, department=target, dispatcher=node)
        fields = route_fields(route, category=c.category, start=now)
        fields.update({"dispatched_by": actor_user(actor), "dispatched_at": now})
        return Change(
            EventKind.DISPATCHED,
            reason=(f"派遣至{target.name}" + (f"：{note}" if note else "")),
            fields=fields,
            to_rung=Rung.DEPARTMENT,
            data={"department_id": target.pk, "department": target.name, "dispatcher": node.name},
        )

    result, event = transition(
        case_id=case.pk, action="dispatch", actor=actor, check=check, change=change
    )
    legs_follow(result, via=LegVia.DISPATCH, at=event.at, ended=LegOutcome.REDISPATCHED)
    _notify_department(result, "派遣事项待签收")
    return result


@transaction.atomic
def case_dispatch_return(*, actor: Actor, case: Case, reason: str) -> Case:
    """退单: the department says the case is not theirs (reason required); it goes back
    to the queue of the node that dispatched it. Called through ``case_return``."""
    text = reason_text(reason, "退单理由")

    def change(c: Case) -> Change:
        dept = c.handler_department
        node = c.dispatcher_place or place_ancestor_of_kind(place=c.place, kind=Kind.COUNTY)
        return Change(
            EventKind.DISPATCH_RETURNED,
            reason=text,
            data={"department": dept.name if dept else "", "to": node.name if node else ""},
            fields={
                "handler_department": None,
                "handler_place": None,
                "dispatcher_place": node,
                "assigned_at": timezone.now(),
            },
        )

    result, event = transition(
        case_id=case.pk,
        action="return_to_dispatcher",
        actor=actor,
        check=must_handle(actor),
        change=change,
    )
    legs_follow(result, via=LegVia.DISPATCH, at=event.at, ended=LegOutcome.RETURNED)
    _notify_node(result.dispatcher_place, result, "部门退单，请重新派遣", text)
    if result.dispatched_by_id is not None:
        notifications.notify(
            user_ids=[result.dispatched_by_id],
            case=result,
            title=f"部门退单，请重新派遣：{result.number}",
            body=text,
        )
    return result


@transaction.atomic
def case_report(*, actor: Actor, case: Case, result: str, photos: Sequence[IO[bytes]] = ()) -> Case:
    """回复: the department reports what it did, with optional evidence photos. The case
    waits for on-site verification within ``CaseRules.verify_hours`` working hours; the
    verifiers are told."""
    text = clean_text(result, field="result", label="办理结果", limit=4000, required=True)
    cleaned = _photos(photos, required=False)
    rules = CaseRules.current()

    def check(c: Case) -> None:
        must_handle(actor)(c)
        if c.rung != Rung.DEPARTMENT:
            raise DomainError("not_dispatched", "只有派遣给部门的事项需要回复核查", status=409)

    def change(c: Case) -> Change:
        now = timezone.now()
        return Change(
            EventKind.REPORTED,
            reason=text,
            fields={
                "resolution": text,
                "verify_due_at": working_hours_after(now, max(1, rules.verify_hours)),
                "verify_overdue_at": None,
            },
            data={"on_time": now <= c.resolve_due_at},
        )

    done, event = transition(
        case_id=case.pk, action="report", actor=actor, check=check, change=change
    )
    _store(done, cleaned, actor=actor, purpose="resolution")
    leg_reported(done, at=event.at)
    ids = verifier_assignments(done).values_list("user_id", flat=True)
    notifications.notify(
        user_ids=ids, case=done, title=f"部门已回复，请现场核查：{done.number}", body=text[:500]
    )
    return done


@transaction.atomic
def case_verify(
    *,
    actor: Actor,
    case: Case,
    passed: bool,
    note: str = "",
    photos: Sequence[IO[bytes]] = (),
) -> Case:
    """核查 on site, with at least one photo. ``passed``: the case is resolved (resolved on
    time when the department reported by its deadline) and the raiser is asked to rate
    it; otherwise (reason required) it goes back to the department. Only the grid
    worker of the case's grid — community staff where the grid has none — may verify
    (403). One ``CaseVerification`` row per verification."""
    text = clean_text(note, field="reason", label="核查说明", limit=1000, required=not passed)
    cleaned = _photos(photos, required=True)
    rules = CaseRules.current()
    facts: dict[str, Any] = {}

    def check(c: Case) -> None:
        if actor is None or not may_verify(actor, c):
            raise Forbidden("只有本网格的网格员（无网格员时为社区工作人员）可以核查")

    def change(c: Case) -> Change:
        now = timezone.now()
        due = c.verify_due_at or now
        facts.update(now=now, due=due)
        data = {"on_time": now <= due}
        cleared = {"verify_due_at": None, "verify_overdue_at": None}
        if not passed:
            return Change(EventKind.VERIFY_FAILED, reason=text, fields=cleared, data=data)
        leg = open_leg(c)
        on_time = leg.reported_on_time if leg is not None else None
        return Change(
            EventKind.VERIFIED,
            reason=text,
            data=data,
            fields={
                **cleared,
                "resolved_at": now,
                "resolved_rung": c.rung,
                "resolved_on_time": bool(on_time),
                "close_due_at": working_days_after(now, max(1, rules.auto_close_days)),
            },
        )

    done, event = transition(
        case_id=case.pk,
        action="verify_pass" if passed else "verify_fail",
        actor=actor,
        check=check,
        change=change,
    )
    _store(done, cleaned, actor=actor, purpose="verification")
    leg = leg_verified(done, passed=passed, at=event.at)
    user = actor_user(actor)
    assert user is not None
    CaseVerification.objects.create(
        case=done,
        leg=leg,
        verifier=user,
        place_path=done.place_path,
        at=facts["now"],
        due_at=facts["due"],
        on_time=facts["now"] <= facts["due"],
        passed=passed,
        note=text,
    )
    if passed:
        ids = [
            done.raiser_id,
            *Case.objects.filter(merged_into=done).values_list("raiser_id", flat=True),
            *notified_follower_ids(done),  # "me too" and merged reporters hear it like the raiser
        ]
        notifications.notify(
            user_ids=ids,
            case=done,
            title=f"您反映的事项已办结，请评价：{done.number}",
            body=done.title,
        )
    else:
        _notify_department(done, "现场核查未通过，请继续办理", text)
    return done


def case_hand_back(*, actor: Actor, case: Case, reason: str) -> Case:
    """The holder gives a case back: a department's 退单 (``case_dispatch_return``) or the
    ladder's 退回 (``services.case_return``), by the rung holding it. ``case_return``
    refuses a department-held case, so a case moved meanwhile is refused, not mishandled."""
    if Case.objects.values_list("rung", flat=True).get(pk=case.pk) == Rung.DEPARTMENT:
        return case_dispatch_return(actor=actor, case=case, reason=reason)
    return services.case_return(actor=actor, case=case, reason=reason)
