"""POST /api/v1/cases/intake and its status URL: a report is checked like POST /cases,
stored with one INSERT and answered 202; bad input gets the synchronous endpoint's
status and code and writes nothing; retries with a key never queue twice; only the
submitter reads the status."""

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequgang.apikit.models import IdempotencyRecord
from shequgang.apikit.testing import API_PREFIX, VIAS, api_client
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CaseIntake,
    Category,
    IntakeStatus,
    Notification,
)
from shequgang.people.roles import Perm
from shequgang.testing import build_world

from .conftest import PHONE, form_post, intake_form, jpeg_with_gps

pytestmark = pytest.mark.django_db


def intake(client, world, headers=None, **fields):
    return form_post(client, "/cases/intake", intake_form(world, **fields), headers)


def written():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Notification.objects.count(),
        IdempotencyRecord.objects.count(),
        CaseIntake.objects.count(),
    )


# --- Accepting ------------------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_a_report_is_accepted_with_one_row_and_nothing_else(world, via):
    resident = api_client(world.users["nobody"], via)
    before = written()
    response = intake(resident, world, raiser_phone=PHONE, description="三楼")
    assert response.status_code == 202, response.content
    body = response.json()
    row = CaseIntake.objects.get()
    url = f"{API_PREFIX}/cases/intake/{row.pk}"
    assert body == {"intake_id": row.pk, "status": "pending", "status_url": url}
    assert response["Location"] == url
    # Only the intake row: no case, no event, no notification, no idempotency record.
    assert written() == (*before[:4], before[4] + 1)
    assert (row.status, row.submitter, row.idempotency_key) == (
        IntakeStatus.PENDING,
        world.users["nobody"],
        "",
    )
    # Not yet claimed, tried or finished.
    assert (row.claimed_by, row.claimed_at, row.attempts, row.processed_at, row.case) == (
        None,
        None,
        0,
        None,
        None,
    )
    assert (row.error_code, row.error_message) == ("", "")
    payload = row.payload
    assert payload["category"] == Category.objects.get(code="stairwell_light").pk
    assert (payload["place"], payload["title"], payload["source"]) == (
        world.household_a1.pk,
        "楼道灯坏了",
        "resident",
    )
    # The phone is kept as ciphertext only.
    assert PHONE not in str(payload) and payload["raiser_phone_cipher"]


