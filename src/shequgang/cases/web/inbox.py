"""The inbox page (消息): the notifications delivered to the user; marking them read goes
through ``services.notifications``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shequgang.cases.models import (
    Notification,
)
from shequgang.cases.queries.keyset import keyset_page
from shequgang.cases.web.common import web_user
from shequgang.errors import DomainError
from shequgang.web.htmx import HtmxRequest, wants_partial

# --- Inbox -----------------------------------------------------------------------------------


def _inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.INBOX, delivered_at__isnull=False
    )


@never_cache
@login_required
@require_GET
def inbox(request: HtmxRequest) -> HttpResponse:
    """消息: the notifications delivered to the user, newest first."""
    user = web_user(request)
    try:
        page = keyset_page(
            _inbox(user).select_related("case").order_by("-created_at", "-id"),
            cursor=request.GET.get("cursor"),
            size=settings.PAGE_SIZE,
        )
    except DomainError:
        return redirect("cases:inbox")
    unread = _inbox(user).filter(read_at__isnull=True).count()
    return render(request, "cases/inbox.html", {"page": page, "unread": unread})


@login_required
@require_POST
def inbox_read(request: HtmxRequest, note_id: int) -> HttpResponse:
    """Mark one notification read (only the recipient's own; once), then open its case
    when asked to."""
    user = web_user(request)
    _inbox(user).filter(pk=note_id, read_at__isnull=True).update(read_at=timezone.now())
    note = _inbox(user).filter(pk=note_id).first()
    if note is None:
        raise Http404("消息不存在")
    if request.POST.get("open") and note.case_id is not None:
        return redirect("cases:case_detail", note.case_id)
    if wants_partial(request):
        return render(request, "cases/_inbox_item.html", {"n": note})
    return redirect("cases:inbox")


@login_required
@require_POST
def inbox_read_all(request: HtmxRequest) -> HttpResponse:
    _inbox(web_user(request)).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("cases:inbox")
