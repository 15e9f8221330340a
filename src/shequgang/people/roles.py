"""Staff roles: which node each sits on and what it may do there.

A role assignment grants its permissions on its node's whole subtree and nowhere else.
The table below is the policy; it is code because changing it changes the security model
and deserves review, unlike the admin-editable rules of the domain."""

from __future__ import annotations

from django.db import models

from shequgang.places.models import Kind


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", "市级管理员"
    COUNTY_COMMAND = "county_command", "县级指挥中心"
    TOWN_STAFF = "town_staff", "乡镇/街道工作人员"
    COMMUNITY_SECRETARY = "community_secretary", "社区书记"
    COMMUNITY_WORKER = "community_worker", "社区工作者"
    GRID_WORKER = "grid_worker", "网格员"
    BRANCH_SECRETARY = "branch_secretary", "小区党支部书记"
    PARTY_GROUP_LEADER = "party_group_leader", "党小组长"
    CENTRAL_HOUSEHOLD = "central_household", "党员中心户"
    DEPARTMENT_HANDLER = "department_handler", "部门办理人员"


class Perm(models.TextChoices):
    PLACE_VIEW = "place.view", "查看地点"
    PLACE_EDIT = "place.edit", "维护地点"
    GRID_MANAGE = "grid.manage", "划分网格"
    RESIDENT_VIEW = "resident.view", "查看居民"
    RESIDENT_EDIT = "resident.edit", "维护居民"
    RESIDENT_IMPORT = "resident.import", "导入台账"
    RESIDENT_EXPORT = "resident.export", "导出台账"
    # Confirming residents' own accounts against the register (residency), and issuing
    # their password-reset codes at the desk: the register's keepers on the ground.
    RESIDENT_CONFIRM = "resident.confirm", "认证居民账号"
    ROLE_GRANT = "role.grant", "分配角色"
    CASE_VIEW = "case.view", "查看辖区事项"
    CASE_RAISE = "case.raise", "代居民上报事项"
    CASE_SUPERVISE = "case.supervise", "督办、合并、重新分派事项"
    PARTY_VIEW = "party.view", "查看党组织、党员和双报到"
    PARTY_MANAGE = "party.manage", "维护党组织、党员和双报到"
    DASHBOARD_VIEW = "dashboard.view", "查看指挥中心"


_ALL = set(Perm.values)
_REGISTER = {Perm.PLACE_VIEW, Perm.RESIDENT_VIEW, Perm.RESIDENT_EDIT}
_CASES = {Perm.CASE_VIEW, Perm.CASE_RAISE}
_PARTY = {Perm.PARTY_VIEW, Perm.PARTY_MANAGE}

ROLE_PERMS: dict[str, set[str]] = {
    Role.CITY_ADMIN: _ALL,
    Role.COUNTY_COMMAND: {Perm.PLACE_VIEW, Perm.RESIDENT_VIEW, Perm.RESIDENT_EXPORT}
    | _CASES
    | {Perm.CASE_SUPERVISE, Perm.PARTY_VIEW, Perm.DASHBOARD_VIEW},
    Role.TOWN_STAFF: _REGISTER
    | _CASES
    | _PARTY
    | {Perm.PLACE_EDIT, Perm.RESIDENT_EXPORT, Perm.CASE_SUPERVISE},
    Role.COMMUNITY_SECRETARY: _ALL,
    Role.COMMUNITY_WORKER: _REGISTER
    | _CASES
    | _PARTY
    | {
        Perm.PLACE_EDIT,
        Perm.RESIDENT_IMPORT,
        Perm.RESIDENT_EXPORT,
        Perm.RESIDENT_CONFIRM,
        Perm.CASE_SUPERVISE,
    },
    Role.GRID_WORKER: _REGISTER | _CASES | {Perm.RESIDENT_CONFIRM},
    Role.BRANCH_SECRETARY: {Perm.PLACE_VIEW, Perm.RESIDENT_VIEW, Perm.PARTY_VIEW} | _CASES,
    Role.PARTY_GROUP_LEADER: {Perm.PLACE_VIEW, Perm.RESIDENT_VIEW, Perm.PARTY_VIEW} | _CASES,
    Role.CENTRAL_HOUSEHOLD: {Perm.PLACE_VIEW},
    # Departments see the cases dispatched to them, not the register.
    Role.DEPARTMENT_HANDLER: set(),
}

# The kind of node each role is assigned on. Grid workers sit on a grid and department
# handlers on a department instead of a place.
ROLE_NODE: dict[str, str] = {
    Role.CITY_ADMIN: Kind.CITY,
    Role.COUNTY_COMMAND: Kind.COUNTY,
    Role.TOWN_STAFF: Kind.TOWN,
    Role.COMMUNITY_SECRETARY: Kind.COMMUNITY,
    Role.COMMUNITY_WORKER: Kind.COMMUNITY,
    Role.GRID_WORKER: "grid",
    Role.BRANCH_SECRETARY: Kind.COMPOUND,
    Role.PARTY_GROUP_LEADER: Kind.BUILDING,
    Role.CENTRAL_HOUSEHOLD: Kind.HOUSEHOLD,
    Role.DEPARTMENT_HANDLER: "department",
}

# Roles a holder of role.grant may hand out below themselves.
GRANTABLE_BY: dict[str, set[str]] = {
    Role.CITY_ADMIN: set(Role.values),
    Role.COMMUNITY_SECRETARY: {
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.BRANCH_SECRETARY,
        Role.PARTY_GROUP_LEADER,
        Role.CENTRAL_HOUSEHOLD,
    },
}
