"""Pages for 双服务 activities (mobile first): the list, publishing, an activity's page
(sign up, cancel, check in/out with the on-site code, rate), the organiser's roster with
the QR code, finishing and confirming hours, and one's own service record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.apikit.schemas import parse_pk
from shequgang.errors import DomainError, NotFound
from shequgang.party import activities as svc
from shequgang.party.activity_models import ActivityKind, Grade, Signup, SignupStatus
from shequgang.party.activity_selectors import (
    access_activity,
    activity_list,
    activity_roster,
    my_signups,
)
from shequgang.party.appraisals import (
    DISCLAIMER,
    member_record,
    record_export,
)
from shequgang.party.models import Member, Unit, UnitPairing
from shequgang.people.roles import Perm
from shequgang.people.scope import scoped_places
from shequgang.places.models import Kind, Place
from shequgang.web.request_user import request_user


def _activity(request: HttpRequest, pk: int) -> Any:
    try:
        return access_activity(request.user, pk)
    except NotFound:
        raise Http404("活动不存在") from None


def _fail(request: HttpRequest, err: DomainError) -> None:
    messages.error(request, err.message)


@login_required
@require_GET
def activity_index(request: HttpRequest) -> HttpResponse:
    qs = activity_list(
        request.user, community_id=parse_pk(request.GET.get("community", "")), upcoming=True
    )
    return render(
        request,
        "party/activity_list.html",
        {
            "activities": qs[:100],
            "mine": my_signups(request.user)[:20],
            "may_publish": bool(_publishable(request)),
        },
    )


def _publishable(request: HttpRequest) -> list[tuple[str, str]]:
    """(value, label) choices of where the user may publish: ``c:<community>`` or
    ``u:<unit>:<community>`` for a paired unit's liaison."""
    choices = [
        (f"c:{p.pk}", p.name)
        for p in scoped_places(request.user, Perm.PARTY_MANAGE).filter(kind=Kind.COMMUNITY)[:200]
    ]
    today = timezone.localdate()
    units = Unit.objects.filter(accounts=request_user(request))
    for pairing in (
        UnitPairing.objects.filter(unit__in=units, started_on__lte=today)
        .exclude(ended_on__lt=today)
        .select_related("unit", "community")
    ):
        choices.append(
            (
                f"u:{pairing.unit_id}:{pairing.community_id}",
                f"{pairing.unit.name}（{pairing.community.name}）",
            )
        )
    return choices


def _when(value: str) -> dt.datetime | None:
    try:
        parsed = parse_datetime(value or "")
    except ValueError:  # well-formed but no such time, e.g. month 13
        return None
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    choices = _publishable(request)
    if not choices:
        raise Http404("页面不存在或无权访问")
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            where = form.get("publisher", "")
            if where not in {v for v, _ in choices}:
                raise DomainError("invalid_publisher", "请选择发布主体")
            parts = where.split(":")
            unit = Unit.objects.get(pk=int(parts[1])) if parts[0] == "u" else None
            community = Place.objects.get(pk=int(parts[-1]))
            starts_at, ends_at = _when(form.get("starts_at", "")), _when(form.get("ends_at", ""))
            if starts_at is None or ends_at is None:
                raise DomainError("invalid_time", "请填写开始和结束时间")
            try:
                capacity, points = int(form.get("capacity", "")), int(form.get("points") or 0)
            except ValueError:
                raise DomainError("invalid_capacity", "名额和积分应为整数") from None
            activity = svc.activity_publish(
                actor=request.user,
                community=community,
                unit=unit,
                data=svc.ActivityInput(
                    title=form.get("title", ""),
                    location=form.get("location", ""),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    capacity=capacity,
                    points=points,
                    kind=form.get("kind", ActivityKind.ACTIVITY),
                    activity_type=form.get("activity_type", "volunteer_hour"),
                    description=form.get("description", ""),
                    skills_wanted=form.get("skills_wanted", ""),
                ),
            )
            messages.success(request, "活动已发布")
            return redirect("party_activities:detail", activity.pk)
        except DomainError as err:
            _fail(request, err)
    return render(
        request,
        "party/activity_new.html",
        {"choices": choices, "form": form, "kinds": ActivityKind.choices},
        status=400 if request.method == "POST" else 200,
    )


