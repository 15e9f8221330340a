"""Every write to a case. Views, the API, Open311, integrations, the sweep and tests all
call these; each state change goes through ``workflow.transition``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.calendar.workdays import working_days_after
from shequgang.cases import notifications
from shequgang.cases.access import supervisor_rung
from shequgang.cases.deadlines import clocks_for, warn_time
from shequgang.cases.dispatch_legs import leg_acknowledged, legs_follow
from shequgang.cases.dispatch_models import LegOutcome, LegVia
from shequgang.cases.followers import followers_absorb, notified_follower_ids
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseRules,
    Category,
    EventKind,
    Rung,
    Satisfaction,
    Source,
)
from shequgang.cases.numbering import next_case_number
from shequgang.cases.photos import CleanPhoto, clean_photo
from shequgang.cases.routing import Route, is_handler, route
from shequgang.cases.workflow import Change, transition
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.people import pii
from shequgang.people.masking import mask_phone
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope
from shequgang.places.models import Department, Kind, Place
from shequgang.places.selectors import place_ancestor_of_kind, place_ancestors

CASE_PLACE_KINDS = {Kind.HOUSEHOLD, Kind.UNIT, Kind.BUILDING, Kind.COMPOUND, Kind.COMMUNITY}
_STAFF_SOURCES = {
    Source.GRID_PATROL,
    Source.STAFF,
    Source.DOOR_KNOCKING,
    Source.HOTLINE,
    Source.LIVESTREAM,
}


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"{field}_required", f"请填写{label}")
    if len(text) > limit:
        raise DomainError(f"{field}_too_long", f"{label}不能超过{limit}个字")
    return text


def _route_fields(r: Route, *, category: Category, start: dt.datetime) -> dict[str, Any]:
    clocks = clocks_for(category=category, start=start)
    return {
        "handler_place": r.place,
        "handler_department": r.department,
        "assigned_at": start,
        # In UTC, as the database gives them back (the calendar answers in Shanghai
        # time): a case built in memory then serializes like the row read back.
        "ack_due_at": clocks.ack_due_at.astimezone(dt.UTC),
        "warn_at": clocks.warn_at.astimezone(dt.UTC),
        "resolve_due_at": clocks.resolve_due_at.astimezone(dt.UTC),
        "acknowledged_at": None,
        "yellow_card_at": None,
        "ack_overdue_at": None,
        "extension_days_requested": None,
        # A department's 退单 goes back to this node (none below the department rung).
        "dispatcher_place": r.dispatcher if r.department is not None else None,
        "verify_due_at": None,
        "verify_overdue_at": None,
    }


def _route_note(r: Route) -> str:
    note = f"分派至{Rung(r.rung).label}：{r.holder_name}"
    return note + ("（跳过 " + "；".join(r.skipped) + "）" if r.skipped else "")


def _notify_holder(case: Case, title: str, *, user_ids: list[int] | None = None) -> None:
    """``user_ids``: the holder's people when the caller already knows them."""
    notifications.notify(
        user_ids=notifications.holders_of(case) if user_ids is None else user_ids,
        case=case,
        title=f"{title}：{case.number}",
        body=case.title,
    )


def _notify_raisers(case: Case, title: str) -> None:
    """The raiser, everyone whose duplicate report was merged into this case, and its
    followers ("me too")."""
    ids = [
        case.raiser_id,
        *Case.objects.filter(merged_into=case).values_list("raiser_id", flat=True),
        *notified_follower_ids(case),
    ]
    notifications.notify(user_ids=ids, case=case, title=f"{title}：{case.number}", body=case.title)


# --- Creation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseDraft:
    """A case that passed every check and has been routed (``case_draft``); nothing is
    written yet. ``case_draft_save`` writes it."""

    user: User | None
    source: str
    category: Category
    place: Place
    route: Route
    fields: dict[str, Any]  # the case's columns
    photos: list[CleanPhoto]
    now: dt.datetime


