"""Pages: coverage of the user's area, a community's organisation tree, the member list
(masked), unit pairings, and a member's own record (双报到 and 双包联). Views parse, call
one selector or service and render; the rules live in ``services``/``reporting``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from shequgang.errors import DomainError, NotFound
from shequgang.party import access
from shequgang.party.forms import MemberForm, PairingForm, ReportForm
from shequgang.party.models import Member, MemberStatus, PairedUnit
from shequgang.party.reporting import member_report, pairing_create
from shequgang.party.selectors import (
    coverage,
    held_responsibilities,
    member_search,
    org_tree,
    responsibility_cases,
)
from shequgang.party.services import MemberInput, member_register
from shequgang.people.scope import (
    access_place,
    has_perm_anywhere,
    place_in_scope,
    scope_roots,
    scoped_places,
)
from shequgang.places.models import Kind, Place
from shequgang.web.htmx import HtmxRequest, render_page_or_partial, wants_partial
from shequgang.web.request_user import request_user


def _place(request: HttpRequest, place_id: Any) -> Place:
    try:
        return access_place(request.user, place_id, access.VIEW)
    except NotFound:
        raise Http404("地点不存在或无权访问") from None


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Staff land on the coverage of their area; members and unit liaisons on their own
    record."""
    roots = scope_roots(request.user, access.VIEW)
    if not roots:
        return redirect("party:me")
    if len(roots) == 1:
        return redirect("party:coverage", place_id=roots[0].pk)
    return render(
        request,
        "party/home.html",
        {"rows": [(root, coverage(root=root)) for root in roots]},
    )


@login_required
@require_GET
def coverage_page(request: HttpRequest, place_id: int) -> HttpResponse:
    place = _place(request, place_id)
    children = list(
        scoped_places(request.user, access.VIEW)
        .filter(parent=place, kind__in=[Kind.COUNTY, Kind.TOWN, Kind.COMMUNITY])
        .order_by("name")
    )
    return render(
        request,
        "party/coverage.html",
        {
            "place": place,
            "figures": coverage(root=place),
            "children": children,
            "is_community": place.kind == Kind.COMMUNITY,
        },
    )


@login_required
@require_GET
def org_page(request: HttpRequest, place_id: int) -> HttpResponse:
    community = _place(request, place_id)
    if community.kind != Kind.COMMUNITY:
        raise Http404("请选择社区")
    return render(
        request,
        "party/org.html",
        {
            "tree": org_tree(community=community),
            "figures": coverage(root=community),
            "may_manage": place_in_scope(request.user, access.MANAGE, community),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request: HtmxRequest) -> HttpResponse:
    """The members the user may see, masked; managers of a community register members
    here (``?community=<id>``)."""
    filters = {k: request.GET.get(k, "")[:50] for k in ("q", "community", "status")}
    community = _place(request, filters["community"]) if filters["community"] else None
    may_register = (
        community is not None
        and community.kind == Kind.COMMUNITY
        and place_in_scope(request.user, access.MANAGE, community)
    )
    form = MemberForm(request.POST or None)
    error: DomainError | None = None
    if request.method == "POST":
        if not may_register or community is None:
            raise Http404("无权登记党员")
        if form.is_valid():
            try:
                member = member_register(
                    actor=request.user,
                    data=MemberInput(community=community, **form.cleaned_data),
                )
            except DomainError as exc:
                error = exc
            else:
                messages.success(request, f"已登记党员 {member.name}")
                return redirect(f"{request.path}?{urlencode({'community': community.pk})}")
    status = filters["status"] if filters["status"] in MemberStatus.values else ""
    found = member_search(user=request.user, query=filters["q"], community=community, status=status)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "community": community,
        "statuses": MemberStatus.choices,
        "form": form if may_register else None,
        "error": error,
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }
    if request.method == "GET" and wants_partial(request):
        return render_page_or_partial(
            request,
            "party/members.html",
            "party/_member_rows.html",
            context,
        )
    return render(request, "party/members.html", context, status=400 if error is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pairing_list(request: HttpRequest) -> HttpResponse:
    """Unit pairings (结对共建) in scope; managers of a community add one (``?community=<id>``)."""
    pairings = access.scoped_pairings(request.user).select_related("unit", "community")
    community_id = request.GET.get("community", "")[:20]
    community = _place(request, community_id) if community_id else None
    may_pair = (
        community is not None
        and community.kind == Kind.COMMUNITY
        and place_in_scope(request.user, access.MANAGE, community)
    )
    form = PairingForm(request.POST or None)
    error: DomainError | None = None
    if request.method == "POST":
        if not may_pair or community is None:
            raise Http404("无权登记结对")
        if form.is_valid():
            unit = PairedUnit.objects.filter(pk=form.cleaned_data["unit"], active=True).first()
            try:
                if unit is None:
                    raise NotFound("单位")
                pairing_create(
                    actor=request.user,
                    unit=unit,
                    community=community,
                    started_on=form.cleaned_data["started_on"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    offer=form.cleaned_data["offer"],
                )
            except DomainError as exc:
                error = exc
            else:
                messages.success(request, f"已登记与{unit.name}的结对共建")
                return redirect(f"{request.path}?community={community.pk}")
    if community is not None:
        pairings = pairings.filter(community=community)
    page = Paginator(pairings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "party/pairings.html",
        {
            "page": page,
            "community": community,
            "form": form if may_pair else None,
            "units": PairedUnit.objects.filter(active=True).order_by("name")[:500]
            if may_pair
            else [],
            "error": error,
        },
        status=400 if error is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    """A member's own record: reports (with history), reporting to where they live now,
    their 双包联 places and those places' open cases. Liaisons of a paired unit see their unit's."""
    user = request_user(request)
    member = (
        Member.objects.filter(user=user)
        .select_related("community", "branch", "group", "work_unit")
        .first()
    )
    form = ReportForm(request.POST or None)
    error: DomainError | None = None
    if request.method == "POST":
        if member is None:
            raise Http404("没有党员档案")
        if form.is_valid():
            community = Place.objects.filter(
                pk=form.cleaned_data["community"], kind=Kind.COMMUNITY
            ).first()
            try:
                if community is None:
                    raise NotFound("社区")
                member_report(actor=request.user, member=member, community=community)
            except DomainError as exc:
                error = exc
            else:
                messages.success(request, f"已向{community.name}报到")
                return redirect("party:me")
    units = list(PairedUnit.objects.filter(accounts=user))
    if member is None and not units and not has_perm_anywhere(request.user, access.VIEW):
        raise Http404("没有党员档案")
    reports = list(member.reports.select_related("community", "residence")) if member else []
    return render(
        request,
        "party/me.html",
        {
            "member": member,
            "units": units,
            "reports": reports,
            "communities": Place.objects.filter(kind=Kind.COMMUNITY)
            .select_related("parent")
            .order_by("path")[:2000]
            if member is not None and member.status == MemberStatus.IN_SERVICE
            else [],
            "responsibilities": list(held_responsibilities(request.user)),
            "cases": list(responsibility_cases(user=request.user)[:100]),
            "error": error,
        },
        status=400 if error is not None else 200,
    )
