"""A session ends after 8 hours without a request; any request before that keeps it."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from shequgang.accounts.sessions import SEEN

EIGHT_HOURS = 8 * 3600


@pytest.fixture
def signed_in(db: None) -> Client:
    client = Client()
    client.post("/login/", {"username": "clerk", "password": "pw-long-enough"})
    return client


@pytest.fixture(autouse=True)
def clerk(db: None) -> User:
    return User.objects.create_user("clerk", password="pw-long-enough")


# A page only signed-in people see ("/" is the public front for visitors).
PAGE = "/inbox/"


def idle_for(client: Client, seconds: int) -> None:
    """Time passes: the session's last request becomes ``seconds`` older."""
    session = client.session
    session[SEEN] = int(timezone.now().timestamp()) - seconds
    session.save()


def test_the_defaults_are_eight_hours(settings):
    assert settings.SESSION_IDLE_MINUTES == 8 * 60
    assert settings.SESSION_COOKIE_AGE == EIGHT_HOURS


def test_a_session_idle_just_under_eight_hours_lives_on(signed_in):
    idle_for(signed_in, EIGHT_HOURS - 1)
    assert signed_in.get(PAGE).status_code == 200
    # and the request counted as activity
    assert int(timezone.now().timestamp()) - signed_in.session[SEEN] < 5


def test_a_session_idle_eight_hours_is_signed_out(signed_in):
    idle_for(signed_in, EIGHT_HOURS)
    response = signed_in.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert SESSION_KEY not in signed_in.session


def test_the_api_session_ends_the_same_way(signed_in):
    idle_for(signed_in, EIGHT_HOURS)
    response = signed_in.get("/api/v1/tokens")
    assert response.status_code == 401


def test_requests_within_a_minute_do_not_rewrite_the_session(signed_in):
    idle_for(signed_in, 30)
    seen = signed_in.session[SEEN]
    signed_in.get(PAGE)
    assert signed_in.session[SEEN] == seen
    idle_for(signed_in, 61)
    signed_in.get(PAGE)
    assert signed_in.session[SEEN] > seen


def test_the_idle_span_is_configurable(signed_in, settings):
    settings.SESSION_IDLE_MINUTES = 30
    idle_for(signed_in, 30 * 60)
    assert signed_in.get(PAGE).status_code == 302
