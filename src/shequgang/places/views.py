"""Place and grid pages. Every view reaches its object through the scope helpers, so a
node outside the user's part of the tree is the same 404 as a missing one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from shequgang.actors import UserLike
from shequgang.errors import DomainError, NotFound
from shequgang.people.models import RoleAssignment
from shequgang.people.roles import Perm
from shequgang.people.scope import (
    access_grid,
    access_place,
    grid_in_scope,
    place_in_scope,
    place_scope_q,
    scoped_places,
)
from shequgang.people.selectors import resident_search
from shequgang.places.forms import GridAssignForm, PlaceForm, child_kinds
from shequgang.places.models import Grid, Kind, Place
from shequgang.places.selectors import (
    place_ancestors,
    place_children,
    place_subtree,
)
from shequgang.places.services import grid_assign_buildings, place_create, place_update
from shequgang.web.htmx import HtmxRequest, render_page_or_partial, wants_partial

# Above a community a resident list is too long to browse: those pages offer search only.
_SEARCH_ONLY_KINDS = {Kind.CITY, Kind.COUNTY, Kind.TOWN}


def _place_or_404(user: UserLike, place_id: int, perm: Perm = Perm.PLACE_VIEW) -> Place:
    try:
        return access_place(user, place_id, perm)
    except NotFound:
        raise Http404("地点不存在或无权访问") from None


def _grid_or_404(user: UserLike, grid_id: int) -> Grid:
    try:
        return access_grid(user, grid_id)
    except NotFound:
        raise Http404("网格不存在或无权访问") from None


def _children_page(request: HtmxRequest, place: Place) -> tuple[Page[Place], QueryDict, str]:
    """The node's children, or with ``q`` the nodes anywhere below it whose name matches."""
    query = request.GET.get("q", "").strip()[:50]
    nodes = (
        place_subtree(place=place, include_self=False).filter(name__contains=query)
        if query
        else place_children(place=place)
    )
    nodes = nodes.filter(place_scope_q(request.user, Perm.PLACE_VIEW)).select_related("parent")
    page = Paginator(nodes.order_by("path"), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    filters = QueryDict(mutable=True)
    if query:
        filters["q"] = query
    return page, filters, query


def _detail_context(user: UserLike, place: Place) -> dict[str, Any]:
    may_see_residents = place_in_scope(user, Perm.RESIDENT_VIEW, place)
    residents = None
    if may_see_residents and place.kind not in _SEARCH_ONLY_KINDS:
        residents = Paginator(
            resident_search(user=user, within=place)
            .select_related("household__parent__parent")
            .prefetch_related("tags"),
            settings.PAGE_SIZE,
        ).get_page(1)
    grid = place.grid
    return {
        # Ancestors the user may not open are shown as plain text.
        "crumbs": [
            (a, place_in_scope(user, Perm.PLACE_VIEW, a)) for a in place_ancestors(place=place)[:-1]
        ],
        "grid": grid,
        "has_attributes": bool(
            place.code
            or place.kind in {Kind.COMPOUND, Kind.HOUSEHOLD}
            or grid is not None
            or place.latitude is not None
        ),
        "grid_visible": grid is not None and grid_in_scope(user, grid),
        "grids": place.grids.order_by("name") if place.kind == Kind.COMMUNITY else None,
        "may_edit": place_in_scope(user, Perm.PLACE_EDIT, place),
        "child_kinds": child_kinds(place),
        "may_see_residents": may_see_residents,
        "may_add_resident": place.kind == Kind.HOUSEHOLD
        and place_in_scope(user, Perm.RESIDENT_EDIT, place),
        "page": residents,
        "filters": {"within": place.pk},
    }


@login_required
@require_GET
def place_detail(request: HtmxRequest, place_id: int) -> HttpResponse:
    """A node: breadcrumbs, attributes, children (or a name search below it), residents.
    An htmx request gets only the children list."""
    place = _place_or_404(request.user, place_id)
    children, child_filters, query = _children_page(request, place)
    context: dict[str, Any] = {
        "place": place,
        "children": children,
        "child_filters": child_filters,
        "q": query,
    }
    if not wants_partial(request):
        context.update(_detail_context(request.user, place))
    return render_page_or_partial(
        request, "places/place_detail.html", "places/_place_children.html", context
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_create_child(request: HtmxRequest, place_id: int, kind: str) -> HttpResponse:
    parent = _place_or_404(request.user, place_id, Perm.PLACE_EDIT)
    if kind not in child_kinds(parent):
        raise Http404("不能在此处新增该层级")
    form = PlaceForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            child = place_create(
                parent=parent,
                kind=kind,
                name=form.cleaned_data["name"],
                actor=request.user,
                **form.attributes(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已新增{Kind(kind).label}“{child.name}”")
            return redirect("places:place_detail", child.pk)
    return render(
        request,
        "places/place_form.html",
        {"form": form, "parent": parent, "place": None, "kind_label": Kind(kind).label},
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HtmxRequest, place_id: int) -> HttpResponse:
    place = _place_or_404(request.user, place_id, Perm.PLACE_EDIT)
    form = PlaceForm(request.POST or None, kind=place.kind, initial=PlaceForm.initial_for(place))
    if request.method == "POST" and form.is_valid():
        try:
            place_update(
                place=place,
                actor=request.user,
                name=form.cleaned_data["name"],
                **form.attributes(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("places:place_detail", place.pk)
    return render(
        request,
        "places/place_form.html",
        {"form": form, "parent": None, "place": place, "kind_label": place.get_kind_display()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def grid_detail(request: HtmxRequest, grid_id: int) -> HttpResponse:
    """A grid, its buildings and workers; for those who manage the community's grids, a
    form to move more of the community's buildings into it."""
    user = request.user
    grid = _grid_or_404(user, grid_id)
    form = None
    if place_in_scope(user, Perm.GRID_MANAGE, grid.community):
        candidates = (
            place_subtree(place=grid.community, include_self=False)
            .filter(kind=Kind.BUILDING)
            .exclude(grid=grid)
            .select_related("parent", "grid")
            .order_by("path")
        )
        form = GridAssignForm(request.POST or None, grid=grid, candidates=candidates)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("无权划分网格")
        if form.is_valid():
            buildings = list(form.cleaned_data["buildings"])
            try:
                grid_assign_buildings(grid=grid, buildings=buildings, actor=user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已将 {len(buildings)} 栋楼划入{grid.name}")
                return redirect("places:grid_detail", grid.pk)
    return render(
        request,
        "places/grid_detail.html",
        {
            "grid": grid,
            "community_visible": place_in_scope(user, Perm.PLACE_VIEW, grid.community),
            "buildings": scoped_places(user)
            .filter(grid=grid, kind=Kind.BUILDING)
            .select_related("parent")
            .order_by("path"),
            "workers": RoleAssignment.objects.filter(grid=grid, revoked_at__isnull=True)
            .select_related("user")
            .order_by("id"),
            "form": form,
        },
    )
