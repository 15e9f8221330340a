"""The demo's published password opens nothing once SHEQUGANG_DEMO is off: the start-up
check refuses to run with an account still holding it, the login refuses it, and nobody
can be given it again."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from shequgang.audit.models import AuditEntry
from shequgang.demo.checks import DEMO_PASSWORD_IN_USE, demo_password_outside_demo
from shequgang.demo.staff import DEMO_PASSWORD


def demo_accounts(*usernames: str) -> None:
    """Accounts as ``loaddemo`` makes them: the password hashed once, shared."""
    shared = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(User(username=u, password=shared) for u in usernames)


def log_in(username: str, password: str) -> Client:
    client = Client()
    client.post("/login/", {"username": username, "password": password})
    return client


def test_start_up_is_refused_while_a_demo_account_remains(db, settings):
    # given a database loaded by the demo, now started outside demo mode
    settings.DEMO_MODE = False
    demo_accounts("city_admin", "chengdong_secretary", "grid_0001")
    # when the project is checked (as `serve`, `migrate` and `check --deploy` do)
    (error,) = demo_password_outside_demo()
    # then it is an error naming the accounts, and the check command fails
    assert error.id == DEMO_PASSWORD_IN_USE and error.is_serious()
    assert "3 active accounts" in error.msg and "city_admin" in error.msg
    with pytest.raises(SystemCheckError, match=DEMO_PASSWORD_IN_USE):
        call_command("check")


def test_a_persona_alone_with_the_demo_password_is_found(db, settings):
    settings.DEMO_MODE = False
    User.objects.create_user("city_admin", password=DEMO_PASSWORD)
    assert [e.id for e in demo_password_outside_demo()] == [DEMO_PASSWORD_IN_USE]


def test_start_up_passes_once_the_passwords_are_changed_or_the_accounts_disabled(db, settings):
    settings.DEMO_MODE = False
    demo_accounts("city_admin", "grid_0001", "grid_0002")
    admin = User.objects.get(username="city_admin")
    admin.set_password("a-new-long-password-2026")
    admin.save()
    User.objects.filter(username__startswith="grid_").update(is_active=False)
    assert demo_password_outside_demo() == []
    call_command("check")


def test_demo_mode_accepts_the_demo_database(db, settings):
    settings.DEMO_MODE = True
    demo_accounts("city_admin", "chengdong_secretary")
    assert demo_password_outside_demo() == []
    client = log_in("city_admin", DEMO_PASSWORD)
    assert SESSION_KEY in client.session


def test_outside_demo_mode_the_demo_password_does_not_log_in(db, settings):
    # given an account that still holds the demo password (e.g. set by hand later)
    settings.DEMO_MODE = False
    User.objects.create_user("late_clerk", password=DEMO_PASSWORD)
    # when someone logs in with it
    client = log_in("late_clerk", DEMO_PASSWORD)
    # then the login fails like a wrong password, and is audited as a failure
    assert SESSION_KEY not in client.session
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.changes["username"] == [None, "late_clerk"]


def test_nobody_can_be_given_the_demo_password():
    with pytest.raises(ValidationError, match="演示密码"):
        validate_password(DEMO_PASSWORD)
    validate_password("a-new-long-password-2026")
