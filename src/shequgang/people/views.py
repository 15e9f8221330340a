from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequgang.people.selectors import resident_search


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = Paginator(resident_search(user=request.user, query=query), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "people/resident_list.html", {"page": page, "q": query})
