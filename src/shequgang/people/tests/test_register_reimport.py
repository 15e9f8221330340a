"""Importing the register back: rows whose ID number is already registered inside the
target update those residents (matched by the ID number's blind index) instead of being
refused, and the preview counts added / changed / unchanged / invalid before anything is
written."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from shequgang.audit.models import AuditEntry
from shequgang.people import pii
from shequgang.people.exporting import register_export
from shequgang.people.importing import register_import
from shequgang.people.models import Relation, Resident, ResidentStatus
from shequgang.people.services import phone_index
from shequgang.testing import World

from .test_importing import new_id, row, sheet


def exported(world: World, **edits: dict[str, str]) -> io.BytesIO:
    """The community's full export, with cells changed by resident name:
    ``edits={"居民a1": {"手机号": "13900000000"}}``."""
    data = register_export(actor=world.users["secretary_a"], within=world.community_a)
    book = load_workbook(io.BytesIO(data))
    ws = book.active
    assert ws is not None
    headers = [c.value for c in ws[1]]
    for line in ws.iter_rows(min_row=2):
        name = line[headers.index("姓名")].value
        for header, value in edits.get(str(name), {}).items():
            line[headers.index(header)].value = value
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Resident.objects.order_by("pk").values_list(
            "pk", "household_id", "name", "relation", "phone_index", "note", "updated_at"
        )
    )


def test_an_export_imported_back_is_all_unchanged(world: World) -> None:
    # Given the community's export with full ID numbers
    file = exported(world)
    before = snapshot()

    # When the secretary checks it for import, then imports it
    preview = register_import(
        actor=world.users["secretary_a"], file=file, within=world.community_a, dry_run=True
    )
    done = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    # Then every row is matched as it is: nothing added, nothing changed, nothing refused
    assert preview.ok, preview.errors
    assert (preview.added, preview.changed, preview.unchanged, preview.invalid) == (0, 0, 2, 0)
    assert done.imported and (done.added, done.changed, done.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_one_changed_phone_is_one_change(world: World) -> None:
    # Given the export with 居民a1's phone changed
    file = exported(world, 居民a1={"手机号": "13900000099"})
    a1, a2 = world.residents["a1"], world.residents["a2"]
    a2_before = Resident.objects.filter(pk=a2.pk).values().get()

    # When it is previewed and imported
    preview = register_import(
        actor=world.users["secretary_a"], file=file, within=world.community_a, dry_run=True
    )
    assert Resident.objects.get(pk=a1.pk).phone_index == phone_index("+8613800000001")
    done = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    # Then the preview says one change, and the import makes exactly that one
    assert (preview.added, preview.changed, preview.unchanged) == (0, 1, 1)
    assert done.imported and done.changed == 1
    a1.refresh_from_db()
    assert pii.decrypt(a1.phone_cipher) == "+8613900000099" and a1.phone_masked == "139****0099"
    assert Resident.objects.filter(pk=a2.pk).values().get() == a2_before
    audit = AuditEntry.objects.filter(action="resident.import").latest("pk")
    assert audit.changes["residents_updated"] == [None, 1]
    assert audit.changes["updated_ids"] == [None, [a1.pk]]


def test_a_new_row_is_added_beside_the_matched_ones(world: World) -> None:
    # Given the export and a new resident's row appended in a new household
    book = load_workbook(exported(world))
    ws = book.active
    assert ws is not None
    fresh = row(household="109", name="新来的", id_number=new_id())
    ws.append([fresh[k] for k in fresh])
    file = io.BytesIO()
    book.save(file)
    file.seek(0)

    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    assert report.imported and (report.added, report.changed, report.unchanged) == (1, 0, 2)
    assert Resident.objects.filter(name="新来的", household__name="109").exists()


def test_invalid_rows_block_the_changes_of_valid_ones(world: World) -> None:
    # Given a changed phone on one row and a broken ID number on the other
    file = exported(
        world, 居民a1={"手机号": "13900000099"}, 居民a2={"身份证号": "141102199901011234"}
    )
    before = snapshot()

    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    # Then nothing is written and the preview counts the bad row as invalid
    assert not report.imported and not report.ok
    assert (report.changed, report.invalid) == (1, 1)
    assert snapshot() == before


def test_a_resident_registered_outside_the_target_is_refused(world: World) -> None:
    # Given a row carrying the ID number of a resident of another community
    outside = pii.decrypt(world.residents["b"].id_number_cipher)
    file = sheet(row(id_number=outside))

    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    assert [(e.code, e.message) for e in report.errors] == [
        ("duplicate_id_number", "该身份证号码已在“城东社区”以外登记")
    ]


def test_a_resident_who_left_is_not_revived(world: World) -> None:
    file = exported(world)
    Resident.objects.filter(pk=world.residents["a2"].pk).update(status=ResidentStatus.MOVED_OUT)

    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    assert [e.code for e in report.errors] == ["resident_inactive"]


def test_the_registered_head_may_stay_head_but_no_second_one(world: World) -> None:
    # Given 居民a1, the registered head of household A1, in the re-imported sheet, and a
    # new row claiming to be head of the same household
    a1 = world.residents["a1"]
    assert a1.relation == Relation.HEAD
    book = load_workbook(exported(world))
    ws = book.active
    assert ws is not None
    headers = [c.value for c in ws[1]]
    first = [c.value for c in ws[2]] if ws[2][headers.index("姓名")].value == "居民a1" else None
    first = first or [c.value for c in ws[3]]
    second = list(first)
    second[headers.index("姓名")] = "另一户主"
    second[headers.index("身份证号")] = new_id()
    ws.append(second)
    file = io.BytesIO()
    book.save(file)
    file.seek(0)

    report = register_import(
        actor=world.users["secretary_a"], file=file, within=world.community_a, dry_run=True
    )

    # Then only the new row is refused, naming the registered head's row
    assert [(e.code, e.row) for e in report.errors] == [("second_head", 4)]
    # and the preview counts it once, as invalid, not also as added
    assert (report.added, report.unchanged, report.invalid) == (0, 2, 1)
