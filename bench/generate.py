"""Generate a city-scale dataset for the benchmarks, through bulk paths whose rows are the
ones the services write.

    .venv/bin/python bench/generate.py --size quick                 # SQLite, bench/out/
    .venv/bin/python bench/generate.py --size full \\
        --database-url postgres://postgres@127.0.0.1:5432/shequgang_bench

What goes in, and through what:

- the place tree (city, 13 counties, towns, communities, compounds, buildings, units,
  households): ``places.services.place_create`` / ``places_create_children`` /
  ``places_create_children_many`` (one call per county and level), grids through
  ``grid_create`` / ``grid_assign_buildings``;
- departments: as the demo builder writes them (every county gets the same set);
- staff: users and ``RoleAssignment`` rows as ``people.services.role_grant`` writes them
  (one audit row per batch instead of one per grant);
- residents: the demo builder's path (``household_members``, ``resident_apply_id_number``
  and ``resident_apply_phone`` fill the encrypted, indexed and masked fields; bulk_create);
- cases: each case's life is simulated (raised, routed, maybe escalated, acknowledged,
  started, resolved, rated or auto-closed, or merged / put on hold) and written as the
  services would leave it: the number from the per-county-and-day counter (and the
  counter rows), the holder from a mirror of ``cases.routing.route`` over in-memory
  indexes of the role assignments, the clocks from ``cases.deadlines.clocks_for``'s
  calendar (``working_hours_after`` and a ``WorkingDayTable``), and the timeline events.
  Inserted with prepared ``executemany`` on SQLite and ``COPY`` on PostgreSQL.
  ``bench/test_generate.py`` checks the rows against the services.

Not generated: notifications (historic ones are delivered and read), photos,
deliberations, cases reopened after an unsatisfied rating.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb

UTC = dt.UTC


@dataclass(frozen=True)
class Size:
    compounds: int
    cases: int
    residents: bool = True


SIZES: dict[str, Size] = {
    "tiny": Size(compounds=14, cases=3_000),
    "quick": Size(compounds=130, cases=100_000),
    "full": Size(compounds=2096, cases=1_000_000),
    "full10m": Size(compounds=2096, cases=10_000_000),
}
# Households per compound: 3-6 buildings x 2 units x 6-10 floors x 2 flats (~143), so
# the 2,096 compounds hold ~300,000 households and ~780,000 residents.
BUILDINGS = (3, 6)
UNITS = 2
FLOORS = (6, 10)
FLATS = 2
COMPOUNDS_PER_COMMUNITY = 12
HOUSEHOLD_SIZES = (15, 30, 35, 20)  # weights of 1, 2, 3 and 4 people
STAFFED = {"branch": 0.75, "party_group": 0.5, "central_household": 0.3}
YEARS = 2

COUNTY_DEPARTMENTS = (
    ("政法委", "中共{c}委政法委员会"),
    ("民政局", "{c}民政局"),
    ("城管局", "{c}城市管理局"),
    ("住建局", "{c}住房和城乡建设局"),
    ("公安分局", "吕梁市公安局{c}分局"),
    ("市场监管局", "{c}市场监督管理局"),
    ("应急局", "{c}应急管理局"),
    ("人社局", "{c}人力资源和社会保障局"),
    ("供水公司", "{c}供水公司"),
    ("供电公司", "国网{c}供电公司"),
    ("燃气公司", "{c}燃气公司"),
    ("供热公司", "{c}热力公司"),
)


class Timer:
    def __init__(self) -> None:
        self.stages: list[tuple[str, float, int]] = []

    def run(self, name: str, fn: Any) -> Any:
        t = time.perf_counter()
        result = fn()
        rows = result if isinstance(result, int) else 0
        self.stages.append((name, time.perf_counter() - t, rows))
        print(f"  {name:<28} {time.perf_counter() - t:8.1f} s  {rows:>12,} rows", flush=True)
        return result


# --- The tree ------------------------------------------------------------------------------


@dataclass
class Node:
    id: int
    path: str
    name: str
    kind: str
    parent: int | None
    grid_id: int | None = None


@dataclass
class World:
    city: Any = None
    admin: Any = None
    nodes: dict[int, Node] = field(default_factory=dict)
    county_of: dict[int, int] = field(default_factory=dict)  # place id -> county id
    county_code: dict[int, str] = field(default_factory=dict)
    compounds: list[int] = field(default_factory=list)
    buildings_of: dict[int, list[int]] = field(default_factory=dict)  # compound -> buildings
    units_of: dict[int, list[int]] = field(default_factory=dict)  # building -> units
    households_of: dict[int, list[int]] = field(default_factory=dict)  # unit -> households
    departments: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)
    holders: dict[tuple[int, int], int] = field(default_factory=dict)  # (rung, place) -> user
    dept_holder: dict[int, int] = field(default_factory=dict)
    central_by_unit: dict[int, int] = field(default_factory=dict)  # unit -> CH household
    central_by_building: dict[int, int] = field(default_factory=dict)
    residents_users: list[tuple[int, str]] = field(default_factory=list)
    community_worker: dict[int, tuple[int, str]] = field(default_factory=dict)

    def add(self, places: list[Any]) -> None:
        for p in places:
            self.nodes[p.pk] = Node(p.pk, p.path, p.name, p.kind, p.parent_id, p.grid_id)

    def chain(self, place_id: int) -> dict[str, Node]:
        out: dict[str, Node] = {}
        node: Node | None = self.nodes[place_id]
        while node is not None:
            out[node.kind] = node
            node = self.nodes.get(node.parent) if node.parent else None
        return out


def build_tree(world: World, size: Size, rng: random.Random) -> int:
    from shequgang.demo.city import CITY_CODE, CITY_LATITUDE, CITY_LONGITUDE, CITY_NAME, COUNTIES
    from shequgang.places.models import Kind, ManagementMode
    from shequgang.places.services import (
        grid_assign_buildings,
        grid_create,
        place_create,
        places_create_children,
        places_create_children_many,
    )

    city = place_create(
        parent=None,
        kind=Kind.CITY,
        name=CITY_NAME,
        code=CITY_CODE,
        latitude=CITY_LATITUDE,
        longitude=CITY_LONGITUDE,
        actor=None,
    )
    world.city = city
    world.add([city])
    counties = places_create_children(
        parent=city,
        kind=Kind.COUNTY,
        rows=[
            {"name": c.name, "code": c.code, "latitude": c.latitude, "longitude": c.longitude}
            for c in COUNTIES
        ],
        actor=None,
    )
    world.add(counties)
    total_weight = sum(c.city_compounds for c in COUNTIES)
    modes = list(ManagementMode)
    count = 1 + len(counties)
    for spec, county in zip(COUNTIES, counties, strict=True):
        world.county_code[county.pk] = county.code[:6]
        towns = places_create_children(
            parent=county,
            kind=Kind.TOWN,
            rows=[{"name": t.name, "subtype": t.subtype} for t in spec.towns],
            actor=None,
        )
        world.add(towns)
        n_compounds = max(1, round(size.compounds * spec.city_compounds / total_weight))
        weights = [t.weight for t in spec.towns]
        per_town = [0] * len(towns)
        for _ in range(n_compounds):
            per_town[rng.choices(range(len(towns)), weights=weights)[0]] += 1
        groups = [
            (
                town,
                [
                    {"name": f"第{i + 1}社区", "subtype": "社区"}
                    for i in range(math.ceil(n / COMPOUNDS_PER_COMMUNITY))
                ],
            )
            for town, n in zip(towns, per_town, strict=True)
            if n
        ]
        communities = places_create_children_many(kind=Kind.COMMUNITY, groups=groups, actor=None)
        world.add(communities)
        by_town: dict[int, list[Any]] = defaultdict(list)
        for c in communities:
            by_town[c.parent_id].append(c)
        cgroups = []
        for town, n in zip(towns, per_town, strict=True):
            for k, community in enumerate(by_town.get(town.pk, [])):
                here = min(COMPOUNDS_PER_COMMUNITY, n - k * COMPOUNDS_PER_COMMUNITY)
                rows = []
                for i in range(here):
                    mode = rng.choice(modes)
                    rows.append(
                        {
                            "name": f"第{i + 1}小区",
                            "management_mode": mode,
                            "property_company": (
                                f"{spec.name[:2]}安居物业" if mode == "property_company" else ""
                            ),
                        }
                    )
                cgroups.append((community, rows))
        compounds = places_create_children_many(kind=Kind.COMPOUND, groups=cgroups, actor=None)
        world.add(compounds)
        world.compounds.extend(c.pk for c in compounds)
        buildings = places_create_children_many(
            kind=Kind.BUILDING,
            groups=[
                (c, [{"name": f"{b + 1}号楼"} for b in range(rng.randint(*BUILDINGS))])
                for c in compounds
            ],
            actor=None,
        )
        # One grid per community, covering its buildings (before the units and households,
        # which then take the building's grid as they are created).
        by_community: dict[int, list[Any]] = defaultdict(list)
        compound_parent = {c.pk: c.parent_id for c in compounds}
        for b in buildings:
            by_community[compound_parent[b.parent_id]].append(b)
        # (One grid_assign_buildings call per building: with a community's ~50 buildings
        # in one call its OR of path prefixes is a sequential scan of the whole tree on
        # PostgreSQL, minutes at city scale; one building is one index range. The place
        # rows are the same; there is one audit row per building instead of per grid.)
        for community in communities:
            grid = grid_create(community=community, name="第一网格", actor=None)
            for b in by_community[community.pk]:
                grid_assign_buildings(grid=grid, buildings=[b], actor=None)
                b.grid_id = grid.pk
        world.add(buildings)
        for b in buildings:
            world.buildings_of.setdefault(b.parent_id, []).append(b.pk)
        units = places_create_children_many(
            kind=Kind.UNIT,
            groups=[(b, [{"name": f"{u + 1}单元"} for u in range(UNITS)]) for b in buildings],
            actor=None,
        )
        world.add(units)
        for u in units:
            world.units_of.setdefault(u.parent_id, []).append(u.pk)
        hgroups = []
        for u in units:
            rows = [
                {
                    "name": f"{floor}{flat:02d}",
                    "floor_area": Decimal(rng.randrange(5500, 14000)) / 100,
                }
                for floor in range(1, rng.randint(*FLOORS) + 1)
                for flat in range(1, FLATS + 1)
            ]
            hgroups.append((u, rows))
        households = places_create_children_many(kind=Kind.HOUSEHOLD, groups=hgroups, actor=None)
        for h in households:
            world.nodes[h.pk] = Node(h.pk, h.path, h.name, h.kind, h.parent_id, h.grid_id)
            world.households_of.setdefault(h.parent_id, []).append(h.pk)
        count += (
            len(towns)
            + len(communities)
            + len(compounds)
            + len(buildings)
            + len(units)
            + len(households)
        )
    for node in world.nodes.values():
        if node.kind == "county":
            world.county_of[node.id] = node.id
    return count


def county_id(world: World, place_id: int) -> int:
    found = world.county_of.get(place_id)
    if found is None:
        node = world.nodes[place_id]
        found = county_id(world, node.parent) if node.parent else 0
        world.county_of[place_id] = found
    return found


# --- Departments and staff -----------------------------------------------------------------


def build_staff(world: World, rng: random.Random) -> int:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from shequgang.audit.services import audit_record
    from shequgang.people.models import RoleAssignment
    from shequgang.people.roles import Role
    from shequgang.people.services import role_grant
    from shequgang.places.models import Department, Kind

    admin = User.objects.create(
        username="bench_admin", first_name="基准管理员", is_staff=True, is_superuser=True
    )
    admin.set_password("bench-admin-password")
    admin.save()
    role_grant(actor=admin, user=admin, role=Role.CITY_ADMIN, place=world.city)
    admin.refresh_from_db()
    world.admin = admin
    depts = []
    for node in world.nodes.values():
        if node.kind == Kind.COUNTY:
            depts.extend(
                Department(
                    name=name.format(c=node.name),
                    short_name=short,
                    level=Department.Level.COUNTY,
                    place_id=node.id,
                )
                for short, name in COUNTY_DEPARTMENTS
            )
    Department.objects.bulk_create(depts)
    audit_record(
        actor=None,
        action="department.bulk_create",
        object_type="places.department",
        changes={"count": [None, len(depts)], "source": [None, "bench"]},
    )
    for d in Department.objects.order_by("id"):
        world.departments.setdefault(d.place_id, []).append((d.pk, d.short_name, d.name))

    # (role, place id or None, department id or None)
    grants: list[tuple[str, int | None, int | None]] = []
    for node in world.nodes.values():
        if node.kind == Kind.TOWN:
            grants.append((Role.TOWN_STAFF, node.id, None))
        elif node.kind == Kind.COMMUNITY:
            grants.append((Role.COMMUNITY_SECRETARY, node.id, None))
            grants.append((Role.COMMUNITY_WORKER, node.id, None))
        elif node.kind == Kind.COMPOUND and rng.random() < STAFFED["branch"]:
            grants.append((Role.BRANCH_SECRETARY, node.id, None))
        elif node.kind == Kind.BUILDING and rng.random() < STAFFED["party_group"]:
            grants.append((Role.PARTY_GROUP_LEADER, node.id, None))
        elif node.kind == Kind.UNIT and rng.random() < STAFFED["central_household"]:
            homes = world.households_of.get(node.id)
            if homes:
                grants.append((Role.CENTRAL_HOUSEHOLD, rng.choice(homes), None))
    for rows in world.departments.values():
        for pk, _short, _name in rows:
            grants.append((Role.DEPARTMENT_HANDLER, None, pk))
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"staff{i:06d}", first_name=f"工作人员{i}", password=password)
            for i in range(len(grants))
        ],
        batch_size=2000,
    )
    residents = User.objects.bulk_create(
        [
            User(username=f"resident{i:06d}", first_name=f"居民{i}", password=password)
            for i in range(max(200, len(world.compounds) * 10))
        ],
        batch_size=2000,
    )
    world.residents_users = [(u.pk, u.first_name) for u in residents]
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(
                user=user,
                role=role,
                place_id=place,
                department_id=dept,
                may_view_full_pii=False,
                granted_by=admin,
            )
            for user, (role, place, dept) in zip(users, grants, strict=True)
        ],
        batch_size=2000,
    )
    audit_record(
        actor=admin,
        action="role.bulk_grant",
        object_type="people.roleassignment",
        changes={"count": [None, len(grants)], "source": [None, "bench"]},
    )
    rung_of = {
        Role.PARTY_GROUP_LEADER: 2,
        Role.BRANCH_SECRETARY: 3,
        Role.COMMUNITY_WORKER: 4,
        Role.TOWN_STAFF: 5,
    }
    for user, (role, place, dept) in zip(users, grants, strict=True):
        if dept is not None:
            world.dept_holder[dept] = user.pk
        elif role == Role.CENTRAL_HOUSEHOLD:
            assert place is not None
            unit = world.nodes[place].parent
            assert unit is not None
            world.central_by_unit[unit] = place
            world.holders[(1, place)] = user.pk
        elif role in rung_of:
            assert place is not None
            world.holders[(rung_of[role], place)] = user.pk
            if role == Role.COMMUNITY_WORKER:
                world.community_worker[place] = (user.pk, user.first_name)
    # The building-wide fallback: the central household with the lowest path.
    for unit, home in world.central_by_unit.items():
        building = world.nodes[unit].parent
        assert building is not None
        current = world.central_by_building.get(building)
        if current is None or world.nodes[home].path < world.nodes[current].path:
            world.central_by_building[building] = home
    return len(grants) + len(residents) + len(depts) + 1


# --- Residents -----------------------------------------------------------------------------


def build_residents(world: World, rng: random.Random) -> int:
    from shequgang.audit.services import audit_record
    from shequgang.demo.residents import Registry, household_members
    from shequgang.people.id_numbers import parse_id_number
    from shequgang.people.models import Resident, ResidentStatus, ResidentTag
    from shequgang.people.phones import normalize_phone
    from shequgang.people.services import resident_apply_id_number, resident_apply_phone

    registry = Registry(rng)
    tag_ids = dict(ResidentTag.objects.filter(active=True).values_list("code", "id"))
    through = Resident.tags.through
    total = 0
    pending: list[tuple[Resident, tuple[str, ...]]] = []

    def flush() -> None:
        created = Resident.objects.bulk_create([p[0] for p in pending], batch_size=1000)
        links = [
            through(resident_id=r.pk, residenttag_id=tag_ids[code])
            for r, (_res, tags) in zip(created, pending, strict=True)
            for code in tags
            if code in tag_ids
        ]
        through.objects.bulk_create(links, batch_size=2000)
        pending.clear()

    for unit, homes in world.households_of.items():
        area = world.county_code[county_id(world, unit)]
        for home in homes:
            size = rng.choices((1, 2, 3, 4), weights=HOUSEHOLD_SIZES)[0]
            for m in household_members(rng, registry, area=area, size=size, rented=False):
                resident = Resident(
                    household_id=home,
                    name=m.name,
                    relation=m.relation,
                    status=ResidentStatus.ACTIVE,
                    note="",
                )
                resident_apply_id_number(resident=resident, parsed=parse_id_number(m.id_number))
                if m.phone is not None:
                    resident_apply_phone(resident=resident, e164=normalize_phone(m.phone))
                pending.append((resident, m.tags))
                total += 1
        if len(pending) >= 20_000:
            flush()
    if pending:
        flush()
    audit_record(
        actor=None,
        action="resident.bulk_create",
        object_type="people.resident",
        changes={"count": [None, total], "source": [None, "bench"]},
    )
    return total


# --- Cases ---------------------------------------------------------------------------------

RUNG_LABEL: dict[int, str] = {}
CASE_KINDS = {
    # category group -> place kinds a case of it is raised for, with weights
    "neighbour": (("household", 1),),
    "building": (("building", 3), ("unit", 1)),
    "compound": (("compound", 1),),
    "municipal": (("community", 1), ("compound", 2)),
    "utilities": (("household", 2), ("building", 1)),
    "city_management": (("community", 1), ("compound", 1)),
    "safety": (("building", 2), ("household", 1)),
    "livelihood": (("household", 1),),
}
CATEGORY_WEIGHT = {
    "neighbour": 22,
    "building": 18,
    "compound": 20,
    "municipal": 12,
    "utilities": 10,
    "city_management": 8,
    "safety": 5,
    "livelihood": 5,
}
SOURCES = (
    ("resident", 55),
    ("hotline", 20),
    ("grid_patrol", 15),
    ("door_knocking", 5),
    ("staff", 5),
)
TITLES = {
    "neighbour_dispute": "邻居占用公共空间",
    "noise": "夜间装修噪音",
    "pets": "楼上养狗扰民",
    "leak_between_floors": "楼上卫生间漏水",
    "family_dispute": "家庭赡养纠纷",
}


@dataclass
class RouteResult:
    rung: int
    place: int | None
    department: int | None
    holder_name: str
    skipped: list[str]


class Router:
    """``cases.routing.route`` over the world's in-memory indexes (same rules, same
    notes). ``bench/test_generate.py`` checks it against the real one."""

    def __init__(self, world: World) -> None:
        from shequgang.cases.models import Rung

        self.world = world
        self.labels = {r.value: r.label for r in Rung}

    def department_for(self, dept: str, county: Node | None) -> tuple[int, str] | None:
        if county is None or not dept:
            return None
        for pk, short, name in self.world.departments.get(county.id, []):
            if short == dept or dept in name:
                return pk, name
        return None

    def route(self, place_id: int, category: Any, rung: int) -> RouteResult | None:
        w = self.world
        by_kind = w.chain(place_id)
        skipped: list[str] = []
        for candidate in range(max(rung, 1), 7):
            label = self.labels[candidate]
            if candidate == 6:
                found = self.department_for(category.department, by_kind.get("county"))
                if found is None:
                    return None  # DomainError no_department
                return RouteResult(6, None, found[0], found[1], skipped)
            if candidate == 1:
                home = by_kind.get("household")
                node_id = None
                if home is not None and home.parent is not None:
                    parent = w.nodes[home.parent]
                    if parent.kind == "unit":
                        node_id = w.central_by_unit.get(parent.id) or w.central_by_building.get(
                            parent.parent or 0
                        )
                if node_id is not None:
                    return RouteResult(1, node_id, None, w.nodes[node_id].name, skipped)
                skipped.append(f"{label}：无")
                continue
            node = by_kind.get({2: "building", 3: "compound", 4: "community", 5: "town"}[candidate])
            if node is None:
                continue
            if candidate in (4, 5) or (candidate, node.id) in w.holders:
                return RouteResult(candidate, node.id, None, node.name, skipped)
            skipped.append(f"{label}：{node.name}未设置负责人")
        return None

    def note(self, r: RouteResult) -> str:
        note = f"分派至{self.labels[r.rung]}：{r.holder_name}"
        return note + ("（跳过 " + "；".join(r.skipped) + "）" if r.skipped else "")

    def holder_user(self, r: RouteResult) -> int | None:
        if r.department is not None:
            return self.world.dept_holder.get(r.department)
        return self.world.holders.get((r.rung, r.place or 0))


CASE_COLUMNS = [
    "id",
    "number",
    "source",
    "category_id",
    "title",
    "description",
    "place_id",
    "place_path",
    "county_code",
    "grid_id",
    "latitude",
    "longitude",
    "raiser_id",
    "raiser_name",
    "raiser_phone_cipher",
    "raiser_phone_masked",
    "anonymous",
    "status",
    "rung",
    "handler_place_id",
    "handler_department_id",
    "assigned_at",
    "ack_due_at",
    "warn_at",
    "resolve_due_at",
    "acknowledged_at",
    "responded_on_time",
    "ack_overdue_at",
    "yellow_card_at",
    "red_card_at",
    "supervised_at",
    "extension_days_requested",
    "escalations",
    "reopens",
    "resolved_at",
    "resolved_rung",
    "resolved_on_time",
    "resolution",
    "close_due_at",
    "closed_at",
    "solved",
    "satisfaction",
    "rating_comment",
    "rated_at",
    "hold_reason",
    "merged_into_id",
    "created_at",
    "updated_at",
    "swept_by",
]
EVENT_COLUMNS = [
    "id",
    "case_id",
    "at",
    "actor_id",
    "kind",
    "from_status",
    "to_status",
    "from_rung",
    "to_rung",
    "reason",
    "data",
]


class Writer:
    """Prepared INSERT batches (SQLite) or COPY (PostgreSQL), values as Django's fields
    prepare them (checked by bench/test_generate.py)."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"

    def value(self, v: Any) -> Any:
        if self.pg:
            if isinstance(v, dict):
                return json.dumps(v)
            return v
        if isinstance(v, dt.datetime):
            return str(v.astimezone(UTC).replace(tzinfo=None))
        if isinstance(v, dict):
            return json.dumps(v)
        if isinstance(v, uuid.UUID):
            return v.hex
        return v

    def write(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with self.connection.cursor() as cur:
            if self.pg:
                raw = cur.cursor
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([self.value(v) for v in row])
            else:
                marks = ", ".join("?" for _ in columns)
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                cur.cursor.executemany(sql, [tuple(self.value(v) for v in r) for r in rows])

    def reset_sequence(self, table: str) -> None:
        if self.pg:
            with self.connection.cursor() as cur:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )


