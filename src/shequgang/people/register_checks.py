"""Checks for the register import: every row on its own (ID number, phone, relation,
tags, floor area, the building it names), then against the rest of the file and the
database (duplicate ID numbers, one head per household, one floor area per household),
and the plan: residents to add, registered residents (matched by the ID number's blind
index inside the target) to update, and those a row leaves unchanged. Nothing here
writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shequgang.errors import DomainError
from shequgang.people.id_numbers import IdNumber, parse_id_number
from shequgang.people.models import Relation, ResidentStatus, ResidentTag
from shequgang.people.phones import normalize_phone
from shequgang.people.register_lookups import (
    PlaceIndex,
    existing_households,
    existing_units,
    households_with_head,
    registered_indexes,
)
from shequgang.people.register_matching import Registered, registered_by_index, row_changes
from shequgang.people.register_report import ImportReport
from shequgang.people.register_sheet import BY_KEY, COLUMNS, SheetRow
from shequgang.people.services import id_number_index
from shequgang.places.models import Place

_TAG_SPLIT = re.compile(r"[,，、;；]")
_RELATIONS = {str(label): str(value) for value, label in Relation.choices}
_CENT = Decimal("0.01")
_REQUIRED = [c for c in COLUMNS if c.required]

# (rows checked, rows in the file): told every _PROGRESS_EVERY rows while checking.
Progress = Callable[[int, int], None]
_PROGRESS_EVERY = 500


@dataclass(slots=True)
class CheckedRow:
    """A row that passed every check of its own."""

    row: int
    building_id: int
    unit: str
    household: str
    floor_area: Decimal | None
    name: str
    id_number: IdNumber
    index: str  # blind index of the ID number
    phone: str | None  # E.164
    phone_national: str | None  # its national form, when known without parsing again
    relation: str
    tag_ids: list[int]
    note: str
    resident_id: int | None = None  # the registered resident its ID number matched

    @property
    def household_key(self) -> tuple[int, str, str]:
        return (self.building_id, self.unit, self.household)


HouseholdKey = tuple[int, str, str]  # (building id, unit name or "", household name)


@dataclass
class Plan:
    rows: list[CheckedRow]  # new residents
    updates: list[CheckedRow]  # registered residents whose row changes something
    unchanged: list[int]  # rows matching a registered resident as registered
    new_units: dict[int, list[str]]  # building id → unit names
    new_households: dict[tuple[int, str], list[tuple[str, Decimal | None]]]
    units: dict[tuple[int, str], int]  # existing units the rows use
    households: dict[HouseholdKey, int]  # existing households the rows use


class Planner:
    """Checks every row on its own, then against the file and the database, and works out
    what to create."""

    def __init__(
        self, within: Place, report: ImportReport, progress: Progress | None = None
    ) -> None:
        self.within = within
        self.report = report
        self.progress = progress
        self.places = PlaceIndex(within)
        self.tags = {t.name: t.pk for t in ResidentTag.objects.filter(active=True)}
        self.first_row_of: dict[str, int] = {}  # blind index → first row with it
        self.known: dict[str, Registered] = {}  # blind index → the resident holding it

    def error(self, row: int, key: str, code: str, message: str) -> None:
        self.report.add(row, BY_KEY[key].header if key else "", code, message)

    def plan(self, cells: list[SheetRow]) -> Plan | None:
        self.report.rows = len(cells)
        rows = []
        for n, checked in enumerate(map(self.check_row, cells), 1):
            if checked is not None:
                rows.append(checked)
            if self.progress is not None and n % _PROGRESS_EVERY == 0:
                self.progress(n, len(cells))
        self.known = registered_by_index(r.index for r in rows)
        rows = [r for r in rows if self.match(r)]
        plan = self.households(rows)
        if not self.report.ok:
            return None
        self.report.residents = len(rows)
        return plan

    def match(self, r: CheckedRow) -> bool:
        """Point the row at the resident its ID number names, if any: one registered
        inside the target is updated; one registered elsewhere, or who has left, is a
        problem of the row."""
        found = self.known.get(r.index)
        if found is None:
            return True
        if not found.household_path.startswith(self.within.path):
            self.error(
                r.row,
                "id_number",
                "duplicate_id_number",
                f"该身份证号码已在“{self.within.name}”以外登记",
            )
            return False
        if found.status != ResidentStatus.ACTIVE:
            self.error(
                r.row, "id_number", "resident_inactive", "该居民已迁出或死亡，不能通过导入恢复"
            )
            return False
        r.resident_id = found.pk
        return True

    def sort(self, r: CheckedRow, household_id: int | None, plan: Plan) -> None:
        """Add the row to the plan as a new resident, an update, or nothing to do."""
        if r.resident_id is None:
            plan.rows.append(r)
            return
        registered: Registered = self.known[r.index]
        changed = row_changes(
            registered,
            household_id=household_id,
            name=r.name,
            relation=r.relation,
            phone=r.phone,
            note=r.note,
            tag_ids=r.tag_ids,
        )
        if changed:
            plan.updates.append(r)
        else:
            plan.unchanged.append(r.row)

    def check_row(self, cells: SheetRow) -> CheckedRow | None:
        n = cells.row
        errors_before = self.report.error_count
        texts = cells.texts
        for column in _REQUIRED:
            if not texts.get(column.key):
                self.error(n, column.key, "required", f"“{column.header}”不能为空")
        building_id = self.building(cells)
        name, unit, household = cells.text("name"), cells.text("unit"), cells.text("household")
        if len(name) > 50:
            self.error(n, "name", "name_too_long", "姓名不能超过50个字")
        for key, value in (("unit", unit), ("household", household)):
            if len(value) > 100:
                self.error(n, key, "name_too_long", f"“{BY_KEY[key].header}”不能超过100个字")
        parsed = self.id_number(cells)
        phone, national = self.phone(cells)
        relation = self.relation(cells)
        tag_ids = self.tag_ids(cells)
        area = self.floor_area(cells)
        note = cells.text("note")
        if len(note) > 200:
            self.error(n, "note", "note_too_long", "备注不能超过200个字")
        if self.report.error_count > errors_before:
            return None
        assert building_id is not None and parsed is not None and relation is not None
        return CheckedRow(
            row=n,
            building_id=building_id,
            unit=unit,
            household=household,
            floor_area=area,
            name=name,
            id_number=parsed,
            index=id_number_index(parsed.value),
            phone=phone,
            phone_national=national,
            relation=relation,
            tag_ids=tag_ids,
            note=note,
        )

    def building(self, cells: SheetRow) -> int | None:
        text = cells.text
        names = tuple(map(text, ("county", "town", "community", "compound", "building")))
        if not (names[0] and names[1] and names[2] and names[4]):
            return None  # already reported as required
        found = self.places.building(names)
        if isinstance(found, int):
            return found
        key, name = found
        hint = "（楼栋须先在系统中建立）" if key == "building" else ""
        self.error(
            cells.row,
            key,
            "unknown_place",
            f"{BY_KEY[key].header}“{name}”不存在或不在“{self.within.name}”范围内{hint}",
        )
        return None

    def id_number(self, cells: SheetRow) -> IdNumber | None:
        text = cells.text("id_number")
        if not text:
            return None
        if "id_number" in cells.floats:
            # Excel keeps 15 significant digits of a number: the ID is already damaged.
            self.error(cells.row, "id_number", "id_number_not_text", "身份证号须以文本格式填写")
            return None
        try:
            parsed = parse_id_number(text)
        except DomainError as exc:
            self.error(cells.row, "id_number", exc.code, exc.message)
            return None
        first = self.first_row_of.setdefault(parsed.value, cells.row)
        if first != cells.row:
            self.error(cells.row, "id_number", "duplicate_in_file", f"身份证号与第{first}行重复")
            return None
        return parsed

    def phone(self, cells: SheetRow) -> tuple[str | None, str | None]:
        """The number in E.164, and in national form when that is plainly what was typed:
        a mainland mobile written as its 11 digits is its own national form."""
        text = cells.text("phone")
        if not text:
            return None, None
        try:
            e164 = normalize_phone(text)
        except DomainError as exc:
            self.error(cells.row, "phone", exc.code, exc.message)
            return None, None
        return e164, text if text[0] == "1" and e164 == "+86" + text else None

    def relation(self, cells: SheetRow) -> str | None:
        text = cells.text("relation")
        relation = _RELATIONS.get(text)
        if relation is None and text:
            self.error(
                cells.row,
                "relation",
                "invalid_relation",
                f"未知的与户主关系“{text}”，可填：{'、'.join(_RELATIONS)}",
            )
        return relation

    def tag_ids(self, cells: SheetRow) -> list[int]:
        ids: list[int] = []
        text = cells.text("tags")
        if not text:
            return ids
        for part in _TAG_SPLIT.split(text):
            name = part.strip()
            if not name:
                continue
            pk = self.tags.get(name)
            if pk is None:
                self.error(cells.row, "tags", "unknown_tag", f"未知的标签“{name}”")
            elif pk not in ids:
                ids.append(pk)
        return ids

    def floor_area(self, cells: SheetRow) -> Decimal | None:
        text = cells.text("floor_area")
        if not text:
            return None
        try:
            area: Decimal | None = Decimal(text)
        except InvalidOperation:
            area = None
        if area is None or not area.is_finite() or not 0 < area < 10_000_000:
            self.error(cells.row, "floor_area", "invalid_floor_area", "专有面积应为大于0的数字")
            return None
        if area != area.quantize(_CENT):
            self.error(cells.row, "floor_area", "invalid_floor_area", "专有面积最多两位小数")
            return None
        return area.quantize(_CENT)

    def households(self, rows: list[CheckedRow]) -> Plan:
        """Find or plan each row's unit and household. A household has at most one head
        (户主), counting those already registered, and one floor area."""
        buildings = {r.building_id for r in rows}
        units = existing_units(buildings)
        existing = existing_households(buildings | set(units.values()))
        heads = households_with_head(pk for pk, _ in existing.values())
        # A registered head the file also names is counted by the file's own rows.
        matched = {r.resident_id for r in rows if r.resident_id is not None}
        plan = Plan(
            rows=[],
            updates=[],
            unchanged=[],
            new_units={},
            new_households={},
            units={},
            households={},
        )
        head_row: dict[HouseholdKey, int] = {}
        area_of: dict[HouseholdKey, tuple[Decimal, int]] = {}
        new_units: dict[int, dict[str, None]] = {}  # dicts as ordered sets
        new_households: dict[tuple[int, str], dict[str, None]] = {}
        used_units: dict[tuple[int, str], int] = {}
        used_households: dict[HouseholdKey, int] = {}
        for r in rows:
            key = r.household_key
            unit_id = units.get((r.building_id, r.unit)) if r.unit else None
            parent = unit_id if r.unit else r.building_id
            found = existing.get((parent, r.household)) if parent is not None else None
            if r.floor_area is not None:
                self.check_area(r, found, area_of)
            if r.relation == Relation.HEAD:
                if key in head_row:
                    first = head_row[key]
                    self.error(
                        r.row, "relation", "second_head", f"同一户只能有一位户主（第{first}行）"
                    )
                elif found is not None and heads.get(found[0], set()) - matched:
                    self.error(r.row, "relation", "second_head", "该户已登记户主")
                head_row.setdefault(key, r.row)
            if unit_id is not None:
                used_units[(r.building_id, r.unit)] = unit_id
            self.sort(r, found[0] if found is not None else None, plan)
            if found is not None:
                used_households[key] = found[0]
                continue
            if r.unit and unit_id is None:
                new_units.setdefault(r.building_id, {})[r.unit] = None
            new_households.setdefault((r.building_id, r.unit), {})[r.household] = None
        self.report.units_created = sum(len(v) for v in new_units.values())
        self.report.households_created = sum(len(v) for v in new_households.values())
        # The preview counts each row once: a row with a problem only as invalid.
        bad = self.report.bad_rows
        self.report.added = sum(r.row not in bad for r in plan.rows)
        self.report.changed = sum(r.row not in bad for r in plan.updates)
        self.report.unchanged = sum(n not in bad for n in plan.unchanged)
        plan.new_units = {b: list(names) for b, names in new_units.items()}
        plan.new_households = {
            (b, u): [(h, area_of[(b, u, h)][0] if (b, u, h) in area_of else None) for h in hs]
            for (b, u), hs in new_households.items()
        }
        plan.units, plan.households = used_units, used_households
        return plan

    def check_area(
        self,
        r: CheckedRow,
        found: tuple[int, Decimal | None] | None,
        area_of: dict[HouseholdKey, tuple[Decimal, int]],
    ) -> None:
        """A household's area is set once: rows for a new household must agree, and rows
        for an existing one must match what is registered (or leave the cell blank)."""
        assert r.floor_area is not None
        if found is not None:
            registered = found[1]
            if registered is None:
                message = "该户已存在且未登记专有面积，请在地点管理中填写，或将此格留空"
            elif registered != r.floor_area:
                message = f"与该户已登记的专有面积（{registered}㎡）不一致"
            else:
                return
            self.error(r.row, "floor_area", "floor_area_mismatch", message)
            return
        first = area_of.setdefault(r.household_key, (r.floor_area, r.row))
        if first[0] != r.floor_area:
            self.error(
                r.row,
                "floor_area",
                "floor_area_mismatch",
                f"同一户的专有面积与第{first[1]}行（{first[0]}㎡）不一致",
            )


def report_registered(rows: list[CheckedRow], report: ImportReport) -> None:
    taken = registered_indexes(r.index for r in rows)
    for r in rows:
        if r.index in taken:
            report.add(
                r.row, BY_KEY["id_number"].header, "duplicate_id_number", "该身份证号码已登记"
            )
