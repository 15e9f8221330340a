"""The register export: masked unless the user may see full values there, always audited,
in the import's layout so a full export can be imported again, and never a formula."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shequgang.audit.models import AuditEntry
from shequgang.errors import NotFound
from shequgang.people import pii
from shequgang.people.exporting import register_export
from shequgang.people.importing import register_import
from shequgang.people.models import Resident, ResidentTag
from shequgang.people.register_sheet import HEADERS, register_template
from shequgang.people.services import ResidentInput, resident_update
from shequgang.places.models import Place
from shequgang.spreadsheets.testing import HOSTILE_FORMULA, cell_with, formula_cells
from shequgang.testing import World


def read(content: bytes) -> list[dict[str, object]]:
    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].values)
    assert list(rows[0]) == list(HEADERS)
    return [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]


def full_id(world: World, key: str) -> str:
    return pii.decrypt(world.residents[key].id_number_cipher)


def test_a_worker_without_pii_rights_gets_masked_values(world: World) -> None:
    # Given a community worker of 城东社区 (may export, may not see full personal data),
    worker = world.users["worker_a"]

    # when they export the community,
    rows = read(register_export(actor=worker, within=world.community_a))

    # then they get its two residents, with ID numbers and phones masked,
    assert sorted(str(r["姓名"]) for r in rows) == ["居民a1", "居民a2"]
    a1 = next(r for r in rows if r["姓名"] == "居民a1")
    assert a1["身份证号"] == world.residents["a1"].id_number_masked
    assert a1["手机号"] == "138****0001"
    assert full_id(world, "a1") not in str(rows)
    # with the household's place columns filled in,
    assert [a1[h] for h in HEADERS[:8]] == [
        "离石区",
        "滨河街道",
        "城东社区",
        "滨东花园小区",
        "1号楼",
        "1单元",
        "101",
        89.5,
    ]
    assert a1["与户主关系"] == "户主"
    # and the export is audited as masked.
    entry = AuditEntry.objects.filter(action="resident.export").get()
    assert entry.actor == worker and entry.object_id == str(world.community_a.pk)
    assert entry.changes["count"] == [None, 2]
    assert entry.changes["full_values"] == [None, False]


def test_a_secretary_with_pii_rights_gets_full_values(world: World) -> None:
    # Given the secretary of 城东社区, who may see full personal data there,
    rows = read(register_export(actor=world.users["secretary_a"], within=world.community_a))

    # then the values are in full, and the audit row says so.
    a2 = next(r for r in rows if r["姓名"] == "居民a2")
    assert a2["身份证号"] == full_id(world, "a2")
    assert a2["手机号"] == "13800000002"
    assert a2["单元"] is None  # 201 stands directly in 2号楼
    entry = AuditEntry.objects.filter(action="resident.export").get()
    assert entry.changes["full_values"] == [None, True]
    assert entry.changes["full_count"] == [None, 2]


def test_a_grid_worker_cannot_export(world: World) -> None:
    with pytest.raises(NotFound):
        register_export(actor=world.users["grid_a1"], within=world.community_a)
    assert not AuditEntry.objects.filter(action="resident.export").exists()


def test_another_communitys_secretary_cannot_export(world: World) -> None:
    with pytest.raises(NotFound):
        register_export(actor=world.users["secretary_b"], within=world.community_a)


def test_the_county_command_exports_its_county_only(world: World) -> None:
    rows = read(register_export(actor=world.users["county_a_command"], within=world.county_a))

    assert sorted(str(r["姓名"]) for r in rows) == ["居民a1", "居民a2"]


def test_a_full_export_imports_again_into_an_emptied_subtree(world: World) -> None:
    # Given residents with tags and notes, exported in full by the secretary,
    secretary = world.users["secretary_a"]
    resident_update(
        actor=secretary,
        resident=world.residents["a1"],
        data=ResidentInput(tags=["party_member", "elder_alone"], note="腿脚不便"),
    )
    content = register_export(actor=secretary, within=world.community_a)

    def snapshot() -> set[tuple[object, ...]]:
        return {
            (
                r.name,
                pii.decrypt(r.id_number_cipher),
                pii.decrypt(r.phone_cipher) if r.phone_cipher else "",
                r.relation,
                r.note,
                r.household.full_name(),
                r.household.floor_area,
                tuple(sorted(t.code for t in r.tags.all())),
            )
            for r in Resident.objects.filter(household__path__descendant=world.community_a.path)
        }

    before = snapshot()
    # and the community's register emptied (household 201 removed with its resident),
    Resident.objects.filter(household__path__descendant=world.community_a.path).delete()
    Place.objects.filter(pk=world.household_a2.pk).delete()

    # when the export is imported back,
    report = register_import(actor=secretary, file=io.BytesIO(content), within=world.community_a)

    # then the register is as it was, household 201 recreated with its floor area.
    assert report.imported, report.errors
    assert report.households_created == 1
    assert snapshot() == before


def test_a_masked_export_cannot_be_imported(world: World) -> None:
    # Given a masked export, when it is imported, then the masked numbers are refused.
    worker = world.users["worker_a"]
    content = register_export(actor=worker, within=world.community_a)
    Resident.objects.filter(household__path__descendant=world.community_a.path).delete()

    report = register_import(actor=worker, file=io.BytesIO(content), within=world.community_a)

    assert not report.imported
    assert {(e.column, e.code) for e in report.errors} >= {("身份证号", "id_number_format")}
    assert not Resident.objects.filter(household__path__descendant=world.community_a.path).exists()


def test_a_formula_typed_into_a_note_is_exported_as_text(world: World) -> None:
    # Given a worker who types a live link into a resident's note, beside which the
    # secretary's export carries full ID numbers,
    resident_update(
        actor=world.users["worker_a"],
        resident=world.residents["a1"],
        data=ResidentInput(note=HOSTILE_FORMULA),
    )

    # when the secretary exports the register in full,
    content = register_export(actor=world.users["secretary_a"], within=world.community_a)

    # then no cell is a formula: the note is text, quoted as OWASP advises,
    assert formula_cells(content) == []
    note = cell_with(content, "HYPERLINK")
    assert (note.value, note.data_type) == ("'" + HOSTILE_FORMULA, "s")
    # while the floor area is still a number,
    assert next(r for r in read(content) if r["姓名"] == "居民a1")["专有面积(㎡)"] == 89.5
    # and importing the export back stores the note as it was typed.
    Resident.objects.filter(household__path__descendant=world.community_a.path).delete()
    report = register_import(
        actor=world.users["secretary_a"], file=io.BytesIO(content), within=world.community_a
    )
    assert report.imported, report.errors
    assert Resident.objects.get(name="居民a1").note == HOSTILE_FORMULA


def test_the_template_lists_tag_names_as_text(world: World) -> None:
    # Given a tag whose name looks like a formula (tags are named by administrators),
    # the only one in use, so the list starts with it,
    ResidentTag.objects.update(active=False)
    ResidentTag.objects.create(code="formula", name="=1+1", active=True)

    # when the import template is downloaded, then the tag list is text, not a formula.
    content = register_template()
    assert formula_cells(content) == []
    tags = cell_with(content, "=1+1")
    assert (tags.value, tags.data_type) == ("'=1+1", "s")
