"""Pages for duplicate detection: the suggestions panel the raise form loads as the
resident types (htmx), "我也遇到了" on one of them, and the followed cases' progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shequgang.cases.access import access_case
from shequgang.cases.duplicates.schemas import followed_list_out, followed_out, suggestions_for
from shequgang.cases.models import Category
from shequgang.cases.services.followers import case_follow, followed_case, followed_cases
from shequgang.cases.web.forms import picked_place
from shequgang.errors import DomainError, NotFound
from shequgang.web.htmx import HtmxRequest

FOLLOWED_LIMIT = 200


def _user(request: HtmxRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _coordinate(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@never_cache
@login_required
@require_GET
def similar(request: HtmxRequest) -> HttpResponse:
    """The suggestions panel for what the form holds so far: ``category`` (id), the
    picker's ``place`` values, ``title``, ``description`` and optional ``latitude`` and
    ``longitude`` (a staff form with a GPS fix).
    Nothing to suggest until a category and a place are chosen."""
    user = _user(request)
    category_id = request.GET.get("category", "")
    category = (
        Category.objects.filter(pk=int(category_id), active=True).first()
        if category_id.isdigit()
        else None
    )
    place = picked_place(request.GET.getlist("place"))
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"[:4000]
    items, error = [], ""
    if category is not None and place is not None:
        try:
            items = suggestions_for(
                user,
                category=category,
                place=place,
                latitude=_coordinate(request.GET.get("latitude")),
                longitude=_coordinate(request.GET.get("longitude")),
                text=text,
            )
        except DomainError as exc:
            error = exc.message
    return render(request, "cases/_similar.html", {"items": items, "error": error})


@login_required
@require_POST
def me_too(request: HtmxRequest, case_id: int) -> HttpResponse:
    """我也遇到了: join the case, then see its progress."""
    try:
        done = case_follow(actor=_user(request), case_id=case_id)
    except NotFound:
        raise Http404("事项不存在") from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:case_new")
    if done.created:
        messages.success(request, "已加入该事项，办理进展和结果会通知您")
    else:
        messages.info(request, "您已在关注该事项")
    if done.case.raiser_id == request.user.pk:
        return redirect("cases:case_detail", done.case.pk)
    return redirect("duplicates:followed", done.case.pk)


@never_cache
@login_required
@require_GET
def followed(request: HtmxRequest, case_id: int) -> HttpResponse:
    """A followed case's progress: milestones only, no names."""
    user = _user(request)
    try:
        case = followed_case(user, case_id)
    except NotFound:
        try:
            access_case(user, case_id)
        except NotFound:
            raise Http404("事项不存在或无权访问") from None
        return redirect("cases:case_detail", case_id)
    return render(
        request, "cases/followed_case.html", {"c": followed_out(case, with_milestones=True)}
    )


@never_cache
@login_required
@require_GET
def following(request: HtmxRequest) -> HttpResponse:
    """我关注的事项: the cases the user joined, newest first."""
    cases = list(followed_cases(_user(request))[:FOLLOWED_LIMIT])
    return render(request, "cases/following.html", {"items": followed_list_out(cases)})
