from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from shequgang.errors import NotFound
from shequgang.people.scope import access_place
from shequgang.places.selectors import place_ancestors, place_children


@login_required
def place_detail(request: HttpRequest, place_id: int) -> HttpResponse:
    try:
        place = access_place(request.user, place_id)
    except NotFound:
        raise Http404("地点不存在或无权访问") from None
    return render(
        request,
        "places/place_detail.html",
        {
            "place": place,
            "ancestors": place_ancestors(place=place)[:-1],
            "children": place_children(place=place),
        },
    )
