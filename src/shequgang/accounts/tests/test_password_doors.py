"""Every place that accepts a password counts a wrong one towards the same lockout and
audits it: the web login, the admin login, the admin's change-password page, and the
password typed again before a reveal (page and API)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

from shequgang.audit.models import AuditEntry
from shequgang.testing import World

RIGHT = "x"  # the test world's password
WRONG = "not-the-password"
IP = "10.0.0.9"
NEW = "新密码-2026-长一些"


def _login(client: Client, world: World, password: str):
    return client.post("/login/", {"username": "secretary_a", "password": password}, REMOTE_ADDR=IP)


def _admin_login(client: Client, world: World, password: str):
    return client.post(
        "/admin/login/", {"username": "secretary_a", "password": password}, REMOTE_ADDR=IP
    )


def _password_change(client: Client, world: World, password: str):
    client.force_login(world.users["secretary_a"])
    body = {"old_password": password, "new_password1": NEW, "new_password2": NEW}
    return client.post("/admin/password_change/", body, REMOTE_ADDR=IP)


def _reveal_page(client: Client, world: World, password: str):
    client.force_login(world.users["secretary_a"])
    url = f"/residents/{world.residents['a1'].pk}/reveal/phone/"
    return client.post(url, {"password": password}, REMOTE_ADDR=IP)


def _confirm_api(client: Client, world: World, password: str):
    client.force_login(world.users["secretary_a"])
    return client.post(
        "/api/v1/auth/confirm-password",
        json.dumps({"password": password}),
        content_type="application/json",
        REMOTE_ADDR=IP,
    )


DOORS: dict[str, Callable[..., Any]] = {
    "web login": _login,
    "admin login": _admin_login,
    "admin password change": _password_change,
    "reveal page": _reveal_page,
    "confirm-password API": _confirm_api,
}


@pytest.fixture
def staff_world(world: World) -> World:
    secretary = world.users["secretary_a"]
    secretary.is_staff = True  # so the admin doors open to it
    secretary.save(update_fields=["is_staff"])
    return world


@pytest.mark.parametrize("door", sorted(DOORS))
def test_a_wrong_password_is_counted_and_audited(staff_world, door):
    # when a wrong password is typed at the door
    DOORS[door](Client(), staff_world, WRONG)
    # then axes counted it for the pair and the log says so
    (row,) = AccessAttempt.objects.all()
    assert (row.username, row.ip_address, row.failures_since_start) == ("secretary_a", IP, 1)
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.changes["username"] == [None, "secretary_a"]


@pytest.mark.parametrize("door", sorted(DOORS))
def test_once_locked_every_door_refuses_the_right_password(staff_world, door):
    # given the pair locked through the web login
    for _ in range(5):
        _login(Client(), staff_world, WRONG)
    # when the right password is typed at any door
    response = DOORS[door](Client(), staff_world, RIGHT)
    # then it is refused with the lockout answer
    assert response.status_code in {200, 429}
    body = response.json()["message"] if door.endswith("API") else response.content.decode()
    assert "暂停登录" in body, door
    assert AuditEntry.objects.filter(action="login.refused_locked").count() == 1


@pytest.mark.parametrize("door", sorted(DOORS))
def test_no_password_is_kept_in_the_failure_counters(staff_world, door):
    # when a wrong password is typed at the door (the change form also carries a new one)
    DOORS[door](Client(), staff_world, WRONG)
    # then neither appears in what axes stores about the attempt
    (row,) = AccessAttempt.objects.values()
    stored = repr(row)
    assert WRONG not in stored and NEW not in stored


def test_the_password_change_is_audited(staff_world):
    client = Client()
    response = _password_change(client, staff_world, RIGHT)
    assert response.status_code == 302
    secretary = User.objects.get(username="secretary_a")
    assert secretary.check_password(NEW)
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.actor == secretary and entry.object_id == str(secretary.pk)
