"""Full personal data needs the password typed again within 15 minutes: the API answers
403 reauth_required until ``POST /auth/confirm-password``; tokens cannot reveal; a wrong
confirmation counts towards the lockout; every confirmation is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import timezone

from shequgang.api import api
from shequgang.apikit.testing import api_client
from shequgang.audit.models import AuditEntry
from shequgang.people import pii

CONFIRM = "/auth/confirm-password"


def reveal_path(world) -> str:
    return f"/residents/{world.residents['a1'].pk}/reveal"


def reveals() -> int:
    return AuditEntry.objects.filter(action__startswith="resident.reveal_").count()


def age_confirmation(api_session, by: dt.timedelta) -> None:
    """Time passes: the session's confirmation becomes ``by`` older."""
    session = api_session.client.session
    session["_reauth"] = {**session["_reauth"], "at": session["_reauth"]["at"] - by.total_seconds()}
    session.save()


def test_a_session_reveal_needs_the_password_again(world):
    # given a secretary signed in an hour ago, granted full view
    secretary = api_client(world.users["secretary_a"], "session")
    # when she asks for a phone number without confirming
    refused = secretary.post(reveal_path(world), {"field": "phone"})
    # then she is told how to confirm, and nothing is revealed
    assert refused.status_code == 403
    assert refused.json()["code"] == "reauth_required"
    assert refused.json()["confirm_url"] == "/api/v1/auth/confirm-password"
    assert "再次输入密码" in refused.json()["message"]
    assert reveals() == 0
    # when she confirms her password
    confirmed = secretary.post(CONFIRM, {"password": "x"})
    # then the confirmation is audited and holds for 15 minutes
    assert confirmed.status_code == 200
    until = dt.datetime.fromisoformat(confirmed.json()["confirmed_until"])
    assert abs(until - (timezone.now() + dt.timedelta(minutes=15))) < dt.timedelta(seconds=5)
    entry = AuditEntry.objects.get(action="session.reauth")
    assert entry.actor == world.users["secretary_a"]
    # and the reveal answers
    response = secretary.post(reveal_path(world), {"field": "phone"})
    assert response.status_code == 200 and response.json()["value"] == "13800000001"
    assert reveals() == 1


def test_the_confirmation_lasts_fifteen_minutes(world):
    secretary = api_client(world.users["secretary_a"], "session")
    assert secretary.post(CONFIRM, {"password": "x"}).status_code == 200
    # at 14:59 it still holds
    age_confirmation(secretary, dt.timedelta(minutes=15) - dt.timedelta(seconds=1))
    assert secretary.post(reveal_path(world), {"field": "phone"}).status_code == 200
    # at 15:00 it no longer does
    age_confirmation(secretary, dt.timedelta(seconds=1))
    response = secretary.post(reveal_path(world), {"field": "phone"})
    assert (response.status_code, response.json()["code"]) == (403, "reauth_required")


def test_a_wrong_confirmation_is_refused_and_five_lock_the_pair(world):
    secretary = api_client(world.users["secretary_a"], "session")
    answers = [secretary.post(CONFIRM, {"password": "guess"}) for _ in range(5)]
    assert [a.status_code for a in answers] == [403] * 4 + [429]
    assert answers[0].json()["code"] == "password_incorrect"
    assert answers[4].json()["code"] == "locked_out"
    assert "暂停登录" in answers[4].json()["message"]
    # the right password is refused while locked, and nothing can be revealed
    assert secretary.post(CONFIRM, {"password": "x"}).status_code == 429
    assert secretary.post(reveal_path(world), {"field": "phone"}).status_code == 403
    assert reveals() == 0
    assert AuditEntry.objects.filter(action="login.failed").count() == 5


def test_tokens_cannot_confirm_or_reveal(world):
    system = api_client(world.users["secretary_a"], "token")
    confirm = system.post(CONFIRM, {"password": "x"})
    assert (confirm.status_code, confirm.json()["code"]) == (403, "forbidden")
    response = system.post(reveal_path(world), {"field": "id_number"})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert pii.decrypt(world.residents["a1"].id_number_cipher) not in response.content.decode()
    assert reveals() == 0


def test_no_password_is_asked_of_someone_never_allowed(world):
    worker = api_client(world.users["worker_a"], "session")
    response = worker.post(reveal_path(world), {"field": "phone"})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_the_page_prompt_locks_out_like_a_login(client, world):
    client.force_login(world.users["secretary_a"])
    url = f"/residents/{world.residents['a1'].pk}/reveal/phone/"
    for _ in range(4):
        wrong = client.post(url, {"password": "guess"}, HTTP_HX_REQUEST="true")
        assert "密码不正确" in wrong.content.decode()
    locked = client.post(url, {"password": "guess"}, HTTP_HX_REQUEST="true")
    # htmx swaps only 2xx answers: the lockout comes as a 200 fragment
    assert locked.status_code == 200 and "暂停登录" in locked.content.decode()
    right = client.post(url, {"password": "x"}, HTTP_HX_REQUEST="true")
    assert "13800000001" not in right.content.decode()
    assert reveals() == 0


def test_the_subject_export_asks_for_the_password_like_a_reveal(client, world):
    a1 = world.residents["a1"]
    # through the API: reauth_required until confirmed
    secretary = api_client(world.users["secretary_a"], "session")
    path = f"/residents/{a1.pk}/subject-export"
    refused = secretary.post(path, {"requester": "subject"})
    assert (refused.status_code, refused.json()["code"]) == (403, "reauth_required")
    # on the page: without the password, back to the resident with a message, no file
    client.force_login(world.users["secretary_a"])
    page = client.post(f"{path}/", {"requester": "subject"})
    assert page.status_code == 302 and page["Location"] == f"/residents/{a1.pk}/"
    wrong = client.post(f"{path}/", {"requester": "subject", "password": "guess"})
    assert wrong.status_code == 302
    assert not AuditEntry.objects.filter(action="resident.subject_export").exists()
    assert AuditEntry.objects.filter(action="login.failed").count() == 1
    right = client.post(f"{path}/", {"requester": "subject", "password": "x"})
    assert right.status_code == 200 and right["Content-Type"] == "application/zip"


# Every route that answers with full personal data, and how this file covers it. A new
# one fails the test below until it asks for the password again and is listed here.
REVEAL_ROUTES = {
    "people:resident_reveal",
    "POST /api/v1/residents/{resident_id}/reveal",
    "privacy:subject_export",
    "POST /api/v1/residents/{resident_id}/subject-export",
}
FULL_DATA_WORDS = ("reveal", "subject_export", "subject-export")


def _page_routes(patterns, namespace: str = "") -> set[str]:
    found: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found |= _page_routes(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name and any(w in p.name for w in FULL_DATA_WORDS):
            found.add(f"{namespace}{p.name}")
    return found


@pytest.mark.django_db
def test_every_reveal_route_is_known_to_the_reauth_tests():
    pages = {
        name for name in _page_routes(get_resolver().url_patterns) if not name.startswith("api:")
    }
    schema = api.get_openapi_schema()
    endpoints = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if any(w in path for w in FULL_DATA_WORDS)
    }
    assert pages | endpoints == REVEAL_ROUTES
