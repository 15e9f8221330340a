"""双服务: publishing activities, signing up with a waiting list, check-in and check-out
with the code shown on site, confirmed service hours, no-shows and residents' ratings.

Capacity is never exceeded: every sign-up and cancellation locks the activity row first
(``select_for_update``; on SQLite the project's IMMEDIATE transactions serialise writers),
counts the confirmed places under that lock and writes in the same transaction."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor, UserLike
from shequgang.audit.services import audit_record
from shequgang.cases.services.notifications import notify
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.party.activity_models import (
    Activity,
    ActivityKind,
    ActivityRating,
    ActivityStatus,
    Attendance,
    Signup,
    SignupStatus,
)
from shequgang.party.models import Branch, BranchCompound, Member, PairedUnit, UnitPairing
from shequgang.people.models import RoleAssignment
from shequgang.people.roles import Perm, Role
from shequgang.people.scope import place_in_scope
from shequgang.places.models import Kind, Place
from shequgang.points.rules import rule_for
from shequgang.points.services import points_earn
from shequgang.text_rules import text_clean

# Check-in opens this long before the start; check-out closes this long after the end.
CHECKIN_OPENS = dt.timedelta(minutes=30)
CHECKOUT_GRACE = dt.timedelta(minutes=30)
MAX_DURATION = dt.timedelta(days=7)
MAX_CAPACITY = 10_000
MAX_POINTS = 1_000
# Unambiguous characters (no 0/O, 1/I/L) for a code read off a poster.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
_SLUG = re.compile(r"[a-z0-9_-]{1,40}")


def _user(actor: Actor) -> Any:
    if actor is None or not actor.is_authenticated:
        raise DomainError("unauthenticated", "请先登录", status=401)
    return actor


def new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


# --- Who may do what ----------------------------------------------------------------------


def _branch_secretary_of(user: UserLike, branch: Branch) -> bool:
    if user.pk is None:
        return False
    compounds = BranchCompound.objects.filter(branch=branch).values("compound_id")
    return RoleAssignment.objects.filter(
        user_id=user.pk or 0,
        role=Role.BRANCH_SECRETARY,
        revoked_at__isnull=True,
        place_id__in=compounds,
    ).exists()


def _unit_account_of(user: UserLike, unit: PairedUnit) -> bool:
    return user.pk is not None and unit.accounts.filter(pk=user.pk).exists()


def unit_paired_with(unit: PairedUnit, community: Place, on: dt.date) -> bool:
    return (
        UnitPairing.objects.filter(unit=unit, community=community, started_on__lte=on)
        .exclude(ended_on__lt=on)
        .exists()
    )


def may_publish(
    user: UserLike,
    *,
    community: Place,
    branch: Branch | None = None,
    unit: PairedUnit | None = None,
) -> bool:
    """Community staff (party.manage on the community) publish for the community and for any
    of its branches and paired units; a branch secretary for their branch; a unit's liaison
    account for their unit in a community it is paired with."""
    if place_in_scope(user, Perm.PARTY_MANAGE, community):
        return True
    if branch is not None:
        return _branch_secretary_of(user, branch)
    if unit is not None:
        return _unit_account_of(user, unit) and unit_paired_with(
            unit, community, timezone.localdate()
        )
    return False


def may_organise(user: UserLike, activity: Activity) -> bool:
    if not user.is_authenticated:
        return False
    if activity.created_by_id == user.pk:
        return True
    return may_publish(
        user, community=activity.community, branch=activity.branch, unit=activity.unit
    )


# --- Publishing ---------------------------------------------------------------------------


@dataclass
class ActivityInput:
    title: str
    location: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    kind: str = ActivityKind.ACTIVITY
    activity_type: str = "volunteer_hour"
    description: str = ""
    skills_wanted: str = ""
    points: int = 0


def _validate(data: ActivityInput, *, now: dt.datetime) -> dict[str, Any]:
    title = text_clean(data.title, field="title", label="标题", limit=100, required=True)
    location = text_clean(data.location, field="location", label="地点", limit=200, required=True)
    if data.kind not in ActivityKind.values:
        raise DomainError("invalid_kind", "类型应为活动或任务")
    if timezone.is_naive(data.starts_at) or timezone.is_naive(data.ends_at):
        raise DomainError("invalid_time", "时间须带时区")
    try:  # the database stores UTC: 9999-12-31 at −12:00 is past its calendar
        data.starts_at.astimezone(dt.UTC), data.ends_at.astimezone(dt.UTC)
    except OverflowError:
        raise DomainError("invalid_time", "时间超出范围") from None
    if data.ends_at <= data.starts_at:
        raise DomainError("invalid_time", "结束时间须晚于开始时间")
    if data.ends_at - data.starts_at > MAX_DURATION:
        raise DomainError("invalid_time", "一次活动不超过7天")
    if data.ends_at <= now:
        raise DomainError("invalid_time", "活动已结束，不能发布")
    if not 1 <= data.capacity <= MAX_CAPACITY:
        raise DomainError("invalid_capacity", f"名额应为1至{MAX_CAPACITY}")
    if not 0 <= data.points <= MAX_POINTS:
        raise DomainError("invalid_points", f"积分应为0至{MAX_POINTS}")
    description = text_clean(data.description, field="description", label="内容", limit=4000)
    skills_wanted = text_clean(data.skills_wanted, field="skills_wanted", label="技能", limit=200)
    activity_type = (data.activity_type or "volunteer_hour").strip()
    if not _SLUG.fullmatch(activity_type):
        raise DomainError("invalid_activity_type", "活动类别应为小写字母、数字、-或_，不超过40字")
    return {
        "title": title,
        "location": location,
        "kind": data.kind,
        "activity_type": activity_type,
        "description": description,
        "skills_wanted": skills_wanted,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "capacity": data.capacity,
        "points": data.points,
    }


def activity_publish(
    *,
    actor: Actor,
    community: Place,
    data: ActivityInput,
    branch: Branch | None = None,
    unit: PairedUnit | None = None,
) -> Activity:
    user = _user(actor)
    if community.kind != Kind.COMMUNITY:
        raise DomainError("invalid_community", "活动须发布在社区")
    if branch is not None and unit is not None:
        raise DomainError("one_publisher", "发布主体只能是社区、一个党支部或一个单位")
    if branch is not None and branch.committee.community_id != community.pk:
        raise DomainError("branch_not_in_community", "该党支部不属于此社区")
    if not may_publish(user, community=community, branch=branch, unit=unit):
        raise Forbidden("无权在此社区发布活动")
    if unit is not None and not unit_paired_with(unit, community, timezone.localdate()):
        # Staff publish for the community's paired units only: an activity in another
        # unit's name would enter that unit's service record.
        raise DomainError("unit_not_paired", "该单位未与此社区结对，不能以其名义发布")
    fields = _validate(data, now=timezone.now())
    with transaction.atomic():
        activity = Activity.objects.create(
            community=community,
            branch=branch,
            unit=unit,
            code=new_code(),
            created_by=user,
            **fields,
        )
        audit_record(actor=user, action="activity.publish", obj=activity, changes={})
    return activity


def activity_cancel(*, actor: Actor, activity: Activity, reason: str) -> Activity:
    user = _user(actor)
    reason = text_clean(reason, field="reason", label="取消原因", limit=500, required=True)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if not may_organise(user, activity):
            raise Forbidden("只有组织者可以取消活动")
        if activity.status != ActivityStatus.PUBLISHED:
            raise DomainError("not_published", "活动已取消或已结束", status=409)
        activity.status = ActivityStatus.CANCELLED
        activity.save(update_fields=["status"])
        live = Signup.objects.filter(activity=activity).exclude(status=SignupStatus.CANCELLED)
        notify(
            user_ids=live.values_list("user_id", flat=True),
            case=None,
            title=f"活动已取消：{activity.title}"[:100],
            body=reason[:500],
        )
        audit_record(
            actor=user, action="activity.cancel", obj=activity, changes={"reason": [None, reason]}
        )
    return activity


# --- Signing up ---------------------------------------------------------------------------


def _locked_open_activity(activity_id: int, *, now: dt.datetime) -> Activity:
    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        raise NotFound()
    if activity.status != ActivityStatus.PUBLISHED:
        raise DomainError("not_published", "活动已取消或已结束", status=409)
    if now >= activity.starts_at:
        raise DomainError("signup_closed", "活动已开始，报名已截止", status=409)
    return activity


def signup_create(*, actor: Actor, activity: Activity) -> tuple[Signup, bool]:
    """Sign the actor up: a place while any is left, else the waiting list. Signing up
    again returns the live sign-up (``created`` False)."""
    user = _user(actor)
    now = timezone.now()
    try:
        with transaction.atomic():
            activity = _locked_open_activity(activity.pk, now=now)
            live = (
                Signup.objects.filter(activity=activity, user=user)
                .exclude(status=SignupStatus.CANCELLED)
                .first()
            )
            if live is not None:
                return live, False
            taken = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
            signup = Signup.objects.create(
                activity=activity,
                user=user,
                member=Member.objects.filter(user=user).first(),
                status=SignupStatus.CONFIRMED
                if taken < activity.capacity
                else SignupStatus.WAITING,
                signed_up_at=now,
            )
            return signup, True
    except IntegrityError:
        # A concurrent request of the same person won (the partial unique index).
        live = (
            Signup.objects.filter(activity=activity, user=user)
            .exclude(status=SignupStatus.CANCELLED)
            .first()
        )
        if live is None:
            raise
        return live, False


def signup_cancel(*, actor: Actor, signup: Signup) -> Signup:
    """Cancel a sign-up (its owner or the organiser). A freed place goes to the first on
    the waiting list, who is told."""
    user = _user(actor)
    now = timezone.now()
    with transaction.atomic():
        activity = _locked_open_activity(signup.activity_id, now=now)
        signup = Signup.objects.select_for_update().get(pk=signup.pk)
        if signup.user_id != user.pk and not may_organise(user, activity):
            raise NotFound()
        if signup.status == SignupStatus.CANCELLED:
            return signup
        was_confirmed = signup.status == SignupStatus.CONFIRMED
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = now
        signup.save(update_fields=["status", "cancelled_at"])
        if was_confirmed:
            _promote_waiting(activity, now=now)
    return signup


def _promote_waiting(activity: Activity, *, now: dt.datetime) -> Signup | None:
    taken = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
    if taken >= activity.capacity:
        return None
    nxt = (
        Signup.objects.select_for_update()
        .filter(activity=activity, status=SignupStatus.WAITING)
        .order_by("signed_up_at", "id")
        .first()
    )
    if nxt is None:
        return None
    nxt.status = SignupStatus.CONFIRMED
    nxt.promoted_at = now
    nxt.save(update_fields=["status", "promoted_at"])
    notify(
        user_ids=[nxt.user_id],
        case=None,
        title=f"候补转正：{activity.title}"[:100],
        body=f"您已获得名额，活动时间 {timezone.localtime(activity.starts_at):%Y-%m-%d %H:%M}",
    )
    return nxt


# --- On site ------------------------------------------------------------------------------


def _check_code(activity: Activity, code: str) -> None:
    given = (code or "").strip().upper()
    if not hmac.compare_digest(given.encode(), activity.code.encode()):
        raise DomainError("wrong_code", "签到码不正确")


def _my_confirmed(activity: Activity, user: UserLike) -> Signup:
    signup = (
        Signup.objects.select_for_update()
        .filter(activity=activity, user_id=user.pk or 0, status=SignupStatus.CONFIRMED)
        .first()
    )
    if signup is None:
        raise DomainError("not_signed_up", "您没有此活动的正式名额（候补或未报名）", status=409)
    return signup


def computed_hours(activity: Activity, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours inside the activity window between check-in and check-out, to the minute
    (rounded down), in hours with two decimals."""
    begin = max(start, activity.starts_at)
    finish = min(end, activity.ends_at)
    if finish <= begin:
        return Decimal("0.00")
    minutes = int((finish - begin).total_seconds() // 60)
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def check_in(
    *, actor: Actor, activity: Activity, code: str, now: dt.datetime | None = None
) -> Signup:
    user = _user(actor)
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status != ActivityStatus.PUBLISHED:
            raise DomainError("not_published", "活动已取消或已结束", status=409)
        if not activity.starts_at - CHECKIN_OPENS <= now <= activity.ends_at:
            raise DomainError("outside_window", "不在签到时间内（开始前30分钟至结束）", status=409)
        _check_code(activity, code)
        signup = _my_confirmed(activity, user)
        if signup.checked_in_at is None:
            signup.checked_in_at = now
            signup.save(update_fields=["checked_in_at"])
    return signup


def check_out(
    *, actor: Actor, activity: Activity, code: str, now: dt.datetime | None = None
) -> Signup:
    user = _user(actor)
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status != ActivityStatus.PUBLISHED:
            raise DomainError("not_published", "活动已取消或已结束", status=409)
        if not activity.starts_at <= now <= activity.ends_at + CHECKOUT_GRACE:
            raise DomainError(
                "outside_window", "不在签退时间内（开始后至结束后30分钟）", status=409
            )
        _check_code(activity, code)
        signup = _my_confirmed(activity, user)
        if signup.checked_in_at is None:
            raise DomainError("not_checked_in", "请先签到", status=409)
        if signup.checked_out_at is None:
            signup.checked_out_at = now
            signup.hours = computed_hours(activity, signup.checked_in_at, now)
            signup.attendance = Attendance.ATTENDED
            signup.save(update_fields=["checked_out_at", "hours", "attendance"])
    return signup


# --- After the activity -------------------------------------------------------------------


def activity_finish(
    *, actor: Actor, activity: Activity, now: dt.datetime | None = None
) -> dict[str, int]:
    """Close an activity after its end: confirmed sign-ups who never checked in are
    no-shows; those who checked in but not out are counted until the end. Set-wise."""
    user = _user(actor)
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if not may_organise(user, activity):
            raise Forbidden("只有组织者可以结束活动")
        if activity.status != ActivityStatus.PUBLISHED:
            raise DomainError("not_published", "活动已取消或已结束", status=409)
        if now < activity.ends_at:
            raise DomainError("not_over", "活动尚未结束", status=409)
        confirmed = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED)
        no_shows = confirmed.filter(checked_in_at__isnull=True).update(
            attendance=Attendance.NO_SHOW, hours=0
        )
        unfinished = 0
        for s in confirmed.filter(checked_in_at__isnull=False, checked_out_at__isnull=True):
            s.hours = computed_hours(activity, s.checked_in_at, activity.ends_at)  # type: ignore[arg-type]
            s.attendance = Attendance.ATTENDED
            s.hours_note = "未签退，按活动结束时间计"
            s.save(update_fields=["hours", "attendance", "hours_note"])
            unfinished += 1
        activity.status = ActivityStatus.FINISHED
        activity.finished_at = now
        activity.save(update_fields=["status", "finished_at"])
        result = {"no_shows": no_shows, "not_checked_out": unfinished}
        audit_record(
            actor=user,
            action="activity.finish",
            obj=activity,
            changes={k: [None, v] for k, v in result.items()},
        )
    return result


