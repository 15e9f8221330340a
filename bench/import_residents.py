"""Benchmark: validate and import a large resident register sheet.

    .venv/bin/python bench/import_residents.py --rows 100000
    .venv/bin/python bench/import_residents.py --rows 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/shequgang_bench

Builds a throwaway database (SQLite under var/bench/ by default; a PostgreSQL database is
dropped and created again), a community with enough buildings for the rows, a sheet of
synthetic residents with valid, unique ID numbers, and times: writing the file, the dry
run (validation only) and the import (validation again, then the writes), then the
export of what was imported, for reference. Target: 100,000 rows validated and imported
in under 30 s on SQLite."""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# Rows per building: 3 units x 6 floors x 3 flats x ~3 residents.
UNITS, FLOORS, FLATS, PEOPLE = 3, 6, 3, 3
BUILDINGS_PER_COMPOUND = 20
LOAD_BEFORE = ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{ROOT / 'var' / 'bench' / 'import.sqlite3'}",
        help="SQLite (default, under var/bench/) or postgres://…/shequgang_bench",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument("--no-export", action="store_true", help="skip the export step")
    args = parser.parse_args()

    setup_django(args.database_url)
    from django.db import connection

    timings: list[tuple[str, float, float]] = []  # (step, wall seconds, CPU seconds)

    def timed(step: str, run):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        timings.append((step, time.perf_counter() - wall, time.process_time() - cpu))
        return result

    world = timed("build tree (not in target)", lambda: build_tree(args.rows))
    content = timed(
        "generate .xlsx (not in target)", lambda: make_sheet(args.rows, world["buildings"])
    )

    from shequgang.people.importing import register_import

    def run_import(dry_run: bool):  # type: ignore[no-untyped-def]
        return register_import(
            actor=world["actor"],
            file=io.BytesIO(content),
            within=world["community"],
            dry_run=dry_run,
        )

    report = timed("validate (dry run)", lambda: run_import(True))
    assert report.ok, report.errors[:5]
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    report = timed("import (validate + write)", lambda: run_import(False))
    if profiler:
        profiler.disable()
    assert report.imported, report.errors[:5]

    from shequgang.people.exporting import register_export
    from shequgang.people.models import Resident

    assert Resident.objects.count() == args.rows
    if not args.no_export:
        exported = timed(
            "export, full values (not in target)",
            lambda: register_export(actor=world["actor"], within=world["community"]),
        )
        assert len(exported) > 0
    print_report(args, connection, len(content), report, timings)
    steps = {step: round(wall, 2) for step, wall, _cpu in timings}
    print("RESULT " + json.dumps({"rows": args.rows, "steps": steps}, ensure_ascii=False))
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def setup_django(database_url: str) -> None:
    from cryptography.fernet import Fernet

    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        recreate_postgres(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["SHEQUGANG_FIELD_KEY"] = Fernet.generate_key().decode()
    os.environ["SECRET_KEY"] = "bench-" + Fernet.generate_key().decode()
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequgang.settings"
    os.environ.setdefault("SHEQUGANG_VAR_DIR", str(ROOT / "var" / "bench"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def recreate_postgres(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_tree(rows: int) -> dict[str, object]:
    from django.contrib.auth.models import User

    from shequgang.people.roles import Role
    from shequgang.people.services import role_grant
    from shequgang.places.models import Kind
    from shequgang.places.services import place_create, places_create_children

    admin = User.objects.create_superuser("bench-admin", password="x")
    city = place_create(parent=None, kind=Kind.CITY, name="吕梁市", code="141100", actor=admin)
    county = place_create(parent=city, kind=Kind.COUNTY, name="离石区", code="141102", actor=admin)
    town = place_create(parent=county, kind=Kind.TOWN, name="滨河街道", actor=admin)
    community = place_create(parent=town, kind=Kind.COMMUNITY, name="城东社区", actor=admin)
    per_building = UNITS * FLOORS * FLATS * PEOPLE
    buildings_needed = -(-rows // per_building)
    compounds = places_create_children(
        parent=community,
        kind=Kind.COMPOUND,
        rows=[
            {"name": f"第{i + 1}小区"}
            for i in range(-(-buildings_needed // BUILDINGS_PER_COMPOUND))
        ],
        actor=admin,
    )
    buildings: list[tuple[str, str]] = []
    for compound in compounds:
        room = buildings_needed - len(buildings)
        count = min(BUILDINGS_PER_COMPOUND, room)
        places_create_children(
            parent=compound,
            kind=Kind.BUILDING,
            rows=[{"name": f"{i + 1}号楼"} for i in range(count)],
            actor=admin,
        )
        buildings += [(compound.name, f"{i + 1}号楼") for i in range(count)]
    secretary = User.objects.create_user("bench-secretary", password="x")
    role_grant(
        actor=admin,
        user=secretary,
        role=Role.COMMUNITY_SECRETARY,
        place=community,
        may_view_full_pii=True,
    )
    return {"actor": secretary, "community": community, "buildings": buildings}


def make_sheet(rows: int, buildings: list[tuple[str, str]]) -> bytes:
    """A write-only workbook: households of three (head, spouse, child) in every flat of
    every unit of every building; ID numbers unique through (birth date, sequence)."""
    from openpyxl import Workbook

    from shequgang.people.id_numbers import make_id_number
    from shequgang.people.register_sheet import COLUMNS, HEADERS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民台账")
    sheet.append(list(HEADERS))
    relations = ("户主", "配偶", "子女")
    first = dt.date(1940, 1, 1)
    keys = [c.key for c in COLUMNS]
    for i in range(rows):
        household, person = divmod(i, PEOPLE)
        building, flat = divmod(household, UNITS * FLOORS * FLATS)
        unit, rest = divmod(flat, FLOORS * FLATS)
        floor, door = divmod(rest, FLATS)
        compound, building_name = buildings[building]
        # 7919 is prime to 29,000, so i -> (birth, sequence) is one-to-one.
        birth = first + dt.timedelta(days=(i * 7919) % 29_000)
        values = {
            "county": "离石区",
            "town": "滨河街道",
            "community": "城东社区",
            "compound": compound,
            "building": building_name,
            "unit": f"{unit + 1}单元",
            "household": f"{floor + 1}{door + 1:02d}",
            "floor_area": 89.5 if person == 0 else None,
            "name": f"居民{i}",
            "id_number": make_id_number("141102", birth, i // 29_000),
            "phone": f"139{i:08d}" if i % 5 else "",
            "relation": relations[person],
            "tags": "党员" if i % 10 == 0 else "",
            "note": "",
        }
        sheet.append([values[k] for k in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def print_report(args, connection, size, report, timings) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    if connection.vendor == "sqlite":
        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    print(f"\nRegister import benchmark: {args.rows:,} rows, {size / 2**20:.1f} MiB .xlsx")
    print(f"{platform.python_implementation()} {platform.python_version()}, {database}")
    print(f"{os.cpu_count()} CPUs; load average before the run: {LOAD_BEFORE}")
    print(
        f"created {report.residents:,} residents, {report.households_created:,} households,"
        f" {report.units_created:,} units"
    )
    print(f"\n| {'step':<36} | {'wall s':>7} | {'CPU s':>7} | {'rows/s':>8} |")
    print(f"|{'-' * 38}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
    for step, wall, cpu in timings:
        print(f"| {step:<36} | {wall:>7.2f} | {cpu:>7.2f} | {args.rows / wall:>8,.0f} |")
    wall = sum(w for step, w, _ in timings if "not in target" not in step)
    cpu = sum(c for step, _, c in timings if "not in target" not in step)
    print(f"| {'validate + import (target < 30s)':<36} | {wall:>7.2f} | {cpu:>7.2f} | {'':>8} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (this process): {peak:,.0f} MiB")
    print("CPU s is this process only; PostgreSQL's own work shows in wall time.")


if __name__ == "__main__":
    main()
