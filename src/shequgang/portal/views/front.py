"""``/``: visitors see the public front, residents go to their home, staff to theirs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from shequgang.places.models import Kind, Place
from shequgang.portal.residents import home_of
from shequgang.portal.selectors import upcoming_activities, veterans_offer
from shequgang.web import views as web_views
from shequgang.web.request_user import request_user


@require_GET
def front(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if home_of(request_user(request)) is not None:
            return redirect("portal:home")
        return web_views.home(request)
    return public_front(request)


def public_front(request: HttpRequest) -> HttpResponse:
    """What the platform offers in this city: public services with their state,
    public activities, how to register and to log in."""
    city = Place.objects.filter(kind=Kind.CITY).order_by("path").first()
    return render(
        request,
        "portal/front.html",
        {
            "city": city,
            "veterans": veterans_offer(),
            "activities": upcoming_activities(community=None, limit=6),
        },
    )