@dataclass(frozen=True)
class CaseCreated:
    """What ``case_draft_save`` wrote: the case (its relations to category, place and
    holder loaded), its report photos and its two events, oldest first."""

    case: Case
    photos: list[CasePhoto]
    events: list[CaseEvent]


def case_draft(
    *,
    actor: Actor,
    source: str,
    category: Category,
    place: Place,
    title: str,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    raiser_name: str = "",
    raiser_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[IO[bytes]] = (),
    now: dt.datetime | None = None,
) -> CaseDraft:
    """The checks and reads of ``case_create``, without writing (so no transaction, and
    on SQLite no write lock, is needed for them): raises what ``case_create`` raises."""
    # UTC, as the database gives datetimes back, so the case in memory serializes the
    # same as the row read back.
    now = (now or timezone.now()).astimezone(dt.UTC)
    if source not in Source.values:
        raise DomainError("invalid_source", f"未知的来源：{source}")
    if not category.active or category.has_children():
        raise DomainError("invalid_category", "请选择具体的事项小类")
    if place.kind not in CASE_PLACE_KINDS:
        raise DomainError("invalid_place", "事项地点应为社区、小区、楼栋、单元或户")
    if source in _STAFF_SOURCES and (
        actor is None or not place_in_scope(actor, Perm.CASE_RAISE, place)
    ):
        raise NotFound("地点")
    if source == Source.RESIDENT and (actor is None or not actor.is_authenticated):
        raise DomainError("unauthenticated", "请先登录", status=401)
    title = _text(title, field="title", label="标题", limit=100, required=True)
    description = _text(description, field="description", label="描述", limit=4000)
    raiser_name = _text(raiser_name, field="raiser_name", label="姓名", limit=50)
    for value, low, high, label in ((latitude, -90, 90, "纬度"), (longitude, -180, 180, "经度")):
        if value is not None and not low <= value <= high:
            raise DomainError("invalid_coordinates", f"{label}超出范围")
    cleaned: list[CleanPhoto] = []
    if photos:  # the rules only limit photos: no need to read them for a case without
        rules = CaseRules.current()
        if len(photos) > rules.max_photos:
            raise DomainError("too_many_photos", f"最多上传{rules.max_photos}张照片")
        cleaned = [clean_photo(p, max_bytes=rules.max_photo_bytes) for p in photos]
    phone_cipher = phone_masked = ""
    if raiser_phone.strip():
        e164 = normalize_phone(raiser_phone)
        phone_cipher, phone_masked = pii.encrypt(e164), mask_phone(national_phone(e164))
    chain = place_ancestors(place=place)  # one query: the county and the routing read it
    county = next((p for p in reversed(chain) if p.kind == Kind.COUNTY), None)
    if county is None or not county.code:
        raise DomainError("invalid_place", "地点不属于任何县级区划")
    r = route(place=place, category=category, rung=category.start_rung, chain=chain)
    user = _user(actor)
    return CaseDraft(
        user=user,
        source=source,
        category=category,
        place=place,
        route=r,
        fields={
            "source": source,
            "title": title,
            "description": description,
            "place_path": place.path,
            "county_code": county.code[:6],
            "grid_id": place.grid_id,
            "latitude": latitude,
            "longitude": longitude,
            "raiser_name": raiser_name or (user.get_full_name() if user else ""),
            "raiser_phone_cipher": phone_cipher,
            "raiser_phone_masked": phone_masked,
            "anonymous": anonymous,
            "rung": r.rung,
            "created_at": now,
            **_route_fields(r, category=category, start=now),
        },
        photos=cleaned,
        now=now,
    )


