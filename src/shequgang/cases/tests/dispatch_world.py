"""Extra pieces of the world for the dispatch loop: a second county department and a
city utility with a handler each, and the routing table row for street lights."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from shequgang.cases.models import Category
from shequgang.cases.models.dispatch import DepartmentRoute
from shequgang.people.roles import Role
from shequgang.people.services import role_grant
from shequgang.places.models import Department


@dataclass
class Departments:
    cgj: Department  # the world's 离石区城市管理局 (the routing table's choice)
    zjj: Department  # 离石区住房和城乡建设局
    power: Department  # a city-level utility
    other_county: Department  # 汾阳市城市管理局: never a target for county A's cases


@pytest.fixture
def depts(world) -> Departments:
    zjj = Department.objects.create(
        name="离石区住房和城乡建设局", short_name="住建", level="county", place=world.county_a
    )
    power = Department.objects.create(
        name="国网吕梁供电公司", short_name="供电", level="city", sort="utility", place=world.city
    )
    other = Department.objects.create(
        name="汾阳市城市管理局", short_name="城管", level="county", place=world.county_b
    )
    DepartmentRoute.objects.create(
        category=Category.objects.get(code="street_light"),
        county=world.county_a,
        department=world.department,
    )
    for username, dept in (("zjj_handler", zjj), ("power_handler", power), ("fy_handler", other)):
        user = User.objects.create_user(username, password="x")
        role_grant(actor=world.admin, user=user, role=Role.DEPARTMENT_HANDLER, department=dept)
        world.users[username] = user
    return Departments(cgj=world.department, zjj=zjj, power=power, other_county=other)
