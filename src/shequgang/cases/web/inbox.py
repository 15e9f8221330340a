"""The inbox page (消息): the notifications delivered to the user. Reading the inbox and
marking notifications read are ``services.notifications``' (the API uses the same)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shequgang.cases.queries.keyset import keyset_page
from shequgang.cases.services.notifications import (
    inbox_of,
    notification_mark_read,
    notifications_mark_all_read,
    unread_count,
)
from shequgang.cases.web.common import web_user
from shequgang.errors import DomainError, NotFound
from shequgang.web.htmx import HtmxRequest, wants_partial


@never_cache
@login_required
@require_GET
def inbox(request: HtmxRequest) -> HttpResponse:
    """消息: the notifications delivered to the user, newest first."""
    user = web_user(request)
    try:
        page = keyset_page(
            inbox_of(user).select_related("case").order_by("-created_at", "-id"),
            cursor=request.GET.get("cursor"),
            size=settings.PAGE_SIZE,
        )
    except DomainError:
        return redirect("cases:inbox")
    return render(request, "cases/inbox.html", {"page": page, "unread": unread_count(user)})


@login_required
@require_POST
def inbox_read(request: HtmxRequest, note_id: int) -> HttpResponse:
    """Mark one notification read (only the recipient's own; once), then open its case
    when asked to."""
    try:
        note = notification_mark_read(user=web_user(request), notification_id=note_id)
    except NotFound:
        raise Http404("消息不存在") from None
    if request.POST.get("open") and note.case_id is not None:
        return redirect("cases:case_detail", note.case_id)
    if wants_partial(request):
        return render(request, "cases/_inbox_item.html", {"n": note})
    return redirect("cases:inbox")


@login_required
@require_POST
def inbox_read_all(request: HtmxRequest) -> HttpResponse:
    notifications_mark_all_read(user=web_user(request))
    return redirect("cases:inbox")