# No savepoint inside a caller's transaction: every refusal was raised by ``case_draft``
# before, so only a database error can end this early, and that fails the caller's too.
@transaction.atomic(savepoint=False)
def case_draft_save(draft: CaseDraft) -> CaseCreated:
    """Write a drafted case: number it (unique under concurrency: the county's counter
    row is locked until commit), store its photos, write the created/assigned events and
    the holder's notification."""
    now, user, r = draft.now, draft.user, draft.route
    case = Case(
        number=next_case_number(county_code=draft.fields["county_code"], at=now),
        category=draft.category,
        place=draft.place,
        raiser=user,
        **draft.fields,
    )
    case.save(force_insert=True)
    photos = [
        CasePhoto.objects.create(
            case=case,
            image=photo.content,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            uploaded_by=user,
        )
        for photo in draft.photos
    ]
    events = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                at=now,
                actor=user,
                kind=EventKind.CREATED,
                to_status=case.status,
                to_rung=case.rung,
                data={"source": draft.source},
            ),
            CaseEvent(
                case=case,
                at=now,
                actor=None,
                kind=EventKind.ASSIGNED,
                to_status=case.status,
                to_rung=case.rung,
                reason=_route_note(r),
            ),
        ]
    )
    legs_follow(case, via=LegVia.ESCALATION, at=now, ended=LegOutcome.REDISPATCHED)
    _notify_holder(case, "新事项待签收", user_ids=r.holder_ids)
    return CaseCreated(case=case, photos=photos, events=events)


