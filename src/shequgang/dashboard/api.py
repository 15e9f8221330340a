"""Command-centre API (mounted at /api/v1/dashboard)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from shequgang.apikit.auth import request_user
from shequgang.apikit.schemas import errors
from shequgang.dashboard.access import access_dashboard
from shequgang.dashboard.schemas import FiguresOut, FiguresQuery
from shequgang.dashboard.selectors import dashboard_figures

router = Router(tags=["智慧指挥"])


@router.get(
    "/figures",
    url_name="figures",
    response={200: FiguresOut, **errors(403, 404)},
    summary="指挥中心数据",
)
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> FiguresOut:
    """The command centre's figures for the city or one county, from the maintained
    tallies: live counts by status, red and yellow cards, overdue cases (live), load by
    area, grid and department, new cases per category this week and last, and the 三率
    for whole months. 403 for users who watch no command centre; 404 for a scope that
    is not a city or county, or is outside the caller's scope."""
    scope = access_dashboard(request_user(request), query.scope)
    return FiguresOut.build(dashboard_figures(scope=scope, months=query.months))
