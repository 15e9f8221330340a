"""Pages for 双服务 activities (mobile first): the list, publishing, an activity's page
(sign up, cancel, check in/out with the on-site code, rate), the organiser's roster with
the QR code, finishing and confirming hours, and one's own service record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.apikit.schemas import parse_pk
from shequgang.errors import DomainError, NotFound
from shequgang.party import activities as svc
from shequgang.party.activity_forms import (
    CancelForm,
    CodeForm,
    ConfirmHoursForm,
    PublishForm,
    RateForm,
    form_data,
)
from shequgang.party.activity_models import Activity, ActivityKind, Grade, Signup, SignupStatus
from shequgang.party.activity_selectors import (
    access_activity,
    activity_list,
    activity_roster,
    activity_signup,
    live_signup,
    my_signups,
    publish_choices,
)
from shequgang.party.appraisals import (
    DISCLAIMER,
    member_record,
    record_export,
)
from shequgang.party.models import Member
from shequgang.web.request_user import request_user


def _activity(request: HttpRequest, pk: int) -> Activity:
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
            "may_publish": bool(publish_choices(request_user(request))),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    choices = publish_choices(request_user(request))
    if not choices:
        raise Http404("页面不存在或无权访问")
    if request.method == "POST":
        form = PublishForm(request.POST, publishers=choices)
        try:
            data = form_data(form)
            activity = svc.activity_publish(
                actor=request_user(request),
                community=data["community"],
                unit=data["unit"],
                data=form.activity_input(),
            )
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, "活动已发布")
            return redirect("party_activities:detail", activity.pk)
    return render(
        request,
        "party/activity_new.html",
        # The template refills the inputs from what was typed.
        {"choices": choices, "form": request.POST, "kinds": ActivityKind.choices},
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
    try:
        mine: Signup | None = live_signup(activity, request.user)
    except NotFound:
        mine = None
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


# --- One handler per action: parse the form, call the service, say what happened --------

ActionHandler = Callable[[HttpRequest, User, Activity], str]


def _signup(request: HttpRequest, user: User, activity: Activity) -> str:
    signup, _ = svc.signup_create(actor=user, activity=activity)
    return "名额已满，已进入候补" if signup.status == SignupStatus.WAITING else "报名成功"


def _cancel_signup(request: HttpRequest, user: User, activity: Activity) -> str:
    svc.signup_cancel(actor=user, signup=live_signup(activity, user))
    return "已取消报名"


def _check_in(request: HttpRequest, user: User, activity: Activity) -> str:
    code = form_data(CodeForm(request.POST))["code"]
    svc.check_in(actor=user, activity=activity, code=code)
    return "签到成功"


def _check_out(request: HttpRequest, user: User, activity: Activity) -> str:
    code = form_data(CodeForm(request.POST))["code"]
    svc.check_out(actor=user, activity=activity, code=code)
    return "签退成功"


def _rate(request: HttpRequest, user: User, activity: Activity) -> str:
    data = form_data(RateForm(request.POST))
    svc.activity_rate(actor=user, activity=activity, stars=data["stars"], comment=data["comment"])
    return "感谢评价"


def _finish(request: HttpRequest, user: User, activity: Activity) -> str:
    svc.activity_finish(actor=user, activity=activity)
    return "活动已结束，未到人员已登记"


def _cancel(request: HttpRequest, user: User, activity: Activity) -> str:
    reason = form_data(CancelForm(request.POST))["reason"]
    svc.activity_cancel(actor=user, activity=activity, reason=reason)
    return "活动已取消"


def _confirm(request: HttpRequest, user: User, activity: Activity) -> str:
    data = form_data(ConfirmHoursForm(request.POST))
    signup = activity_signup(activity, data["signup"])
    svc.hours_confirm(actor=user, signup=signup, hours=data["hours"], note=data["note"])
    return "时长已确认"


ACTIONS: dict[str, ActionHandler] = {
    "signup": _signup,
    "cancel_signup": _cancel_signup,
    "check_in": _check_in,
    "check_out": _check_out,
    "rate": _rate,
    "finish": _finish,
    "cancel": _cancel,
    "confirm": _confirm,
}


@login_required
@require_POST
def activity_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    activity = _activity(request, pk)
    try:
        handler = ACTIONS.get(action)
        if handler is None:
            raise NotFound("页面")
        messages.success(request, handler(request, request_user(request), activity))
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
