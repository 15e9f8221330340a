"""Pages of the dispatch loop: the command centre's (or community's) queue of cases to
dispatch, and the measures per department and per grid worker. The steps themselves are
actions on the case page (``views.case_act``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequgang.cases.access import case_scope_q
from shequgang.cases.api.desk_schemas import PeriodQuery
from shequgang.cases.dispatch.measures import dispatch_measures
from shequgang.cases.dispatch.rules import dispatch_queue_q
from shequgang.cases.models import Case
from shequgang.cases.web.common import web_user
from shequgang.cases.web.lists import list_response
from shequgang.errors import NotFound
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place, scoped_places
from shequgang.places.models import Kind
from shequgang.web.htmx import HtmxRequest


@never_cache
@login_required
@require_GET
def dispatch_queue(request: HtmxRequest) -> HttpResponse:
    """待派遣: cases returned by departments or handed up to a node the user dispatches
    from, and for the command centre the open cases at the town rung; longest waiting
    first."""
    user = web_user(request)
    cases = (
        Case.objects.filter(dispatch_queue_q(user))
        .filter(case_scope_q(user))
        .order_by("assigned_at", "id")
    )
    return list_response(
        request,
        "cases/dispatch_queue.html",
        cases,
        {"base": reverse("cases:dispatch_queue")},
    )


@never_cache
@login_required
@require_GET
def dispatch_measures_page(request: HtmxRequest) -> HttpResponse:
    """部门与网格员考核: for a county or the city the user may view cases in, over a
    period (default the last 30 days), each figure with its counts."""
    user = web_user(request)
    places = list(
        scoped_places(user, Perm.CASE_VIEW)
        .filter(kind__in=[Kind.CITY, Kind.COUNTY])
        .order_by("path")
    )
    if not places:
        raise Http404("无权查看")
    try:
        query = PeriodQuery.model_validate(
            {
                "place": request.GET.get("place") or places[0].pk,
                "start": request.GET.get("start") or None,
                "end": request.GET.get("end") or None,
            }
        )
        place = access_place(user, query.place, Perm.CASE_VIEW)
    except (ValueError, NotFound):
        raise Http404("统计范围无效") from None
    now = timezone.now()
    start, end = query.period(now)
    figures = dispatch_measures(place=place, start=start, end=end, now=now)
    return render(
        request,
        "cases/dispatch_measures.html",
        {
            "m": figures,
            "places": places,
            "place": place,
            "start": start,
            "end_shown": end - dt.timedelta(seconds=1),
        },
    )
