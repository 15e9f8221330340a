import datetime as dt
import threading
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.people.models import Resident
from shequgang.people.roles import Role
from shequgang.people.services import (
    ResidentInput,
    api_token_issue,
    api_token_revoke,
    api_token_user,
    resident_create,
    resident_reveal_id_number,
    resident_reveal_phone,
    resident_update,
    role_grant,
)
from shequgang.testing import synthetic_id


def test_create_derives_birth_date_and_sex_and_audits(world):
    before = AuditEntry.objects.count()
    r = resident_create(
        actor=world.users["worker_a"],
        data=ResidentInput(
            name=" 李四 ",
            household=world.household_a1,
            id_number="11010519491231002X",
            tags=["elder_alone"],
        ),
    )
    assert r.name == "李四"
    assert str(r.birth_date) == "1949-12-31" and r.sex == "F"
    assert list(r.tags.values_list("code", flat=True)) == ["elder_alone"]
    entry = AuditEntry.objects.latest("id")
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "resident.create" and entry.actor == world.users["worker_a"]
    assert entry.changes["id_number_masked"] == [None, "1101**********002X"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"name": ""}, "name_required"),
        ({"id_number": "110105194912310021"}, "id_number_checksum"),
        ({"phone": "123"}, "invalid_phone"),
        ({"relation": "boss"}, "invalid_relation"),
        ({"tags": ["no_such_tag"]}, "unknown_tag"),
    ],
)
def test_bad_input_writes_nothing(world, data, code):
    count, audits = Resident.objects.count(), AuditEntry.objects.count()
    fields = {"name": "王五", "household": world.household_a1, **data}
    with pytest.raises(DomainError) as err:
        resident_create(actor=world.admin, data=ResidentInput(**fields))
    assert err.value.code == code
    assert (Resident.objects.count(), AuditEntry.objects.count()) == (count, audits)


def test_resident_must_live_in_a_household(world):
    with pytest.raises(DomainError) as err:
        resident_create(
            actor=world.admin, data=ResidentInput(name="x", household=world.building_a1)
        )
    assert err.value.code == "invalid_household"


def test_duplicate_id_number_is_a_conflict(world):
    number = synthetic_id()
    resident_create(
        actor=world.admin,
        data=ResidentInput(name="甲", household=world.household_a1, id_number=number),
    )
    with pytest.raises(DomainError) as err:
        resident_create(
            actor=world.admin,
            data=ResidentInput(name="乙", household=world.household_a2, id_number=number),
        )
    assert err.value.code == "duplicate_id_number" and err.value.status == 409


def test_out_of_scope_household_is_not_found(world):
    with pytest.raises(NotFound):
        resident_create(
            actor=world.users["grid_a1"], data=ResidentInput(name="x", household=world.household_a2)
        )
    with pytest.raises(NotFound):
        resident_update(
            actor=world.users["grid_a1"],
            resident=world.residents["a1"],
            data=ResidentInput(household=world.household_b),
        )
    assert Resident.objects.get(pk=world.residents["a1"].pk).household_id == world.household_a1.pk


def test_update_records_before_and_after(world):
    r = world.residents["a1"]
    resident_update(
        actor=world.admin,
        resident=r,
        data=ResidentInput(phone="13700000009", note="新号码", reason="换号"),
    )
    entry = AuditEntry.objects.filter(action="resident.update").latest("id")
    assert entry.changes["phone_masked"] == ["138****0001", "137****0009"]
    assert entry.changes["note"] == ["", "新号码"]
    assert "name" not in entry.changes


def test_reveal_needs_permission_and_is_audited(world):
    r = world.residents["a1"]
    with pytest.raises(Forbidden):
        resident_reveal_id_number(actor=world.users["worker_a"], resident=r)
    assert not AuditEntry.objects.filter(action__startswith="resident.reveal").exists()
    value = resident_reveal_phone(actor=world.users["secretary_a"], resident=r)
    assert value == "13800000001"
    entry = AuditEntry.objects.get(action="resident.reveal_phone")
    assert entry.actor == world.users["secretary_a"] and entry.object_id == str(r.pk)
    with pytest.raises(Forbidden):
        resident_reveal_phone(actor=world.users["secretary_b"], resident=r)


