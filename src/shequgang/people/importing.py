"""The register import (台账导入): residents, and the units and households they live in,
from an .xlsx sheet in the layout of ``register_sheet.COLUMNS``.

Every row is validated before anything is written and the report names every problem by
row and column. A row whose ID number is already registered inside the target updates
that resident (matched by the ID number's blind index), so an export imported back
changes nothing. A file with any problem writes nothing; a clean file is written in one
transaction (missing units and households, new residents, changed residents, their
tags, one audit row).
Buildings are never created here: a row must name a building that already exists inside
the place the import is made into."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import DomainError, NotFound
from shequgang.people.models import Resident, ResidentStatus
from shequgang.people.register_checks import (
    CheckedRow,
    Plan,
    Planner,
    Progress,
    report_registered,
)
from shequgang.people.register_report import ImportReport, RowError
from shequgang.people.register_sheet import read_sheet
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope
from shequgang.people.services import resident_apply_id_number, resident_apply_phone
from shequgang.places.models import Kind, Place
from shequgang.places.services import places_create_children_many

__all__ = ["ImportReport", "RowError", "read_upload", "register_import"]

# Rows per INSERT (SQLite lowers it to fit its parameter limit).
_BATCH = 1000


def register_import(
    *,
    actor: Actor,
    file: IO[bytes],
    within: Place,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row of ``file`` and, unless it is a dry run or any row is wrong,
    write them all into ``within``'s subtree in one transaction with one audit row
    (``resident.import``; creating units and households adds the place service's rows).

    Raises NotFound unless the actor holds resident.import on ``within``; DomainError
    ``invalid_scope``, ``file_too_large``, ``invalid_file`` or ``too_many_rows`` for an
    unusable target or upload. Problems with rows, including an ID number that someone
    registered while this import ran (caught by the unique blind index), come back in the
    report with nothing written. A row whose ID number is registered inside ``within``
    updates that resident (its household, name, relation, phone, note and tags).
    ``progress`` is told (rows checked, rows) every few hundred rows of the check."""
    if actor is None or not place_in_scope(actor, Perm.RESIDENT_IMPORT, within):
        raise NotFound("地点")
    if within.kind in {Kind.UNIT, Kind.HOUSEHOLD}:
        raise DomainError("invalid_scope", "请在楼栋或更高层级导入台账")
    data = read_upload(file)
    with _cyclic_gc_paused():
        return _import(data, actor=actor, within=within, dry_run=dry_run, progress=progress)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A large import allocates millions of objects that live until it ends, and the
    cyclic collector would walk that growing heap again and again (a sixth of the time
    at 100,000 rows). Reference counting still frees everything acyclic meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    data: bytes, *, actor: Actor, within: Place, dry_run: bool, progress: Progress | None
) -> ImportReport:
    report = ImportReport(within_id=within.pk, dry_run=dry_run)
    cells = read_sheet(data, report.add)
    plan = Planner(within, report, progress).plan(cells) if cells else None
    if plan is None or dry_run:
        return report
    try:
        with transaction.atomic():
            _write(plan, actor=actor, within=within, sha256=hashlib.sha256(data).hexdigest())
    except IntegrityError:
        report_registered(plan.rows, report)
        if report.ok:
            report.add(0, "", "conflict", "导入时与其他操作冲突，未写入任何数据，请重试")
        return report
    except DomainError as exc:
        # A concurrent import created one of the same units or households first.
        report.add(0, "", exc.code, f"{exc.message}（导入期间数据有变化，未写入任何数据）")
        return report
    report.imported = True
    return report


def read_upload(file: IO[bytes]) -> bytes:
    """The upload's bytes; DomainError ``file_too_large`` past settings.IMPORT_MAX_BYTES."""
    limit: int = settings.IMPORT_MAX_BYTES
    file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise DomainError("file_too_large", f"文件不能超过{max(1, limit // 2**20)}MB", status=413)
    return data


# --- Writing -----------------------------------------------------------------------------


def _write(plan: Plan, *, actor: Actor, within: Place, sha256: str) -> None:
    """Create the planned units and households (one call per parent), then the residents
    and their tags in bulk, then the audit row. Runs inside the caller's transaction."""
    parent_ids = set(plan.new_units) | {b for b, u in plan.new_households if not u}
    parent_ids |= {plan.units[(b, u)] for b, u in plan.new_households if (b, u) in plan.units}
    parents = Place.objects.in_bulk(parent_ids)
    units = dict(plan.units)
    # One locked, multi-parent INSERT per level: thousands of buildings and units cost
    # two statements, not one transaction step each.
    new_units = places_create_children_many(
        kind=Kind.UNIT,
        groups=[
            (parents[building_id], [{"name": name} for name in names])
            for building_id, names in plan.new_units.items()
        ],
        actor=actor,
    )
    for unit in new_units:
        assert unit.parent_id is not None
        units[(unit.parent_id, unit.name)] = unit.pk
        parents[unit.pk] = unit
    households = dict(plan.households)
    keys = list(plan.new_households)
    new_households = places_create_children_many(
        kind=Kind.HOUSEHOLD,
        groups=[
            (
                parents[units[(building_id, unit_name)]] if unit_name else parents[building_id],
                [{"name": name, "floor_area": area} for name, area in plan.new_households[key]],
            )
            for key in keys
            for building_id, unit_name in [key]
        ],
        actor=actor,
    )
    created_iter = iter(new_households)
    for building_id, unit_name in keys:
        for name, _area in plan.new_households[(building_id, unit_name)]:
            household = next(created_iter)
            assert household.name == name
            households[(building_id, unit_name, household.name)] = household.pk
    residents = [_resident(r, households[r.household_key]) for r in plan.rows]
    resident_ids = _insert_residents(residents)
    through = Resident.tags.through
    links = [
        through(resident_id=resident_id, residenttag_id=tag_id)
        for resident_id, r in zip(resident_ids, plan.rows, strict=True)
        for tag_id in r.tag_ids
    ]
    through.objects.bulk_create(links, batch_size=_BATCH)
    updated = _update_residents(plan.updates, households)
    audit_record(
        actor=actor,
        action="resident.import",
        obj=within,
        changes={
            "residents": [None, len(residents)],
            "residents_updated": [None, len(updated)],
            "updated_ids": [None, updated],
            "households_created": [None, sum(len(v) for v in plan.new_households.values())],
            "units_created": [None, sum(len(v) for v in plan.new_units.values())],
            "tags": [None, len(links)],
            "file_sha256": [None, sha256],
        },
    )


