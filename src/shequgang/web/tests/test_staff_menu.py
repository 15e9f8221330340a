"""The staff bottom bar (web/staff_menu.py): each role's tabs are pages that role may
open, the bar is rendered on every signed-in page with 更多 pointing at the whole menu,
and a user with several roles gets the first role's bar."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequgang.people.roles import Role
from shequgang.testing import build_world
from shequgang.web.staff_menu import NO_ROLE_TABS, ROLE_TABS, TABS, tabs_for

pytestmark = pytest.mark.django_db

PERSONA_OF_ROLE = {
    Role.CITY_ADMIN: "city_admin",
    Role.COUNTY_COMMAND: "county_a_command",
    Role.TOWN_STAFF: "town_a_staff",
    Role.COMMUNITY_SECRETARY: "secretary_a",
    Role.COMMUNITY_WORKER: "worker_a",
    Role.GRID_WORKER: "grid_a1",
    Role.BRANCH_SECRETARY: "branch_a",
    Role.PARTY_GROUP_LEADER: "group_a1",
    Role.CENTRAL_HOUSEHOLD: "central_a1",
    Role.DEPARTMENT_HANDLER: "dept_handler",
}


def test_every_role_has_a_bar_of_four_plus_more():
    assert set(ROLE_TABS) == set(Role.values)
    for keys in [*ROLE_TABS.values(), NO_ROLE_TABS]:
        assert len(keys) == 4 and all(k in TABS for k in keys)


def test_each_role_may_open_every_page_of_its_bar(client):
    # Given the personas of the test world
    world = build_world()
    for role, persona in PERSONA_OF_ROLE.items():
        client.force_login(world.users[persona])
        # When the persona opens the pages of their role's bar
        for key in ROLE_TABS[role]:
            response = client.get(reverse(TABS[key].url_name))
            # Then each answers (the grid worker's 巡查 and the command centre redirect
            # to the persona's own grid / county)
            assert response.status_code in {200, 302}, (persona, key, response.status_code)
            if response.status_code == 302:
                assert client.get(response["Location"]).status_code == 200, (persona, key)


def test_the_bar_is_on_the_page_with_more_opening_the_menu(client):
    world = build_world()
    client.force_login(world.users["grid_a1"])
    html = client.get(reverse("cases:case_list")).content.decode()
    bar = html[html.index('<nav class="tabbar"') :]
    labels = ["工作台", "巡查", "事项", "居民", "更多"]
    positions = [bar.index(f">{label}</a>") for label in labels]
    assert positions == sorted(positions)
    assert 'href="#staff-menu"' in bar and 'id="staff-menu"' in html
    # the current page is marked
    assert f'href="{reverse("cases:case_list")}" aria-current="page">事项' in bar


def test_anonymous_pages_have_no_bar(client):
    assert 'class="tabbar"' not in client.get(reverse("web:login")).content.decode()


def test_several_roles_take_the_first_roles_bar():
    labels = [t.label for t in tabs_for({Role.PARTY_GROUP_LEADER, Role.GRID_WORKER})]
    assert labels == ["工作台", "巡查", "事项", "居民"]
    assert [t.label for t in tabs_for(set(), superuser=True)][1] == "指挥中心"
    assert [t.label for t in tabs_for(set())] == ["工作台", "反映问题", "我的事项", "积分"]
