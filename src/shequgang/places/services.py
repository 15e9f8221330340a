"""Writes to the place tree. Each takes the parent's row lock before handing out path
segments, so concurrent creations under one parent never collide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields, snapshot
from shequgang.errors import DomainError
from shequgang.places.models import GRID_KINDS, PARENT_KINDS, Grid, Kind, ManagementMode, Place
from shequgang.places.paths import child_path, encode_segment

# Fields a caller may set on a node beyond kind/name/parent.
_ATTRS = {
    "subtype",
    "code",
    "latitude",
    "longitude",
    "management_mode",
    "property_company",
    "owners_committee",
    "floor_area",
}
_COMPOUND_ONLY = {"management_mode", "property_company", "owners_committee"}
_HOUSEHOLD_ONLY = {"floor_area"}


def _check_attrs(kind: str, attrs: Mapping[str, Any]) -> None:
    unknown = set(attrs) - _ATTRS
    if unknown:
        raise DomainError("invalid_field", f"不支持的字段：{', '.join(sorted(unknown))}")
    if kind != Kind.COMPOUND and _COMPOUND_ONLY & {k for k, v in attrs.items() if v}:
        raise DomainError("invalid_field", "管理方式、物业公司、业委会只适用于小区")
    if kind != Kind.HOUSEHOLD and attrs.get("floor_area") is not None:
        raise DomainError("invalid_field", "专有面积只适用于户")
    mode = attrs.get("management_mode")
    if mode and mode not in ManagementMode.values:
        raise DomainError("invalid_management_mode", f"未知的管理方式：{mode}")
    area = attrs.get("floor_area")
    if area is not None and Decimal(str(area)) <= 0:
        raise DomainError("invalid_floor_area", "专有面积必须大于0")


def _check_child(parent: Place | None, kind: str, name: str) -> None:
    if kind not in Kind.values:
        raise DomainError("invalid_kind", f"未知的层级：{kind}")
    if not name or not name.strip():
        raise DomainError("name_required", "名称不能为空")
    allowed = PARENT_KINDS[kind]
    if parent is None and allowed:
        raise DomainError("parent_required", "该层级必须有上级")
    if parent is not None and parent.kind not in allowed:
        raise DomainError(
            "invalid_parent",
            f"{Kind(kind).label}不能设在{Kind(parent.kind).label}之下",
        )


@transaction.atomic
def place_create(
    *, parent: Place | None, kind: str, name: str, actor: Actor, **attrs: Any
) -> Place:
    """Create one node under ``parent`` (or a root). Locks the parent; writes an audit row.
    Raises DomainError on a wrong level, a duplicate name under the parent or a bad field."""
    return places_create_children(
        parent=parent, kind=kind, rows=[{"name": name, **attrs}], actor=actor
    )[0]


@transaction.atomic
def places_create_children(
    *, parent: Place | None, kind: str, rows: Sequence[Mapping[str, Any]], actor: Actor
) -> list[Place]:
    """Create many children of one kind under ``parent`` in one INSERT (the demo city and
    the register import use it). Locks the parent once and reserves a block of segments.
    One audit row records the batch."""
    names = [str(row.get("name", "")).strip() for row in rows]
    for row, name in zip(rows, names, strict=True):
        _check_child(parent, kind, name)
        _check_attrs(kind, {k: v for k, v in row.items() if k != "name"})
    if len(set(names)) != len(names):
        raise DomainError("duplicate_name", "同一上级下名称重复")
    if parent is not None:
        return places_create_children_many(kind=kind, groups=[(parent, rows)], actor=actor)
    # Roots are rare (one per city); the unique path constraint settles any race.
    first = Place.objects.filter(parent__isnull=True).count() + 1
    if Place.objects.filter(parent__isnull=True, name__in=names).exists():
        raise DomainError("duplicate_name", "已有同名的市")
    places = [
        Place(
            parent=None,
            kind=kind,
            name=name,
            path=f"{encode_segment(first + i)}/",
            depth=0,
            **{k: v for k, v in row.items() if k != "name"},
        )
        for i, (row, name) in enumerate(zip(rows, names, strict=True))
    ]
    created = Place.objects.bulk_create(places)
    for place in created:
        audit_record(actor=actor, action="place.create", obj=place)
    return created


@transaction.atomic
def places_create_children_many(
    *,
    kind: str,
    groups: Sequence[tuple[Place, Sequence[Mapping[str, Any]]]],
    actor: Actor,
) -> list[Place]:
    """Create children of one kind under many parents at once (the register import
    creates thousands of households this way). Locks every parent in one query, in pk
    order, reserves a block of segments under each, inserts everything with one
    bulk_create and writes one audit row. Raises DomainError before writing anything on a
    wrong level, a bad field or a name already used under its parent."""
    if not groups:
        return []
    for parent, rows in groups:
        names = [str(row.get("name", "")).strip() for row in rows]
        for row, name in zip(rows, names, strict=True):
            _check_child(parent, kind, name)
            _check_attrs(kind, {k: v for k, v in row.items() if k != "name"})
        if len(set(names)) != len(names):
            raise DomainError("duplicate_name", "同一上级下名称重复")
    ids = sorted({parent.pk for parent, _rows in groups})
    if len(ids) != len(groups):
        raise DomainError("duplicate_parent", "同一上级出现多次")
    locked = {p.pk: p for p in Place.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    taken: set[tuple[int, str]] = set()
    for chunk in range(0, len(ids), 500):
        taken.update(
            Place.objects.filter(parent_id__in=ids[chunk : chunk + 500], kind=kind).values_list(
                "parent_id", "name"
            )
        )
    places: list[Place] = []
    for group_parent, rows in groups:
        parent = locked[group_parent.pk]
        names = [str(row.get("name", "")).strip() for row in rows]
        clash = [n for n in names if (parent.pk, n) in taken]
        if clash:
            raise DomainError(
                "duplicate_name", f"“{parent.name}”下已有同名{Kind(kind).label}：{clash[0]}"
            )
        first = parent.last_child + 1
        parent.last_child += len(rows)
        grid_id = parent.grid_id if kind in GRID_KINDS else None
        places.extend(
            Place(
                parent=parent,
                kind=kind,
                name=name,
                path=child_path(parent.path, first + i),
                depth=parent.depth + 1,
                grid_id=grid_id,
                **{k: v for k, v in row.items() if k != "name"},
            )
            for i, (row, name) in enumerate(zip(rows, names, strict=True))
        )
    Place.objects.bulk_update(list(locked.values()), ["last_child"], batch_size=500)
    created = Place.objects.bulk_create(places, batch_size=1000)
    if len(created) == 1:
        audit_record(actor=actor, action="place.create", obj=created[0])
    else:
        audit_record(
            actor=actor,
            action="place.bulk_create",
            obj=locked[ids[0]] if len(ids) == 1 else None,
            object_type="places.place",
            changes={
                "kind": [None, kind],
                "count": [None, len(created)],
                "parents": [None, len(ids)],
            },
        )
    return created


@transaction.atomic
def place_update(*, place: Place, actor: Actor, **fields: Any) -> Place:
    """Change a node's name or attributes (not its position). Audited with before/after."""
    place = Place.objects.select_for_update().get(pk=place.pk)
    name = fields.pop("name", place.name)
    _check_child(place.parent, place.kind, name)
    _check_attrs(place.kind, fields)
    if (
        name != place.name
        and Place.objects.filter(parent=place.parent, kind=place.kind, name=name)
        .exclude(pk=place.pk)
        .exists()
    ):
        raise DomainError("duplicate_name", "同一上级下名称重复")
    changed = ["name", *fields]
    before = snapshot(place, changed)
    place.name = name
    for key, value in fields.items():
        setattr(place, key, value)
    place.full_clean(exclude=["parent", "grid", "path", "depth"])
    place.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="place.update",
        obj=place,
        changes=diff_fields(before, snapshot(place, changed)),
    )
    return place


