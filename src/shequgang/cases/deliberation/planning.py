"""Planning a deliberation (议事): the list of them, planning one, inviting people.

Every write takes the deliberation's row lock through ``deliberation_lock`` (which checks
the actor's rights and the table), runs in one transaction and writes an audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shequgang.actors import Actor, UserLike
from shequgang.audit.services import audit_record
from shequgang.cases.access import scoped_cases
from shequgang.cases.deliberation.access import (
    deliberation_node_for,
    may_convene,
    scoped_deliberations,
    signed_in_user,
)
from shequgang.cases.deliberation.common import (
    MAX_CASES,
    MAX_INVITEES,
    case_events,
    display_name,
)
from shequgang.cases.deliberation.workflow import deliberation_lock
from shequgang.cases.engine.guards import clean_text
from shequgang.cases.engine.routing import RUNG_KIND
from shequgang.cases.models import EventKind, Rung, Status
from shequgang.cases.models.deliberation import (
    Attendee,
    Deliberation,
)
from shequgang.cases.services import notifications
from shequgang.errors import Conflict, DomainError, Forbidden, NotFound
from shequgang.places.models import Kind, Place

# --- Selectors ---------------------------------------------------------------------------


def deliberation_list(
    *, user: UserLike, status: str = "", case_id: int | None = None
) -> QuerySet[Deliberation]:
    qs = scoped_deliberations(user).select_related("place", "convener")
    if status:
        qs = qs.filter(status=status)
    if case_id is not None:
        qs = qs.filter(cases__id=case_id)
    return qs.order_by("-scheduled_at", "-id")


# --- Planning ---------------------------------------------------------------------------


def _invitee_users(ids: Sequence[int]) -> list[User]:
    wanted = sorted(set(ids))
    users = list(User.objects.filter(pk__in=wanted, is_active=True).order_by("pk"))
    if len(users) != len(wanted):
        raise DomainError("unknown_user", "邀请的账号不存在或已停用")
    return users


def _invitee_names(names: Sequence[str]) -> list[str]:
    cleaned = [clean_text(n, field="invitee_name", label="参会人姓名", limit=50) for n in names]
    cleaned = [n for n in cleaned if n]
    if len(set(cleaned)) != len(cleaned):
        raise DomainError("duplicate_invitee", "参会人姓名重复")
    return cleaned


def _aware(value: dt.datetime, label: str) -> dt.datetime:
    if timezone.is_naive(value):
        raise DomainError("invalid_time", f"{label}须注明时区")
    try:  # stored in UTC, shown in Beijing time: both must be in the calendar
        value.astimezone(dt.UTC), timezone.localtime(value)
    except OverflowError:
        raise DomainError("invalid_time", f"{label}超出范围") from None
    return value


@transaction.atomic
def deliberation_plan(
    *,
    actor: Actor,
    rung: int,
    case_ids: Sequence[int],
    title: str,
    scheduled_at: dt.datetime,
    place: Place | None = None,
    agenda: str = "",
    location: str = "",
    invitee_ids: Sequence[int] = (),
    invitee_names: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Deliberation:
    """Convene a deliberation at ``rung`` on one or more cases. The node is ``place`` or,
    by default, the node of that rung above the first case. Every case must be visible to
    the actor (else 404) and lie under the node or be held by it; the actor must hold the
    node or supervise it from above (403). Appends a note to each case's timeline,
    notifies invited accounts, audits."""
    user = signed_in_user(actor)
    now = now or timezone.now()
    if rung not in RUNG_KIND:
        raise DomainError(
            "invalid_rung", "议事层级应为党员中心户、党小组、小区党支部、社区或乡镇（街道）"
        )
    ids = sorted(set(case_ids))
    if not ids:
        raise DomainError("cases_required", "请至少选择一个事项")
    if len(ids) > MAX_CASES:
        raise DomainError("too_many_cases", f"一次议事最多关联{MAX_CASES}个事项")
    cases = list(
        scoped_cases(user)
        .filter(pk__in=ids)
        .select_related("place", "handler_place")
        .order_by("pk")
    )
    if len(cases) != len(ids):
        raise NotFound("事项")
    node = place or deliberation_node_for(case=cases[0], rung=rung)
    if node.kind != RUNG_KIND[rung]:
        raise DomainError(
            "invalid_place", f"{Rung(rung).label}的议事节点应为{Kind(RUNG_KIND[rung]).label}"
        )
    for case in cases:
        if case.status == Status.MERGED:
            raise DomainError("case_merged", f"事项“{case.number}”已合并，请关联主事项")
        if not (case.place_path.startswith(node.path) or case.handler_place_id == node.pk):
            raise DomainError("case_outside_node", f"事项“{case.number}”不在“{node.name}”范围内")
    if not may_convene(user, rung=rung, place=node):
        raise Forbidden(f"只有“{node.name}”的{Rung(rung).label}负责人或上级可以召集议事")
    title = clean_text(title, field="title", label="议题", limit=100, required=True)
    agenda = clean_text(agenda, field="agenda", label="议程", limit=4000)
    location = clean_text(location, field="location", label="地点", limit=200)
    if timezone.localdate(_aware(scheduled_at, "会议时间")) < timezone.localdate(now):
        raise DomainError("scheduled_in_past", "会议时间不能早于今天")
    users = _invitee_users(invitee_ids)
    names = _invitee_names(invitee_names)
    if len(users) + len(names) > MAX_INVITEES:
        raise DomainError("too_many_invitees", f"参会人最多{MAX_INVITEES}人")
    d = Deliberation.objects.create(
        rung=rung,
        place=node,
        convener=user,
        title=title,
        agenda=agenda,
        scheduled_at=scheduled_at,
        location=location,
    )
    d.cases.set(cases)
    Attendee.objects.bulk_create(
        [Attendee(deliberation=d, user=u, name=display_name(u)) for u in users]
        + [Attendee(deliberation=d, name=n) for n in names]
    )
    when = timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M")
    case_events(
        d,
        actor=user,
        kind=EventKind.COMMENT,
        reason=f"安排{Rung(rung).label}：“{title}”，{when}，{location or node.name}",
        data={"step": "planned"},
    )
    notifications.notify(
        user_ids=[u.pk for u in users], case=cases[0], title=f"议事邀请：{title}", body=when
    )
    audit_record(
        actor=user,
        action="deliberation.plan",
        obj=d,
        changes={
            "rung": [None, rung],
            "place": [None, node.pk],
            "cases": [None, ids],
            "scheduled_at": [None, scheduled_at.isoformat()],
            "invitees": [None, [u.pk for u in users] + names],
        },
    )
    return d


@transaction.atomic
def deliberation_invite(
    *,
    actor: Actor,
    deliberation: Deliberation,
    invitee_ids: Sequence[int] = (),
    invitee_names: Sequence[str] = (),
) -> list[Attendee]:
    """Add invitees (accounts and/or residents by name); someone already invited is a
    409 ``already_invited``."""
    user = signed_in_user(actor)
    d = deliberation_lock(deliberation=deliberation, action="invite", actor=user)
    users = _invitee_users(invitee_ids)
    names = _invitee_names(invitee_names)
    if not users and not names:
        raise DomainError("invitees_required", "请填写参会人")
    if d.attendees.count() + len(users) + len(names) > MAX_INVITEES:
        raise DomainError("too_many_invitees", f"参会人最多{MAX_INVITEES}人")
    if d.attendees.filter(Q(user__in=users) | Q(user__isnull=True, name__in=names)).exists():
        raise Conflict("already_invited", "其中有人已在参会名单中")
    created = Attendee.objects.bulk_create(
        [Attendee(deliberation=d, user=u, name=display_name(u)) for u in users]
        + [Attendee(deliberation=d, name=n) for n in names]
    )
    notifications.notify(
        user_ids=[u.pk for u in users],
        case=d.cases.order_by("pk").first(),
        title=f"议事邀请：{d.title}",
        body=timezone.localtime(d.scheduled_at).strftime("%Y-%m-%d %H:%M"),
    )
    audit_record(
        actor=user,
        action="deliberation.invite",
        obj=d,
        changes={"invitees": [None, [u.pk for u in users] + names]},
    )
    return created
