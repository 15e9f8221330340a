"""Pages for the resident register sheet (台账): upload and check, watch a large file's
check, page through the report by kind of problem, confirm the import, download the
template and the export.

Between "check" and "confirm" the upload and its check job wait in var/
(``register_jobs``), under a random key only this session knows."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.accounts.reauth import reauth_confirm, reauth_fresh
from shequgang.errors import DomainError, NotFound
from shequgang.people import register_jobs as jobs
from shequgang.people.exporting import register_export
from shequgang.people.importing import ImportReport, read_upload, register_import
from shequgang.people.register_report import error_groups, errors_of
from shequgang.people.register_sheet import COLUMNS, register_template
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place, has_perm_anywhere, scoped_places
from shequgang.places.models import Kind, Place
from shequgang.spreadsheets.xlsx import xlsx_response
from shequgang.web.request_user import request_user

_SESSION_KEY = "register_import"
# How many places the pickers list; larger scopes type an id into the API instead.
_PICKER_LIMIT = 500
# Problems per page of the report.
ERRORS_PER_PAGE = 50


@login_required
@require_GET
def register_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def register_validate(request: HttpRequest) -> HttpResponse:
    """Hold the upload and check it (a dry run): within the request for a small file,
    in the background for a large one, whose progress the page then polls."""
    user = request_user(request)
    try:
        place = access_place(user, request.POST.get("within"), Perm.RESIDENT_IMPORT)
    except NotFound:
        raise Http404("地点不存在或无权访问") from None
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, error="请选择要导入的 .xlsx 文件", status=400, within=place)
    try:
        data = read_upload(upload)
    except DomainError as exc:
        return _page(request, error=exc.message, status=exc.status, within=place)
    previous = (request.session.get(_SESSION_KEY) or {}).get("key")
    if previous:
        jobs.job_drop(previous)
    key = jobs.upload_hold(data)
    request.session[_SESSION_KEY] = {"key": key, "within": place.pk}
    background = len(data) > settings.IMPORT_BACKGROUND_BYTES
    jobs.job_check(key=key, actor=user, within=place, background=background)
    return _job_page(request, key, place)


@login_required
@require_GET
def register_check(request: HttpRequest, key: str) -> HttpResponse:
    """The check job's state: progress while it runs (polled by htmx), then the report,
    one kind of problem and one page at a time (``?code=…&page=…``)."""
    held = _held(request, key)
    place = Place.objects.filter(pk=int(held.get("within") or 0)).first()
    return _job_page(request, key, place)


def _held(request: HttpRequest, key: str) -> dict[str, Any]:
    held: dict[str, Any] = request.session.get(_SESSION_KEY) or {}
    if held.get("key") != key:
        raise Http404("校验记录不存在或已过期")
    return held


def _job_page(request: HttpRequest, key: str, place: Place | None) -> HttpResponse:
    state = jobs.job_state(key)
    if state is None:
        return _page(request, error="校验记录已过期，请重新上传", status=400, within=place)
    if state["state"] == "failed":
        return _page(request, error=state["message"], status=state["status"], within=place)
    if state["state"] == "checking":
        return _page(request, within=place, job=key, progress=state)
    report = ImportReport.from_json(state["report"])
    writes = report.ok and (report.added or report.changed)
    return _page(
        request,
        report=report,
        within=place,
        job=key,
        pending=key if writes else None,
        code=request.GET.get("code", ""),
        page=request.GET.get("page", "1"),
    )


@login_required
@require_POST
def register_import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the file this session checked a moment ago: every row again, in one
    transaction, all or nothing."""
    held: dict[str, Any] = request.session.get(_SESSION_KEY) or {}
    key = request.POST.get("pending", "")
    data = jobs.upload_take(key) if held.get("key") == key else None
    request.session.pop(_SESSION_KEY, None)
    if data is None:
        return _page(request, error="待导入的文件已过期或已导入，请重新上传并校验", status=400)
    jobs.job_drop(key)
    try:
        place = access_place(request.user, held.get("within"), Perm.RESIDENT_IMPORT)
        report = register_import(
            actor=request.user, file=io.BytesIO(data), within=place, dry_run=False
        )
    except NotFound:
        raise Http404("地点不存在或无权访问") from None
    except DomainError as exc:
        return _page(request, error=exc.message, status=exc.status)
    if report.imported:
        messages.success(
            request,
            f"已导入：新增{report.added}位居民，更新{report.changed}位，{report.unchanged}位未变",
        )
    return _page(request, report=report, within=place)


@login_required
@require_GET
def register_template_download(request: HttpRequest) -> HttpResponse:
    return xlsx_response(register_template(), "居民台账导入模板.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def register_export_download(request: HttpRequest) -> HttpResponse:
    """Full ID numbers and phones only after the password was typed again (the form's
    ``password``, or a confirmation within the re-authentication window), as for a
    reveal; otherwise the masked sheet. A wrong password counts towards the lockout."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        place = access_place(request.user, data.get("within"), Perm.RESIDENT_EXPORT)
    except NotFound:
        raise Http404("地点不存在或无权访问") from None
    password = request.POST.get("password", "") if request.method == "POST" else ""
    full = reauth_fresh(request)
    if not full and password:
        full = reauth_confirm(request, password=password)
        if not full:
            return _page(
                request,
                error="密码不正确，未导出（导出完整信息前请输入您本人的登录密码）",
                status=403,
            )
    content = register_export(actor=request.user, within=place, reveal=full)
    return xlsx_response(content, f"居民台账-{place.name}-{timezone.localdate():%Y%m%d}.xlsx")


def _page(
    request: HttpRequest,
    *,
    report: ImportReport | None = None,
    within: Place | None = None,
    pending: str | None = None,
    job: str | None = None,
    progress: dict[str, Any] | None = None,
    code: str = "",
    page: str = "1",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "report": report,
        "within": within,
        "pending": pending,
        "job": job,
        "progress": progress,
        "error": error,
        "columns": COLUMNS,
        "may_import": has_perm_anywhere(user, Perm.RESIDENT_IMPORT),
        "may_export": has_perm_anywhere(user, Perm.RESIDENT_EXPORT),
        "import_places": _picker(request, Perm.RESIDENT_IMPORT, [Kind.COMMUNITY]),
        "export_places": _picker(
            request, Perm.RESIDENT_EXPORT, [Kind.COUNTY, Kind.TOWN, Kind.COMMUNITY]
        ),
        **_errors_context(report, code, page),
    }
    # htmx swaps in the report, the progress or the error alone, and swaps only 2xx
    # answers, so the error is the partial's content there; a plain request gets the page.
    if getattr(request, "htmx", False) and (report is not None or error or progress):
        response = render(request, "people/register_report.html", context)
    else:
        response = render(request, "people/register_page.html", context, status=status)
    response["Vary"] = "HX-Request"
    return response


def _errors_context(report: ImportReport | None, code: str, page: str) -> dict[str, Any]:
    """The report's kinds of problem and one page of the chosen kind (the most frequent
    by default)."""
    if report is None or report.ok:
        return {"groups": [], "code": "", "errors_page": None}
    groups = error_groups(report)
    if code not in {g.code for g in groups}:
        code = groups[0].code if groups else ""
    errors_page: Page[Any] = Paginator(errors_of(report, code), ERRORS_PER_PAGE).get_page(page)
    return {"groups": groups, "code": code, "errors_page": errors_page}


def _picker(request: HttpRequest, perm: Perm, kinds: list[Kind]) -> list[Place]:
    return list(
        scoped_places(request.user, perm).filter(kind__in=kinds).order_by("path")[:_PICKER_LIMIT]
    )
