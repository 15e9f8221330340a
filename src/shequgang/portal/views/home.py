"""The resident's tabs: 首页, 办事, 活动 and 我的 (我的事项 is in ``items``)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequgang.party.activity_selectors import my_signups
from shequgang.portal.access import resident_page
from shequgang.portal.residents import Home
from shequgang.portal.selectors import (
    my_cases,
    my_open_cases,
    points_balances,
    resolved_nearby,
    upcoming_activities,
    veterans_offer_for,
)
from shequgang.web.request_user import request_user


def _birth_date(home: Home) -> dt.date | None:
    resident = home.account.resident
    return resident.birth_date if resident is not None else None


@never_cache
@require_GET
@resident_page
def home(request: HttpRequest, home: Home) -> HttpResponse:
    """首页: news of my community, my open items, what my community offers."""
    user = request_user(request)
    context: dict[str, object] = {"home": home, "tab": "home"}
    if home.confirmed:
        near = home.of_kind("compound") or home.community
        context.update(
            activities=upcoming_activities(community=home.community, limit=3),
            resolved=resolved_nearby(place=near, limit=3) if near else [],
            open_items=my_open_cases(user),
            veterans=veterans_offer_for(birth_date=_birth_date(home)),
            balances=points_balances(user),
        )
    return render(request, "portal/home.html", context)


@never_cache
@require_GET
@resident_page
def services(request: HttpRequest, home: Home) -> HttpResponse:
    """办事: the services present today."""
    return render(
        request,
        "portal/services.html",
        {
            "home": home,
            "tab": "services",
            "veterans": veterans_offer_for(birth_date=_birth_date(home)),
        },
    )


@never_cache
@require_GET
@resident_page
def activities(request: HttpRequest, home: Home) -> HttpResponse:
    """活动: my community's activities and my sign-ups."""
    user = request_user(request)
    return render(
        request,
        "portal/activities.html",
        {
            "home": home,
            "tab": "activities",
            "activities": upcoming_activities(community=home.community, limit=30)
            if home.community
            else [],
            "signups": list(my_signups(user)[:10]),
        },
    )


@never_cache
@require_GET
@resident_page
def me(request: HttpRequest, home: Home) -> HttpResponse:
    """我的: household, points and shop, what is held about me."""
    user = request_user(request)
    return render(
        request,
        "portal/me.html",
        {
            "home": home,
            "tab": "me",
            "balances": points_balances(user),
            "case_count": my_cases(user).count(),
        },
    )
