"""Staff pages for the data-subject rights, linked from the resident detail page. The
resident is reached through ``access_resident`` (outside scope: the same 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shequgang.accounts.reauth import reauth_confirm, reauth_fresh
from shequgang.actors import UserLike
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.people.models import Resident
from shequgang.people.roles import Perm
from shequgang.people.scope import access_resident, may_view_full_pii
from shequgang.people.services import resident_reveal_check
from shequgang.privacy.erasure import erasure_blockers, resident_anonymise
from shequgang.privacy.export import resident_subject_export


class AnonymiseForm(forms.Form):
    reason = forms.CharField(
        label="原因",
        max_length=200,
        help_text="如：本人申请删除、撤回同意、处理目的已实现；请勿填写身份证号等个人信息",
    )
    override_basis = forms.CharField(
        label="例外的法律依据",
        max_length=200,
        required=False,
        help_text="仅当有未结事项或有效参保申请、且确有法律依据需立即匿名化时填写",
    )
    confirm = forms.BooleanField(
        label="我已了解：匿名化不可撤销，该居民的姓名、身份证号、电话、地址将被清除",
        error_messages={"required": "请勾选确认"},
    )


def _resident_or_404(user: UserLike, resident_id: int, perm: Perm) -> Resident:
    try:
        return access_resident(user, resident_id, perm)
    except NotFound:
        raise Http404("居民不存在或无权访问") from None


@require_POST
@never_cache
@login_required
def subject_export(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The zip download; POST because it writes an audit row. Like a reveal, it needs
    the password typed again (the form's ``password``, unless confirmed within
    ``REAUTH_MINUTES``; a wrong one counts towards the login lockout)."""
    resident = _resident_or_404(request.user, resident_id, Perm.RESIDENT_VIEW)
    try:
        resident_reveal_check(actor=request.user, resident=resident)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    if not reauth_fresh(request) and not reauth_confirm(
        request, password=request.POST.get("password", "")
    ):
        messages.error(request, "导出前请输入您本人正确的登录密码")
        return redirect("people:resident_detail", resident.pk)
    try:
        export = resident_subject_export(
            actor=request.user, resident=resident, requester=request.POST.get("requester", "")
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:resident_detail", resident.pk)
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = (
        content_disposition_header(True, export.filename) or "attachment"
    )
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def anonymise(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The confirmation page: what will happen, what blocks it, and the form."""
    resident = _resident_or_404(request.user, resident_id, Perm.RESIDENT_EDIT)
    if not may_view_full_pii(request.user, resident.household):
        raise PermissionDenied("无权匿名化该居民的个人信息")
    if resident.anonymised_at is not None:
        messages.info(request, "该居民的个人信息已经匿名化")
        return redirect("people:resident_detail", resident.pk)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = resident_anonymise(
                resident=resident,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                override_basis=form.cleaned_data["override_basis"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已匿名化，化名为{erasure.pseudonym}")
            return redirect("people:resident_detail", resident.pk)
    return render(
        request,
        "privacy/anonymise.html",
        {"resident": resident, "form": form, "blockers": erasure_blockers(resident)},
    )
