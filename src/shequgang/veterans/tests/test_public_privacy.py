"""Nothing public tells whether a person has applied (issue #13, breach 4).

An application reveals that its subject is a veteran or a martyr's family member, and
anyone may type anyone's ID number. So the public check, the public submission and the
page answer a stranger the same for a person who has applied as for one who has not;
only the holder of a reference (with the ID number's last six characters) sees it."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequgang.audit.models import AuditEntry
from shequgang.people.id_numbers import check_character
from shequgang.veterans.models import Application, RepeatSubmission
from shequgang.veterans.receipts import RECEIVED_MESSAGE
from shequgang.veterans.services import application_submit
from shequgang.veterans.tests.factories import IN_WINDOW, applicant

BASE = "/api/v1/veterans"


@pytest.fixture
def open_window(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: IN_WINDOW)


def api(client, path, data, **extra):
    fields = {
        "name": data.name,
        "id_number": data.id_number,
        "phone": data.phone,
        "certificate": data.certificate,
        "group": data.group,
        "registration_code": data.registration_code,
        "consent": data.consent,
        **extra,
    }
    return client.post(BASE + path, data=json.dumps(fields), content_type="application/json")


def statements(captured):
    """The SQL run, with savepoint names (a counter) left out."""
    return [re.sub(r'"s\d+_x\d+"', "SP", q["sql"]) for q in captured]


def enrol(program, data):
    return application_submit(actor=None, program=program, data=data, now=IN_WINDOW).application


def test_the_api_check_answers_the_same_before_and_after_the_person_applied(
    client, program, open_window
):
    # Given a person's facts, checked before they apply
    person = applicant()
    with CaptureQueriesContext(connection) as before_queries:
        before = api(client, "/programs/2026/check", person)
    # When they have applied
    enrol(program, person)
    with CaptureQueriesContext(connection) as after_queries:
        after = api(client, "/programs/2026/check", person)
    # Then a stranger checking the same ID number learns nothing: same status, same body,
    # and the same statements run (no extra lookup on either branch).
    assert before.status_code == after.status_code == 200
    assert after.json() == before.json()
    assert after.json()["eligible"] is True
    assert statements(after_queries) == statements(before_queries)


def test_the_page_check_answers_the_same_before_and_after(client, program, open_window):
    person = applicant()
    fields = {
        "id_number": person.id_number,
        "group": person.group,
        "registration_code": person.registration_code,
        "certificate": person.certificate,
    }
    before = client.post("/veterans/2026/check/", fields, HTTP_HX_REQUEST="true")
    enrol(program, person)
    after = client.post("/veterans/2026/check/", fields, HTTP_HX_REQUEST="true")
    assert before.status_code == after.status_code == 200
    assert after.content == before.content


def test_a_stranger_submitting_an_enrolled_id_gets_a_receipt_like_a_new_applicant(
    client, program, open_window
):
    # Given an enrolled person
    enrolled = applicant()
    first = enrol(program, enrolled)
    # When a stranger submits the enrolled person's ID number with their own details
    stranger = applicant(id_number=enrolled.id_number, name="李四", phone="13800138000")
    with CaptureQueriesContext(connection) as repeat_queries:
        repeat = api(client, "/programs/2026/apply", stranger)
    # Then the answer looks like a first submission: 202, the same fields, the same message
    assert repeat.status_code == 202, repeat.json()
    out = repeat.json()
    assert out["message"] == RECEIVED_MESSAGE
    assert out["status"] == "accepted" and out["name"] == "李*"
    assert out["reference"] != first.reference
    assert first.reference not in repeat.content.decode()
    # and nothing is enrolled: the first application stands, unchanged
    assert Application.objects.count() == 1
    assert Application.objects.get().name == first.name
    # Staff see the repeat (masked) and the audit log has it.
    row = RepeatSubmission.objects.get()
    assert (row.reference, row.name_masked, row.id_number_index) == (
        out["reference"],
        "李*",
        first.id_number_index,
    )
    assert AuditEntry.objects.filter(action="veterans.repeat_submission").count() == 1
    # About the same work as a first submission of another person (within two statements).
    new = applicant(id_number=_other_id(enrolled.id_number))
    with CaptureQueriesContext(connection) as new_queries:
        created = api(client, "/programs/2026/apply", new)
    assert created.status_code == 202
    assert set(created.json()) == set(out)
    assert abs(len(new_queries) - len(repeat_queries)) <= 2


def _other_id(id_number: str) -> str:
    """Another valid ID number born the same day (a different sequence number)."""
    body = id_number[:14] + ("123" if id_number[14:17] != "123" else "124")
    return body + check_character(body)


def test_the_receipt_of_a_repeat_opens_its_status_page_and_only_with_the_tail(
    client, program, open_window
):
    enrolled = applicant()
    first = enrol(program, enrolled)
    stranger = applicant(id_number=enrolled.id_number, name="李四", phone="13800138000")
    reference = api(client, "/programs/2026/apply", stranger).json()["reference"]
    tail = enrolled.id_number[-6:]
    shown = client.post(
        BASE + "/status",
        data=json.dumps({"reference": reference, "id_tail": tail}),
        content_type="application/json",
    )
    assert shown.status_code == 200
    assert shown.json()["status_label"] == "已受理" and shown.json()["name"] == "李*"
    assert [e["kind"] for e in shown.json()["events"]] == ["submitted"]
    wrong = client.post(
        BASE + "/status",
        data=json.dumps({"reference": reference, "id_tail": "000000"}),
        content_type="application/json",
    )
    assert wrong.status_code == 404
    # The first application's own reference still shows its own details.
    own = client.post(
        BASE + "/status",
        data=json.dumps({"reference": first.reference, "id_tail": tail}),
        content_type="application/json",
    )
    assert own.status_code == 200 and own.json()["name"] == first.name[0] + "*" * (
        len(first.name) - 1
    )


def test_a_repeat_still_gets_every_input_error_first(client, program, open_window):
    # An enrolled person's ID number with a missing consent: the same 400 a new person
    # gets, not a duplicate answer.
    enrolled = applicant()
    enrol(program, enrolled)
    response = api(client, "/programs/2026/apply", enrolled, consent=False)
    assert (response.status_code, response.json()["code"]) == (400, "consent_required")
    assert RepeatSubmission.objects.count() == 0
