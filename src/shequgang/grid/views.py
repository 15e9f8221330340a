"""Grid pages: the community's cut (grids, their buildings and workers) for community
staff, and the grid worker's patrol page on a phone. Views parse, call one service and
render; a community or grid outside the user's scope is the same 404 as a missing one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.apikit.schemas import parse_pk
from shequgang.errors import DomainError, NotFound
from shequgang.grid import patrols
from shequgang.grid.forms import CutForm, GridForm, ReportForm, WorkerForm
from shequgang.grid.selectors import community_grids, grid_unfinished, recent_patrols
from shequgang.grid.services import (
    community_buildings,
    cut_plan,
    grid_cut,
    grid_define,
    grid_update,
    grid_worker_add,
    grid_worker_remove,
    grid_workers,
)
from shequgang.people.roles import Perm
from shequgang.people.scope import access_grid, access_place, place_in_scope, scoped_places
from shequgang.places.models import Grid, Kind, Place
from shequgang.web.request_user import request_user

# Which form field a service error belongs to; others go on top of the form.
_GRID_ERROR_FIELD = {
    "name_required": "name",
    "name_too_long": "name",
    "code_too_long": "code",
    "duplicate_name": "name",
    "duplicate_code": "code",
    "invalid_boundary": "boundary",
    "invalid_centre": "latitude",
}
_REPORT_ERROR_FIELD = {
    "title_required": "title",
    "title_too_long": "title",
    "description_too_long": "description",
    "invalid_category": "category",
    "invalid_photo": "photos",
    "photo_too_large": "photos",
    "too_many_photos": "photos",
    "resolution_required": "handling",
    "resolution_too_long": "handling",
    "not_found": "place",
}


def _community_or_404(user: User, place_id: int) -> Place:
    try:
        place = access_place(user, place_id)
    except NotFound:
        raise Http404("社区不存在或无权访问") from None
    if place.kind != Kind.COMMUNITY:
        raise Http404("不是社区/村")
    return place


def _managed_grid(user: User, grid_id: int) -> Grid:
    """The grid, if the user may cut its community: 404 if they cannot see it, 403 if
    they see it but may not manage it."""
    try:
        grid = access_grid(user, grid_id)
    except NotFound:
        raise Http404("网格不存在或无权访问") from None
    if not place_in_scope(user, Perm.GRID_MANAGE, grid.community):
        raise PermissionDenied("无权划分该社区的网格")
    return grid


def _apply_error(form: Any, exc: DomainError, fields: dict[str, str]) -> None:
    form.add_error(fields.get(exc.code), exc.message)


# --- The cut ---------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The communities the user may cut (one: straight to it); grid workers go to their
    patrol page."""
    user = request_user(request)
    communities = scoped_places(user, Perm.GRID_MANAGE).filter(kind=Kind.COMMUNITY)
    query = request.GET.get("q", "").strip()[:50]
    if query:
        communities = communities.filter(name__contains=query)
    communities = communities.select_related("parent").order_by("path")
    if not query and patrols.worker_grids(user) and not communities.exists():
        return redirect("grid:patrol")
    if not query and communities.count() == 1:
        first = communities.first()
        assert first is not None
        return redirect("grid:community", first.pk)
    page = Paginator(communities, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grid/index.html", {"page": page, "q": query})


@login_required
@require_GET
def community(request: HttpRequest, place_id: int) -> HttpResponse:
    """A community's grids with their buildings and workers, and the buildings still in
    no grid."""
    user = request_user(request)
    place = _community_or_404(user, place_id)
    return render(
        request,
        "grid/community.html",
        {
            "community": place,
            "grids": community_grids(place),
            "unassigned": community_buildings(place).filter(grid__isnull=True),
            "may_manage": place_in_scope(user, Perm.GRID_MANAGE, place),
        },
    )


def _grid_form_kwargs(form: GridForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "code": data["code"],
        "boundary": data["boundary"],
        "latitude": data["latitude"],
        "longitude": data["longitude"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def grid_new(request: HttpRequest, place_id: int) -> HttpResponse:
    user = request_user(request)
    place = _community_or_404(user, place_id)
    if not place_in_scope(user, Perm.GRID_MANAGE, place):
        raise PermissionDenied("无权划分该社区的网格")
    form = GridForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grid = grid_define(actor=user, community=place, **_grid_form_kwargs(form))
        except DomainError as exc:
            _apply_error(form, exc, _GRID_ERROR_FIELD)
        else:
            messages.success(request, f"已新建{grid.name}，请选择它包含的楼栋")
            return redirect("grid:cut", grid.pk)
    return render(request, "grid/grid_form.html", {"form": form, "community": place, "grid": None})


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request: HttpRequest, grid_id: int) -> HttpResponse:
    user = request_user(request)
    grid = _managed_grid(user, grid_id)
    form = GridForm(request.POST or None, initial=GridForm.initial_for(grid))
    if request.method == "POST" and form.is_valid():
        try:
            grid_update(actor=user, grid=grid, **_grid_form_kwargs(form))
        except DomainError as exc:
            _apply_error(form, exc, _GRID_ERROR_FIELD)
        else:
            messages.success(request, "已保存")
            return redirect("grid:community", grid.community_id)
    return render(
        request, "grid/grid_form.html", {"form": form, "community": grid.community, "grid": grid}
    )


def _cut_rows(community: Place, selected: set[int]) -> list[dict[str, Any]]:
    """The community's buildings grouped by compound (standalone buildings last), each
    with whether it is ticked."""
    groups: dict[int | None, dict[str, Any]] = {}
    compounds = Place.objects.filter(path__descendant=community.path, kind=Kind.COMPOUND).order_by(
        "path"
    )
    for c in compounds:
        groups[c.pk] = {"compound": c, "buildings": []}
    loose: dict[str, Any] = {"compound": None, "buildings": []}
    for b in community_buildings(community):
        group = groups.get(b.parent_id) if b.parent and b.parent.kind == Kind.COMPOUND else None
        (group or loose)["buildings"].append({"place": b, "checked": b.pk in selected})
    rows = list(groups.values())
    if loose["buildings"]:
        rows.append(loose)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def cut(request: HttpRequest, grid_id: int) -> HttpResponse:
    """Tick the buildings (or whole compounds) the grid covers. Buildings taken from
    another grid are listed for an explicit confirmation before they move."""
    user = request_user(request)
    grid = _managed_grid(user, grid_id)
    community_place = grid.community
    form = CutForm(request.POST or None, community=community_place)
    plan = None
    if request.method == "POST" and form.is_valid():
        buildings = list(form.cleaned_data["buildings"])
        compounds = list(form.cleaned_data["compounds"])
        try:
            result = grid_cut(
                actor=user,
                grid=grid,
                buildings=buildings,
                compounds=compounds,
                move=form.cleaned_data["move"],
            )
        except DomainError as exc:
            if exc.code == "move_not_confirmed":
                plan = cut_plan(grid=grid, buildings=buildings, compounds=compounds)
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"{grid.name}：新划入 {len(result.added)} 栋，从其他网格移入 "
                f"{len(result.moved)} 栋，移出 {len(result.removed)} 栋",
            )
            return redirect("grid:community", community_place.pk)
    if form.is_bound and form.is_valid():
        selected = {b.pk for b in form.cleaned_data["buildings"]}
        picked = list(form.cleaned_data["compounds"])
        selected |= {
            b.pk
            for b in community_buildings(community_place)
            if any(b.path.startswith(c.path) for c in picked)
        }
    else:
        selected = set(
            Place.objects.filter(grid=grid, kind=Kind.BUILDING).values_list("pk", flat=True)
        )
    return render(
        request,
        "grid/cut.html",
        {
            "grid": grid,
            "community": community_place,
            "rows": _cut_rows(community_place, selected),
            "form": form,
            "plan": plan,
            "selected": sorted(selected),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def workers(request: HttpRequest, grid_id: int) -> HttpResponse:
    """The grid's workers: add one by account name, or revoke one."""
    user = request_user(request)
    grid = _managed_grid(user, grid_id)
    form = WorkerForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                chosen = parse_pk(request.POST.get("assignment"))
                assignment = (
                    grid_workers(grid).filter(pk=chosen).first() if chosen is not None else None
                )
                if assignment is None:
                    raise Http404("任命不存在")
                grid_worker_remove(actor=user, assignment=assignment)
                messages.success(request, f"已撤销 {assignment.user.username} 的网格员任命")
                return redirect("grid:workers", grid.pk)
            if form.is_valid():
                worker = form.cleaned_data["username"]
                grid_worker_add(actor=user, grid=grid, user=worker)
                messages.success(request, f"已任命 {worker.username} 为{grid.name}网格员")
                return redirect("grid:workers", grid.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "grid/workers.html",
        {"grid": grid, "workers": grid_workers(grid), "form": form},
    )


# --- Patrol ----------------------------------------------------------------------------------


def _patrol_context(user: User, report_form: ReportForm | None = None) -> dict[str, Any]:
    grids = patrols.worker_grids(user)
    if not grids:
        raise Http404("只有网格员可以使用巡查页面")
    current = patrols.open_patrol(user)
    if current is not None and report_form is None:
        report_form = ReportForm(grid=current.grid, user=user)
    unfinished = grid_unfinished(user)
    return {
        "grids": grids,
        "patrol": current,
        "report_form": report_form,
        # The count is the whole queryset's, not the length of the 30 shown.
        "unfinished": unfinished.count(),
        "queue": unfinished.select_related("category", "place")[:30],
        "recent": recent_patrols(user),
    }


@login_required
@require_GET
def patrol(request: HttpRequest) -> HttpResponse:
    """The grid worker's phone page: start or end a patrol (the phone posts GPS fixes
    while one is open), report an event, and the open cases of their grid."""
    return render(request, "grid/patrol.html", _patrol_context(request_user(request)))


@login_required
@require_POST
def patrol_start(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    grid = None
    if request.POST.get("grid", "").strip():
        chosen = parse_pk(request.POST.get("grid"))
        grid = Grid.objects.filter(pk=chosen).first() if chosen is not None else None
        if grid is None:
            raise Http404("网格不存在")
    try:
        patrols.patrol_start(actor=user, grid=grid)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "巡查已开始")
    return redirect("grid:patrol")


@login_required
@require_POST
def patrol_end(request: HttpRequest, patrol_id: int) -> HttpResponse:
    user = request_user(request)
    try:
        current = patrols.access_patrol(user, patrol_id)
        patrols.patrol_end(actor=user, patrol=current, note=request.POST.get("note", ""))
    except NotFound:
        raise Http404("巡查不存在") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "巡查已结束")
    return redirect("grid:patrol")


@login_required
@require_POST
def patrol_report(request: HttpRequest, patrol_id: int) -> HttpResponse:
    user = request_user(request)
    try:
        current = patrols.access_patrol(user, patrol_id)
    except NotFound:
        raise Http404("巡查不存在") from None
    form = ReportForm(request.POST, request.FILES, grid=current.grid, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = patrols.patrol_report(
                actor=user,
                patrol=current,
                category=data["category"],
                place=data["place"],
                title=data["title"],
                description=data["description"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                photos=data["photos"],
                handled_on_the_spot=data["handled"] == "spot",
                handling=data["handling"],
            )
        except DomainError as exc:
            _apply_error(form, exc, _REPORT_ERROR_FIELD)
        else:
            done = "已自行处置办结" if report.handled_on_the_spot else "已上报，等待派遣处置"
            messages.success(request, f"事项 {report.case.number} {done}")
            return redirect("grid:patrol")
    return render(request, "grid/patrol.html", _patrol_context(user, form), status=400)
