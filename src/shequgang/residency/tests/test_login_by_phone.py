"""Residents sign in with their phone or their username; the lockout counts the phone
door like the username door."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from shequgang.residency.tests.factories import PASSWORD, registered
from shequgang.testing import World

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str, ip: str = "10.0.0.9") -> int:
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    ).status_code


def test_a_resident_signs_in_by_phone_in_any_usual_form(world: World, client: Client) -> None:
    account = registered(world.household_a1, phone="13912345670")
    for typed in ("13912345670", "139 1234 5670", "+8613912345670"):
        client.logout()
        assert login(client, typed, PASSWORD) == 302
        assert client.session[SESSION_KEY] == str(account.user.pk)


def test_and_by_username(world: World, client: Client) -> None:
    account = registered(world.household_a1, phone="13912345671")
    assert login(client, account.user.username, PASSWORD) == 302
    assert client.session[SESSION_KEY] == str(account.user.pk)


def test_a_wrong_password_or_unknown_phone_does_not_sign_in(world: World, client: Client) -> None:
    registered(world.household_a1, phone="13912345672")
    assert login(client, "13912345672", "not-the-password") == 200
    assert login(client, "13912345679", PASSWORD) == 200
    assert SESSION_KEY not in client.session


def test_five_wrong_passwords_by_phone_lock_it_even_for_the_right_one(
    world: World, client: Client
) -> None:
    registered(world.household_a1, phone="13912345673")
    statuses = [login(client, "13912345673", "wrong-guess-000") for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert login(client, "13912345673", PASSWORD) == 429
    assert SESSION_KEY not in client.session
    # Another address is not locked.
    assert login(client, "13912345673", PASSWORD, ip="10.0.0.10") == 302


def test_spelling_the_phone_differently_buys_no_more_tries(world: World, client: Client) -> None:
    registered(world.household_a1, phone="13912345674")
    spellings = ["13912345674", "139 1234 5674", "+86 139 1234 5674", "+8613912345674"]
    statuses = [login(client, s, "wrong-guess-000") for s in [*spellings, "139-1234-5674"]]
    assert statuses == [200, 200, 200, 200, 429]
    assert login(client, "13912345674", PASSWORD) == 429
