"""Deliberation pages: the list, planning a meeting from a case, the meeting page (sign-in,
show of hands, minutes, decision, follow-up tasks) and the owners' vote page with its roll,
ballots and the Art. 278 result, each ratio against its threshold.

Views parse, call one service and redirect back (or, to htmx, render the section again).
A deliberation the user may not see is the same 404 as a missing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.cases.access import access_case
from shequgang.cases.deliberation import access
from shequgang.cases.deliberation import forms as f
from shequgang.cases.deliberation import owners_result as ovr
from shequgang.cases.deliberation import owners_vote as ov
from shequgang.cases.deliberation import services as svc
from shequgang.cases.deliberation.workflow import TRANSITIONS
from shequgang.cases.models import Case
from shequgang.cases.models.deliberation import Deliberation, DeliberationStatus, FollowUp
from shequgang.errors import DomainError, NotFound
from shequgang.places.models import Kind
from shequgang.web.htmx import HtmxRequest, render_page_or_partial, wants_partial


def _user(request: HtmxRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _deliberation_or_404(user: User, pk: int) -> Deliberation:
    try:
        return access.access_deliberation(user, pk)
    except NotFound:
        raise Http404("议事不存在或无权访问") from None


def _case_url(case: Case) -> str:
    try:
        return reverse("cases:case_detail", args=[case.pk])
    except NoReverseMatch:  # the case pages are not mounted (e.g. an API-only deployment)
        return ""


def _form_error(form: forms.Form) -> DomainError:
    message = next((str(e) for errs in form.errors.values() for e in errs), "请检查填写的内容")
    return DomainError("invalid_input", message)


# --- List and planning --------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def deliberation_list(request: HtmxRequest) -> HttpResponse:
    """议事: the meetings the user may see, soonest first within each status filter."""
    user = _user(request)
    status = request.GET.get("status", "")
    if status not in DeliberationStatus.values:
        status = ""
    items = svc.deliberation_list(user=user, status=status).distinct()[:200]
    return render(
        request,
        "cases/deliberation_list.html",
        {"items": items, "status": status, "statuses": DeliberationStatus.choices},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def deliberation_new(request: HtmxRequest) -> HttpResponse:
    """召集议事 on one case (``?case=<id>``), at a rung the user may convene."""
    user = _user(request)
    try:
        case = access_case(user, request.GET.get("case"))
    except NotFound:
        raise Http404("事项不存在或无权访问") from None
    options = access.convenable_rungs(user, case)
    if not options:
        messages.error(request, "您不能就该事项召集议事")
        return render(request, "cases/deliberation_new.html", {"case": case, "form": None})
    rungs = [(rung, node.name) for rung, node in options]
    nodes = dict(options)
    form = f.PlanForm(request.POST or None, rungs=rungs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            d = svc.deliberation_plan(
                actor=user,
                rung=data["rung"],
                case_ids=[case.pk],
                place=nodes[data["rung"]],
                title=data["title"],
                scheduled_at=data["scheduled_at"],
                location=data["location"],
                agenda=data["agenda"],
                invitee_names=f.split_names(data["invitee_names"]),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已安排议事")
            return redirect("deliberations:detail", d.pk)
    return render(
        request,
        "cases/deliberation_new.html",
        {"case": case, "case_url": _case_url(case), "form": form},
        status=400 if form.errors else 200,
    )


# --- One meeting --------------------------------------------------------------------------


def _detail_context(user: User, d: Deliberation) -> dict[str, Any]:
    attendees = list(d.attendees.all())
    voted = set(d.hand_votes.values_list("attendee_id", flat=True))
    vote = ov.owners_vote_of(d)
    allowed = {action: d.status in starts for action, (starts, _) in TRANSITIONS.items()}
    return {
        "d": d,
        "manage": access.may_manage(user, d),
        "cases": [(c, _case_url(c)) for c in d.cases.order_by("pk")],
        "attendees": attendees,
        "me": next((a for a in attendees if a.user_id == user.pk), None),
        "meeting_day": timezone.localdate() == timezone.localdate(d.scheduled_at),
        "may_vote": [a for a in attendees if a.signed_in_at and a.pk not in voted],
        "options": list(d.options.all()),
        "tally": svc.hand_tally(deliberation=d),
        "follow_ups": list(d.follow_ups.select_related("assignee")),
        "vote": vote,
        "turnout": ovr.owners_turnout(vote) if vote else None,
        "is_compound": d.place.kind == Kind.COMPOUND,
        "allowed": allowed,
        "open_form": f.OpenVoteForm(),
    }


@never_cache
@login_required
@require_GET
def deliberation_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    user = _user(request)
    d = _deliberation_or_404(user, pk)
    return render(request, "cases/deliberation_detail.html", _detail_context(user, d))


def _follow_up(d: Deliberation, pk: int) -> FollowUp:
    task = FollowUp.objects.filter(pk=pk, deliberation=d).select_related("deliberation").first()
    if task is None:
        raise NotFound("议事任务")
    return task


def _assignee_id(username: str) -> int | None:
    if not username.strip():
        return None
    found = User.objects.filter(username=username.strip(), is_active=True).first()
    if found is None:
        raise DomainError("unknown_user", f"找不到账号“{username.strip()}”")
    return found.pk


# action -> (form, call with the cleaned data, message on success)
_Call = Callable[[User, Deliberation, dict[str, Any]], object]
_ACTIONS: dict[str, tuple[type[forms.Form], _Call, str]] = {
    "hold": (
        f.EmptyForm,
        lambda u, d, c: svc.deliberation_hold(actor=u, deliberation=d),
        "会议已开始",
    ),
    "decide": (
        f.DecideForm,
        lambda u, d, c: svc.deliberation_decide(actor=u, deliberation=d, decision=c["decision"]),
        "已记录议定事项",
    ),
    "cancel": (
        f.CancelForm,
        lambda u, d, c: svc.deliberation_cancel(actor=u, deliberation=d, reason=c["reason"]),
        "已取消议事",
    ),
    "invite": (
        f.InviteForm,
        lambda u, d, c: svc.deliberation_invite(
            actor=u, deliberation=d, invitee_names=f.split_names(c["names"])
        ),
        "已邀请",
    ),
    "sign_in": (
        f.SignInForm,
        lambda u, d, c: svc.deliberation_sign_in(
            actor=u, deliberation=d, attendee_id=c["attendee"], name=c["name"]
        ),
        "已签到",
    ),
    "add_option": (
        f.OptionForm,
        lambda u, d, c: svc.deliberation_add_option(actor=u, deliberation=d, text=c["text"]),
        "已添加选项",
    ),
    "hand_vote": (
        f.HandVoteForm,
        lambda u, d, c: svc.deliberation_hand_vote(
            actor=u, deliberation=d, attendee_id=c["attendee"], option_id=c["option"]
        ),
        "已登记表决",
    ),
    "minutes": (
        f.MinutesForm,
        lambda u, d, c: svc.deliberation_record_minutes(
            actor=u, deliberation=d, minutes=c["minutes"]
        ),
        "已保存会议记录",
    ),
    "add_follow_up": (
        f.FollowUpForm,
        lambda u, d, c: svc.follow_up_add(
            actor=u,
            deliberation=d,
            text=c["text"],
            assignee_id=_assignee_id(c["assignee"]),
            due_on=c["due_on"],
        ),
        "已布置任务，并记入各事项",
    ),
    "finish_follow_up": (
        f.FinishForm,
        lambda u, d, c: svc.follow_up_finish(
            actor=u, follow_up=_follow_up(d, c["follow_up"]), note=c["note"]
        ),
        "任务已完成",
    ),
}

_VOTE_ACTIONS: dict[str, tuple[type[forms.Form], _Call, str]] = {
    "open": (
        f.OpenVoteForm,
        lambda u, d, c: ov.owners_vote_open(actor=u, deliberation=d, matter_type=c["matter_type"]),
        "已发起业主表决，业主名册已建立",
    ),
    "developer": (
        f.DeveloperForm,
        lambda u, d, c: ov.owners_roll_mark_developer(
            actor=u, deliberation=d, entry_id=c["entry"], developer_unsold=c["developer_unsold"]
        ),
        "已更新业主名册",
    ),
    "ballot": (
        f.BallotForm,
        lambda u, d, c: ov.owners_ballot_record(
            actor=u, deliberation=d, entry_id=c["entry"], choice=c["choice"]
        ),
        "已登记选票",
    ),
    "close": (
        f.EmptyForm,
        lambda u, d, c: ov.owners_vote_close(actor=u, deliberation=d),
        "已计票",
    ),
}


def _run(
    request: HtmxRequest,
    table: dict[str, tuple[type[forms.Form], _Call, str]],
    pk: int,
    action: str,
) -> tuple[User, Deliberation, DomainError | None, str]:
    if action not in table:
        raise Http404("没有这项操作")
    user = _user(request)
    d = _deliberation_or_404(user, pk)
    form_class, call, done = table[action]
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        call(user, d, form.cleaned_data)
    except DomainError as exc:
        return user, _deliberation_or_404(user, pk), exc, ""
    return user, _deliberation_or_404(user, pk), None, done


@never_cache
@login_required
@require_POST
def deliberation_act(request: HtmxRequest, pk: int, action: str) -> HttpResponse:
    """One action on the meeting, posted by its small form; back to the page with the
    outcome. The services decide what is allowed, so a hand-made POST changes nothing."""
    _, d, error, done = _run(request, _ACTIONS, pk, action)
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("deliberations:detail", d.pk)


# --- The owners' vote ---------------------------------------------------------------------


def _vote_context(user: User, d: Deliberation, **extra: Any) -> dict[str, Any]:
    vote = ov.owners_vote_of(d)
    manage = access.may_manage(user, d)
    roll = ovr.owners_roll(vote) if vote and ov.may_see_roll(user, d) else None
    return {
        "d": d,
        "vote": vote,
        "manage": manage,
        "roll": roll,
        "turnout": ovr.owners_turnout(vote) if vote else None,
        "roll_editable": bool(
            vote and manage and vote.status == "open" and not vote.ballots.exists()
        ),
        "is_compound": d.place.kind == Kind.COMPOUND,
        "open_form": f.OpenVoteForm(),
        "error": None,
        "notice": "",
        **extra,
    }


@never_cache
@login_required
@require_GET
def owners_vote_page(request: HtmxRequest, pk: int) -> HttpResponse:
    user = _user(request)
    d = _deliberation_or_404(user, pk)
    return render(request, "cases/deliberation_vote.html", _vote_context(user, d))


@never_cache
@login_required
@require_POST
def owners_vote_act(request: HtmxRequest, pk: int, action: str) -> HttpResponse:
    """Open, mark the developer's units, record a ballot, close. To htmx: the vote section
    again (roll, turnout, result) with the outcome; otherwise back to the page."""
    user, d, error, done = _run(request, _VOTE_ACTIONS, pk, action)
    if wants_partial(request):
        context = _vote_context(user, d, error=error, notice=done)
        response = render_page_or_partial(
            request, "cases/deliberation_vote.html", "cases/_deliberation_vote.html", context
        )
        if error is not None:
            response.status_code = error.status
        return response
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("deliberations:owners_vote", d.pk)
