"""Submitting an application: by the resident, by staff on their behalf, and retries."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError, NotFound
from shequgang.people import pii
from shequgang.people.services import id_number_index
from shequgang.veterans.models import Application, Channel, EventKind, Status
from shequgang.veterans.services import application_submit, application_withdraw
from shequgang.veterans.tests.factories import IN_WINDOW, applicant


def submit(program, data, actor=None, now=IN_WINDOW):
    return application_submit(actor=actor, program=program, data=data, now=now)


def test_resident_application_is_accepted_with_history_and_audit(program):
    data = applicant(name=" 李 卫东 ", certificate="ll 2026 000777")
    outcome = submit(program, data, actor=AnonymousUser())
    app = outcome.application
    assert outcome.created
    assert app.status == Status.ACCEPTED and app.channel == Channel.SELF
    assert app.reference.startswith("2026-") and len(app.reference) == 14
    assert app.name == "李 卫东"
    assert (app.registration_code, app.registration_name) == ("141102", "离石区")
    assert app.birth_date.isoformat() == "1958-03-05" and app.sex in {"M", "F"}
    assert app.consent_at == IN_WINDOW and app.submitted_at == IN_WINDOW
    assert pii.decrypt(app.certificate_cipher) == "LL2026000777"
    assert app.certificate_masked == "LL20****0777"
    assert [e.kind for e in app.events.all()] == [EventKind.SUBMITTED]
    entry = AuditEntry.objects.get(action="veterans.application_submit", object_id=str(app.pk))
    assert entry.actor is None
    assert entry.changes["id_number_masked"][1] == app.id_number_masked


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"consent": False}, "consent_required"),
        ({"name": "  "}, "name_required"),
        ({"name": "=HYPERLINK(1)"}, "invalid_name"),
        ({"phone": ""}, "phone_required"),
        ({"phone": "12345"}, "invalid_phone"),
    ],
)
def test_submission_needs_name_phone_and_consent(program, overrides, code):
    with pytest.raises(DomainError) as err:
        submit(program, applicant(**overrides))
    assert err.value.code == code
    assert Application.objects.count() == 0


def test_identical_retry_returns_the_original(program):
    data = applicant()
    first = submit(program, data)
    again = submit(program, data)
    assert not again.created
    assert again.application.pk == first.application.pk
    assert Application.objects.count() == 1


def test_same_person_with_different_details_is_already_applied(program):
    data = applicant()
    submit(program, data)
    other = applicant(id_number=data.id_number, phone="13800138000")
    with pytest.raises(DomainError) as err:
        submit(program, other)
    assert (err.value.code, err.value.status) == ("already_applied", 409)
    # The original's reference is not handed to whoever holds the ID number.
    assert "reference" not in err.value.details


def test_after_withdrawal_the_person_may_apply_again(program, world):
    data = applicant()
    first = submit(program, data).application
    application_withdraw(actor=world.admin, application=first, reason="填错了", now=IN_WINDOW)
    second = submit(program, applicant(id_number=data.id_number)).application
    assert second.pk != first.pk
    live = Application.objects.filter(
        program=program, id_number_index=id_number_index(data.id_number)
    ).exclude(status=Status.WITHDRAWN)
    assert list(live) == [second]


def test_staff_apply_at_their_community(program, world):
    outcome = submit(
        program,
        applicant(intake_place=world.community_a, registration_code="141182"),
        actor=world.users["worker_a"],
    )
    app = outcome.application
    assert app.channel == Channel.STAFF
    assert app.intake_place == world.community_a
    assert app.submitted_by == world.users["worker_a"]


def test_staff_cannot_apply_at_a_place_outside_their_scope(program, world):
    with pytest.raises(NotFound):
        submit(program, applicant(intake_place=world.community_b), actor=world.users["worker_a"])


def test_staff_must_name_the_intake_place(program, world):
    with pytest.raises(DomainError) as err:
        submit(program, applicant(), actor=world.users["worker_a"])
    assert err.value.code == "intake_place_required"
    # The city administrator (superuser) may apply without one.
    assert submit(program, applicant(), actor=world.users["city_admin"]).created


def test_roles_without_the_enrolment_desk_cannot_apply_on_behalf(program, world):
    for persona in ("grid_a1", "branch_a", "dept_handler", "nobody"):
        with pytest.raises(NotFound):
            submit(
                program,
                applicant(intake_place=world.community_a),
                actor=world.users[persona],
            )


def test_a_resident_cannot_choose_an_intake_place(program, world):
    app = submit(program, applicant(intake_place=world.community_a)).application
    assert app.intake_place is None and app.channel == Channel.SELF


def test_no_plaintext_personal_data_in_the_raw_tables(program, world):
    data = applicant(phone="13912345678", certificate="LL2026123456")
    app = submit(program, data).application
    application_withdraw(actor=world.admin, application=app, reason="测试", now=IN_WINDOW)
    with connection.cursor() as cursor:
        dumps = []
        for table in (
            "veterans_application",
            "veterans_applicationevent",
            "audit_auditentry",
        ):
            cursor.execute(f"SELECT * FROM {table}")
            dumps.append(repr(cursor.fetchall()))
    dump = "".join(dumps)
    for secret in (
        data.id_number,
        data.id_number[:-1],
        data.id_number[6:14] + data.id_number[14:],
        "13912345678",
        "+8613912345678",
        "LL2026123456",
    ):
        assert secret not in dump
    app.refresh_from_db()
    assert pii.decrypt(app.id_number_cipher) == data.id_number
    assert app.id_number_index == id_number_index(data.id_number)
    assert app.id_number_masked == data.id_number[:4] + "*" * 10 + data.id_number[-4:]
    assert app.phone_masked == "139****5678"


def test_the_audit_log_keeps_the_applicants_name_masked(program):
    # given an application by 李卫东
    app = submit(program, applicant(name="李卫东")).application
    # then its audit row names the application by reference and masked name only
    entry = AuditEntry.objects.get(action="veterans.application_submit", object_id=str(app.pk))
    assert entry.object_repr == f"{app.reference} 李**"
    assert entry.changes["name"] == [None, "李**"]
    assert "卫东" not in str(entry.changes)