def _qr_svg(request: HttpRequest, activity: Any) -> str:
    url = request.build_absolute_uri(
        reverse("party_activities:detail", args=[activity.pk]) + f"?code={activity.code}"
    )
    return str(segno.make(url, error="m").svg_inline(scale=4))


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    organiser = svc.may_organise(request.user, activity)
    mine = (
        Signup.objects.filter(activity=activity, user=request_user(request))
        .exclude(status=SignupStatus.CANCELLED)
        .first()
    )
    context: dict[str, Any] = {
        "activity": activity,
        "mine": mine,
        "organiser": organiser,
        "code": request.GET.get("code", "")[:16],
        "now": timezone.now(),
    }
    if organiser:
        context["roster"] = activity_roster(activity)
        context["qr"] = _qr_svg(request, activity)
    return render(request, "party/activity_detail.html", context)


@login_required
@require_POST
def activity_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    activity = _activity(request, pk)
    user = request_user(request)
    done = {
        "signup": "报名成功",
        "cancel_signup": "已取消报名",
        "check_in": "签到成功",
        "check_out": "签退成功",
        "rate": "感谢评价",
        "finish": "活动已结束，未到人员已登记",
        "cancel": "活动已取消",
        "confirm": "时长已确认",
    }
    try:
        if action == "signup":
            s, _ = svc.signup_create(actor=user, activity=activity)
            if s.status == SignupStatus.WAITING:
                done["signup"] = "名额已满，已进入候补"
        elif action == "cancel_signup":
            live = (
                Signup.objects.filter(activity=activity, user=user)
                .exclude(status="cancelled")
                .first()
            )
            if live is None:
                raise NotFound("报名")
            svc.signup_cancel(actor=user, signup=live)
        elif action == "check_in":
            svc.check_in(actor=user, activity=activity, code=request.POST.get("code", ""))
        elif action == "check_out":
            svc.check_out(actor=user, activity=activity, code=request.POST.get("code", ""))
        elif action == "rate":
            try:
                stars = int(request.POST.get("stars", ""))
            except ValueError:
                raise DomainError("invalid_stars", "请选择1至5星") from None
            svc.activity_rate(
                actor=user, activity=activity, stars=stars, comment=request.POST.get("comment", "")
            )
        elif action == "finish":
            svc.activity_finish(actor=user, activity=activity)
        elif action == "cancel":
            svc.activity_cancel(
                actor=user, activity=activity, reason=request.POST.get("reason", "")
            )
        elif action == "confirm":
            target = Signup.objects.filter(
                pk=parse_pk(request.POST.get("signup", "")) or 0, activity=activity
            ).first()
            if target is None:
                raise NotFound("报名")
            raw = request.POST.get("hours", "").strip()
            try:
                hours = Decimal(raw) if raw else None
            except InvalidOperation:
                raise DomainError("invalid_hours", "时长应为数字") from None
            svc.hours_confirm(
                actor=user, signup=target, hours=hours, note=request.POST.get("note", "")
            )
        else:
            raise NotFound("页面")
        messages.success(request, done[action])
    except DomainError as err:
        _fail(request, err)
    return redirect("party_activities:detail", activity.pk)


@login_required
@require_GET
def my_record(request: HttpRequest) -> HttpResponse:
    member = Member.objects.filter(user=request_user(request)).first()
    year = parse_pk(request.GET.get("year", ""))
    year_n = year if year is not None and 2000 <= year <= 2100 else timezone.localdate().year
    if member is None:
        return render(request, "party/my_record.html", {"member": None, "year": year_n})
    fmt = request.GET.get("format", "")
    record = member_record(member, year_n)
    if fmt in {"xlsx", "pdf"}:
        content, content_type, name = record_export(
            actor=request.user, record=record, fmt=fmt, subject=member
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "party/my_record.html",
        {
            "member": member,
            "record": record,
            "year": year_n,
            "disclaimer": DISCLAIMER,
            "grades": Grade,
        },
    )
