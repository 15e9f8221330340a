"""我的 → 我的数据: the resident downloads what is held about them (PIPL Art. 45), after
typing their password again (``privacy.own_data``: rate limit, re-auth, audit)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shequgang.accounts.reauth import ReauthRequired, reauth_fresh
from shequgang.apikit.ratelimit import RateLimited
from shequgang.errors import DomainError
from shequgang.portal.access import resident_page
from shequgang.portal.residents import Home
from shequgang.privacy.own_data import FORMATS, SECTIONS, own_data_export, own_data_gate
from shequgang.web.request_user import request_user


@never_cache
@require_http_methods(["GET", "POST"])
@resident_page
def my_data(request: HttpRequest, home: Home) -> HttpResponse:
    """GET: what the copy holds and the form; POST: the download (a file), or the page
    again with the reason (400 wrong password / bad format / not confirmed, 429)."""
    error, status = "", 200
    fmt = request.POST.get("format", "xlsx")
    if request.method == "POST":
        user = request_user(request)
        try:
            own_data_gate(request, user=user, password=request.POST.get("password", ""))
            export = own_data_export(user=user, fmt=fmt)
        except ReauthRequired:
            error, status = "密码不正确，请输入您本人的登录密码", 400
        except RateLimited as exc:
            error, status = exc.message, 429
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            response = HttpResponse(export.content, content_type=export.content_type)
            response["Content-Disposition"] = (
                content_disposition_header(True, export.filename) or "attachment"
            )
            return response
    return render(
        request,
        "portal/my_data.html",
        {
            "home": home,
            "tab": "me",
            "sections": SECTIONS.values(),
            "formats": FORMATS.items(),
            "chosen": fmt if fmt in FORMATS else "xlsx",
            "reauth_fresh": reauth_fresh(request),
            "error": error,
        },
        status=status,
    )
