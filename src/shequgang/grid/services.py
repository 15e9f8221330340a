"""Cutting a community into grids (网格划分) and staffing them. The grid rows and the
building → grid link live in ``places``; these services add the rules of the cut:

- a grid has a name and code unique in its community, an optional GeoJSON boundary
  (Polygon or MultiPolygon) and a centre point;
- a building belongs to at most one grid at a time, with everything inside it; taking a
  building from another grid is a move the caller must confirm (``move=True``), and the
  audit log names the grid it came from;
- selecting a compound selects all of its buildings.

Each service needs ``grid.manage`` over the community and writes an audit row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields, snapshot
from shequgang.errors import Conflict, DomainError, Forbidden
from shequgang.grid.boundaries import boundary_centre, check_centre, parse_boundary
from shequgang.people.models import RoleAssignment
from shequgang.people.roles import Perm, Role
from shequgang.people.scope import place_in_scope
from shequgang.people.services import role_grant, role_revoke
from shequgang.places.models import Grid, Kind, Place
from shequgang.places.services import grid_assign_buildings, grid_create
from shequgang.text_rules import text_clean


def _require_manage(actor: Actor, community: Place) -> None:
    if actor is None or not place_in_scope(actor, Perm.GRID_MANAGE, community):
        raise Forbidden("无权划分该社区的网格")


def _clean_fields(
    *,
    community: Place,
    name: str,
    code: str,
    boundary: Any,
    latitude: float | None,
    longitude: float | None,
    exclude: Grid | None = None,
) -> dict[str, Any]:
    name = text_clean(name, field="name", label="网格名称", limit=100, required=True)
    code = text_clean(code, field="code", label="网格编码", limit=32)
    others = Grid.objects.filter(community=community)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.filter(name=name).exists():
        raise DomainError("duplicate_name", "该社区已有同名网格")
    if code and others.filter(code=code).exists():
        raise DomainError("duplicate_code", "该社区已有相同编码的网格")
    shape = parse_boundary(boundary)
    check_centre(latitude, longitude)
    if shape is not None and latitude is None:
        latitude, longitude = boundary_centre(shape)
    return {
        "name": name,
        "code": code,
        "boundary": shape,
        "latitude": latitude,
        "longitude": longitude,
    }


@transaction.atomic
def grid_define(
    *,
    actor: Actor,
    community: Place,
    name: str,
    code: str = "",
    boundary: Any = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Grid:
    """A new grid in ``community``. Without a centre point, the boundary's centre is
    used. Raises ``invalid_boundary``, ``invalid_centre``, ``duplicate_name``,
    ``duplicate_code`` before writing anything."""
    _require_manage(actor, community)
    if community.kind != Kind.COMMUNITY:
        raise DomainError("invalid_parent", "网格必须属于社区/村")
    Place.objects.select_for_update().filter(pk=community.pk).first()  # serialize names
    fields = _clean_fields(
        community=community,
        name=name,
        code=code,
        boundary=boundary,
        latitude=latitude,
        longitude=longitude,
    )
    grid = grid_create(community=community, name=fields["name"], code=fields["code"], actor=actor)
    extra = {k: fields[k] for k in ("boundary", "latitude", "longitude") if fields[k] is not None}
    if extra:
        for key, value in extra.items():
            setattr(grid, key, value)
        grid.save(update_fields=list(extra))
        changes = {k: [None, v] for k, v in extra.items()}
        audit_record(actor=actor, action="grid.update", obj=grid, changes=changes)
    return grid


@transaction.atomic
def grid_update(
    *,
    actor: Actor,
    grid: Grid,
    name: str,
    code: str = "",
    boundary: Any = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Grid:
    """Rename a grid, change its code, boundary or centre. Audited with before/after."""
    grid = Grid.objects.select_for_update().select_related("community").get(pk=grid.pk)
    _require_manage(actor, grid.community)
    fields = _clean_fields(
        community=grid.community,
        name=name,
        code=code,
        boundary=boundary,
        latitude=latitude,
        longitude=longitude,
        exclude=grid,
    )
    before = snapshot(grid, fields)
    for key, value in fields.items():
        setattr(grid, key, value)
    changes = diff_fields(before, snapshot(grid, fields))
    if changes:
        grid.save(update_fields=list(changes))
        audit_record(actor=actor, action="grid.update", obj=grid, changes=changes)
    return grid


# --- The cut -------------------------------------------------------------------------------


@dataclass
class CutPlan:
    """What a cut would do to one grid: buildings added from no grid, moved from another
    grid (building → the grid it leaves), and removed (left in no grid)."""

    added: list[Place] = field(default_factory=list)
    moved: list[tuple[Place, Grid]] = field(default_factory=list)
    removed: list[Place] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.moved) + len(self.removed)


def community_buildings(community: Place) -> Any:
    """Every building of the community (in compounds or standing alone), in tree order."""
    return (
        Place.objects.filter(path__descendant=community.path, kind=Kind.BUILDING)
        .select_related("parent", "grid")
        .order_by("path")
    )


def cut_plan(
    *, grid: Grid, buildings: Sequence[Place] = (), compounds: Sequence[Place] = ()
) -> CutPlan:
    """The difference between the grid's buildings now and the selection (buildings,
    plus every building of the selected compounds). Raises ``invalid_building`` for a
    node that is not a building or compound of the grid's community."""
    community = grid.community
    picked = [(b, Kind.BUILDING) for b in buildings] + [(c, Kind.COMPOUND) for c in compounds]
    for node, kind in picked:
        if node.kind != kind or not node.path.startswith(community.path):
            raise DomainError("invalid_building", f"“{node.name}”不是本社区的楼栋或小区")
    everything = list(community_buildings(community))
    wanted = {b.pk for b in buildings}
    wanted |= {b.pk for b in everything for c in compounds if b.path.startswith(c.path)}
    plan = CutPlan()
    grids = {g.pk: g for g in Grid.objects.filter(community=community)}
    for b in everything:
        if b.pk in wanted and b.grid_id != grid.pk:
            if b.grid_id is None:
                plan.added.append(b)
            else:
                plan.moved.append((b, grids[b.grid_id]))
        elif b.pk not in wanted and b.grid_id == grid.pk:
            plan.removed.append(b)
    return plan