# Queries of one report through a bearer token (already used this minute), in autocommit
# as a server runs it: the token with its user; the place with the category's leaf check;
# the INSERT, which commits by itself — no BEGIN, savepoint or COMMIT around it.
INTAKE_QUERY_BUDGET = 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_stays_within_its_query_budget():
    """Given a resident whose token was used this minute, when they report with an
    Idempotency-Key, then it costs the budget: two reads and the INSERT, nothing else."""
    world = build_world()
    resident = api_client(world.users["nobody"], "token")
    assert intake(resident, world).status_code == 202  # the token's last use is stamped
    with CaptureQueriesContext(connection) as queries:
        response = intake(resident, world, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 202
    sql = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert len(sql) == INTAKE_QUERY_BUDGET, queries.captured_queries
    assert sql == ["SELECT", "SELECT", "INSERT"], queries.captured_queries
    assert CaseIntake.objects.filter(idempotency_key="k-1").count() == 1


def test_photos_belong_to_the_synchronous_door(world):
    resident = api_client(world.users["nobody"])
    before = written()
    response = form_post(
        resident, "/cases/intake", {**intake_form(world), "photos": [jpeg_with_gps()]}
    )
    assert response.status_code == 400 and response.json()["code"] == "photos_not_accepted"
    assert written() == before


def test_staff_report_on_a_residents_behalf_within_their_scope(world):
    grid = api_client(world.users["grid_a1"])
    ok = intake(grid, world, source="grid_patrol", raiser_name="王大爷", raiser_phone=PHONE)
    assert ok.status_code == 202, ok.content
    assert CaseIntake.objects.get().payload["source"] == "grid_patrol"


# --- Bad input: the same answer as POST /cases, nothing written ----------------------------


def _inactive(world):
    Category.objects.filter(code="stairwell_light").update(active=False)
    return {}


BAD: dict[str, tuple[str | None, Any]] = {
    "missing place": ("nobody", {"place": 999_999}),
    "unknown category": ("nobody", {"category": "no_such_thing"}),
    "parent category": ("nobody", {"category": "municipal"}),
    "inactive category": ("nobody", _inactive),
    "place above a community": ("nobody", lambda w: {"place": w.town_a.pk}),
    "blank title": ("nobody", {"title": "   "}),
    "missing title": ("nobody", {"title": None}),
    "title too long": ("nobody", {"title": "x" * 101}),
    "bad phone": ("nobody", {"raiser_phone": "123"}),
    "latitude out of range": ("nobody", {"latitude": "91"}),
    "place id not a number": ("nobody", {"place": "abc"}),
    "control character": ("nobody", {"description": "a\x00b"}),
    "source no client may use": ("nobody", {"source": "camera"}),
    "resident claiming a staff door": ("nobody", {"source": "hotline"}),
    "staff outside their scope": (
        "grid_a1",
        lambda w: {"source": "grid_patrol", "place": w.household_a2.pk},
    ),
    "staff in another county": (
        "secretary_a",
        lambda w: {"source": "staff", "place": w.household_b.pk},
    ),
    "anonymous caller": (None, {}),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_the_synchronous_answer_and_writes_nothing(world, case):
    persona, change = BAD[case]
    fields = change(world) if callable(change) else change
    client = api_client(world.users[persona] if persona else None)
    data = intake_form(world, **fields)
    before = written()
    sync = form_post(client, "/cases", data)
    queued = form_post(client, "/cases/intake", data)
    assert 400 <= queued.status_code < 500, queued.content
    assert (queued.status_code, queued.json()["code"]) == (sync.status_code, sync.json()["code"])
    assert written() == before


def test_a_malformed_key_is_refused_like_the_synchronous_door(world):
    resident = api_client(world.users["nobody"])
    before = written()
    for path in ("/cases", "/cases/intake"):
        response = form_post(resident, path, intake_form(world), {"Idempotency-Key": "two words"})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_idempotency_key"
    assert written() == before


# --- Retries --------------------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_a_retry_with_the_same_key_gets_the_first_answer_and_one_row(world, via):
    resident = api_client(world.users["nobody"], via)
    key = {"Idempotency-Key": "4b8f6f0e-2c1a-4d0b-9a53-1c7d1c0f2a11"}
    first = intake(resident, world, key)
    again = intake(resident, world, key)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert CaseIntake.objects.count() == 1
    # The same key with another request is a client bug, answered as run_idempotent does.
    other = intake(resident, world, key, title="另一件事")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert CaseIntake.objects.count() == 1
    # Keys are the submitter's own: someone else's same key is their own report.
    neighbour = intake(api_client(world.users["grid_a1"], via), world, key)
    assert neighbour.status_code == 202 and neighbour.json() != first.json()
    # Without a key, a second post is a second report.
    assert intake(resident, world).status_code == 202
    assert CaseIntake.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_retry_in_autocommit_gets_the_first_answer():
    """As a server runs it, outside any transaction: the retry's INSERT fails on the
    unique index by itself and the first row is answered; the connection stays usable."""
    world = build_world()
    resident = api_client(world.users["nobody"], "token")
    key = {"Idempotency-Key": "autocommit-1"}
    first = intake(resident, world, key)
    again = intake(resident, world, key)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert intake(resident, world, key, title="另一件事").status_code == 422
    assert intake(resident, world).status_code == 202
    assert CaseIntake.objects.count() == 2


def test_a_retry_after_the_report_became_a_case_still_gets_the_first_answer(world):
    from shequgang.cases.intake.services import intake_process_due

    resident = api_client(world.users["nobody"])
    key = {"Idempotency-Key": "once"}
    first = intake(resident, world, key)
    assert intake_process_due().created == 1
    again = intake(resident, world, key)
    assert again.status_code == 202 and again.json() == first.json()
    assert Case.objects.count() == 1 and CaseIntake.objects.count() == 1


# --- The status URL -------------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_only_the_submitter_reads_the_status(world, via):
    resident = api_client(world.users["nobody"], via)
    url = intake(resident, world).json()["status_url"].removeprefix(API_PREFIX)
    mine = resident.get(url)
    assert mine.status_code == 200
    assert mine.json() == {
        "intake_id": CaseIntake.objects.get().pk,
        "status": "pending",
        "case_id": None,
        "case_number": None,
        "code": None,
        "message": None,
    }
    missing = resident.get("/cases/intake/999999")
    assert missing.status_code == 404
    # Nobody else, however senior: the same answer as for a missing one.
    for persona in ("city_admin", "secretary_a", "group_a1", "grid_a1"):
        other = api_client(world.users[persona], via).get(url)
        assert other.status_code == 404 and other.json() == missing.json()
    assert api_client(None).get(url).status_code == 401


def test_a_staff_member_without_case_raise_cannot_use_a_staff_door(world):
    # dept_handler holds a role, but not case.raise over the community's households.
    from shequgang.people.scope import place_in_scope

    handler = world.users["dept_handler"]
    assert not place_in_scope(handler, Perm.CASE_RAISE, world.household_a1)
    before = written()
    response = intake(api_client(handler), world, source="staff")
    assert response.status_code == 404 and written() == before


def test_text_fields_are_stored_as_given(world):
    resident = api_client(world.users["nobody"])
    text = "三楼东侧\n楼道灯不亮"
    assert intake(resident, world, description=text).status_code == 202
    assert CaseIntake.objects.get().payload["description"] == text


def test_a_file_upload_without_photos_field_is_still_refused(world):
    resident = api_client(world.users["nobody"])
    upload = io.BytesIO(b"hello")
    upload.name = "note.txt"
    response = form_post(resident, "/cases/intake", {**intake_form(world), "attachment": upload})
    assert response.status_code == 400 and response.json()["code"] == "photos_not_accepted"


def test_the_openapi_document_describes_the_intake(db):
    spec = Client().get(f"{API_PREFIX}/openapi.json").json()
    accept = spec["paths"][f"{API_PREFIX}/cases/intake"]["post"]
    assert {"202", "400", "401", "404", "422"} <= set(accept["responses"])
    assert "photo" in accept["description"].lower()
    status = spec["paths"][f"{API_PREFIX}/cases/intake/{{intake_id}}"]["get"]
    assert {"200", "401", "404"} <= set(status["responses"])
