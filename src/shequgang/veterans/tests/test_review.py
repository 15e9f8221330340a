"""Staff review: correcting (re-checked, audited) and withdrawing (transition table)."""

import datetime as dt

import pytest

from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.people import pii
from shequgang.veterans.models import Application, ApplicationEvent, EventKind, Status
from shequgang.veterans.services import (
    ApplicationCorrection,
    application_correct,
    application_submit,
    application_withdraw,
)
from shequgang.veterans.tests.factories import IN_WINDOW, applicant, beijing, id_for

AFTER_WINDOW = beijing(2026, 9, 1, 10, 0)


@pytest.fixture
def accepted(program):
    """A 离石区 application the resident made themselves."""
    return application_submit(
        actor=None, program=program, data=applicant(), now=IN_WINDOW
    ).application


def test_correction_after_the_window_is_allowed_rechecked_and_audited(accepted, world):
    county = world.users["county_a_command"]
    new_id = id_for(dt.date(1950, 10, 1))
    app = application_correct(
        actor=county,
        application=accepted,
        data=ApplicationCorrection(name="张建军", id_number=new_id, phone="13700000000"),
        reason="身份证号录入错误",
        now=AFTER_WINDOW,
    )
    app.refresh_from_db()
    assert app.name == "张建军"
    assert pii.decrypt(app.id_number_cipher) == new_id
    assert app.birth_date == dt.date(1950, 10, 1)
    assert app.phone_masked == "137****0000"
    event = app.events.get(kind=EventKind.CORRECTED)
    assert event.actor == county and event.note == "身份证号录入错误"
    assert set(event.changes) == {"name", "id_number_masked", "phone_masked"}
    entry = AuditEntry.objects.get(action="veterans.application_correct")
    assert entry.changes["id_number_masked"] == [accepted.id_number_masked, app.id_number_masked]
    assert new_id not in repr(entry.changes)


def test_correction_that_breaks_a_rule_is_refused_and_changes_nothing(accepted, world):
    young = id_for(dt.date(1970, 1, 1))
    with pytest.raises(DomainError) as err:
        application_correct(
            actor=world.admin,
            application=accepted,
            data=ApplicationCorrection(id_number=young),
            reason="更正",
            now=IN_WINDOW,
        )
    assert err.value.code == "too_young"
    accepted.refresh_from_db()
    assert pii.decrypt(accepted.id_number_cipher) != young
    assert not accepted.events.filter(kind=EventKind.CORRECTED).exists()


def test_correction_onto_another_applicants_id_is_already_applied(program, accepted, world):
    other = applicant()
    application_submit(actor=None, program=program, data=other, now=IN_WINDOW)
    with pytest.raises(DomainError) as err:
        application_correct(
            actor=world.admin,
            application=accepted,
            data=ApplicationCorrection(id_number=other.id_number),
            reason="更正",
            now=IN_WINDOW,
        )
    assert err.value.code == "already_applied"


def test_correction_needs_a_reason(accepted, world):
    with pytest.raises(DomainError) as err:
        application_correct(
            actor=world.admin,
            application=accepted,
            data=ApplicationCorrection(name="王五"),
            reason=" ",
        )
    assert err.value.code == "reason_required"


def test_county_cannot_move_an_application_out_of_its_scope(accepted, world):
    with pytest.raises(Forbidden):
        application_correct(
            actor=world.users["county_a_command"],
            application=accepted,
            data=ApplicationCorrection(registration_code="141182"),
            reason="户籍在汾阳",
            now=IN_WINDOW,
        )
    accepted.refresh_from_db()
    assert accepted.registration_code == "141102"
    # The city may.
    application_correct(
        actor=world.users["city_admin"],
        application=accepted,
        data=ApplicationCorrection(registration_code="141182"),
        reason="户籍在汾阳",
        now=IN_WINDOW,
    )
    accepted.refresh_from_db()
    assert (accepted.registration_code, accepted.registration_name) == ("141182", "汾阳市")


@pytest.mark.parametrize(
    "persona", ["secretary_b", "secretary_a", "town_a_staff", "grid_a1", "nobody"]
)
def test_staff_outside_the_applications_scope_get_not_found(accepted, world, persona):
    # A self-made 离石区 application: only the city and 离石区's county see it.
    with pytest.raises(NotFound):
        application_withdraw(actor=world.users[persona], application=accepted, reason="x")
    with pytest.raises(NotFound):
        application_correct(
            actor=world.users[persona],
            application=accepted,
            data=ApplicationCorrection(name="王五"),
            reason="x",
        )


def test_withdraw_follows_the_transition_table(accepted, world):
    county = world.users["county_a_command"]
    app = application_withdraw(
        actor=county, application=accepted, reason="本人放弃", now=AFTER_WINDOW
    )
    assert app.status == Status.WITHDRAWN and app.withdrawn_at == AFTER_WINDOW
    assert [e.kind for e in app.events.all()] == [EventKind.SUBMITTED, EventKind.WITHDRAWN]
    assert AuditEntry.objects.filter(
        action="veterans.application_withdraw", object_id=str(app.pk)
    ).exists()
    with pytest.raises(DomainError) as err:
        application_withdraw(actor=county, application=app, reason="再次")
    assert (err.value.code, err.value.status) == ("invalid_transition", 409)
    with pytest.raises(DomainError) as err:
        application_correct(
            actor=county,
            application=app,
            data=ApplicationCorrection(name="王五"),
            reason="x",
        )
    assert err.value.code == "not_correctable"


def test_withdraw_needs_a_reason(accepted, world):
    with pytest.raises(DomainError) as err:
        application_withdraw(actor=world.admin, application=accepted, reason="")
    assert err.value.code == "reason_required"
    assert Application.objects.get(pk=accepted.pk).status == Status.ACCEPTED


def test_history_is_append_only(accepted):
    event = accepted.events.get()
    event.note = "changed"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        ApplicationEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(TypeError):
        ApplicationEvent.objects.filter(pk=event.pk).delete()
