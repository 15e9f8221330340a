"""Case lists: the resident's own cases, the handler's work queue, the scoped case list
(filters, keyset pages, partial renders for htmx)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequgang.cases.access import scoped_cases
from shequgang.cases.engine.deadlines import case_lateness, overdue_q
from shequgang.cases.models import (
    Case,
    Status,
)
from shequgang.cases.queries.keyset import KeysetPage, keyset_page
from shequgang.cases.queries.selectors import (
    QUEUE_STATUSES,
    work_queue,
)
from shequgang.cases.web.common import web_user
from shequgang.cases.web.forms import (
    QueueFilterForm,
)
from shequgang.errors import DomainError
from shequgang.people.roles import Perm
from shequgang.people.scope import has_perm_anywhere
from shequgang.web.htmx import HtmxRequest, render_page_or_partial

# --- Lists -----------------------------------------------------------------------------------


def _page(request: HtmxRequest, cases: QuerySet[Case]) -> tuple[KeysetPage[Case], str]:
    """A keyset page of ``cases``; a cursor we did not issue restarts at the first page."""
    # The rows show the place's parent too (a household's building).
    cases = cases.select_related("category", "place__parent", "handler_place", "handler_department")
    try:
        return keyset_page(cases, cursor=request.GET.get("cursor"), size=settings.PAGE_SIZE), ""
    except DomainError as exc:
        return keyset_page(cases, cursor=None, size=settings.PAGE_SIZE), exc.message


def list_response(
    request: HtmxRequest, page_template: str, cases: QuerySet[Case], context: dict[str, Any]
) -> HttpResponse:
    """The whole page; to htmx the list (after a filter change) or only the next rows
    (after "更多", which carries a cursor)."""
    page, error = _page(request, cases)
    now = timezone.now()
    # Each row with its clocks' state (engine.deadlines): the template only reads flags.
    rows = [(c, case_lateness(c, now)) for c in page.rows]
    context = {**context, "page": page, "rows": rows, "error": error}
    partial = (
        "cases/_case_rows.html"
        if request.GET.get("cursor") and not error
        else "cases/_case_list.html"
    )
    return render_page_or_partial(request, page_template, partial, context)


def _filtered(
    request: HtmxRequest, cases: QuerySet[Case], statuses: list[str]
) -> tuple[QuerySet[Case], QueueFilterForm]:
    form = QueueFilterForm(request.GET, statuses=[(s, Status(s).label) for s in statuses])
    form.is_valid()  # invalid filters are dropped, the valid ones still apply
    f = form.cleaned_data
    if f.get("status"):
        cases = cases.filter(status=f["status"])
    if f.get("category"):
        cases = cases.filter(category_id=f["category"])
    if f.get("overdue"):
        cases = cases.filter(overdue_q(timezone.now()))
    if f.get("q"):
        cases = cases.filter(Q(number=f["q"]) | Q(title__contains=f["q"]))
    return cases, form


@never_cache
@login_required
@require_GET
def my_cases(request: HtmxRequest) -> HttpResponse:
    """我的事项: what the user raised, newest first."""
    cases = Case.objects.filter(raiser=web_user(request)).order_by("-created_at", "-id")
    return list_response(
        request, "cases/my_cases.html", cases, {"base": reverse("cases:my_cases"), "mine": True}
    )


@never_cache
@login_required
@require_GET
def queue(request: HtmxRequest) -> HttpResponse:
    """待办: the cases the user holds, by rung, overdue first, filterable."""
    extra = {Status.RETURNED, Status.TO_DISPATCH, Status.VERIFYING}
    statuses = [s for s in Status.values if s in QUEUE_STATUSES or s in extra]
    cases, form = _filtered(request, work_queue(web_user(request)), statuses)
    return list_response(
        request, "cases/queue.html", cases, {"form": form, "base": reverse("cases:queue")}
    )


@never_cache
@login_required
@require_GET
def case_list(request: HtmxRequest) -> HttpResponse:
    """事项: every case in the user's scope, newest first (supervisors, grid workers)."""
    user = web_user(request)
    if not has_perm_anywhere(user, Perm.CASE_VIEW):
        return redirect("cases:my_cases")
    cases, form = _filtered(
        request, scoped_cases(user).order_by("-created_at", "-id"), Status.values
    )
    return list_response(
        request, "cases/case_list.html", cases, {"form": form, "base": reverse("cases:case_list")}
    )