def build_cases(world: World, size: Size, rng: random.Random, now: dt.datetime) -> int:
    from shequgang.calendar.workdays import working_day_table, working_hours_after
    from shequgang.cases.engine.deadlines import warn_time
    from shequgang.cases.models import Case, CaseEvent, CaseRules, Category
    from shequgang.people import pii
    from shequgang.people.masking import mask_phone
    from shequgang.people.phones import national_phone, normalize_phone

    router = Router(world)
    writer = Writer()
    rules = CaseRules.current()
    leaves = [
        c
        for c in Category.objects.select_related("parent").order_by("id")
        if c.parent_id is not None and c.active
    ]
    by_group: dict[str, list[Any]] = defaultdict(list)
    for c in leaves:
        by_group[c.parent.code].append(c)
    groups = [g for g in CATEGORY_WEIGHT if by_group.get(g)]
    gweights = [CATEGORY_WEIGHT[g] for g in groups]
    start = now - dt.timedelta(days=365 * YEARS)
    table = working_day_table(
        (start - dt.timedelta(days=2)).date(), (now + dt.timedelta(days=400)).date()
    )

    def clocks(cat: Any, at: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
        resolve = table.working_days_after(at, max(1, cat.resolve_days))
        return working_hours_after(at, max(1, cat.ack_hours)), warn_time(resolve), resolve

    # Case ids and event ids continue after whatever is there (nothing, normally).
    next_case = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_event = (CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    span = (now - start).total_seconds()
    created_times = sorted(rng.random() * span for _ in range(size.cases))
    counters: dict[tuple[str, dt.date], int] = defaultdict(int)
    last_in_compound: dict[int, tuple[int, str]] = {}
    sources = [s for s, _ in SOURCES]
    sweights = [w for _, w in SOURCES]
    hotline_phones = []
    for _ in range(500):
        e164 = normalize_phone(f"139{rng.randrange(10**8):08d}")
        hotline_phones.append((pii.encrypt(e164), mask_phone(national_phone(e164))))
    shanghai = dt.timezone(dt.timedelta(hours=8))
    case_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    total = 0

    def ev(case_id: int, at: dt.datetime, actor: int | None, kind: str, **kw: Any) -> None:
        nonlocal next_event
        event_rows.append(
            (
                next_event,
                case_id,
                at,
                actor,
                kind,
                kw.get("from_status", ""),
                kw.get("to_status", ""),
                kw.get("from_rung"),
                kw.get("to_rung"),
                kw.get("reason", ""),
                kw.get("data", {}),
            )
        )
        next_event += 1

    def flush() -> None:
        writer.write("cases_case", CASE_COLUMNS, case_rows)
        writer.write("cases_caseevent", EVENT_COLUMNS, event_rows)
        case_rows.clear()
        event_rows.clear()

    for offset in created_times:
        t0 = (start + dt.timedelta(seconds=offset)).replace(microsecond=0)
        group = rng.choices(groups, weights=gweights)[0]
        cat = rng.choice(by_group[group])
        kinds = CASE_KINDS.get(group, (("household", 1),))
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        compound = rng.choice(world.compounds)
        place = pick_place(world, compound, kind, rng)
        r = router.route(place, cat, cat.start_rung)
        if r is None:
            continue
        case_id = next_case
        next_case += 1
        node = world.nodes[place]
        county = county_id(world, place)
        cc = world.county_code[county]
        day = t0.astimezone(shanghai).date()
        counters[(cc, day)] += 1
        number = f"{cc}-{day:%Y%m%d}-{counters[(cc, day)]:04d}"
        source = rng.choices(sources, weights=sweights)[0]
        raiser: int | None = None
        raiser_name = ""
        phone_cipher = phone_masked = ""
        if source == "resident":
            raiser, raiser_name = rng.choice(world.residents_users)
        elif source == "hotline":
            raiser_name = "热线来电人"
            phone_cipher, phone_masked = rng.choice(hotline_phones)
        else:
            chain = world.chain(place)
            raiser, raiser_name = world.community_worker[chain["community"].id]
        c: dict[str, Any] = {
            "status": "submitted",
            "rung": r.rung,
            "handler_place_id": r.place,
            "handler_department_id": r.department,
            "acknowledged_at": None,
            "responded_on_time": None,
            "ack_overdue_at": None,
            "yellow_card_at": None,
            "red_card_at": None,
            "escalations": 0,
            "resolved_at": None,
            "resolved_rung": None,
            "resolved_on_time": None,
            "resolution": "",
            "close_due_at": None,
            "closed_at": None,
            "solved": None,
            "satisfaction": "",
            "rating_comment": "",
            "rated_at": None,
            "hold_reason": "",
            "merged_into_id": None,
            "swept_by": None,
        }
        ack_due, warn, resolve_due = clocks(cat, t0)
        c.update(assigned_at=t0, ack_due_at=ack_due, warn_at=warn, resolve_due_at=resolve_due)
        ev(case_id, t0, raiser, "created", to_status="submitted", to_rung=r.rung,
           data={"source": source})  # fmt: skip
        ev(case_id, t0, None, "assigned", to_status="submitted", to_rung=r.rung,
           reason=router.note(r))  # fmt: skip
        t = t0
        updated = t0

        def step(hours: float) -> dt.datetime | None:
            nonlocal t
            nxt = (t + dt.timedelta(hours=hours)).replace(microsecond=0)
            if nxt >= now:
                return None
            t = nxt
            return t

        holder = router.holder_user(r)
        life = rng.random()
        # Duplicates merged into an earlier case of the same compound (1 %).
        previous = last_in_compound.get(compound)
        last_in_compound[compound] = (case_id, number)
        if life < 0.01 and previous is not None and (at := step(rng.uniform(1, 30))):
            c.update(status="merged", merged_into_id=previous[0])
            ev(case_id, at, None, "merged", from_status="submitted", to_status="merged",
               from_rung=r.rung, to_rung=r.rung, reason="重复事项",
               data={"into": previous[1]})  # fmt: skip
            updated = at
        else:
            # Escalated by its first holder (10 %), before signing for it.
            if life > 0.90 and r.rung < 6 and (at := step(rng.uniform(1, 48))):
                up = router.route(place, cat, r.rung + 1)
                if up is not None:
                    ack_due, warn, resolve_due = clocks(cat, at)
                    ev(case_id, at, holder, "escalated", from_status="submitted",
                       to_status="submitted", from_rung=r.rung, to_rung=up.rung,
                       reason=f"本级无法解决，提请上级协调；{router.note(up)}")  # fmt: skip
                    c.update(rung=up.rung, handler_place_id=up.place,
                             handler_department_id=up.department, assigned_at=at,
                             ack_due_at=ack_due, warn_at=warn, resolve_due_at=resolve_due,
                             escalations=1)  # fmt: skip
                    r = up
                    holder = router.holder_user(r)
                    updated = at
            late = rng.random() < 0.08
            hours = cat.ack_hours * (rng.uniform(1.1, 3) if late else rng.uniform(0.02, 0.9))
            if at := step(hours):
                c.update(status="acknowledged", acknowledged_at=at,
                         responded_on_time=at <= c["ack_due_at"])  # fmt: skip
                ev(case_id, at, holder, "acknowledged", from_status="submitted",
                   to_status="acknowledged", from_rung=r.rung, to_rung=r.rung)  # fmt: skip
                updated = at
                if at := step(rng.uniform(0.2, 6)):
                    c["status"] = "in_progress"
                    ev(case_id, at, holder, "started", from_status="acknowledged",
                       to_status="in_progress", from_rung=r.rung, to_rung=r.rung)  # fmt: skip
                    updated = at
                    if rng.random() < 0.01:
                        c.update(status="on_hold", hold_reason="涉及历史遗留问题，需统筹解决")
                        ev(case_id, at, holder, "on_hold", from_status="in_progress",
                           to_status="on_hold", from_rung=r.rung, to_rung=r.rung,
                           reason=c["hold_reason"])  # fmt: skip
                    else:
                        days = cat.resolve_days * (
                            rng.uniform(1.05, 2.5) if rng.random() < 0.1 else rng.uniform(0.1, 1)
                        )
                        if at := step(days * 24):
                            close_due = table.working_days_after(at, max(1, rules.auto_close_days))
                            c.update(status="resolved", resolved_at=at, resolved_rung=r.rung,
                                     resolution="已现场处理完毕", close_due_at=close_due,
                                     resolved_on_time=at <= c["resolve_due_at"])  # fmt: skip
                            ev(case_id, at, holder, "resolved", from_status="in_progress",
                               to_status="resolved", from_rung=r.rung, to_rung=r.rung)  # fmt: skip
                            updated = at
                            finish(c, ev, case_id, at, raiser, close_due, now, rng, r.rung)
                            updated = c.pop("_updated", updated)
        case_rows.append(
            tuple(
                {
                    "id": case_id,
                    "number": number,
                    "source": source,
                    "category_id": cat.pk,
                    "title": TITLES.get(cat.code, cat.name),
                    "description": f"{node.name}附近：{cat.name}，请尽快处理。",
                    "place_id": place,
                    "place_path": node.path,
                    "county_code": cc,
                    "grid_id": node.grid_id,
                    "latitude": None,
                    "longitude": None,
                    "raiser_id": raiser,
                    "raiser_name": raiser_name,
                    "raiser_phone_cipher": phone_cipher,
                    "raiser_phone_masked": phone_masked,
                    "anonymous": rng.random() < 0.05,
                    "supervised_at": None,
                    "extension_days_requested": None,
                    "reopens": 0,
                    "created_at": t0,
                    "updated_at": updated,
                    **c,
                }[col]
                for col in CASE_COLUMNS
            )
        )
        total += 1
        if len(case_rows) >= 20_000:
            flush()
    flush()
    from shequgang.cases.models import CaseNumberCounter

    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(county_code=cc, day=d, last=n) for (cc, d), n in counters.items()],
        batch_size=2000,
    )
    writer.reset_sequence("cases_case")
    writer.reset_sequence("cases_caseevent")
    return total


