"""API keys per client: issued in the admin, shown once, stored as a hash; re-issuing
revokes the old key; only a platform administrator issues keys."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.messages import get_messages

from shequgang.audit.models import AuditEntry
from shequgang.errors import Forbidden
from shequgang.open311.models import Open311Client
from shequgang.open311.params import Open311Error
from shequgang.open311.services import client_for_key, client_issue_key

from .conftest import A1, BASE


def _key_from(response) -> str:
    [message] = [str(m) for m in get_messages(response.wsgi_request) if "API 密钥" in str(m)]
    return message.rsplit("：", 1)[1]


def test_adding_a_client_in_the_admin_shows_its_key_once(located, web):
    web.force_login(located.admin)
    response = web.post(
        "/admin/open311/open311client/add/",
        {
            "name": "市民随手拍",
            "contact": "张工",
            "jurisdiction": located.county_a.pk,
            "active": "on",
            "daily_limit": "500",
        },
    )
    assert response.status_code == 302
    key = _key_from(response)
    client = Open311Client.objects.get()
    assert key.startswith("o311_") and client.key_prefix == key[:12]
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(Open311Client.objects.values().get())  # only the hash is kept
    assert AuditEntry.objects.filter(action="open311.key_issue", object_id=str(client.pk)).exists()
    # The page after saving shows the key once; from then on only its prefix.
    assert key in web.get("/admin/open311/open311client/").content.decode()
    page = web.get("/admin/open311/open311client/").content.decode()
    assert client.key_prefix in page and key not in page
    # The key works for a POST.
    posted = web.post(
        f"{BASE}/requests.json",
        {"api_key": key, "service_code": "street_light", "lat": str(A1[0]), "long": str(A1[1])},
    )
    assert posted.status_code == 200


def test_reissuing_revokes_the_old_key(located, web):
    client = Open311Client.objects.create(name="App", jurisdiction=located.city)
    old = client_issue_key(actor=located.admin, client=client)
    web.force_login(located.admin)
    response = web.post(
        "/admin/open311/open311client/",
        {"action": "reissue_keys", "_selected_action": [client.pk]},
    )
    new = _key_from(response)
    assert new != old
    assert client_for_key(new) == client
    with pytest.raises(Open311Error) as err:
        client_for_key(old)
    assert (err.value.status, err.value.code) == (403, "api_key_invalid")


def test_only_a_platform_administrator_issues_keys(located):
    client = Open311Client.objects.create(name="App", jurisdiction=located.city)
    for actor in (None, located.users["county_a_command"], located.users["secretary_a"]):
        with pytest.raises(Forbidden):
            client_issue_key(actor=actor, client=client)
    assert Open311Client.objects.get().key_hash == ""


def test_a_client_without_a_key_matches_no_key(located):
    Open311Client.objects.create(name="Keyless", jurisdiction=located.city)
    for key in ("", "o311_"):
        with pytest.raises(Open311Error) as err:
            client_for_key(key)
        assert err.value.status == 403