def test_role_grant_rules(world):
    from django.contrib.auth.models import User

    newbie = User.objects.create_user("newbie")
    # A community secretary may appoint grid workers in their own community …
    role_grant(
        actor=world.users["secretary_a"], user=newbie, role=Role.GRID_WORKER, grid=world.grid_a1
    )
    # … but not in another community, and not a county role.
    with pytest.raises(Forbidden):
        role_grant(
            actor=world.users["secretary_b"], user=newbie, role=Role.GRID_WORKER, grid=world.grid_a1
        )
    with pytest.raises(Forbidden):
        role_grant(
            actor=world.users["secretary_a"],
            user=newbie,
            role=Role.COUNTY_COMMAND,
            place=world.county_a,
        )
    with pytest.raises(DomainError) as err:
        role_grant(actor=world.admin, user=newbie, role=Role.GRID_WORKER, place=world.community_a)
    assert err.value.code == "invalid_node"
    with pytest.raises(DomainError):
        role_grant(
            actor=world.admin, user=newbie, role=Role.COMMUNITY_WORKER, place=world.compound_a
        )


def test_api_tokens_hash_only_and_revoke(world):
    user = world.users["worker_a"]
    row, token = api_token_issue(actor=user, user=user, name="脚本")
    assert token not in row.key_hash and row.prefix == token[:8]
    assert api_token_user(token) == user
    assert api_token_user(token + "x") is None
    api_token_revoke(actor=user, token=row)
    assert api_token_user(token) is None
    with pytest.raises(Forbidden):
        api_token_issue(actor=world.users["worker_a"], user=world.users["grid_a1"], name="x")


def test_api_token_of_inactive_user_is_refused(world):
    user = world.users["worker_a"]
    _row, token = api_token_issue(actor=user, user=user, name="脚本")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api_token_user(token) is None


def test_api_token_last_used_touched_at_most_once_a_minute(world):
    user = world.users["worker_a"]
    row, token = api_token_issue(actor=user, user=user, name="脚本")
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        got = api_token_user(token)
    assert got == user and got.date_joined.tzinfo is not None
    row.refresh_from_db()
    assert row.last_used_at == start
    # Exactly a minute later: not stale yet (touched when strictly older than a minute).
    for offset, touched in ((dt.timedelta(seconds=60), start),
                            (dt.timedelta(seconds=61), start + dt.timedelta(seconds=61))):  # fmt: skip
        with mock.patch("django.utils.timezone.now", return_value=start + offset):
            assert api_token_user(token) == user
        row.refresh_from_db()
        assert row.last_used_at == touched


def test_the_token_user_is_the_user_as_the_orm_reads_it(world):
    """Given a user who has signed in, when their token is looked up, then every field
    reads as ``User.objects.get`` reads it: aware datetimes and booleans on SQLite too."""
    user = world.users["worker_a"]
    User.objects.filter(pk=user.pk).update(last_login=timezone.now(), is_staff=True)
    _row, token = api_token_issue(actor=user, user=user, name="脚本")
    got, orm = api_token_user(token), User.objects.get(pk=user.pk)
    assert got is not None and not got._state.adding and got._state.db == orm._state.db
    for field in User._meta.concrete_fields:
        mine, theirs = getattr(got, field.attname), getattr(orm, field.attname)
        assert (mine, type(mine)) == (theirs, type(theirs)), field.name
    assert got.last_login is not None and got.last_login.tzinfo is not None
    assert got.is_staff is True and got.is_superuser is False
    assert got.check_password("wrong") is False  # the hash came through whole


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicate_id_number_registers_once():
    from shequgang.testing import build_world

    world = build_world()
    number = synthetic_id()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def register(i: int) -> None:
        try:
            barrier.wait()
            resident_create(
                actor=world.admin,
                data=ResidentInput(name=f"并发{i}", household=world.household_a1, id_number=number),
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate_id_number"] * 3 + ["ok"]
    assert Resident.objects.filter(name__startswith="并发").count() == 1
