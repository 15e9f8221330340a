"""我的事项: what I raised and what I follow ("我也遇到了"), each with its timeline, and
the rating of a resolved case of mine (``case_rate``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shequgang.cases import services
from shequgang.cases.access import access_case
from shequgang.cases.models import Case, Status
from shequgang.cases.queries.selectors import case_timeline
from shequgang.cases.services.followers import followed_case, followed_cases, public_timeline
from shequgang.cases.web.forms import RateForm
from shequgang.errors import DomainError, NotFound
from shequgang.portal.access import resident_page
from shequgang.portal.residents import Home
from shequgang.portal.selectors import my_cases
from shequgang.web.request_user import request_user

LIMIT = 100


@never_cache
@require_GET
@resident_page
def items(request: HttpRequest, home: Home) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "portal/items.html",
        {
            "home": home,
            "tab": "items",
            "raised": list(my_cases(user)[:LIMIT]),
            "followed": list(followed_cases(user)[:LIMIT]),
        },
    )


def _mine_or_followed(request: HttpRequest, case_id: int) -> tuple[Case, bool]:
    """The case, if the resident raised it (True) or follows it (False); the same 404
    whether it is missing, someone else's or no longer followable."""
    user = request_user(request)
    try:
        case = access_case(user, case_id)
        if case.raiser_id == user.pk:
            return case, True
    except NotFound:
        pass
    try:
        return followed_case(user, case_id), False
    except NotFound:
        raise Http404("事项不存在") from None


@never_cache
@require_GET
@resident_page
def item(request: HttpRequest, home: Home, case_id: int) -> HttpResponse:
    case, mine = _mine_or_followed(request, case_id)
    return _item_page(request, home, case, mine, RateForm(case=case))


def _item_page(
    request: HttpRequest, home: Home, case: Case, mine: bool, form: RateForm, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    # The raiser sees every step (but no internal notes); a follower the milestones.
    events = [e.event for e in case_timeline(user, case)] if mine else public_timeline(case)
    return render(
        request,
        "portal/item.html",
        {
            "home": home,
            "tab": "items",
            "case": case,
            "mine": mine,
            "events": events,
            "may_rate": mine and case.status == Status.RESOLVED,
            "form": form,
        },
        status=status,
    )


@require_POST
@resident_page
def rate(request: HttpRequest, home: Home, case_id: int) -> HttpResponse:
    """回访评价 by the raiser."""
    case, mine = _mine_or_followed(request, case_id)
    if not mine:
        raise Http404("事项不存在")
    form = RateForm(request.POST, case=case)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.case_rate(
                actor=request_user(request),
                case=case,
                solved=d["solved"],
                satisfaction=d["satisfaction"],
                comment=d["comment"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "感谢您的评价")
            return redirect("portal:item", case.pk)
    return _item_page(request, home, case, mine, form, status=400)
