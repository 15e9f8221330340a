"""Brute force on the password doors: five failures per (username, address) lock that
pair for fifteen minutes, on the web login and the admin login alike; every failure and
lockout is audited with the username tried and never the password."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client

from shequgang.audit.models import AuditEntry

RIGHT = "right-horse-battery"
WRONG = "wrong-guess-0000"
HOME = "/"


@pytest.fixture
def clerk(db: None) -> User:
    return User.objects.create_user("clerk", password=RIGHT)


def attempt(
    client: Client, password: str, *, username: str = "clerk", ip: str = "10.0.0.7",
    url: str = "/login/", **meta: Any,
):  # fmt: skip
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip, **meta)


def fail(client: Client, times: int, **kwargs):
    return [attempt(client, WRONG, **kwargs) for _ in range(times)]


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def age_failures(by: dt.timedelta) -> None:
    """Time passes: the stored failures become ``by`` older (no sleeping)."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def test_four_failures_do_not_lock(client, clerk):
    # given four wrong passwords in a row
    responses = fail(client, 4)
    assert [r.status_code for r in responses] == [200] * 4
    # when the fifth attempt has the right one
    response = attempt(client, RIGHT)
    # then the clerk is in
    assert response.status_code == 302 and signed_in(client)


def test_fifth_failure_locks_and_then_even_the_right_password_is_refused(client, clerk):
    # given four failures
    fail(client, 4)
    # when the fifth fails too
    fifth = attempt(client, WRONG)
    # then the answer is the lockout page, in Chinese, saying when and whom to call
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "密码连续输错 5 次" in page and "15 分钟" in page
    assert settings.LOCKOUT_CONTACT in page
    assert int(fifth["Retry-After"]) in range(15 * 60 - 5, 15 * 60 + 1)
    # and the sixth attempt, with the right password, is refused without signing in
    sixth = attempt(client, RIGHT)
    assert sixth.status_code == 429 and not signed_in(client)


def test_the_lockout_ends_after_fifteen_minutes(client, clerk):
    # given a locked pair
    fail(client, 5)
    # when 14:59 have passed, the right password is still refused
    age_failures(dt.timedelta(minutes=15) - dt.timedelta(seconds=1))
    assert attempt(client, RIGHT).status_code == 429
    assert not signed_in(client)
    # when the fifteenth minute is over, it is accepted
    age_failures(dt.timedelta(seconds=1))
    response = attempt(client, RIGHT)
    assert response.status_code == 302 and signed_in(client)


def test_another_address_or_another_username_is_not_locked(clerk):
    User.objects.create_user("colleague", password=RIGHT)
    attacker = Client()
    fail(attacker, 5, ip="10.0.0.7")
    assert attempt(attacker, RIGHT, ip="10.0.0.7").status_code == 429
    # the clerk at another desk
    elsewhere = Client()
    assert attempt(elsewhere, RIGHT, ip="10.0.0.8").status_code == 302
    assert signed_in(elsewhere)
    # a colleague at the attacker's address
    colleague = Client()
    assert attempt(colleague, RIGHT, username="colleague", ip="10.0.0.7").status_code == 302
    assert signed_in(colleague)


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client, clerk):
    # given five failures, each claiming another client address in X-Forwarded-For
    for n in range(5):
        attempt(client, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    # then the peer address is locked all the same
    response = attempt(client, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert response.status_code == 429 and not signed_in(client)


def test_the_admin_login_and_the_web_login_share_one_count(client, clerk):
    clerk.is_staff = True
    clerk.save()
    fail(client, 3, url="/login/")
    fail(client, 2, url="/admin/login/")
    response = attempt(client, RIGHT, url="/admin/login/")
    assert response.status_code == 429 and not signed_in(client)
    assert attempt(client, RIGHT, url="/login/").status_code == 429


def test_each_failure_and_the_lockout_are_audited_without_the_password(client, clerk):
    # given five failures and one more attempt while locked
    fail(client, 5)
    attempt(client, WRONG)
    # then the log holds five failures, one lockout and one refused attempt
    entries = list(AuditEntry.objects.filter(object_type="login").order_by("id"))
    assert [e.action for e in entries] == ["login.failed"] * 5 + [
        "login.locked_out",
        "login.refused_locked",
    ]
    assert {e.changes["username"][1] for e in entries} == {"clerk"}
    assert {e.ip for e in entries} == {"10.0.0.7"}
    assert [e.changes["failures"][1] for e in entries[:5]] == [1, 2, 3, 4, 5]
    until = dt.datetime.fromisoformat(entries[5].changes["until"][1])
    assert until - entries[4].at < dt.timedelta(minutes=15, seconds=5)
    # and the password appears nowhere in the log
    for entry in AuditEntry.objects.all():
        assert WRONG not in repr(entry.__dict__)


def test_an_unknown_username_is_audited_as_tried(client, db):
    attempt(client, WRONG, username="admin' --")
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.changes["username"] == [None, "admin' --"]
    assert entry.actor is None


def test_the_admin_unlocks_a_pair_and_the_unlock_is_audited(client, clerk):
    # given a locked clerk
    fail(client, 5)
    root = User.objects.create_superuser("root", password="root-password-long")
    desk = Client()
    desk.force_login(root)
    (row,) = AccessAttempt.objects.all()
    # when the admin runs "unlock" on the row
    response = desk.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [row.pk]}
    )
    # then the pair is unlocked, and the log says who did it
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="login.unlocked")
    assert entry.actor == root
    assert entry.changes == {"username": [None, "clerk"], "address": [None, "10.0.0.7"]}
    assert attempt(client, RIGHT).status_code == 302 and signed_in(client)


def test_the_admin_cannot_delete_counters_without_the_audited_unlock(client, clerk):
    fail(client, 5)
    root = User.objects.create_superuser("root", password="root-password-long")
    desk = Client()
    desk.force_login(root)
    (row,) = AccessAttempt.objects.all()
    response = desk.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert AccessAttempt.objects.filter(pk=row.pk).exists(), response.status_code
    assert (
        desk.post(f"/admin/axes/accessattempt/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    )
