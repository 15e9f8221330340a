"""Resident pages. A resident is reached only through ``access_resident`` (outside the
user's scope it is the same 404 as a missing one). Personal data is shown masked; in full
only in the response to a POST that goes through a ``resident_reveal_*`` service, which
checks the permission and audits the view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.accounts.reauth import reauth_confirm, reauth_fresh
from shequgang.actors import Actor, UserLike
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.people import services
from shequgang.people.forms import ResidentForm, ResidentSearchForm
from shequgang.people.models import Resident, ResidentTag
from shequgang.people.place_picker import chosen_option, place_matches, place_pk
from shequgang.people.roles import Perm
from shequgang.people.scope import (
    access_place,
    access_resident,
    has_perm_anywhere,
    may_view_full_pii,
    place_in_scope,
)
from shequgang.people.selectors import resident_search
from shequgang.places.models import Kind, Place
from shequgang.web.htmx import HtmxRequest, render_page_or_partial, wants_partial
from shequgang.web.request_user import request_user

_PII_LABELS = {"id_number": "身份证号", "phone": "电话", "address": "户籍地址"}
_REVEAL: dict[str, Callable[..., str]] = {
    "id_number": services.resident_reveal_id_number,
    "phone": services.resident_reveal_phone,
    "address": services.resident_reveal_address,
}


@dataclass(frozen=True)
class PiiField:
    name: str
    label: str
    masked: str
    value: str | None = None  # the full value, only in a reveal response
    # Not None: ask for the password again first (with this error, "" for none).
    reauth_error: str | None = None


def _resident_or_404(user: UserLike, resident_id: int, perm: Perm = Perm.RESIDENT_VIEW) -> Resident:
    try:
        return access_resident(user, resident_id, perm)
    except NotFound:
        raise Http404("居民不存在或无权访问") from None


def _place_or_404(user: UserLike, place_id: int, perm: Perm) -> Place:
    try:
        return access_place(user, place_id, perm)
    except NotFound:
        raise Http404("地点不存在或无权访问") from None


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _detail_context(
    user: UserLike,
    resident: Resident,
    revealed: dict[str, str],
    reauth: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """``reauth`` = (field, error) puts the password prompt in place of that field."""
    asked, error = reauth or ("", "")
    return {
        "resident": resident,
        "household_name": resident.household.full_name(),
        "tags": resident.tags.all(),
        # Age, not the birth date: with the masked ID number's ends the birth date
        # would give the full number away.
        "age": _age(resident.birth_date, timezone.localdate()),
        "pii": [
            PiiField(
                name,
                label,
                getattr(resident, f"{name}_masked"),
                revealed.get(name),
                error if name == asked else None,
            )
            for name, label in _PII_LABELS.items()
        ],
        "may_reveal": may_view_full_pii(user, resident.household),
        "may_edit": place_in_scope(user, Perm.RESIDENT_EDIT, resident.household),
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def resident_list(request: HtmxRequest) -> HttpResponse:
    """Residents in scope: search by name fragment, full ID number or phone; filter by tag
    and by place. An htmx request gets only the rows.

    Search terms may be ID numbers or phones, so the search form POSTs them: they stay
    out of URLs, server logs and browser history. GET takes the same filters."""
    data = request.POST if request.method == "POST" else request.GET
    form = ResidentSearchForm(data, tags=ResidentTag.objects.filter(active=True))
    form.is_valid()  # invalid filters are dropped, the valid ones still apply
    search = {k: v for k, v in form.cleaned_data.items() if v}
    within = (
        _place_or_404(request.user, search["within"], Perm.RESIDENT_VIEW)
        if "within" in search
        else None
    )
    residents = resident_search(
        user=request.user,
        query=search.get("q", ""),
        within=within,
        tag=search.get("tag", ""),
        include_inactive=bool(search.get("inactive")),
    )
    page = Paginator(
        residents.select_related("household__parent__parent").prefetch_related("tags"),
        settings.PAGE_SIZE,
    ).get_page(data.get("page"))
    return render_page_or_partial(
        request,
        "people/resident_list.html",
        "people/_resident_rows.html",
        {
            "form": form,
            "page": page,
            "filters": search,
            "within": within,
            "may_create": has_perm_anywhere(request.user, Perm.RESIDENT_EDIT),
        },
    )


@never_cache
@login_required
@require_GET
def resident_detail(request: HtmxRequest, resident_id: int) -> HttpResponse:
    resident = _resident_or_404(request.user, resident_id)
    return render(
        request, "people/resident_detail.html", _detail_context(request.user, resident, {})
    )


@require_POST
@never_cache
@login_required
def resident_reveal(request: HtmxRequest, resident_id: int, field: str) -> HttpResponse:
    """One personal field in full, through the audited reveal service. POST only (it
    writes an audit row), never cached. htmx swaps in the field; without JavaScript the
    detail page comes back with that field shown. Unless the user typed the password
    within ``REAUTH_MINUTES``, the answer is a password prompt in place of the field,
    which posts back here with ``password`` (a wrong one counts towards the lockout;
    once locked, the lockout message comes instead)."""
    if field not in _REVEAL:
        raise Http404("没有这一项")
    resident = _resident_or_404(request.user, resident_id)
    actor: Actor = request.user
    try:
        services.resident_reveal_check(actor=actor, resident=resident)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    if not reauth_fresh(request):
        password = request.POST.get("password", "")
        if not reauth_confirm(request, password=password):
            error = "密码不正确，请重新输入" if password else ""
            return _reauth_prompt(request, resident, field, error)
    try:
        value = _REVEAL[field](actor=actor, resident=resident)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    if wants_partial(request):
        masked = getattr(resident, f"{field}_masked")
        return render(
            request,
            "people/_pii_field.html",
            {"f": PiiField(field, _PII_LABELS[field], masked, value), "resident": resident},
        )
    return render(
        request,
        "people/resident_detail.html",
        _detail_context(request.user, resident, {field: value}),
    )


def _reauth_prompt(
    request: HtmxRequest, resident: Resident, field: str, error: str
) -> HttpResponse:
    if wants_partial(request):
        masked = getattr(resident, f"{field}_masked")
        return render(
            request,
            "people/_pii_field.html",
            {
                "f": PiiField(field, _PII_LABELS[field], masked, reauth_error=error),
                "resident": resident,
            },
        )
    return render(
        request,
        "people/resident_detail.html",
        _detail_context(request.user, resident, {}, reauth=(field, error)),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def resident_create(request: HtmxRequest) -> HttpResponse:
    if not has_perm_anywhere(request.user, Perm.RESIDENT_EDIT):
        raise Http404("无权登记居民")
    form = ResidentForm(
        request.POST or None,
        user=request.user,
        initial={"household": request.GET.get("household")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_create(actor=request.user, data=form.resident_input())
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已登记居民{resident.name}")
            return redirect("people:resident_detail", resident.pk)
    return render(request, "people/resident_form.html", {"form": form, "resident": None})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request: HtmxRequest, resident_id: int) -> HttpResponse:
    resident = _resident_or_404(request.user, resident_id, Perm.RESIDENT_EDIT)
    form = ResidentForm(
        request.POST or None,
        user=request.user,
        resident=resident,
        initial=ResidentForm.initial_for(resident),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(
                actor=request.user, resident=resident, data=form.resident_input()
            )
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "已保存")
            return redirect("people:resident_detail", resident.pk)
    return render(request, "people/resident_form.html", {"form": form, "resident": resident})


@login_required
@require_GET
def place_search(request: HttpRequest) -> HttpResponse:
    """The place picker's matches (htmx partial): ``<name>__q`` is the text typed,
    ``perm`` and ``kinds`` what the field may hold, ``<name>`` the choice so far."""
    user = request_user(request)
    name = request.GET.get("name", "place")
    perm = request.GET.get("perm", "")
    if perm not in Perm.values:
        perm = Perm.PLACE_VIEW
    kinds = [k for k in request.GET.get("kinds", "").split(",") if k in Kind.values] or list(
        Kind.values
    )
    query = request.GET.get(f"{name}__q", "")[:100]
    chosen_pk = place_pk(request.GET.get(name, ""))
    return render(
        request,
        "people/widgets/_place_matches.html",
        {
            "name": name,
            "options": place_matches(user, query=query, perm=perm, kinds=kinds),
            "chosen": chosen_option(user, pk=chosen_pk, perm=perm, kinds=kinds),
        },
    )