_UPDATED_FIELDS = [
    "household",
    "name",
    "relation",
    "phone_cipher",
    "phone_index",
    "phone_masked",
    "note",
    "updated_at",
]


def _update_residents(
    rows: list[CheckedRow], households: dict[tuple[int, str, str], int]
) -> list[int]:
    """Apply the changed rows to their residents, locked; their tags become the row's.
    DomainError ``conflict`` when one of them left the register since the check (the
    caller's transaction then writes nothing). Returns the updated residents' ids."""
    ids = [r.resident_id for r in rows if r.resident_id is not None]
    if not ids:
        return []
    locked = Resident.objects.select_for_update().in_bulk(ids)
    now = timezone.now()
    changed = []
    for r in rows:
        resident = locked.get(r.resident_id or 0)
        if resident is None or resident.status != ResidentStatus.ACTIVE:
            raise DomainError("conflict", "导入期间有居民迁出或注销")
        resident.household_id = households[r.household_key]
        resident.name, resident.relation, resident.note = r.name, r.relation, r.note
        resident_apply_phone(resident=resident, e164=r.phone, national=r.phone_national)
        resident.updated_at = now
        changed.append(resident)
    Resident.objects.bulk_update(changed, _UPDATED_FIELDS, batch_size=500)
    through = Resident.tags.through
    for start in range(0, len(ids), 900):
        through.objects.filter(resident_id__in=ids[start : start + 900]).delete()
    through.objects.bulk_create(
        [
            through(resident_id=r.resident_id, residenttag_id=tag_id)
            for r in rows
            for tag_id in r.tag_ids
        ],
        batch_size=_BATCH,
    )
    return ids


# The columns the import writes, in INSERT order. Everything else keeps its default.
_COLUMNS = (
    "household_id",
    "name",
    "relation",
    "status",
    "birth_date",
    "sex",
    "id_number_cipher",
    "id_number_index",
    "id_number_masked",
    "phone_cipher",
    "phone_index",
    "phone_masked",
    "address_cipher",
    "address_masked",
    "note",
    "created_at",
    "updated_at",
)


def _insert_residents(residents: list[Resident]) -> list[int]:
    """INSERT the residents with multi-row statements and return their ids in order.

    The same rows ``bulk_create`` writes, without its per-value field preparation (a third
    of the write time at 100,000 rows): every value here is already a plain string, int or
    date, so only dates and the one timestamp need the backend's adaptation. RETURNING
    gives the ids in VALUES order on both databases, as ``bulk_create`` relies on too."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    adapt_date = ops.adapt_datefield_value
    per_row = len(_COLUMNS)
    batch = max(1, min(_BATCH, _max_params() // per_row))
    table = connection.ops.quote_name(Resident._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    row_sql = "(" + ", ".join(["%s"] * per_row) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(residents), batch):
            chunk = residents[start : start + batch]
            params: list[Any] = []
            for x in chunk:
                params += (
                    x.household_id,
                    x.name,
                    x.relation,
                    x.status,
                    adapt_date(x.birth_date),
                    x.sex,
                    x.id_number_cipher,
                    x.id_number_index,
                    x.id_number_masked,
                    x.phone_cipher,
                    x.phone_index,
                    x.phone_masked,
                    x.address_cipher,
                    x.address_masked,
                    x.note,
                    now,
                    now,
                )
            values = ", ".join([row_sql] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING id",
                params,
            )
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def _max_params() -> int:
    """Bind parameters one statement may carry: SQLite reports its compiled limit
    (Django assumes the historic 999); PostgreSQL allows 65,535."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 65_535


def _resident(r: CheckedRow, household_id: int) -> Resident:
    resident = Resident(
        household_id=household_id,
        name=r.name,
        relation=r.relation,
        status=ResidentStatus.ACTIVE,
        note=r.note,
    )
    resident_apply_id_number(resident=resident, parsed=r.id_number)
    resident_apply_phone(resident=resident, e164=r.phone, national=r.phone_national)
    return resident
