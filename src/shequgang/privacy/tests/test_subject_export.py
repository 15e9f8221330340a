"""The data-subject copy (PIPL Art. 45): everything held about one resident, decrypted,
only for staff with the full-view grant in scope, audited with counts and no content."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from shequgang.apikit.testing import api_client
from shequgang.audit.models import AuditEntry
from shequgang.people.models import Resident

from .conftest import RAISER_PHONE, VETERAN_ID, plaintexts, submit_application


def _unzip(content: bytes) -> Any:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "subject.json"]
        return json.loads(archive.read("subject.json"))


def test_export_holds_everything_decrypted_and_is_audited(world, subject):
    # given resident a1 with a linked account, a case, a notification, a points account
    # and a veterans application under their ID number
    application = submit_application(world)
    api = api_client(world.users["secretary_a"], "session")
    assert api.post("/auth/confirm-password", {"password": "x"}).status_code == 200

    # when the community secretary (full-view grant) exports their data
    response = api.post(
        f"/residents/{subject.resident.pk}/subject-export", {"requester": "subject"}
    )

    # then the zip holds the decrypted register entry and the data the other apps hold
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    data = _unzip(response.content)
    resident = data["resident"]
    assert (resident["name"], resident["id_number"]) == ("居民a1", VETERAN_ID)
    assert resident["phone"] == "+8613800000001"
    assert resident["address"] == "山西省吕梁市离石区滨河北路1号"
    assert [a["username"] for a in data["accounts"]] == ["zhang"]
    assert data["accounts"][0]["api_tokens"][0]["name"] == "手机"
    assert "key_hash" not in json.dumps(data)
    [case] = data["cases_raised"]
    assert (case["number"], case["raiser_phone"]) == (subject.case.number, "+86" + RAISER_PHONE)
    assert case["events"]
    assert [n["title"] for n in data["notifications"]] == ["您的事项已受理"]
    assert data["points_accounts"][0]["balance"] == 0
    [app] = data["veterans_applications"]
    assert (app["reference"], app["id_number"]) == (application.reference, VETERAN_ID)
    assert {a["action"] for a in data["audit"]} >= {"resident.create", "resident.update"}
    # and one audit row says it happened, with counts only — no personal data
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor, entry.object_id) == (
        "resident.subject_export",
        world.users["secretary_a"],
        str(subject.resident.pk),
    )
    assert entry.changes["cases_raised"] == [None, 1]
    assert entry.changes["requester"] == [None, "subject"]
    dumped = json.dumps([entry.changes, entry.object_repr], ensure_ascii=False)
    assert not any(v in dumped for v in plaintexts(subject.resident))
    assert "居民a1" not in dumped


@pytest.mark.parametrize("persona", ["worker_a", "grid_a1"])
def test_export_without_the_full_view_grant_is_forbidden_and_not_logged(world, subject, persona):
    # given staff who see resident a1 but hold no full-view grant
    audits = AuditEntry.objects.count()

    # when they ask for the copy
    response = api_client(world.users[persona]).post(
        f"/residents/{subject.resident.pk}/subject-export", {"requester": "subject"}
    )

    # then 403 with the error shape, and nothing is logged
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("persona", ["secretary_b", "grid_a2", "dept_handler", "nobody"])
def test_export_outside_scope_is_the_same_404_as_missing(world, subject, persona):
    # given a persona for whom resident a1 is out of scope
    api = api_client(world.users[persona])
    missing = Resident.objects.order_by("-pk")[0].pk + 1000

    # when they ask for a1's copy, and for a resident that does not exist
    outside = api.post(f"/residents/{subject.resident.pk}/subject-export", {"requester": "subject"})
    absent = api.post(f"/residents/{missing}/subject-export", {"requester": "subject"})

    # then both answers are the same 404
    assert outside.status_code == absent.status_code == 404
    assert outside.json() == absent.json()


def test_tokens_cannot_export(world, subject):
    api = api_client(world.users["secretary_a"], "token")
    response = api.post(
        f"/residents/{subject.resident.pk}/subject-export", {"requester": "subject"}
    )
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert not AuditEntry.objects.filter(action="resident.subject_export").exists()


def test_export_page_button_downloads_the_zip(client, world, subject):
    # given the secretary on the resident's page
    client.force_login(world.users["secretary_a"])
    page = client.get(f"/residents/{subject.resident.pk}/")
    assert f"/residents/{subject.resident.pk}/subject-export/" in page.content.decode()

    # when they press the export button (a POST: it writes an audit row)
    assert client.get(f"/residents/{subject.resident.pk}/subject-export/").status_code == 405
    response = client.post(
        f"/residents/{subject.resident.pk}/subject-export/",
        {"requester": "subject", "password": "x"},
    )

    # then the zip comes back, audited
    assert response.status_code == 200
    assert _unzip(response.content)["resident"]["id_number"] == VETERAN_ID
    assert AuditEntry.objects.latest("id").action == "resident.subject_export"


def test_export_needs_to_say_who_asked(world, subject):
    # given the secretary
    api = api_client(world.users["secretary_a"])
    audits = AuditEntry.objects.count()

    # when the request names no requester, or an unknown one
    missing = api.post(f"/residents/{subject.resident.pk}/subject-export", {})
    unknown = api.post(f"/residents/{subject.resident.pk}/subject-export", {"requester": "x"})

    # then 422, nothing exported, nothing logged
    assert missing.status_code == unknown.status_code == 422
    assert AuditEntry.objects.count() == audits


def test_export_page_hidden_and_refused_without_the_grant(client, world, subject):
    # given a community worker without the full-view grant
    client.force_login(world.users["worker_a"])

    # when they open the page and try the export anyway
    page = client.get(f"/residents/{subject.resident.pk}/").content.decode()
    response = client.post(
        f"/residents/{subject.resident.pk}/subject-export/", {"requester": "subject"}
    )

    # then no button, and the export is refused
    assert "subject-export" not in page
    assert response.status_code == 403