def case_create(
    *,
    actor: Actor,
    source: str,
    category: Category,
    place: Place,
    title: str,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    raiser_name: str = "",
    raiser_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[IO[bytes]] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Raise a case through any door. Routes it to the first staffed holder at or above
    its category's starting rung, numbers it (unique under concurrency), sets its clocks,
    stores cleaned photos, and writes the created/assigned events and the holder's
    notification. Staff doors need ``case.raise`` over the place; anyone signed in may
    raise a case as a resident; integrations pass ``actor=None``. The checks and reads
    (``case_draft``) run before the writing transaction (``case_draft_save``)."""
    draft = case_draft(
        actor=actor,
        source=source,
        category=category,
        place=place,
        title=title,
        description=description,
        latitude=latitude,
        longitude=longitude,
        raiser_name=raiser_name,
        raiser_phone=raiser_phone,
        anonymous=anonymous,
        photos=photos,
        now=now,
    )
    return case_draft_save(draft).case


# --- Checks --------------------------------------------------------------------------------


def _must_handle(actor: Actor) -> Any:
    def check(case: Case) -> None:
        if actor is None or not is_handler(
            actor,
            rung=case.rung,
            place_id=case.handler_place_id,
            department_id=case.handler_department_id,
        ):
            raise Forbidden("您不是该事项当前的承办人")

    return check


def _must_supervise(actor: Actor, *, above: bool = True) -> Any:
    def check(case: Case) -> None:
        rung = supervisor_rung(actor, case) if actor is not None else None
        if rung is None or (above and rung <= case.rung):
            raise Forbidden("只有上级可以执行此操作")

    return check


def _reason(reason: str, label: str = "理由") -> str:
    return _text(reason, field="reason", label=label, limit=1000, required=True)


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
        case_id=case.pk, action="acknowledge", actor=actor, check=_must_handle(actor), change=change
    )
    if result.rung == Rung.DEPARTMENT:
        leg_acknowledged(result, at=event.at)
    return result


def case_start(*, actor: Actor, case: Case) -> Case:
    return transition(
        case_id=case.pk,
        action="start",
        actor=actor,
        check=_must_handle(actor),
        change=lambda c: Change(EventKind.STARTED),
    )[0]


@transaction.atomic
def case_resolve(
    *, actor: Actor, case: Case, resolution: str, photos: Sequence[IO[bytes]] = ()
) -> Case:
    """办结, with what was done and optional evidence photos; asks the raiser to rate it."""
    text = _text(resolution, field="resolution", label="办理结果", limit=4000, required=True)
    rules = CaseRules.current()
    if len(photos) > rules.max_photos:
        raise DomainError("too_many_photos", f"最多上传{rules.max_photos}张照片")
    cleaned = [clean_photo(p, max_bytes=rules.max_photo_bytes) for p in photos]

    def check(c: Case) -> None:
        _must_handle(actor)(c)
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
            uploaded_by=_user(actor),
            purpose="resolution",
        )
    _notify_raisers(result, "您反映的事项已办结，请评价")
    return result


@transaction.atomic
def case_return(*, actor: Actor, case: Case, reason: str) -> Case:
    """退回: wrong rung or category. It waits for the community to re-route it. A
    department's return (退单) goes back to the dispatcher's queue instead
    (``dispatch.case_dispatch_return``)."""
    if Case.objects.select_for_update().get(pk=case.pk).rung == Rung.DEPARTMENT:
        from shequgang.cases.dispatch import case_dispatch_return

        return case_dispatch_return(actor=actor, case=case, reason=reason)
    text = _reason(reason, "退回理由")
    result, _ = transition(
        case_id=case.pk,
        action="return",
        actor=actor,
        check=_must_handle(actor),
        change=lambda c: Change(EventKind.RETURNED, reason=text),
    )
    community = place_ancestor_of_kind(place=result.place, kind=Kind.COMMUNITY)
    if community is not None:
        from shequgang.cases.routing import RUNG_ROLES
        from shequgang.people.models import RoleAssignment

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
        fields = _route_fields(r, category=cat, start=timezone.now())
        fields["category"] = cat
        return Change(
            EventKind.REROUTED,
            reason=(reason.strip() + " " + _route_note(r)).strip(),
            fields=fields,
            to_rung=r.rung,
        )

    result, event = transition(
        case_id=case.pk,
        action="reroute",
        actor=actor,
        check=_must_supervise(actor, above=False),
        change=change,
    )
    legs_follow(result, via=LegVia.ESCALATION, at=event.at, ended=LegOutcome.REDISPATCHED)
    _notify_holder(result, "新事项待签收")
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
    text = _reason(reason, "流转理由")
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
            fields=_route_fields(r, category=c.category, start=timezone.now()),
        )

    result, event = transition(
        case_id=case.pk, action="transfer", actor=actor, check=_must_handle(actor), change=change
    )
    legs_follow(result, via=LegVia.TRANSFER, at=event.at, ended=LegOutcome.TRANSFERRED)
    _notify_holder(result, "流转来的事项待签收")
    return result


def _escalation(c: Case, *, reason: str, kind: EventKind = EventKind.ESCALATED) -> Change:
    if c.rung >= Rung.DEPARTMENT:
        raise DomainError("top_rung", "事项已在最高层级，不能再提级")
    r = route(place=c.place, category=c.category, rung=c.rung + 1)
    fields = _route_fields(r, category=c.category, start=timezone.now())
    fields["escalations"] = c.escalations + 1
    return Change(kind, reason=f"{reason}；{_route_note(r)}", fields=fields, to_rung=r.rung)


@transaction.atomic
def case_escalate(*, actor: Actor, case: Case, reason: str) -> Case:
    """提级上报 one rung (skipping unstaffed rungs), with a reason; new clocks start."""
    text = _reason(reason, "提级理由")
    result, event = transition(
        case_id=case.pk,
        action="escalate",
        actor=actor,
        check=_must_handle(actor),
        change=lambda c: _escalation(c, reason=text),
    )
    legs_follow(result, via=LegVia.ESCALATION, at=event.at, ended=LegOutcome.REDISPATCHED)
    _notify_holder(result, "提级上报的事项待签收")
    return result


@transaction.atomic
def case_request_extension(*, actor: Actor, case: Case, days: int, reason: str) -> Case:
    """申请延期 by ``days`` working days; one rung up decides."""
    text = _reason(reason, "延期理由")
    if not 1 <= days <= 30:
        raise DomainError("invalid_extension", "延期天数应为1至30个工作日")

    def change(c: Case) -> Change:
        if c.extension_days_requested:
            raise DomainError("extension_pending", "已有待审批的延期申请", status=409)
        return Change(
            EventKind.EXTENSION_REQUESTED,
            reason=text,
            fields={"extension_days_requested": days},
            data={"days": days},
        )

    result, _ = transition(
        case_id=case.pk,
        action="request_extension",
        actor=actor,
        check=_must_handle(actor),
        change=change,
    )
    if result.rung < Rung.DEPARTMENT:
        above = route(place=result.place, category=result.category, rung=result.rung + 1)
        probe = Case(
            rung=above.rung, handler_place=above.place, handler_department=above.department
        )
        notifications.notify(
            user_ids=notifications.holders_of(probe),
            case=result,
            title=f"延期申请待审批：{result.number}",
            body=text,
        )
    return result


def _may_decide_extension(actor: Actor) -> Any:
    def check(c: Case) -> None:
        if not c.extension_days_requested:
            raise DomainError("no_extension_request", "没有待审批的延期申请", status=409)
        if actor is None:
            raise Forbidden()
        if c.rung < Rung.DEPARTMENT:
            above = route(place=c.place, category=c.category, rung=c.rung + 1)
            if is_handler(
                actor,
                rung=above.rung,
                place_id=above.place.pk if above.place else None,
                department_id=above.department.pk if above.department else None,
            ):
                return
        rung = supervisor_rung(actor, c)
        if rung is None or rung <= c.rung:
            raise Forbidden("延期须由上一级审批")

    return check


@transaction.atomic
def case_decide_extension(*, actor: Actor, case: Case, approve: bool, reason: str = "") -> Case:
    def change(c: Case) -> Change:
        days = c.extension_days_requested or 0
        if not approve:
            return Change(
                EventKind.EXTENSION_DENIED,
                reason=reason.strip(),
                fields={"extension_days_requested": None},
            )
        due = working_days_after(c.resolve_due_at, days)
        return Change(
            EventKind.EXTENSION_GRANTED,
            reason=reason.strip(),
            data={"days": days},
            fields={
                "extension_days_requested": None,
                "resolve_due_at": due,
                "warn_at": warn_time(due),
                "yellow_card_at": None,
            },
        )

    result, _ = transition(
        case_id=case.pk,
        action="decide_extension",
        actor=actor,
        check=_may_decide_extension(actor),
        change=change,
    )
    _notify_holder(result, "延期申请已" + ("批准" if approve else "驳回"))
    return result


@transaction.atomic
def case_supervise(*, actor: Actor, case: Case, reason: str) -> Case:
    """督办 by a community (or anyone above the case's rung)."""
    text = _reason(reason, "督办意见")
    result, _ = transition(
        case_id=case.pk,
        action="supervise",
        actor=actor,
        check=_must_supervise(actor),
        change=lambda c: Change(
            EventKind.SUPERVISED, reason=text, fields={"supervised_at": timezone.now()}
        ),
    )
    _notify_holder(result, "事项被督办")
    return result


def case_hold(*, actor: Actor, case: Case, reason: str) -> Case:
    """挂账: not solvable now. Only from the community up; the explanation stays visible."""
    text = _reason(reason, "挂账说明")

    def check(c: Case) -> None:
        _must_handle(actor)(c)
        if c.rung < Rung.COMMUNITY:
            raise Forbidden("挂账须由社区及以上决定，请提级上报")

    return transition(
        case_id=case.pk,
        action="hold",
        actor=actor,
        check=check,
        change=lambda c: Change(EventKind.ON_HOLD, reason=text, fields={"hold_reason": text}),
    )[0]


def case_resume(*, actor: Actor, case: Case, reason: str = "") -> Case:
    def change(c: Case) -> Change:
        clocks = clocks_for(category=c.category, start=timezone.now())
        return Change(
            EventKind.RESUMED,
            reason=reason.strip(),
            fields={
                "warn_at": clocks.warn_at,
                "resolve_due_at": clocks.resolve_due_at,
                "yellow_card_at": None,
            },
        )

    return transition(
        case_id=case.pk, action="resume", actor=actor, check=_must_handle(actor), change=change
    )[0]


def case_comment(*, actor: Actor, case: Case, text: str) -> CaseEvent:
    body = _text(text, field="text", label="备注", limit=2000, required=True)

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
    note = _text(comment, field="comment", label="评价", limit=500)
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
        esc = _escalation(c, reason=note or "重办后群众仍不满意")
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
        _notify_holder(result, "群众不满意，事项需重新办理")
    return result


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
        check=_must_supervise(actor, above=False),
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
