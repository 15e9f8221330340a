"""The resident's pages (mobile first): registration with the household picker, the
account's status (and applying again after a refusal), and the password reset with a
desk code. Views parse, call one service or selector, and render."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.apikit.ratelimit import rate_limit_request
from shequgang.apikit.schemas import parse_pk
from shequgang.errors import DomainError
from shequgang.places.models import Kind, Place
from shequgang.residency.forms import ReapplyForm, RegisterForm, ResetForm, apply_error
from shequgang.residency.picker import household_label, picker_children, picker_search
from shequgang.residency.resets import password_reset_with_code, reset_code_send
from shequgang.residency.selectors import resident_account_of
from shequgang.residency.services import (
    Registration,
    resident_account_reapply,
    resident_account_register,
)
from shequgang.residency.sms import NO_SMS_MESSAGE, sms_enabled
from shequgang.web.request_user import request_user

# Signing in after registering: the password was just set, no need to check it again.
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _limited(request: HttpRequest, action: str) -> HttpResponse | None:
    try:
        rate_limit_request(request, f"residency.{action}")
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    return None


def _chosen(raw: object) -> tuple[Place | None, str]:
    """The household picked in a re-rendered form, with its label."""
    pk = parse_pk(raw)
    place = Place.objects.filter(pk=pk, kind=Kind.HOUSEHOLD).first() if pk else None
    return place, household_label(place) if place else ""


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and resident_account_of(request.user) is not None:
        return redirect("residency:status")
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if (limited := _limited(request, "register")) is not None:
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                account, _ = resident_account_register(
                    data=Registration(
                        name=data["name"],
                        phone=data["phone"],
                        id_number=data["id_number"],
                        household_id=data["household"],
                        password=data["password"],
                        relation=data["relation"],
                    )
                )
            except DomainError as exc:
                apply_error(form, exc.code, exc.message)
            else:
                login(request, account.user, backend=_BACKEND)
                return redirect("residency:status")
        status = 400
    household, label = _chosen(form.data.get("household"))
    return render(
        request,
        "residency/signup.html",
        {"form": form, "household": household, "household_label": label},
        status=status,
    )


@require_GET
def picker(request: HttpRequest) -> HttpResponse:
    """The picker's next step, as an htmx partial: compounds matching ``q``, or the
    children of ``parent``. Names of places only."""
    if (limited := _limited(request, "search")) is not None:
        return limited
    parent_id = parse_pk(request.GET.get("parent"))
    query = request.GET.get("q", "")[:30]
    if parent_id is not None:
        parent, choices = picker_children(parent_id=parent_id)
    else:
        parent, choices = None, picker_search(query=query)
    return render(
        request,
        "residency/_picker.html",
        {"parent": parent, "choices": choices, "query": query},
    )


@never_cache
@login_required
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    account = resident_account_of(request_user(request))
    if account is None:
        return redirect("web:home")
    return render(
        request,
        "residency/status.html",
        {
            "account": account,
            "household_label": household_label(account.household),
            "form": ReapplyForm(initial={"relation": account.relation}),
        },
    )


@login_required
@require_POST
def reapply(request: HttpRequest) -> HttpResponse:
    account = resident_account_of(request_user(request))
    if account is None:
        return redirect("web:home")
    form = ReapplyForm(request.POST)
    if form.is_valid():
        try:
            resident_account_reapply(
                account=account,
                household_id=form.cleaned_data["household"],
                relation=form.cleaned_data["relation"],
            )
        except DomainError as exc:
            apply_error(form, exc.code, exc.message)
        else:
            return redirect("residency:status")
    household, label = _chosen(form.data.get("household"))
    context = {
        "account": account,
        "household_label": household_label(account.household),
        "form": form,
        "household": household,
        "chosen_label": label,
    }
    return render(request, "residency/status.html", context, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = ResetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if (limited := _limited(request, "reset")) is not None:
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                password_reset_with_code(
                    phone=data["phone"], code=data["code"], password=data["password"]
                )
            except DomainError as exc:
                apply_error(form, exc.code, exc.message)
            else:
                return render(request, "residency/reset_done.html")
        status = 400
    context = {"form": form, "sms_enabled": sms_enabled(), "no_sms": NO_SMS_MESSAGE}
    return render(request, "residency/reset.html", context, status=status)


@require_POST
def password_reset_sms(request: HttpRequest) -> HttpResponse:
    """Ask for a code by SMS, where a channel is configured; otherwise the page says
    there is none (nothing pretends a message was sent)."""
    if (limited := _limited(request, "reset")) is not None:
        return limited
    form = ResetForm(initial={"phone": request.POST.get("phone", "")[:32]})
    try:
        reset_code_send(phone=request.POST.get("phone", "")[:32])
    except DomainError as exc:
        notice, status = exc.message, exc.status
    else:
        notice, status = "如该手机号已通过社区认证，验证码将以短信发送，请注意查收。", 200
    context = {
        "form": form,
        "sms_enabled": sms_enabled(),
        "no_sms": NO_SMS_MESSAGE,
        "notice": notice,
    }
    return render(request, "residency/reset.html", context, status=status)
