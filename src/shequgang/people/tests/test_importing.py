"""The register import: everything or nothing, every problem named by row and column."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import zipfile
from decimal import Decimal

import pytest
from django.db import connection, transaction
from openpyxl import Workbook, load_workbook

from shequgang.audit.models import AuditEntry
from shequgang.errors import DomainError, NotFound
from shequgang.people import pii
from shequgang.people.id_numbers import make_id_number
from shequgang.people.importing import ImportReport, register_import
from shequgang.people.models import Relation, Resident, ResidentStatus
from shequgang.people.register_sheet import COLUMNS, HEADERS, register_template
from shequgang.people.services import ResidentInput, resident_create
from shequgang.places.models import Kind, Place
from shequgang.testing import World, build_world

_ids = iter(range(100, 1000))


def new_id(birth: dt.date = dt.date(1975, 3, 9)) -> str:
    return make_id_number("141102", birth, next(_ids))


def row(**values: object) -> dict[str, object]:
    """A valid row for a new household 102 in 城东社区 滨东花园小区 1号楼 1单元."""
    base: dict[str, object] = {
        "county": "离石区",
        "town": "滨河街道",
        "community": "城东社区",
        "compound": "滨东花园小区",
        "building": "1号楼",
        "unit": "1单元",
        "household": "102",
        "floor_area": None,
        "name": "王五",
        "id_number": values["id_number"] if "id_number" in values else new_id(),
        "phone": "13912345678",
        "relation": "户主",
        "tags": None,
        "note": None,
    }
    base.update(values)
    return base


def sheet(*rows: dict[str, object], headers: tuple[str, ...] = HEADERS) -> io.BytesIO:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(headers))
    keys = {c.header: c.key for c in COLUMNS}
    for r in rows:
        ws.append([r.get(keys.get(h, h)) for h in headers])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def counts() -> tuple[int, int, int]:
    return Resident.objects.count(), Place.objects.count(), AuditEntry.objects.count()


def problems(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in report.errors]


def test_a_valid_file_imports_residents_units_and_households(world: World) -> None:
    # Given a sheet with a new household in an existing unit (a head and his spouse with
    # tags), a new unit with a household, and a child joining an existing household,
    secretary = world.users["secretary_a"]
    head_id, spouse_id, child_id = new_id(), new_id(dt.date(1978, 1, 2)), new_id()
    file = sheet(
        row(id_number=head_id, floor_area=88.5, tags="党员，独居老人"),
        row(name="李梅", id_number=spouse_id, relation="配偶", phone="", floor_area=88.5),
        row(unit="2单元", household="201", name="赵六", note="新入住"),
        row(household="101", name="小明", id_number=child_id, relation="子女"),
        row(building="2号楼", unit=None, household="202", name="钱七"),
    )
    audit_before = AuditEntry.objects.count()

    # When the community secretary imports it,
    report = register_import(actor=secretary, file=file, within=world.community_a)

    # then every row is written,
    assert report.ok and report.imported, report.errors
    assert (report.rows, report.residents) == (5, 5)
    assert (report.units_created, report.households_created) == (1, 3)
    head = Resident.objects.get(id_number_index=pii.blind_index("id_number", head_id))
    assert head.name == "王五" and head.relation == Relation.HEAD
    assert head.status == ResidentStatus.ACTIVE
    assert pii.decrypt(head.id_number_cipher) == head_id
    assert head.id_number_masked == head_id[:4] + "*" * 10 + head_id[-4:]
    assert head.birth_date == dt.date(1975, 3, 9) and head.sex in {"M", "F"}
    assert pii.decrypt(head.phone_cipher) == "+8613912345678"
    assert head.phone_masked == "139****5678"
    assert sorted(t.name for t in head.tags.all()) == ["党员", "独居老人"]
    # the new household sits in the existing unit, in that building's grid, with its area,
    household = head.household
    assert household.parent_id == world.household_a1.parent_id
    assert household.grid_id == world.grid_a1.pk
    assert household.floor_area == Decimal("88.50")
    spouse = Resident.objects.get(id_number_index=pii.blind_index("id_number", spouse_id))
    assert spouse.household_id == household.pk and spouse.phone_cipher == ""
    # the new unit was created under 1号楼, the child joined the existing household,
    unit = Place.objects.get(parent=world.building_a1, kind=Kind.UNIT, name="2单元")
    assert Resident.objects.get(name="赵六").household.parent_id == unit.pk
    child = Resident.objects.get(id_number_index=pii.blind_index("id_number", child_id))
    assert child.household_id == world.household_a1.pk
    assert Resident.objects.get(name="钱七").household.parent_id == world.building_a2.pk
    # and one audit row records the import (the place service adds its own rows).
    imports = AuditEntry.objects.filter(action="resident.import")
    assert imports.count() == 1
    entry = imports.get()
    assert entry.actor == secretary and entry.object_id == str(world.community_a.pk)
    assert entry.changes["residents"] == [None, 5]
    assert AuditEntry.objects.count() > audit_before


def test_one_bad_row_writes_nothing_and_names_its_row_and_column(world: World) -> None:
    # Given three rows of which the second has a wrong check digit,
    good = new_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    file = sheet(row(), row(household="103", id_number=bad), row(household="104"))
    before = counts()

    # when it is imported,
    report = register_import(actor=world.users["worker_a"], file=file, within=world.community_a)

    # then nothing at all is written, and the report names row 3, column 身份证号.
    assert counts() == before
    assert not report.ok and not report.imported
    assert problems(report) == [(3, "身份证号", "id_number_checksum")]
    assert "校验位" in report.errors[0].message


def test_every_problem_of_a_row_is_reported(world: World) -> None:
    # Given a row that is wrong in several cells at once,
    file = sheet(
        row(name="", phone="12345", relation="房东", tags="会员", floor_area="大", id_number="1")
    )

    # when it is validated,
    report = register_import(
        actor=world.users["secretary_a"], file=file, within=world.community_a, dry_run=True
    )

    # then each cell's problem is listed for row 2.
    assert sorted(problems(report)) == sorted(
        [
            (2, "姓名", "required"),
            (2, "身份证号", "id_number_format"),
            (2, "手机号", "invalid_phone"),
            (2, "与户主关系", "invalid_relation"),
            (2, "标签", "unknown_tag"),
            (2, "专有面积(㎡)", "invalid_floor_area"),
        ]
    )


def test_a_duplicate_id_number_inside_the_file(world: World) -> None:
    # Given two rows with the same ID number,
    same = new_id()
    file = sheet(row(id_number=same), row(household="103", id_number=same.lower()))
    before = counts()

    # when imported,
    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    # then the second row is refused, pointing at the first.
    assert counts() == before
    assert problems(report) == [(3, "身份证号", "duplicate_in_file")]
    assert "第2行" in report.errors[0].message


def test_an_id_number_already_registered(world: World) -> None:
    # Given the ID number of a resident already in the register (in another county),
    registered = pii.decrypt(world.residents["b"].id_number_cipher)
    before = counts()

    # when a row carries it,
    report = register_import(
        actor=world.users["secretary_a"],
        file=sheet(row(), row(household="103", id_number=registered)),
        within=world.community_a,
    )

    # then that row is refused and nothing is written.
    assert counts() == before
    assert problems(report) == [(3, "身份证号", "duplicate_id_number")]


def test_an_unknown_building_or_one_outside_the_target(world: World) -> None:
    # Given rows naming a building that does not exist, and one in another county,
    file = sheet(
        row(building="9号楼"),
        row(county="汾阳市", town="太和桥街道", community="建昌社区", compound="昌瑞绿洲小区"),
        row(compound="不存在小区"),
    )

    # when imported into 城东社区,
    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    # then each names the first level that cannot be found.
    assert problems(report) == [
        (2, "楼栋", "unknown_place"),
        (3, "县(市、区)", "unknown_place"),
        (4, "小区", "unknown_place"),
    ]
    assert "9号楼" in report.errors[0].message


def test_a_building_outside_a_narrower_target_is_unknown(world: World) -> None:
    # Given a row for 2号楼, when imported into 1号楼 only,
    report = register_import(
        actor=world.users["secretary_a"],
        file=sheet(row(building="2号楼", unit=None)),
        within=world.building_a1,
    )

    # then 2号楼 is not found there.
    assert problems(report) == [(2, "楼栋", "unknown_place")]


def test_a_bad_phone_number(world: World) -> None:
    report = register_import(
        actor=world.users["secretary_a"],
        file=sheet(row(phone="1381234")),
        within=world.community_a,
    )

    assert problems(report) == [(2, "手机号", "invalid_phone")]


def test_one_head_per_household(world: World) -> None:
    # Given two heads for one new household, and a head for 101 which already has one,
    file = sheet(row(), row(name="第二户主"), row(household="101"))

    # when imported,
    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    # then both extra heads are refused.
    assert problems(report) == [(3, "与户主关系", "second_head"), (4, "与户主关系", "second_head")]


def test_floor_area_must_agree_within_a_household_and_with_the_register(world: World) -> None:
    # Given a new household with two different areas and a wrong area for 101 (89.50),
    file = sheet(
        row(floor_area=80),
        row(floor_area=81, relation="配偶"),
        row(household="101", relation="子女", floor_area="89.5"),
        row(household="101", relation="子女", floor_area=90),
    )

    report = register_import(actor=world.users["secretary_a"], file=file, within=world.community_a)

    # then only the disagreeing rows are refused.
    assert problems(report) == [
        (3, "专有面积(㎡)", "floor_area_mismatch"),
        (5, "专有面积(㎡)", "floor_area_mismatch"),
    ]


def test_a_missing_or_unknown_header(world: World) -> None:
    # Given a sheet without the ID column and with a column nobody knows,
    headers = (*[h for h in HEADERS if h != "身份证号"], "血型")

    report = register_import(
        actor=world.users["secretary_a"],
        file=sheet(row(), headers=headers),
        within=world.community_a,
    )

    assert problems(report) == [(1, "血型", "unknown_header"), (1, "身份证号", "missing_header")]


def test_content_under_no_header_is_reported(world: World) -> None:
    # Given a sheet with a blank header cell between two columns, and a value under it,
    headers = (*HEADERS[:3], "", *HEADERS[3:])
    file = sheet(row(), headers=headers)
    book = load_workbook(file)
    ws = book.active
    assert ws is not None
    ws.cell(row=2, column=4, value="漏掉的值")
    out = io.BytesIO()
    book.save(out)

    report = register_import(actor=world.users["secretary_a"], file=out, within=world.community_a)

    # then the row is refused rather than the value silently dropped.
    assert problems(report) == [(2, "", "extra_cells")]


def test_a_unit_or_household_is_no_target(world: World) -> None:
    with pytest.raises(DomainError) as caught:
        register_import(
            actor=world.users["secretary_a"], file=sheet(row()), within=world.household_a1
        )

    assert caught.value.code == "invalid_scope"


def test_headers_may_use_full_width_brackets_and_any_order(world: World) -> None:
    headers = tuple(reversed([h.replace("(", "（").replace(")", "）") for h in HEADERS]))
    file = sheet(headers=headers)
    # Re-key the row by the full-width headers.
    book = load_workbook(file)
    ws = book.active
    assert ws is not None
    values = row()
    keys = {c.header.replace("(", "（").replace(")", "）"): c.key for c in COLUMNS}
    ws.append([values[keys[h]] for h in headers])
    out = io.BytesIO()
    book.save(out)

    report = register_import(actor=world.users["secretary_a"], file=out, within=world.community_a)

    assert report.imported, report.errors


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(world: World) -> None:
    before = counts()

    report = register_import(
        actor=world.users["secretary_a"],
        file=sheet(row(), row(unit="3单元", household="301")),
        within=world.community_a,
        dry_run=True,
    )

    assert report.ok and not report.imported
    assert (report.residents, report.units_created, report.households_created) == (2, 1, 2)
    assert counts() == before


@pytest.mark.parametrize("persona", ["grid_a1", "town_a_staff", "secretary_b", "nobody"])
def test_without_import_rights_on_the_target_it_is_not_found(world: World, persona: str) -> None:
    # Given a user who may not import into 城东社区 (no import right, or another community),
    before = counts()

    # when they try, then it is "not found", and nothing is written.
    with pytest.raises(NotFound):
        register_import(actor=world.users[persona], file=sheet(row()), within=world.community_a)
    assert counts() == before


def test_files_that_are_not_xlsx_are_refused(world: World) -> None:
    secretary = world.users["secretary_a"]
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    for file in (io.BytesIO(b"name,id\n"), broken, io.BytesIO(b"PK\x03\x04garbage")):
        with pytest.raises(DomainError) as caught:
            register_import(actor=secretary, file=file, within=world.community_a)
        assert caught.value.code == "invalid_file"


def test_a_file_over_the_size_limit_is_refused(world: World, settings: object) -> None:
    settings.IMPORT_MAX_BYTES = 1024  # type: ignore[attr-defined]

    with pytest.raises(DomainError) as caught:
        register_import(
            actor=world.users["secretary_a"],
            file=io.BytesIO(b"PK" + b"0" * 2000),
            within=world.community_a,
        )

    assert caught.value.code == "file_too_large" and caught.value.status == 413


def test_a_sheet_without_rows(world: World) -> None:
    report = register_import(
        actor=world.users["secretary_a"], file=sheet(), within=world.community_a
    )

    assert problems(report) == [(0, "", "no_rows")]


def test_the_template_has_the_header_and_an_example_row(db: None) -> None:
    book = load_workbook(io.BytesIO(register_template()))
    ws = book.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert len(rows) == 2 and rows[1][8] == "张三"
    assert book.sheetnames[1] == "填写说明"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_id_registered_while_the_import_runs_is_reported_not_a_crash() -> None:
    # Given a file whose second row carries an ID number that another user is registering
    # at this very moment (their transaction is open: our check cannot see it yet),
    world = build_world()
    racing = new_id()
    file = sheet(row(), row(household="103", id_number=racing))
    result: dict[str, object] = {}

    def run_import() -> None:
        try:
            result["report"] = register_import(
                actor=world.users["secretary_a"], file=file, within=world.community_a
            )
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            result["error"] = exc
        finally:
            connection.close()

    residents_before = Resident.objects.count()
    with transaction.atomic():
        resident_create(
            actor=world.admin,
            data=ResidentInput(name="抢先", household=world.household_a2, id_number=racing),
        )
        importer = threading.Thread(target=run_import)
        importer.start()
        time.sleep(1.5)  # the import validates, then waits on our lock or unique index
    importer.join(timeout=60)

    # when the other registration commits first, then the import reports that row and
    # writes nothing.
    assert "error" not in result, result.get("error")
    report = result["report"]
    assert isinstance(report, ImportReport)
    assert not report.imported
    assert problems(report) == [(3, "身份证号", "duplicate_id_number")]
    assert Resident.objects.count() == residents_before + 1


def test_ids_returned_across_statements_link_each_resident_to_its_own_tags(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Residents are inserted several rows per statement and the returned ids link the tags:
    # with two rows per statement, seven rows take four statements, and a tag on every
    # other row would land on the wrong person if the ids were misaligned.
    monkeypatch.setattr("shequgang.people.importing._BATCH", 2)
    ids = [new_id() for _ in range(7)]
    rows = [
        row(
            household=str(300 + i),
            name=f"居民{i}",
            id_number=ids[i],
            tags="党员" if i % 2 else None,
        )
        for i in range(7)
    ]
    report = register_import(
        actor=world.users["secretary_a"], file=sheet(*rows), within=world.community_a
    )
    assert report.ok and report.residents == 7, report.errors
    for i, id_number in enumerate(ids):
        resident = Resident.objects.get(id_number_index=pii.blind_index("id_number", id_number))
        assert resident.name == f"居民{i}"
        assert resident.household.name == str(300 + i)
        assert [t.name for t in resident.tags.all()] == (["党员"] if i % 2 else [])
        assert resident.created_at is not None and resident.updated_at == resident.created_at
