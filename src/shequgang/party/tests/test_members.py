"""Registering party members: identified by ID number or employee registration,
de-duplicated by the blind index, stored only encrypted and masked."""

from __future__ import annotations

import datetime as dt

import pytest

from shequgang.audit.models import AuditEntry
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.party.models import Member
from shequgang.party.services import MemberChange, MemberInput, member_register, member_update
from shequgang.party.tests.conftest import Party, register
from shequgang.people.id_numbers import make_id_number
from shequgang.testing import World

ID = make_id_number("141102", dt.date(1985, 3, 4), 7)  # ends in a digit or X


def _x_id() -> str:
    """A valid number whose check character is X."""
    for seq in range(1000):
        value = make_id_number("141102", dt.date(1979, 9, 9), seq)
        if value.endswith("X"):
            return value
    raise AssertionError("no X check character found")


def _full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in value)


def test_the_id_number_is_stored_encrypted_and_masked(world: World) -> None:
    member = register(world, id_number=ID, phone="13800001111")
    row = Member.objects.get(pk=member.pk)
    assert row.id_number_masked == ID[:4] + "*" * 10 + ID[-4:]
    assert ID not in row.id_number_cipher
    assert row.phone_masked == "138****1111"
    assert "13800001111" not in row.phone_cipher


def test_the_same_id_number_registers_once(world: World) -> None:
    register(world, id_number=ID)
    with pytest.raises(Conflict) as err:
        register(world, name="重复", id_number=ID, community=world.community_a)
    assert err.value.code == "duplicate_member"
    assert Member.objects.count() == 1


def test_full_width_and_lowercase_x_are_the_same_person(world: World) -> None:
    value = _x_id()
    register(world, id_number=value)
    for variant in (value.lower(), _full_width(value), " " + _full_width(value.lower()) + " "):
        with pytest.raises(Conflict) as err:
            register(world, name="重复", id_number=variant)
        assert err.value.code == "duplicate_member"
    assert Member.objects.count() == 1


def test_a_bad_id_number_is_refused_and_nothing_is_written(world: World) -> None:
    bad = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    with pytest.raises(DomainError) as err:
        register(world, id_number=bad)
    assert err.value.code == "id_number_checksum"
    assert not Member.objects.exists()


def test_a_member_links_to_the_resident_with_the_same_id_number(world: World) -> None:
    from shequgang.people.services import resident_reveal_id_number

    resident = world.residents["a1"]
    value = resident_reveal_id_number(actor=world.admin, resident=resident)
    member = register(world, id_number=value.lower())
    assert member.resident == resident


def test_employee_registration_identifies_a_member_within_the_unit(party: Party) -> None:
    world = party.world
    data = MemberInput(
        name="赵职工",
        community=world.community_a,
        work_unit=party.unit,
        employee_number="LS-0042",
    )
    member = member_register(actor=world.admin, data=data)
    assert member.id_number_index is None
    with pytest.raises(Conflict) as err:
        member_register(actor=world.admin, data=data)
    assert err.value.code == "duplicate_member"


def test_a_member_needs_an_identity(party: Party) -> None:
    with pytest.raises(DomainError) as err:
        member_register(
            actor=party.admin, data=MemberInput(name="无名", community=party.world.community_a)
        )
    assert err.value.code == "identity_required"
    with pytest.raises(DomainError) as err:
        member_register(
            actor=party.admin,
            data=MemberInput(name="无单位", community=party.world.community_a, employee_number="1"),
        )
    assert err.value.code == "work_unit_required"


def test_only_managers_of_the_community_register_members(world: World) -> None:
    data = MemberInput(name="某人", community=world.community_a, id_number=ID)
    for persona in ("secretary_b", "county_a_command", "grid_a1", "branch_a", "nobody"):
        with pytest.raises(NotFound):
            member_register(actor=world.users[persona], data=data)
    member_register(actor=world.users["worker_a"], data=data)


def test_a_member_joins_a_branch_of_their_community_only(party: Party) -> None:
    world = party.world
    member = member_update(
        actor=world.users["secretary_a"],
        member=party.member,
        change=MemberChange(group=party.group),
    )
    assert member.branch == party.branch and member.group == party.group
    elsewhere = register(world, name="外社区", community=world.community_b)
    with pytest.raises(DomainError) as err:
        member_update(actor=world.admin, member=elsewhere, change=MemberChange(branch=party.branch))
    assert err.value.code == "branch_elsewhere"


def test_the_audit_log_keeps_only_the_masked_id_number(world: World) -> None:
    from shequgang.audit.models import AuditEntry

    member = register(world, id_number=ID, phone="13800001111")
    entry = AuditEntry.objects.get(action="party.member.register", object_id=str(member.pk))
    text = str(entry.changes)
    assert member.id_number_masked in text
    assert ID not in text and "13800001111" not in text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_registrations_of_one_person_make_one_member() -> None:
    """Needs PostgreSQL: SQLite serializes whole transactions, so there is no race."""
    import threading

    from django.db import connection

    from shequgang.testing import build_world

    if connection.vendor != "postgresql":
        pytest.skip("a real race needs PostgreSQL")
    world = build_world()
    variants = [ID, ID.lower(), _full_width(ID)] * 3
    barrier = threading.Barrier(len(variants))
    results: list[str] = []

    def attempt(value: str) -> None:
        try:
            barrier.wait()
            register(world, name="并发登记", id_number=value)
            results.append("ok")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(v,)) for v in variants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["duplicate_member"] * (len(variants) - 1) + ["ok"]
    assert Member.objects.filter(name="并发登记").count() == 1


def test_the_audit_log_keeps_a_members_name_masked(world: World) -> None:
    # given a member registered as 王建国, then renamed 王建华
    member = register(world, name="王建国")
    member_update(actor=world.admin, member=member, change=MemberChange(name="王建华"))
    # then no audit row about them carries the full name, before or after
    rows = AuditEntry.objects.filter(object_type="party.member", object_id=str(member.pk))
    assert {r.action for r in rows} >= {"party.member.register", "party.member.update"}
    for row in rows:
        assert row.object_repr == "王**"
        assert "建国" not in str(row.changes) and "建华" not in str(row.changes)
    update = rows.get(action="party.member.update")
    assert update.changes["name"] == ["王**", "王**"]
