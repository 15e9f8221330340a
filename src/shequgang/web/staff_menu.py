"""The staff bottom bar on phones and tablets (below 1024 px): for each role, the four
most used pages, then 更多 (the whole top menu). Data, not logic: changing a role's bar
is one line here.

A user with several roles gets the bar of the first of their roles in ``ROLE_ORDER``;
a superuser without a role gets the city administrator's. Every role's pages are ones
that role may open (``web/tests/test_staff_menu.py`` walks them as the test personas)."""

from __future__ import annotations

from dataclasses import dataclass

from shequgang.people.roles import Role


@dataclass(frozen=True)
class Tab:
    label: str
    url_name: str


TABS: dict[str, Tab] = {
    "home": Tab("工作台", "web:home"),
    "queue": Tab("待办", "cases:queue"),
    "cases": Tab("事项", "cases:case_list"),
    "dispatch": Tab("派遣", "cases:dispatch_queue"),
    "raise": Tab("反映问题", "cases:case_new"),
    "mine": Tab("我的事项", "cases:my_cases"),
    "inbox": Tab("消息", "cases:inbox"),
    "patrol": Tab("巡查", "grid:patrol"),
    "residents": Tab("居民", "people:resident_list"),
    "deliberations": Tab("议事", "deliberations:list"),
    "party": Tab("党建", "party:home"),
    "dashboard": Tab("指挥中心", "dashboard:home"),
    "points": Tab("积分", "points:mine"),
}

ROLE_TABS: dict[str, tuple[str, ...]] = {
    Role.CITY_ADMIN: ("home", "dashboard", "cases", "residents"),
    Role.COUNTY_COMMAND: ("home", "dashboard", "dispatch", "cases"),
    Role.TOWN_STAFF: ("home", "queue", "cases", "residents"),
    Role.COMMUNITY_SECRETARY: ("home", "queue", "cases", "residents"),
    Role.COMMUNITY_WORKER: ("home", "queue", "cases", "residents"),
    Role.GRID_WORKER: ("home", "patrol", "cases", "residents"),
    Role.BRANCH_SECRETARY: ("home", "queue", "deliberations", "party"),
    Role.PARTY_GROUP_LEADER: ("home", "queue", "deliberations", "party"),
    Role.CENTRAL_HOUSEHOLD: ("home", "queue", "raise", "inbox"),
    Role.DEPARTMENT_HANDLER: ("home", "queue", "inbox", "mine"),
}
# Signed in without a staff role.
NO_ROLE_TABS: tuple[str, ...] = ("home", "raise", "mine", "points")

# Whose bar a user with several roles gets: the first of theirs in this order.
ROLE_ORDER: tuple[str, ...] = (
    Role.CITY_ADMIN,
    Role.COUNTY_COMMAND,
    Role.TOWN_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.COMMUNITY_WORKER,
    Role.GRID_WORKER,
    Role.BRANCH_SECRETARY,
    Role.PARTY_GROUP_LEADER,
    Role.CENTRAL_HOUSEHOLD,
    Role.DEPARTMENT_HANDLER,
)


def tabs_for(roles: set[str], *, superuser: bool = False) -> list[Tab]:
    """The bar's pages (without 更多) for a user holding ``roles``."""
    for role in ROLE_ORDER:
        if role in roles:
            return [TABS[key] for key in ROLE_TABS[role]]
    if superuser:
        return [TABS[key] for key in ROLE_TABS[Role.CITY_ADMIN]]
    return [TABS[key] for key in NO_ROLE_TABS]