def _award_points(*, actor: Any, signup: Signup, activity: Activity) -> Any:
    """Points for confirmed service, once per sign-up (the ledger's idempotency key): the
    activity's fixed points, else its earning rule (per hour or per activity) when the
    community or the city has that rule. The community's caps apply in the ledger."""
    if signup.hours <= 0:
        return None
    common: dict[str, Any] = {
        "actor": actor,
        "user": signup.user,
        "community": activity.community,
        "source": "activity",
        "source_ref": f"party.activity:{activity.pk}",
        "reason": f"参加活动：{activity.title}"[:200],
        "idempotency_key": f"party-activity-{activity.pk}-signup-{signup.pk}",
    }
    if activity.points > 0:
        return points_earn(amount=activity.points, **common)
    try:
        rule_for(activity.community, activity.activity_type)
    except DomainError:
        return None  # no such rule here: service hours only, no points
    return points_earn(rule_code=activity.activity_type, hours=signup.hours, **common)


def hours_confirm(
    *, actor: Actor, signup: Signup, hours: Decimal | None = None, note: str = ""
) -> Signup:
    """The organiser confirms a participant's hours (the computed figure, or a corrected
    one with a reason), and the participant earns the activity's points in the same
    transaction. Only attended sign-ups of a finished activity; confirming twice changes
    nothing."""
    user = _user(actor)
    with transaction.atomic():
        signup = Signup.objects.select_for_update().select_related("activity").get(pk=signup.pk)
        activity = signup.activity
        if not may_organise(user, activity):
            raise NotFound()
        if signup.user_id == user.pk:
            raise Forbidden("不能确认本人的服务时长，请由其他组织者确认")
        if activity.status != ActivityStatus.FINISHED:
            raise DomainError("not_finished", "请先结束活动（登记未到人员）再确认时长", status=409)
        if signup.status != SignupStatus.CONFIRMED:
            raise DomainError("not_confirmed", "只有正式名额的报名可以确认时长", status=409)
        if signup.attendance == Attendance.NO_SHOW and (hours is None or not note.strip()):
            raise DomainError("not_attended", "未签到人员须填写时长和补登理由", status=409)
        if signup.hours_confirmed_at is not None:
            return signup
        duration = computed_hours(activity, activity.starts_at, activity.ends_at)
        try:
            final = signup.hours if hours is None else Decimal(hours).quantize(Decimal("0.01"))
        except InvalidOperation:  # infinity, a signalling NaN, or too many digits to round
            final = Decimal("NaN")
        if not final.is_finite():
            raise DomainError("invalid_hours", "时长应为数字")
        if final < 0 or final > duration:
            raise DomainError("invalid_hours", f"时长应在0至{duration}小时之间")
        if hours is not None and final != signup.hours and not note.strip():
            raise DomainError("note_required", "修改时长须说明理由")
        before = signup.hours
        signup.hours = final
        signup.attendance = Attendance.ATTENDED if final > 0 else signup.attendance
        signup.hours_confirmed_at = timezone.now()
        signup.hours_confirmed_by = user
        if note.strip():
            signup.hours_note = note.strip()[:200]
        signup.save(
            update_fields=[
                "hours",
                "attendance",
                "hours_confirmed_at",
                "hours_confirmed_by",
                "hours_note",
            ]
        )
        audit_record(
            actor=user,
            action="activity.hours_confirm",
            obj=signup,
            changes={"hours": [str(before), str(final)]},
        )
        _award_points(actor=user, signup=signup, activity=activity)
    return signup


def activity_rate(
    *, actor: Actor, activity: Activity, stars: int, comment: str = ""
) -> ActivityRating:
    """A resident rates an activity once it has started; once per person."""
    user = _user(actor)
    if not 1 <= stars <= 5:
        raise DomainError("invalid_stars", "评分应为1至5星")
    comment = text_clean(comment, field="comment", label="评价", limit=300)
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError("not_published", "活动已取消", status=409)
    if timezone.now() < activity.starts_at:
        raise DomainError("not_started", "活动开始后才能评价", status=409)
    try:
        with transaction.atomic():
            return ActivityRating.objects.create(
                activity=activity, user=user, stars=stars, comment=comment
            )
    except IntegrityError:
        raise DomainError("already_rated", "您已评价过此活动", status=409) from None
