"""Builders for tests: a small two-county tree and one persona per role.

Used by the pytest fixtures in ``conftest.py``; kept here so benchmarks and later apps'
tests can build the same world."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from shequgang.people.id_numbers import make_id_number
from shequgang.people.models import Resident
from shequgang.people.roles import Role
from shequgang.people.services import ResidentInput, resident_create, role_grant
from shequgang.places.models import Department, Grid, Kind, Place
from shequgang.places.services import grid_assign_buildings, grid_create, place_create

_seq = itertools.count(1)


def synthetic_id(area: str = "141102", birth: dt.date = dt.date(1980, 5, 17)) -> str:
    return make_id_number(area, birth, next(_seq) % 1000)


@dataclass
class World:
    city: Place
    county_a: Place
    county_b: Place
    town_a: Place
    community_a: Place  # has grids A1 and A2
    community_b: Place  # another community, in county B
    compound_a: Place
    building_a1: Place  # in grid A1
    building_a2: Place  # in grid A2
    household_a1: Place
    household_a2: Place
    household_b: Place
    grid_a1: Grid
    grid_a2: Grid
    department: Department
    admin: User
    residents: dict[str, Resident] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    admin = User.objects.create_superuser("root", password="x")
    city = place_create(parent=None, kind=Kind.CITY, name="吕梁市", code="141100", actor=admin)
    county_a = place_create(
        parent=city, kind=Kind.COUNTY, name="离石区", code="141102", actor=admin
    )
    county_b = place_create(
        parent=city, kind=Kind.COUNTY, name="汾阳市", code="141182", actor=admin
    )
    town_a = place_create(
        parent=county_a, kind=Kind.TOWN, name="滨河街道", subtype="街道", actor=admin
    )
    town_b = place_create(
        parent=county_b, kind=Kind.TOWN, name="太和桥街道", subtype="街道", actor=admin
    )
    community_a = place_create(
        parent=town_a, kind=Kind.COMMUNITY, name="城东社区", subtype="社区", actor=admin
    )
    community_b = place_create(
        parent=town_b, kind=Kind.COMMUNITY, name="建昌社区", subtype="社区", actor=admin
    )
    compound_a = place_create(
        parent=community_a,
        kind=Kind.COMPOUND,
        name="滨东花园小区",
        management_mode="property_company",
        property_company="吕梁某物业",
        actor=admin,
    )
    compound_b = place_create(
        parent=community_b, kind=Kind.COMPOUND, name="昌瑞绿洲小区", actor=admin
    )
    building_a1 = place_create(parent=compound_a, kind=Kind.BUILDING, name="1号楼", actor=admin)
    building_a2 = place_create(parent=compound_a, kind=Kind.BUILDING, name="2号楼", actor=admin)
    building_b = place_create(parent=compound_b, kind=Kind.BUILDING, name="1号楼", actor=admin)
    grid_a1 = grid_create(community=community_a, name="第一网格", actor=admin)
    grid_a2 = grid_create(community=community_a, name="第二网格", actor=admin)
    grid_assign_buildings(grid=grid_a1, buildings=[building_a1], actor=admin)
    grid_assign_buildings(grid=grid_a2, buildings=[building_a2], actor=admin)
    building_a1.refresh_from_db()
    building_a2.refresh_from_db()
    unit_a1 = place_create(parent=building_a1, kind=Kind.UNIT, name="1单元", actor=admin)
    household_a1 = place_create(
        parent=unit_a1, kind=Kind.HOUSEHOLD, name="101", floor_area=Decimal("89.50"), actor=admin
    )
    household_a2 = place_create(
        parent=building_a2, kind=Kind.HOUSEHOLD, name="201", floor_area=Decimal("120"), actor=admin
    )
    household_b = place_create(parent=building_b, kind=Kind.HOUSEHOLD, name="301", actor=admin)
    department = Department.objects.create(
        name="离石区城市管理局", level=Department.Level.COUNTY, place=county_a
    )
    world = World(
        city=city,
        county_a=county_a,
        county_b=county_b,
        town_a=town_a,
        community_a=community_a,
        community_b=community_b,
        compound_a=compound_a,
        building_a1=building_a1,
        building_a2=building_a2,
        household_a1=household_a1,
        household_a2=household_a2,
        household_b=household_b,
        grid_a1=grid_a1,
        grid_a2=grid_a2,
        department=department,
        admin=admin,
    )
    for key, household, phone in [
        ("a1", household_a1, "13800000001"),
        ("a2", household_a2, "13800000002"),
        ("b", household_b, "13800000003"),
    ]:
        world.residents[key] = resident_create(
            actor=admin,
            data=ResidentInput(
                name=f"居民{key}", household=household, id_number=synthetic_id(), phone=phone
            ),
        )
    personas: dict[str, tuple[Role, dict[str, Any], bool]] = {
        # name: (role, node kwargs, may_view_full_pii)
        "city_admin": (Role.CITY_ADMIN, {"place": city}, True),
        "county_a_command": (Role.COUNTY_COMMAND, {"place": county_a}, False),
        "town_a_staff": (Role.TOWN_STAFF, {"place": town_a}, False),
        "secretary_a": (Role.COMMUNITY_SECRETARY, {"place": community_a}, True),
        "worker_a": (Role.COMMUNITY_WORKER, {"place": community_a}, False),
        "secretary_b": (Role.COMMUNITY_SECRETARY, {"place": community_b}, True),
        "grid_a1": (Role.GRID_WORKER, {"grid": grid_a1}, False),
        "grid_a2": (Role.GRID_WORKER, {"grid": grid_a2}, False),
        "branch_a": (Role.BRANCH_SECRETARY, {"place": compound_a}, False),
        "group_a1": (Role.PARTY_GROUP_LEADER, {"place": building_a1}, False),
        "central_a1": (Role.CENTRAL_HOUSEHOLD, {"place": household_a1}, False),
        "dept_handler": (Role.DEPARTMENT_HANDLER, {"department": department}, False),
    }
    for username, (role, node, pii) in personas.items():
        user = User.objects.create_user(username, password="x")
        role_grant(actor=admin, user=user, role=role, may_view_full_pii=pii, **node)
        world.users[username] = user
    world.users["nobody"] = User.objects.create_user("nobody", password="x")
    return world


def resident_at(username: str, household: Place, *, category: str = "road_damage") -> User:
    """A resident account whose home is ``household``: the account has no role, and the
    platform knows where it lives from a report it raised there (a damaged road, a
    category of another 大类 than the tests' stairwell light)."""
    from shequgang.cases.models import Category, Source
    from shequgang.cases.services import case_create

    user = User.objects.create_user(username, password="x")
    case_create(
        actor=user,
        source=Source.RESIDENT,
        category=Category.objects.get(code=category),
        place=household,
        title="门口道路破损",
    )
    return user