@transaction.atomic
def grid_create(*, community: Place, name: str, actor: Actor, code: str = "") -> Grid:
    if community.kind != Kind.COMMUNITY:
        raise DomainError("invalid_parent", "网格必须属于社区/村")
    if not name.strip():
        raise DomainError("name_required", "名称不能为空")
    if Grid.objects.filter(community=community, name=name.strip()).exists():
        raise DomainError("duplicate_name", "该社区已有同名网格")
    grid = Grid.objects.create(community=community, name=name.strip(), code=code)
    audit_record(actor=actor, action="grid.create", obj=grid)
    return grid


@transaction.atomic
def grid_assign_buildings(*, grid: Grid, buildings: Sequence[Place], actor: Actor) -> int:
    """Put whole buildings (and their units and households) into ``grid``: a building
    belongs to exactly one grid, so this moves it out of any other. One UPDATE over the
    buildings' subtrees. Returns the number of nodes changed."""
    if not buildings:
        return 0
    community = grid.community
    for b in buildings:
        if b.kind != Kind.BUILDING or not b.path.startswith(community.path):
            raise DomainError("invalid_building", f"“{b.name}”不是本社区的楼栋")
    cond = Q()
    for b in buildings:
        cond |= Q(path__descendant=b.path)
    changed = Place.objects.filter(cond).update(grid=grid)
    audit_record(
        actor=actor,
        action="grid.assign_buildings",
        obj=grid,
        changes={"buildings": [None, [b.pk for b in buildings]]},
    )
    return changed
