"""The demo city's staff as data: the city and 离石区 departments that receive dispatched
work, and the demo accounts of README.md with their roles."""

from __future__ import annotations

from dataclasses import dataclass

from shequgang.people.roles import Role
from shequgang.places.models import Department


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    short_name: str
    sort: Department.Sort = Department.Sort.GOVERNMENT


_UTILITY = Department.Sort.UTILITY

CITY_DEPARTMENTS = (
    DepartmentSpec("中共吕梁市委政法委员会", "政法委"),
    DepartmentSpec("吕梁市民政局", "民政局"),
    DepartmentSpec("吕梁市城市管理局", "城管局"),
    DepartmentSpec("吕梁市住房和城乡建设局", "住建局"),
    DepartmentSpec("吕梁市公安局", "公安局"),
    DepartmentSpec("吕梁市卫生健康委员会", "卫健委"),
    DepartmentSpec("吕梁市退役军人事务局", "退役军人局"),
    DepartmentSpec("吕梁市市场监督管理局", "市场监管局"),
    DepartmentSpec("吕梁市供水公司", "供水公司", _UTILITY),
    DepartmentSpec("国网吕梁供电公司", "供电公司", _UTILITY),
    DepartmentSpec("吕梁市热力公司", "供热公司", _UTILITY),
)
LISHI_DEPARTMENTS = (
    DepartmentSpec("中共离石区委政法委员会", "政法委"),
    DepartmentSpec("离石区民政局", "民政局"),
    DepartmentSpec("离石区城市管理局", "城管局"),
    DepartmentSpec("离石区住房和城乡建设局", "住建局"),
    DepartmentSpec("吕梁市公安局离石分局", "公安分局"),
    DepartmentSpec("离石区卫生健康局", "卫健局"),
    DepartmentSpec("离石区退役军人事务局", "退役军人局"),
    DepartmentSpec("离石区供水公司", "供水公司", _UTILITY),
    DepartmentSpec("国网离石区供电公司", "供电公司", _UTILITY),
)


@dataclass(frozen=True)
class AccountSpec:
    """A demo account: its role on the node reached by ``place`` (names below the city),
    or on the grid or department of that place named by ``grid`` / ``department``."""

    username: str
    full_name: str
    role: Role
    place: tuple[str, ...] = ()
    grid: str = ""
    department: str = ""
    may_view_full_pii: bool = False


# Published in README.md on purpose: these accounts exist only in demo/dev databases.
DEMO_PASSWORD = "shequgang-demo"
_CHENGDONG = ("离石区", "滨河街道", "城东社区")
_BINDONG = (*_CHENGDONG, "滨东花园小区")

# Exactly the table in README.md ("Demo accounts"). The first one grants the others.
ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec("city_admin", "高文斌", Role.CITY_ADMIN, may_view_full_pii=True),
    AccountSpec("lishi_command", "刘建军", Role.COUNTY_COMMAND, ("离石区",)),
    AccountSpec("binhe_staff", "张丽华", Role.TOWN_STAFF, ("离石区", "滨河街道")),
    AccountSpec(
        "chengdong_secretary",
        "王秀梅",
        Role.COMMUNITY_SECRETARY,
        _CHENGDONG,
        may_view_full_pii=True,
    ),
    AccountSpec("chengdong_worker", "李娜", Role.COMMUNITY_WORKER, _CHENGDONG),
    AccountSpec("chengdong_grid1", "赵晓东", Role.GRID_WORKER, _CHENGDONG, grid="第一网格"),
    AccountSpec("bindong_branch", "孙国强", Role.BRANCH_SECRETARY, _BINDONG),
    AccountSpec("bindong_group1", "马玉兰", Role.PARTY_GROUP_LEADER, (*_BINDONG, "1号楼")),
    AccountSpec(
        "bindong_central", "郝志明", Role.CENTRAL_HOUSEHOLD, (*_BINDONG, "1号楼", "1单元", "101")
    ),
    AccountSpec(
        "lishi_cgj", "冯伟", Role.DEPARTMENT_HANDLER, ("离石区",), department="离石区城市管理局"
    ),
    AccountSpec(
        "jianchang_secretary",
        "任彩霞",
        Role.COMMUNITY_SECRETARY,
        ("汾阳市", "太和桥街道", "建昌社区"),
    ),
)