@transaction.atomic
def grid_cut(
    *,
    actor: Actor,
    grid: Grid,
    buildings: Sequence[Place] = (),
    compounds: Sequence[Place] = (),
    move: bool = False,
) -> CutPlan:
    """Make the grid cover exactly the selected buildings (and the buildings of the
    selected compounds), each with its units and households. Buildings taken from
    another grid need ``move=True``: otherwise 409 ``move_not_confirmed`` lists them and
    nothing changes. Locks the community's grids (in pk order) so two cuts of one
    community run one after the other."""
    grid = Grid.objects.select_related("community").get(pk=grid.pk)
    _require_manage(actor, grid.community)
    list(Grid.objects.select_for_update().filter(community=grid.community).order_by("pk"))
    plan = cut_plan(grid=grid, buildings=buildings, compounds=compounds)
    if plan.moved and not move:
        names = "、".join(f"{b.name}（{g.name}）" for b, g in plan.moved)
        raise Conflict(
            "move_not_confirmed",
            f"以下楼栋已属于其他网格，确认后才能移入：{names}",
            buildings=[b.pk for b, _g in plan.moved],
        )
    taken = [*plan.added, *(b for b, _g in plan.moved)]
    if taken:
        grid_assign_buildings(grid=grid, buildings=taken, actor=actor)
    if plan.removed:
        cond = Q()
        for b in plan.removed:
            cond |= Q(path__descendant=b.path)
        Place.objects.filter(cond).update(grid=None)
    if plan.changes:
        audit_record(
            actor=actor,
            action="grid.cut",
            obj=grid,
            changes={
                "added": [None, [b.pk for b in plan.added]],
                "moved": [None, [[b.pk, g.pk] for b, g in plan.moved]],
                "removed": [[b.pk for b in plan.removed], None],
            },
        )
    return plan


# --- Grid workers ----------------------------------------------------------------------------


def grid_workers(grid: Grid) -> Any:
    return (
        RoleAssignment.objects.filter(grid=grid, role=Role.GRID_WORKER, revoked_at__isnull=True)
        .select_related("user")
        .order_by("id")
    )


@transaction.atomic
def grid_worker_add(*, actor: Actor, grid: Grid, user: User) -> RoleAssignment:
    """Make ``user`` a grid worker of ``grid`` (role ``grid_worker`` on the grid): their
    scope becomes the grid's buildings. 409 ``already_assigned`` if they already are.
    Locks the grid row, so two appointments at once make one assignment."""
    _require_manage(actor, grid.community)
    Grid.objects.select_for_update().filter(pk=grid.pk).first()
    if grid_workers(grid).filter(user=user).exists():
        raise Conflict("already_assigned", "该账号已是本网格的网格员")
    return role_grant(actor=actor, user=user, role=Role.GRID_WORKER, grid=grid)


@transaction.atomic
def grid_worker_remove(*, actor: Actor, assignment: RoleAssignment) -> RoleAssignment:
    if assignment.grid is None or assignment.role != Role.GRID_WORKER:
        raise DomainError("invalid_assignment", "这不是网格员的任命")
    _require_manage(actor, assignment.grid.community)
    return role_revoke(actor=actor, assignment=assignment)