def finish(
    c: dict[str, Any],
    ev: Any,
    case_id: int,
    resolved: dt.datetime,
    raiser: int | None,
    close_due: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
    rung: int,
) -> None:
    """Rated and closed by the raiser (85 %), or closed by the sweep when unrated."""
    if rng.random() < 0.85:
        at = (resolved + dt.timedelta(hours=rng.uniform(2, 72))).replace(microsecond=0)
        if at >= now or at >= close_due:
            return
        satisfaction = "satisfied" if rng.random() < 0.86 else "basic"
        data = {"solved": True, "satisfaction": satisfaction}
        c.update(status="closed", solved=True, satisfaction=satisfaction, rating_comment="",
                 rated_at=at, closed_at=at, _updated=at)  # fmt: skip
        ev(case_id, at, raiser, "closed", from_status="resolved", to_status="closed",
           from_rung=rung, to_rung=rung, data=data)  # fmt: skip
        return
    at = (close_due + dt.timedelta(seconds=rng.uniform(1, 60))).replace(microsecond=0)
    if at >= now:
        return
    c.update(status="closed", closed_at=at, swept_by=uuid.UUID(int=rng.getrandbits(128)),
             _updated=at)  # fmt: skip
    ev(case_id, at, None, "closed", to_status="closed", reason="群众未评价，自动结案")


