"""Correction (PIPL Art. 46): changing a resident's personal fields needs a reason,
the audit row keeps it with masked before/after values, and leaving the register starts
the retention clock."""

from __future__ import annotations

import pytest

from shequgang.apikit.testing import api_client
from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError
from shequgang.people.models import Resident
from shequgang.people.services import ResidentInput, resident_create, resident_update
from shequgang.testing import synthetic_id

CORRECTIONS = {
    "name": {"name": "居民甲"},
    "household": {"household_id": "household_a2"},
    "id_number": {"id_number": "11010519491231002X"},
    "phone": {"phone": "13700000009"},
    "address": {"address": "山西省吕梁市离石区"},
}


def _body(world, fields):
    return {k: (getattr(world, v).pk if k == "household_id" else v) for k, v in fields.items()}


@pytest.mark.parametrize("field", sorted(CORRECTIONS))
def test_correcting_personal_data_without_a_reason_changes_nothing(world, field):
    # given resident a1 and the community secretary
    a1 = world.residents["a1"]
    before = Resident.objects.get(pk=a1.pk)
    audits = AuditEntry.objects.count()
    api = api_client(world.users["secretary_a"])

    # when they correct a personal field without saying why
    response = api.patch(f"/residents/{a1.pk}", _body(world, CORRECTIONS[field]))

    # then 400 reason_required, and the row and the log are unchanged
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"
    after = Resident.objects.get(pk=a1.pk)
    assert [getattr(after, f.attname) for f in Resident._meta.concrete_fields] == [
        getattr(before, f.attname) for f in Resident._meta.concrete_fields
    ]
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("field", sorted(CORRECTIONS))
def test_correction_with_a_reason_is_audited_masked(world, field):
    # given resident a1
    a1 = world.residents["a1"]
    api = api_client(world.users["secretary_a"])
    body = _body(world, CORRECTIONS[field]) | {"reason": "本人申请更正", "subject_request": True}

    # when the secretary corrects the field, at the person's request, with a reason
    response = api.patch(f"/residents/{a1.pk}", body)

    # then it is saved, and the audit row keeps the reason, the request and masked values
    assert response.status_code == 200
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "resident.update"
    assert entry.changes["reason"] == [None, "本人申请更正"]
    assert entry.changes["subject_request"] == [None, True]
    logged = str(entry.changes) + entry.object_repr
    for raw in ("居民a1", "居民甲", "11010519491231002X", "13700000009", "山西省吕梁市离石区"):
        assert raw not in logged


def test_plain_fields_need_no_reason(world):
    # given resident a1
    a1 = world.residents["a1"]

    # when staff change only the note and tags
    resident_update(actor=world.admin, resident=a1, data=ResidentInput(note="已走访"))

    # then it is saved without a reason
    assert Resident.objects.get(pk=a1.pk).note == "已走访"


def test_setting_a_field_to_its_current_value_needs_no_reason(world):
    # given resident a1 and the form sending their unchanged name back
    a1 = world.residents["a1"]

    # when saved without a reason
    resident_update(actor=world.admin, resident=a1, data=ResidentInput(name=a1.name, note="x"))

    # then it is accepted: nothing personal changed
    assert Resident.objects.get(pk=a1.pk).note == "x"


def test_a_reason_over_200_characters_is_refused(world):
    with pytest.raises(DomainError) as caught:
        resident_update(
            actor=world.admin,
            resident=world.residents["a1"],
            data=ResidentInput(name="居民甲", reason="因" * 201),
        )
    assert caught.value.code == "reason_too_long"


@pytest.mark.parametrize("status", ["moved_out", "deceased"])
def test_leaving_starts_the_retention_clock_and_returning_stops_it(world, status):
    # given an active resident, who has no leaving date
    a1 = world.residents["a1"]
    assert a1.left_at is None

    # when they move out (or die), then come back
    resident_update(actor=world.admin, resident=a1, data=ResidentInput(status=status))
    left = Resident.objects.get(pk=a1.pk).left_at
    resident_update(actor=world.admin, resident=a1, data=ResidentInput(status="active"))

    # then the date is stamped, and cleared again on return
    assert left is not None
    assert Resident.objects.get(pk=a1.pk).left_at is None


def test_moving_out_then_dying_keeps_the_first_leaving_date(world):
    a1 = world.residents["a1"]
    resident_update(actor=world.admin, resident=a1, data=ResidentInput(status="moved_out"))
    left = Resident.objects.get(pk=a1.pk).left_at
    resident_update(actor=world.admin, resident=a1, data=ResidentInput(status="deceased"))
    assert left is not None
    assert Resident.objects.get(pk=a1.pk).left_at == left


def test_the_edit_page_asks_for_the_reason(client, world):
    # given the secretary on a1's edit page
    client.force_login(world.users["secretary_a"])
    a1 = world.residents["a1"]
    url = f"/residents/{a1.pk}/edit/"
    assert "更正原因" in client.get(url).content.decode()
    form = {
        "name": "居民甲",
        "household": world.household_a1.pk,
        "relation": "head",
        "status": "active",
    }

    # when they change the name without a reason, then with one
    refused = client.post(url, form)
    accepted = client.post(url, form | {"reason": "登记时写错"})

    # then the first shows the error, the second saves
    assert refused.status_code == 200
    assert "必须填写原因" in refused.content.decode()
    assert accepted.status_code == 302
    assert Resident.objects.get(pk=a1.pk).name == "居民甲"


def test_registering_needs_no_reason(world):
    # given a new person: registering is not a correction
    r = resident_create(
        actor=world.admin,
        data=ResidentInput(name="新人", household=world.household_a1, id_number=synthetic_id()),
    )
    assert r.pk and r.left_at is None
