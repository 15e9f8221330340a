"""The command centre (智慧指挥) pages: the figures of the city or a county, refreshed
by htmx, and the offline map of open cases."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequgang.actors import UserLike
from shequgang.dashboard.access import DashboardScope, access_dashboard, dashboard_scopes
from shequgang.dashboard.selectors import dashboard_figures
from shequgang.dashboard.svgmap import scope_map
from shequgang.errors import Forbidden, NotFound
from shequgang.needs.selectors import needs_figures_within
from shequgang.needs.supply_figures import supply_figures_within
from shequgang.places.models import Kind, Place
from shequgang.web.htmx import HtmxRequest, render_page_or_partial


def _scope(user: UserLike, scope: str | int | None) -> DashboardScope:
    try:
        return access_dashboard(user, scope)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except NotFound:
        raise Http404("指挥范围不存在或无权访问") from None


def _refresh_seconds() -> int:
    return int(getattr(settings, "DASHBOARD_REFRESH_SECONDS", 30))


@never_cache
@login_required
@require_GET
def home(request: HtmxRequest) -> HttpResponse:
    """指挥中心: the user's own top scope."""
    scope = _scope(request.user, None)
    return redirect("dashboard:centre", scope=scope.place.pk)


@never_cache
@login_required
@require_GET
def centre(request: HtmxRequest, scope: int) -> HttpResponse:
    """The figures of one scope; htmx polls the same URL for the figures alone."""
    chosen = _scope(request.user, scope)
    figures = dashboard_figures(scope=chosen)
    counties = (
        list(Place.objects.filter(parent=chosen.place, kind=Kind.COUNTY).order_by("code"))
        if chosen.is_city
        else []
    )
    context = {
        "scope": chosen,
        "f": figures,
        # 敲门行动 and the 需求清单 (the needs app's reader; needs knows nothing of this).
        "needs": needs_figures_within(chosen.place),
        # Projects, wishes and the demand→met timings (the supply side's reader).
        "supply": supply_figures_within(chosen.place),
        "refresh": _refresh_seconds(),
        "own_scopes": dashboard_scopes(request.user),
        "counties": counties,
        "parent": chosen.place.parent if not chosen.is_city else None,
    }
    return render_page_or_partial(
        request, "dashboard/centre.html", "dashboard/_figures.html", context
    )


@never_cache
@login_required
@require_GET
def map_partial(request: HtmxRequest, scope: int) -> HttpResponse:
    """The offline SVG map of the scope (an htmx partial, also polled)."""
    chosen = _scope(request.user, scope)
    context = {
        "scope": chosen,
        "map": scope_map(scope=chosen, now=timezone.now()),
        "refresh": _refresh_seconds() * 2,
    }
    return render(request, "dashboard/_map.html", context)
