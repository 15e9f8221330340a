"""Pages for the resident register sheet (台账): upload and validate, confirm the import,
download the template and the export.

Between "validate" and "confirm" the upload waits in var/, encrypted with the personal-data
key (it holds ID numbers in the clear), under a random name only this session knows; it
is deleted when confirmed and swept after two hours."""

from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.accounts.reauth import reauth_confirm, reauth_fresh
from shequgang.errors import DomainError, NotFound
from shequgang.people.exporting import register_export
from shequgang.people.importing import ImportReport, read_upload, register_import
from shequgang.people.register_sheet import COLUMNS, register_template
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place, has_perm_anywhere, scoped_places
from shequgang.places.models import Kind, Place
from shequgang.spreadsheets.xlsx import xlsx_response

_SESSION_KEY = "register_import"
_STASH_TTL = 2 * 3600
_STASH_NAME = re.compile(r"^[0-9a-f]{32}$")
# How many places the pickers list; larger scopes type an id into the API instead.
_PICKER_LIMIT = 500


@login_required
@require_GET
def register_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def register_validate(request: HttpRequest) -> HttpResponse:
    """Check the uploaded file (a dry run) and, when it is clean, keep it for confirming."""
    try:
        place = access_place(request.user, request.POST.get("within"), Perm.RESIDENT_IMPORT)
    except NotFound:
        raise Http404("地点不存在或无权访问") from None
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, error="请选择要导入的 .xlsx 文件", status=400, within=place)
    try:
        data = read_upload(upload)
        report = register_import(
            actor=request.user, file=io.BytesIO(data), within=place, dry_run=True
        )
    except DomainError as exc:
        return _page(request, error=exc.message, status=exc.status, within=place)
    pending = None
    if report.ok:
        pending = _stash(data)
        request.session[_SESSION_KEY] = {"key": pending, "within": place.pk}
    return _page(request, report=report, within=place, pending=pending)


@login_required
@require_POST
def register_import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the file this session validated a moment ago."""
    held: dict[str, Any] = request.session.get(_SESSION_KEY) or {}
    key = request.POST.get("pending", "")
    data = _unstash(key) if held.get("key") == key else None
    request.session.pop(_SESSION_KEY, None)
    if data is None:
        return _page(request, error="待导入的文件已过期或已导入，请重新上传并校验", status=400)
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
        messages.success(request, f"已导入{report.residents}位居民")
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
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "report": report,
        "within": within,
        "pending": pending,
        "error": error,
        "columns": COLUMNS,
        "may_import": has_perm_anywhere(user, Perm.RESIDENT_IMPORT),
        "may_export": has_perm_anywhere(user, Perm.RESIDENT_EXPORT),
        "import_places": _picker(request, Perm.RESIDENT_IMPORT, [Kind.COMMUNITY]),
        "export_places": _picker(
            request, Perm.RESIDENT_EXPORT, [Kind.COUNTY, Kind.TOWN, Kind.COMMUNITY]
        ),
    }
    # htmx swaps in the report (or the error) alone, and swaps only 2xx answers, so the
    # error is the partial's content there; a plain request gets the page and the status.
    if getattr(request, "htmx", False) and (report is not None or error):
        response = render(request, "people/register_report.html", context)
    else:
        response = render(request, "people/register_page.html", context, status=status)
    response["Vary"] = "HX-Request"
    return response


def _picker(request: HttpRequest, perm: Perm, kinds: list[Kind]) -> list[Place]:
    return list(
        scoped_places(request.user, perm).filter(kind__in=kinds).order_by("path")[:_PICKER_LIMIT]
    )


def _stash_dir() -> Path:
    return Path(settings.VAR_DIR) / "register-imports"


def _stash(data: bytes) -> str:
    folder = _stash_dir()
    folder.mkdir(parents=True, exist_ok=True)
    expired = time.time() - _STASH_TTL
    for old in folder.glob("*.bin"):
        if old.stat().st_mtime < expired:
            old.unlink(missing_ok=True)
    key = secrets.token_hex(16)
    (folder / f"{key}.bin").write_bytes(Fernet(settings.FIELD_KEYS[0]).encrypt(data))
    return key


def _unstash(key: str) -> bytes | None:
    """The held upload, once: the file is removed whatever happens next."""
    if not _STASH_NAME.match(key):
        return None
    path = _stash_dir() / f"{key}.bin"
    try:
        token = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    try:
        return MultiFernet([Fernet(k) for k in settings.FIELD_KEYS]).decrypt(token, ttl=_STASH_TTL)
    except InvalidToken:
        return None
