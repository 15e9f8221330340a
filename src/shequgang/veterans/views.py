"""Pages: the public (mobile) application, eligibility check and status lookup, and the
staff list, detail, on-behalf form and roster download. Views parse, call one service or
selector, and render; the rules live in ``eligibility`` and ``services``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.accounts.reauth import reauth_confirm, reauth_fresh
from shequgang.errors import DomainError, NotFound
from shequgang.people.scope import is_unrestricted
from shequgang.veterans import access
from shequgang.veterans.forms import (
    ApplyForm,
    CheckForm,
    CorrectForm,
    StaffApplyForm,
    StatusForm,
    WithdrawForm,
)
from shequgang.veterans.models import Program, Status
from shequgang.veterans.ratelimit import public_rate_limit
from shequgang.veterans.receipts import (
    RECEIVED_MESSAGE,
    application_submit_anonymous,
    receipt_lookup,
)
from shequgang.veterans.roster import XLSX_TYPE, roster_export
from shequgang.veterans.selectors import (
    application_counts,
    application_search,
    program_budget,
    program_current,
    program_get,
    program_list,
    program_window,
)
from shequgang.veterans.services import (
    application_check,
    application_correct,
    application_submit,
    application_withdraw,
)
from shequgang.web.request_user import request_user


def _program(year: int, *, published_only: bool = True) -> Program:
    try:
        return program_get(year=year, published_only=published_only)
    except NotFound:
        raise Http404("参保项目不存在") from None


def _limited(request: HttpRequest, action: str) -> HttpResponse | None:
    try:
        public_rate_limit(request, action)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    return None


# --- Public -------------------------------------------------------------------------------


@require_GET
def program_home(request: HttpRequest) -> HttpResponse:
    program = program_current()
    if program is None:
        return render(request, "veterans/no_program.html", status=404)
    return redirect("veterans:apply", year=program.year)


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, year: int) -> HttpResponse:
    """The resident's own application (mobile first). Success shows the receipt — the
    same page whether it enrolled the person or repeated a live application (see
    ``receipts``) — with the reference, the key (with the ID number's last 6
    characters) to the status page."""
    program = _program(year)
    form = ApplyForm(request.POST or None, program=program)
    error: DomainError | None = None
    result = None
    if request.method == "POST":
        if (limited := _limited(request, "apply")) is not None:
            return limited
        if form.is_valid():
            data = form.to_input()
            try:
                receipt = application_submit_anonymous(program=program, data=data)
            except DomainError as exc:
                error = exc
                result = application_check(program=program, data=data)
            else:
                return render(
                    request,
                    "veterans/apply_done.html",
                    {"program": program, "receipt": receipt, "message": RECEIVED_MESSAGE},
                    status=202,
                )
    return render(
        request,
        "veterans/apply.html",
        {
            "program": program,
            "window": program_window(program),
            "form": form,
            "error": error,
            "result": result,
        },
        status=400 if error is not None else 200,
    )


@require_POST
def check(request: HttpRequest, year: int) -> HttpResponse:
    """The eligibility explanation, as an htmx partial (or the apply page without htmx)."""
    program = _program(year)
    if (limited := _limited(request, "check")) is not None:
        return limited
    form = CheckForm(request.POST, program=program)
    result = application_check(program=program, data=form.to_input()) if form.is_valid() else None
    context = {"program": program, "result": result, "form": form}
    if getattr(request, "htmx", False):
        return render(request, "veterans/_eligibility.html", context)
    full_form = ApplyForm(request.POST, program=program)
    return render(
        request,
        "veterans/apply.html",
        {**context, "form": full_form, "window": program_window(program)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """An applicant's status: reference + the last 6 characters of their ID number. POST
    only, so neither ends up in a URL or a server log."""
    form = StatusForm(request.POST or None)
    receipt = None
    not_found = False
    if request.method == "POST":
        if (limited := _limited(request, "status")) is not None:
            return limited
        if form.is_valid():
            try:
                receipt = receipt_lookup(
                    reference=form.cleaned_data["reference"],
                    id_tail=form.cleaned_data["id_tail"],
                )
            except NotFound:
                not_found = True
    return render(
        request,
        "veterans/status.html",
        {
            "form": form,
            "receipt": receipt,
            "not_found": not_found,
            "programs": program_list(),
        },
        status=404 if not_found else 200,
    )


# --- Staff --------------------------------------------------------------------------------


def _staff_program(request: HttpRequest, year: int) -> Program:
    if not access.has_perm(request.user, access.VIEW):
        raise Http404("参保项目不存在")
    return _program(year, published_only=False)


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    program = program_current() or Program.objects.order_by("-year").first()
    if program is None or not access.has_perm(request.user, access.VIEW):
        raise Http404("参保项目不存在")
    return redirect("veterans:staff_list", year=program.year)


@login_required
@require_GET
def staff_list(request: HttpRequest, year: int) -> HttpResponse:
    program = _staff_program(request, year)
    filters = {k: request.GET.get(k, "")[:50] for k in ("county", "group", "status", "q")}
    applications = application_search(
        user=request.user,
        program=program,
        county=filters["county"],
        group=filters["group"],
        status=filters["status"],
        query=filters["q"],
    )
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    scoped = access.scoped_applications(request.user, access.VIEW)
    export_codes = access.export_area_codes(request.user, program)
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "veterans/staff_list.html",
        {
            "program": program,
            "page": page,
            "filters": filters,
            "query": query,
            "statuses": Status.choices,
            "groups": [pg.group for pg in program.groups.select_related("group")],
            "areas": list(program.areas.all()),
            "counts": application_counts(program=program, applications=scoped),
            "budget": program_budget(program=program, applications=scoped),
            "may_export": bool(export_codes),
            "may_export_full": bool(export_codes)
            and access.may_export_full(request.user, export_codes),
            "may_submit": access.has_perm(request.user, access.SUBMIT),
            "programs": Program.objects.order_by("-year"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest, year: int) -> HttpResponse:
    program = _staff_program(request, year)
    places = access.submit_places(request.user)
    if not places.exists() and not is_unrestricted(request.user):
        raise Http404("参保项目不存在")
    form = StaffApplyForm(
        request.POST or None, program=program, places=places, user=request_user(request)
    )
    error: DomainError | None = None
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.to_input(intake_place=form.cleaned_data["intake_place"])
        try:
            outcome = application_submit(actor=request.user, program=program, data=data)
        except DomainError as exc:
            error = exc
            result = application_check(program=program, data=data, check_duplicate=True)
        else:
            return redirect("veterans:staff_detail", reference=outcome.application.reference)
    return render(
        request,
        "veterans/staff_new.html",
        {
            "program": program,
            "window": program_window(program),
            "form": form,
            "error": error,
            "result": result,
        },
        status=400 if error is not None else 200,
    )


def _detail(
    request: HttpRequest,
    reference: str,
    *,
    correct_form: CorrectForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    try:
        app = access.access_application(request.user, reference)
    except NotFound:
        raise Http404("申请不存在或无权访问") from None
    may_review = access.scoped_applications(request.user, access.REVIEW).filter(pk=app.pk).exists()
    return render(
        request,
        "veterans/staff_detail.html",
        {
            "application": app,
            "program": app.program,
            "events": app.events.select_related("actor"),
            "may_review": may_review and app.status == Status.ACCEPTED,
            "correct_form": correct_form or CorrectForm(program=app.program),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "error": error,
        },
        status=400 if error is not None else 200,
    )


@login_required
@require_GET
def staff_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, reference)


@login_required
@require_POST
def staff_correct(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        app = access.access_application(request.user, reference, access.REVIEW)
    except NotFound:
        raise Http404("申请不存在或无权访问") from None
    form = CorrectForm(request.POST, program=app.program)
    if not form.is_valid():
        return _detail(request, reference, correct_form=form)
    try:
        application_correct(
            actor=request.user,
            application=app,
            data=form.to_correction(),
            reason=form.cleaned_data["reason"],
        )
    except NotFound:
        raise Http404("申请不存在或无权访问") from None
    except DomainError as exc:
        return _detail(request, reference, correct_form=form, error=exc)
    return redirect("veterans:staff_detail", reference=app.reference)


@login_required
@require_POST
def staff_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        app = access.access_application(request.user, reference, access.REVIEW)
    except NotFound:
        raise Http404("申请不存在或无权访问") from None
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _detail(request, reference, withdraw_form=form)
    try:
        application_withdraw(
            actor=request.user, application=app, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        return _detail(request, reference, withdraw_form=form, error=exc)
    return redirect("veterans:staff_detail", reference=app.reference)


@login_required
@require_http_methods(["GET", "POST"])
def staff_roster(request: HttpRequest, year: int) -> HttpResponse:
    """The roster download. The full one (ID numbers in full, for the insurer) is a
    reveal: a POST with the user's password, unless confirmed within the window."""
    program = _staff_program(request, year)
    data = request.POST if request.method == "POST" else request.GET

    def confirm() -> None:
        password = request.POST.get("password", "") if request.method == "POST" else ""
        if not reauth_fresh(request) and not reauth_confirm(request, password=password):
            raise DomainError(
                "reauth_required", "下载完整名单前请输入您本人正确的登录密码", status=403
            )

    try:
        file = roster_export(
            actor=request.user,
            program=program,
            county=data.get("county", "")[:12],
            full=data.get("full") == "1",
            confirm=confirm,
        )
    except NotFound:
        raise Http404("参保名单不存在或无权访问") from None
    except DomainError as exc:
        return render(
            request,
            "veterans/staff_error.html",
            {"error": exc, "back": reverse("veterans:staff_list", args=[program.year])},
            status=exc.status,
        )
    response = HttpResponse(file.content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    return response
