"""The staff pages: the 待认证居民 queue of the worker's scope, one account with its
household's register members (masked), confirm as a match or as a new resident, refuse
with a reason, issue a desk reset code, and the queue as .xlsx. Every id goes through
``access_account``: outside the worker's scope it is the same 404 as a missing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shequgang.errors import DomainError, NotFound
from shequgang.people.scope import has_perm_anywhere
from shequgang.residency.exporting import account_queue_export
from shequgang.residency.forms import RefuseForm, apply_error
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.residency.picker import household_label
from shequgang.residency.resets import IssuedCode, reset_code_issue
from shequgang.residency.selectors import (
    CONFIRMERS,
    access_account,
    account_queue,
    household_members,
    household_resident,
)
from shequgang.residency.services import resident_account_confirm, resident_account_refuse
from shequgang.spreadsheets.xlsx import xlsx_response
from shequgang.web.request_user import request_user

PAGE_SIZE = 30


def _status(request: HttpRequest) -> str:
    wanted = request.GET.get("status", AccountStatus.PENDING)
    return wanted if wanted in AccountStatus.values else AccountStatus.PENDING


def _account(request: HttpRequest, account_id: int) -> ResidentAccount:
    try:
        return access_account(request_user(request), account_id)
    except NotFound:
        raise Http404("居民账号不存在或无权访问") from None


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not has_perm_anywhere(user, CONFIRMERS):
        raise Http404("无此页面")
    status = _status(request)
    page = Paginator(account_queue(user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "residency/staff_queue.html",
        {
            "page": page,
            "rows": [(a, household_label(a.household)) for a in page.object_list],
            "status": status,
            "statuses": AccountStatus.choices,
        },
    )


def _detail(
    request: HttpRequest,
    account: ResidentAccount,
    *,
    refuse_form: RefuseForm | None = None,
    error: DomainError | None = None,
    issued: IssuedCode | None = None,
) -> HttpResponse:
    context = {
        "account": account,
        "household_label": household_label(account.household),
        "members": household_members(account=account),
        "refuse_form": refuse_form or RefuseForm(),
        "error": error,
        "issued": issued,
    }
    status = error.status if error is not None else 200
    return render(request, "residency/staff_detail.html", context, status=status)


@never_cache
@login_required
@require_GET
def detail(request: HttpRequest, account_id: int) -> HttpResponse:
    return _detail(request, _account(request, account_id))


@login_required
@require_POST
def confirm(request: HttpRequest, account_id: int) -> HttpResponse:
    """Confirm as the member chosen (``resident``), or as new (the service still takes
    the household's member with the same ID number if there is one)."""
    account = _account(request, account_id)
    try:
        resident = None
        if request.POST.get("resident"):
            resident = household_resident(account=account, resident_id=request.POST["resident"])
        resident_account_confirm(account=account, actor=request_user(request), resident=resident)
    except DomainError as exc:
        account.refresh_from_db()
        return _detail(request, account, error=exc)
    messages.success(request, f"已认证：{account.name}")
    return redirect("residency:queue")


@login_required
@require_POST
def refuse(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            resident_account_refuse(
                account=account, actor=request_user(request), reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_error(form, exc.code, exc.message)
            account.refresh_from_db()
            return _detail(request, account, refuse_form=form, error=exc)
        messages.success(request, f"已退回：{account.name}")
        return redirect("residency:queue")
    return _detail(request, account, refuse_form=form)


@never_cache
@login_required
@require_POST
def reset_code(request: HttpRequest, account_id: int) -> HttpResponse:
    """Issue a desk code and show it once (the page is not cached)."""
    account = _account(request, account_id)
    try:
        issued = reset_code_issue(actor=request_user(request), account_id=account.pk)
    except DomainError as exc:
        return _detail(request, account, error=exc)
    return _detail(request, account, issued=issued)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not has_perm_anywhere(user, CONFIRMERS):
        raise Http404("无此页面")
    content, filename = account_queue_export(actor=user, status=_status(request))
    return xlsx_response(content, filename)
