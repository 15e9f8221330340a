"""Login and logout, the staff home, the admin site, and what every page shares:
anonymous visitors go to the login page (except the public front at "/") and no asset
comes from outside."""

import re

import pytest
from django.test import Client
from django.urls import reverse


def _login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_login_with_password_lands_on_home_with_the_users_roots(client, world):
    response = client.post(reverse("web:login"), {"username": "secretary_a", "password": "x"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")

    home = client.get(reverse("web:home")).content.decode()
    assert "社区书记" in home
    assert f'href="{reverse("places:place_detail", args=[world.community_a.pk])}"' in home


def test_wrong_password_shows_a_chinese_error_and_stays_anonymous(client, world):
    response = client.post(reverse("web:login"), {"username": "secretary_a", "password": "no"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert client.get(reverse("cases:inbox")).status_code == 302  # still anonymous


def test_logout_is_a_post_and_returns_to_login(client, world):
    _login(client, world.users["worker_a"])
    assert client.get(reverse("web:logout")).status_code == 405

    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert client.get(reverse("cases:inbox")).status_code == 302  # signed out


def _page_urls(world):
    r = world.residents["a1"].pk
    return [
        ("GET", reverse("cases:inbox")),  # "/" is the public front for visitors
        ("GET", reverse("places:place_detail", args=[world.household_a1.pk])),
        ("GET", reverse("places:place_edit", args=[world.compound_a.pk])),
        ("GET", reverse("places:place_create", args=[world.compound_a.pk, "building"])),
        ("GET", reverse("places:grid_detail", args=[world.grid_a1.pk])),
        ("GET", reverse("people:resident_list")),
        ("POST", reverse("people:resident_list")),
        ("GET", reverse("people:resident_detail", args=[r])),
        ("GET", reverse("people:resident_create")),
        ("GET", reverse("people:resident_edit", args=[r])),
        ("POST", reverse("people:resident_reveal", args=[r, "id_number"])),
    ]


def test_anonymous_visitors_are_sent_to_login(client, world):
    login = reverse("web:login")
    for method, url in _page_urls(world):
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login}?next="), url


def test_home_lists_the_roots_with_counts_and_residents_in_scope(client, world):
    # Given a community secretary
    _login(client, world.users["secretary_a"])
    # When they open the home page
    html = client.get(reverse("web:home")).content.decode()
    # Then they see their community with what lies below it, and their two residents
    assert "城东社区" in html
    for chip in ("小区 1", "楼栋 2", "单元 1", "户 2"):
        assert chip in html
    assert re.search(r"在册居民 <strong>2</strong>", html)
    assert "汾阳市" not in html and "建昌社区" not in html


def test_grid_worker_home_shows_the_grids_buildings_only(client, world):
    _login(client, world.users["grid_a1"])
    html = client.get(reverse("web:home")).content.decode()
    assert reverse("places:place_detail", args=[world.building_a1.pk]) in html
    assert reverse("places:place_detail", args=[world.building_a2.pk]) not in html
    assert reverse("places:grid_detail", args=[world.grid_a1.pk]) in html
    assert re.search(r"在册居民 <strong>1</strong>", html)


def test_city_admin_home_starts_at_the_city(client, world):
    _login(client, world.users["city_admin"])
    html = client.get(reverse("web:home")).content.decode()
    assert reverse("places:place_detail", args=[world.city.pk]) in html
    assert "县（市、区） 2" in html
    assert reverse("admin:index") in html


@pytest.mark.parametrize("persona", ["nobody", "dept_handler"])
def test_accounts_without_a_place_see_no_tree_and_no_residents(client, world, persona):
    _login(client, world.users[persona])
    html = client.get(reverse("web:home")).content.decode()
    assert "在册居民" not in html
    assert "/places/" not in html
    if persona == "nobody":
        assert "尚未分配角色" in html
    else:
        assert "部门办理人员" in html


def test_pages_load_no_outside_asset(client, world):
    _login(client, world.users["secretary_a"])
    html = client.get(reverse("web:home")).content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(s.startswith("/static/") for s in scripts)


def test_admin_site_is_for_city_admins_only(client, world):
    # Given a city administrator (made a superuser by role_grant)
    _login(client, world.users["city_admin"])
    # Then the admin site opens, and lists residents masked
    assert client.get(reverse("admin:index")).status_code == 200
    changelist = client.get(reverse("admin:people_resident_changelist"))
    assert changelist.status_code == 200
    assert world.residents["a1"].id_number_masked in changelist.content.decode()

    # And a community secretary is sent to the admin login instead
    other = Client()
    _login(other, world.users["secretary_a"])
    response = other.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert other.get(reverse("admin:people_resident_changelist")).status_code == 302