def pick_place(world: World, compound: int, kind: str, rng: random.Random) -> int:
    if kind == "compound":
        return compound
    if kind == "community":
        parent = world.nodes[compound].parent
        assert parent is not None
        return parent
    building = rng.choice(world.buildings_of[compound])
    if kind == "building":
        return building
    unit = rng.choice(world.units_of[building])
    if kind == "unit":
        return unit
    return rng.choice(world.households_of[unit])


# --- Main ----------------------------------------------------------------------------------


def generate(url: str, size: Size, *, seed: int = 1, residents: bool = True) -> dict[str, Any]:
    """Create the database at ``url`` and fill it. Returns the dataset's meta data (its
    personal-data key among them), also written beside it."""
    from cryptography.fernet import Fernet

    field_key = Fernet.generate_key().decode()
    benchdb.create_database(url)
    benchdb.setup_django(url, field_key)
    from django.core.management import call_command
    from django.db import connection, transaction

    timer = Timer()
    rng = random.Random(seed)
    now = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    world = World()
    started = time.perf_counter()
    print(f"generating {size} into {connection.vendor}", flush=True)
    timer.run("migrate", lambda: call_command("migrate", verbosity=0) or 0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA journal_mode=WAL")
    with transaction.atomic():
        timer.run("places (tree, grids)", lambda: build_tree(world, size, rng))
        timer.run("departments, staff", lambda: build_staff(world, rng))
    with transaction.atomic():
        timer.run("cases + events", lambda: build_cases(world, size, rng, now))
    if residents and size.residents:
        with transaction.atomic():
            timer.run("residents (encrypted)", lambda: build_residents(world, rng))

    def analyze() -> int:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return 0

    timer.run("analyze", analyze)
    from django.db.models import Count

    from shequgang.cases.models import Case, CaseEvent
    from shequgang.people.models import Resident
    from shequgang.places.models import Place

    counts = {
        "places": dict(Place.objects.values_list("kind").annotate(n=Count("id")).order_by()),
        "residents": Resident.objects.count(),
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "cases_by_status": dict(
            Case.objects.values_list("status").annotate(n=Count("id")).order_by()
        ),
    }
    meta = {
        "size": size.__dict__,
        "residents": bool(residents and size.residents),
        "seed": seed,
        "field_key": field_key,
        "generated_at": now.isoformat(),
        "engine": connection.vendor,
        "seconds": round(time.perf_counter() - started, 1),
        "stages": [{"stage": s, "seconds": round(t, 1), "rows": n} for s, t, n in timer.stages],
        "counts": counts,
        "admin": "bench_admin",
    }
    benchdb.write_meta(url, meta)
    print(json.dumps(counts, ensure_ascii=False), flush=True)
    print(f"  total {meta['seconds']} s", flush=True)
    connection.close()
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument("--cases", type=int, help="override the size's number of cases")
    parser.add_argument("--compounds", type=int, help="override the size's number of compounds")
    parser.add_argument("--no-residents", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="default: SQLite bench/out/<size>.sqlite3")
    args = parser.parse_args()
    size = SIZES[args.size]
    size = Size(
        compounds=args.compounds or size.compounds,
        cases=args.cases if args.cases is not None else size.cases,
    )
    url = args.database_url or benchdb.sqlite_url(args.size)
    generate(url, size, seed=args.seed, residents=not args.no_residents)


if __name__ == "__main__":
    main()
