"""API for the place tree and grids. Objects are reached only through the scope helpers:
a node outside the user's part of the tree is the same 404 as a missing one, and a node
the user sees but may not change is a 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from shequgang.actors import UserLike
from shequgang.apikit.auth import request_user
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.schemas import PathId, errors
from shequgang.errors import Forbidden, NotFound
from shequgang.people.roles import Perm
from shequgang.people.scope import (
    access_grid,
    access_place,
    place_in_scope,
    scope_roots,
    scoped_places,
    scoped_residents,
)
from shequgang.places.models import Grid, Kind, Place
from shequgang.places.schemas import (
    GridAssignOut,
    GridBuildingsIn,
    GridOut,
    PlaceCreateIn,
    PlaceDetailOut,
    PlaceOut,
    PlacePage,
    PlaceRef,
    PlaceUpdateIn,
    SubtreeCountsOut,
)
from shequgang.places.selectors import place_ancestors, place_counts_by_kind
from shequgang.places.services import grid_assign_buildings, place_create, place_update

router = Router(tags=["地点"])

# Text attributes are stored as "" when empty; null in a request means "clear".
_TEXT_ATTRS = {"name", "subtype", "code", "management_mode", "property_company", "owners_committee"}


def require_perm(user: UserLike, perm: Perm, place: Place, message: str) -> None:
    """For a node the user can already see: 403 unless ``perm`` covers it."""
    if not place_in_scope(user, perm, place):
        raise Forbidden(message)


def visible_ancestors(user: UserLike, place: Place) -> list[PlaceRef]:
    """The place's ancestors, root first, that ``user`` may see (a grid worker sees none
    above the grid's buildings)."""
    return [
        PlaceRef.from_orm(p)
        for p in place_ancestors(place=place)[:-1]
        if place_in_scope(user, Perm.PLACE_VIEW, p)
    ]


def _grid_out(user: UserLike, grid: Grid) -> GridOut:
    buildings = scoped_places(user).filter(grid=grid, kind=Kind.BUILDING).order_by("path")
    return GridOut(
        id=grid.pk,
        name=grid.name,
        code=grid.code,
        community=PlaceRef.from_orm(grid.community),
        latitude=grid.latitude,
        longitude=grid.longitude,
        buildings=[PlaceRef.from_orm(b) for b in buildings],
    )


@router.get("/places", response={200: list[PlaceOut], **errors()}, summary="我的范围顶层地点")
def place_roots(request: HttpRequest) -> list[Place]:
    """The top nodes of the caller's part of the tree: assigned places, and for grid
    workers the grid's buildings. Empty for accounts that see no place."""
    return scope_roots(request_user(request))


@router.get(
    "/places/{int:place_id}", response={200: PlaceDetailOut, **errors(404)}, summary="地点详情"
)
def place_detail(request: HttpRequest, place_id: PathId) -> PlaceDetailOut:
    user = request_user(request)
    place = access_place(user, place_id)
    return PlaceDetailOut(
        **PlaceOut.from_orm(place).model_dump(), ancestors=visible_ancestors(user, place)
    )


@router.get(
    "/places/{int:place_id}/children",
    response={200: PlacePage, **errors(404)},
    summary="下级地点（分页）",
)
def place_children_page(
    request: HttpRequest, place_id: PathId, page: Query[PageParams]
) -> dict[str, Any]:
    user = request_user(request)
    place = access_place(user, place_id)
    return page_of(scoped_places(user).filter(parent=place).order_by("path"), page)


@router.get(
    "/places/{int:place_id}/subtree-counts",
    response={200: SubtreeCountsOut, **errors(404)},
    summary="下级各层级数量",
)
def place_subtree_counts(request: HttpRequest, place_id: PathId) -> SubtreeCountsOut:
    user = request_user(request)
    place = access_place(user, place_id)
    residents = None
    if place_in_scope(user, Perm.RESIDENT_VIEW, place):
        residents = (
            scoped_residents(user)
            .filter(household__path__descendant=place.path, status="active")
            .count()
        )
    # A visible node's whole subtree is visible: scopes are subtrees, and a grid holds
    # whole buildings.
    return SubtreeCountsOut(
        place_id=place.pk, counts=place_counts_by_kind(place=place), residents=residents
    )


@router.post(
    "/places/{int:place_id}/children",
    response={201: PlaceOut, **errors(400, 403, 404)},
    summary="新增下级地点",
)
def place_add_child(
    request: HttpRequest, place_id: PathId, payload: PlaceCreateIn
) -> Status[Place]:
    user = request_user(request)
    parent = access_place(user, place_id)
    require_perm(user, Perm.PLACE_EDIT, parent, "无权在此新增地点")
    attrs = payload.model_dump(exclude_none=True, exclude={"kind", "name"})
    child = place_create(parent=parent, kind=payload.kind, name=payload.name, actor=user, **attrs)
    return Status(201, child)


@router.patch(
    "/places/{int:place_id}", response={200: PlaceOut, **errors(400, 403, 404)}, summary="修改地点"
)
def place_change(request: HttpRequest, place_id: PathId, payload: PlaceUpdateIn) -> Place:
    user = request_user(request)
    place = access_place(user, place_id)
    require_perm(user, Perm.PLACE_EDIT, place, "无权修改该地点")
    fields = {
        key: ("" if value is None and key in _TEXT_ATTRS else value)
        for key, value in payload.model_dump(exclude_unset=True).items()
    }
    return place_update(place=place, actor=user, **fields)


@router.get("/grids/{int:grid_id}", response={200: GridOut, **errors(404)}, summary="网格详情")
def grid_detail(request: HttpRequest, grid_id: PathId) -> GridOut:
    user = request_user(request)
    return _grid_out(user, access_grid(user, grid_id))


@router.post(
    "/grids/{int:grid_id}/buildings",
    response={200: GridAssignOut, **errors(400, 403, 404)},
    summary="将楼栋划入网格",
)
def grid_add_buildings(
    request: HttpRequest, grid_id: PathId, payload: GridBuildingsIn
) -> GridAssignOut:
    """Moves whole buildings (with their units and households) into the grid, out of any
    other. Needs grid.manage on the grid's community."""
    user = request_user(request)
    grid = access_grid(user, grid_id)
    require_perm(user, Perm.GRID_MANAGE, grid.community, "无权划分该社区的网格")
    wanted = set(payload.building_ids)
    buildings = list(scoped_places(user, Perm.GRID_MANAGE).filter(pk__in=wanted).order_by("pk"))
    if len(buildings) != len(wanted):
        raise NotFound("楼栋")
    changed = grid_assign_buildings(grid=grid, buildings=buildings, actor=user)
    return GridAssignOut(grid=_grid_out(user, grid), changed=changed)
