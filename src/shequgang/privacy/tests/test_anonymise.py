"""Erasure where the law allows (PIPL Art. 47): the person becomes a pseudonym, their
accounts stop working, the records the state keeps stay de-identified, and the audit log
is never rewritten. Refused while something still needs the person."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.test import Client

from shequgang.apikit.testing import VIAS, api_client
from shequgang.audit.models import AuditEntry
from shequgang.cases.models import Case, CaseEvent, Notification
from shequgang.errors import Conflict
from shequgang.party.models import Member
from shequgang.party.services import MemberInput, member_register
from shequgang.people.models import ApiToken, Resident
from shequgang.people.selectors import resident_search
from shequgang.people.services import ResidentInput, resident_create, role_grant
from shequgang.points.models import Account
from shequgang.privacy.erasure import resident_anonymise
from shequgang.privacy.models import Erasure
from shequgang.veterans.models import Application, Program
from shequgang.veterans.tests.factories import IN_WINDOW

from .conftest import VETERAN_ID, close_case, plaintexts, submit_application

BODY = {"reason": "本人申请删除", "confirm": True}


def _audit_rows():
    return list(AuditEntry.objects.order_by("pk").values())


@pytest.mark.parametrize("via", VIAS)
def test_anonymise_replaces_the_person_and_keeps_the_records(world, subject, via):
    # given resident a1 whose case is closed, with an accepted (past) and a withdrawn
    # veterans application, and the audit log as it stands
    close_case(subject.case)
    accepted = submit_application(world)
    Program.objects.filter(pk=accepted.program_id).update(year=2025)  # its year is over
    events = CaseEvent.objects.filter(case=subject.case).count()
    secrets = plaintexts(subject.resident)
    api = api_client(world.users["secretary_a"], via)
    log = _audit_rows()

    # when the secretary anonymises a1
    response = api.post(f"/residents/{subject.resident.pk}/anonymise", BODY)

    # then the register row holds a pseudonym and no personal data
    assert response.status_code == 200, response.content
    pseudonym = response.json()["pseudonym"]
    assert pseudonym.startswith("居民#") and len(pseudonym) == 11
    r = Resident.objects.get(pk=subject.resident.pk)
    assert r.name == pseudonym
    assert (r.id_number_cipher, r.id_number_index, r.id_number_masked) == ("", None, "")
    assert (r.phone_cipher, r.phone_index, r.address_cipher, r.note) == ("", "", "", "")
    assert (r.birth_date, r.sex, r.status) == (None, "", "moved_out")
    assert r.left_at is not None and r.anonymised_at is not None and not r.tags.exists()
    # and the audit log gained exactly one row and no earlier row changed
    assert _audit_rows()[: len(log)] == log
    [entry] = AuditEntry.objects.filter(pk__gt=log[-1]["id"])
    assert (entry.action, entry.object_id) == ("resident.anonymise", str(r.pk))
    dumped = str(entry.changes) + entry.object_repr
    assert not any(v in dumped for v in secrets)
    # and the ID number no longer finds them, and may be registered again
    assert not resident_search(user=world.admin, query=VETERAN_ID, include_inactive=True)
    resident_create(
        actor=world.admin,
        data=ResidentInput(name="新登记", household=world.household_a2, id_number=VETERAN_ID),
    )
    # and the linked account is deactivated, stripped, its token and notifications gone
    user = type(subject.user).objects.get(pk=subject.user.pk)
    assert not user.is_active and user.username.startswith("erased-")
    assert (user.first_name, user.email, user.has_usable_password()) == ("", "", False)
    stopped = Client()
    stopped.post("/login/", {"username": "zhang", "password": "x"})
    assert SESSION_KEY not in stopped.session
    assert ApiToken.objects.get(pk=subject.token.pk).revoked_at is not None
    assert not Notification.objects.filter(recipient=user).exists()
    # and the case keeps its history, the raiser replaced by the pseudonym
    case = Case.objects.get(pk=subject.case.pk)
    assert (case.raiser_name, case.raiser_phone_cipher, case.raiser_phone_masked) == (
        pseudonym,
        "",
        "",
    )
    assert case.description == "我是居民a1，灯坏了三天"  # free text: not rewritten
    assert CaseEvent.objects.filter(case=case).count() == events
    # and the points account stays; the accepted application is kept and marked
    assert Account.objects.filter(pk=subject.account.pk, resident=r).exists()
    erasure = Erasure.objects.get(resident=r)
    assert erasure.kept["veterans_applications"] == [accepted.reference]
    assert erasure.kept["cases"] == [case.number]
    assert Application.objects.get(pk=accepted.pk).id_number_cipher


def test_withdrawn_applications_are_anonymised_with_the_person(world, subject):
    # given a withdrawn application under a1's ID number
    close_case(subject.case)
    withdrawn = submit_application(world, withdrawn=True)

    # when a1 is anonymised
    response = api_client(world.users["secretary_a"]).post(
        f"/residents/{subject.resident.pk}/anonymise", BODY
    )

    # then the application stays, without personal data, birth date kept to the year
    assert response.status_code == 200
    app = Application.objects.get(pk=withdrawn.pk)
    assert app.name == f"已匿名#{app.pk}"
    assert (app.id_number_cipher, app.id_number_index, app.phone_cipher) == ("", "", "")
    assert (app.birth_date.month, app.birth_date.day) == (1, 1)


def test_open_case_blocks_unless_a_legal_basis_is_given(world, subject):
    # given a1's case is still open
    api = api_client(world.users["secretary_a"])
    url = f"/residents/{subject.resident.pk}/anonymise"
    audits = AuditEntry.objects.count()

    # when anonymising without, then with, a stated legal basis
    refused = api.post(url, BODY)
    unchanged = Resident.objects.get(pk=subject.resident.pk).name
    accepted = api.post(url, BODY | {"override_basis": "法院判决要求删除"})

    # then the first is 409 with the reason and changes nothing; the second goes through
    assert refused.status_code == 409
    assert refused.json()["code"] == "erasure_blocked"
    assert "事项尚未结案" in refused.json()["message"]
    assert unchanged == "居民a1"
    assert accepted.status_code == 200
    assert Erasure.objects.get(resident=subject.resident).override_basis == "法院判决要求删除"
    assert AuditEntry.objects.count() == audits + 1


def test_live_insurance_application_blocks(world, subject):
    # given a1's case is closed but their 2026 application is on this year's roster
    close_case(subject.case)
    submit_application(world)

    # when anonymising during the programme year
    with pytest.raises(Conflict) as caught:
        resident_anonymise(
            resident=subject.resident, actor=world.users["secretary_a"], reason="x", now=IN_WINDOW
        )

    # then it is refused, naming the application
    assert caught.value.code == "erasure_blocked"
    assert caught.value.details == {"active_applications": 1}


def test_an_anonymised_resident_cannot_be_anonymised_again_nor_edited(world, subject):
    # given a1 has been anonymised
    close_case(subject.case)
    api = api_client(world.users["secretary_a"])
    url = f"/residents/{subject.resident.pk}/anonymise"
    assert api.post(url, BODY).status_code == 200
    name = Resident.objects.get(pk=subject.resident.pk).name

    # when staff anonymise again, or try to write a name back
    again = api.post(url, BODY)
    edit = api.patch(f"/residents/{subject.resident.pk}", {"name": "居民a1", "reason": "恢复"})

    # then both are conflicts and the pseudonym stays
    assert again.status_code == edit.status_code == 409
    assert again.json()["code"] == "already_anonymised"
    assert edit.json()["code"] == "resident_anonymised"
    assert Resident.objects.get(pk=subject.resident.pk).name == name


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"reason": "本人申请删除", "confirm": False}, 400, "confirm_required"),
        ({"reason": "   ", "confirm": True}, 400, "reason_required"),
        ({"reason": "本人申请删除"}, 422, None),
        ({"reason": "x" * 201, "confirm": True}, 422, None),
    ],
)
def test_bad_input_changes_nothing(world, subject, body, status, code):
    close_case(subject.case)
    response = api_client(world.users["secretary_a"]).post(
        f"/residents/{subject.resident.pk}/anonymise", body
    )
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    assert not Erasure.objects.exists()
    assert Resident.objects.get(pk=subject.resident.pk).name == "居民a1"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("worker_a", 403), ("grid_a1", 403), ("secretary_b", 404), ("grid_a2", 404), ("nobody", 404)],
)
def test_only_staff_with_edit_and_full_view_in_scope(world, subject, persona, status):
    # given a1's case is closed; worker_a and grid_a1 may edit a1 but lack full view
    close_case(subject.case)

    response = api_client(world.users[persona]).post(
        f"/residents/{subject.resident.pk}/anonymise", BODY
    )

    assert response.status_code == status
    assert not Erasure.objects.exists()


def test_a_linked_staff_account_is_not_erased(world, subject):
    # given the account linked to a1 also holds a staff role
    close_case(subject.case)
    role_grant(actor=world.admin, user=subject.user, role="grid_worker", grid=world.grid_a1)

    response = api_client(world.users["secretary_a"]).post(
        f"/residents/{subject.resident.pk}/anonymise", BODY
    )

    assert response.status_code == 409
    assert response.json()["code"] == "linked_staff_account"
    assert type(subject.user).objects.get(pk=subject.user.pk).is_active


def test_the_page_asks_for_confirmation(client, world, subject):
    # given the secretary on a1's page, whose case is closed
    close_case(subject.case)
    client.force_login(world.users["secretary_a"])
    url = f"/residents/{subject.resident.pk}/anonymise/"
    assert url in client.get(f"/residents/{subject.resident.pk}/").content.decode()
    page = client.get(url).content.decode()
    assert "不可撤销" in page
    assert "style=" not in page and "<script>" not in page

    # when they submit without ticking the confirmation, then with it
    unticked = client.post(url, {"reason": "本人申请删除"})
    ticked = client.post(url, {"reason": "本人申请删除", "confirm": "on"})

    # then the first shows the form again and changes nothing; the second erases
    assert unticked.status_code == 200 and "请勾选确认" in unticked.content.decode()
    assert ticked.status_code == 302
    assert Erasure.objects.filter(resident=subject.resident).exists()
    detail = client.get(f"/residents/{subject.resident.pk}/").content.decode()
    assert "已于" in detail and "匿名化" in detail


def test_the_page_shows_what_blocks(client, world, subject):
    client.force_login(world.users["secretary_a"])
    page = client.get(f"/residents/{subject.resident.pk}/anonymise/").content.decode()
    assert "1件事项尚未结案" in page


def test_the_page_is_404_out_of_scope_and_403_without_full_view(client, world, subject):
    client.force_login(world.users["secretary_b"])
    assert client.get(f"/residents/{subject.resident.pk}/anonymise/").status_code == 404
    client.force_login(world.users["worker_a"])
    assert client.get(f"/residents/{subject.resident.pk}/anonymise/").status_code == 403


def test_a_party_member_record_is_exported_kept_and_its_account_stopped(world, subject):
    # given a party member registered with a1's ID number and their own account "li"
    close_case(subject.case)
    li = User.objects.create_user("li", password="x")
    member = member_register(
        actor=world.admin,
        data=MemberInput(name="居民a1", community=world.community_a, id_number=VETERAN_ID, user=li),
    )
    assert member.resident_id == subject.resident.pk
    api = api_client(world.users["secretary_a"])
    assert api.post("/auth/confirm-password", {"password": "x"}).status_code == 200

    # when the secretary exports, then anonymises a1
    export = api.post(f"/residents/{subject.resident.pk}/subject-export", {"requester": "subject"})
    erased = api.post(f"/residents/{subject.resident.pk}/anonymise", BODY)

    # then the copy holds the member record and both accounts; the member record is kept
    # (the Party's own file) and listed, and "li" is deactivated too
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        data = json.loads(archive.read("subject.json"))
    assert data["party_member"]["id_number"] == VETERAN_ID
    assert sorted(a["username"] for a in data["accounts"]) == ["li", "zhang"]
    assert erased.status_code == 200
    assert erased.json()["kept"]["party_member"] == member.pk
    assert Member.objects.filter(pk=member.pk).exists()
    assert not User.objects.get(pk=li.pk).is_active
