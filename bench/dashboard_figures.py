"""Benchmark: the command centre's figures from the tallies vs a plain GROUP BY.

    .venv/bin/python bench/dashboard_figures.py                    # 1,000,000 cases, SQLite
    .venv/bin/python bench/dashboard_figures.py --cases 10000000   # 10M
    .venv/bin/python bench/dashboard_figures.py \\
        --database-url postgres://postgres@127.0.0.1:5432/shequgang_bench_dashboard

Builds a throwaway database (SQLite under bench/out/ by default; a PostgreSQL database is
dropped and created again): the city with its 13 counties, 12 towns each, 5 communities
per town, 3 grids per community (with boundary polygons), 10 departments per county, and
N cases spread over two years (mostly closed, a few percent open, a few overdue and
red-carded). All but the last --through-triggers cases go in bulk: tally triggers,
secondary indexes (and PostgreSQL's foreign keys) dropped, rows sent by ``COPY``
(PostgreSQL) or ``executemany`` in 200,000-row transactions (SQLite), then the indexes
and keys rebuilt (re-adding a key validates every row), the tallies counted once
(``tallies_rebuild``: every tally of ``triggers.TALLIES``, the overdue count's due-day
tally among them) and the triggers put back. The last cases go in batches of 5,000
through the triggers. The bulk rows are checked equal to what the model path
(``bulk_create``'s ``get_db_prep_save``) sends for the same cases. Then it times:

- the whole ``dashboard_figures`` selector for the city and for one county (p50 and p95
  of repeated calls) and, with --http, ``GET /api/v1/dashboard/figures`` and the page
  (``GET /dashboard/<id>/``) twice: in-process through Django's test client (the full
  middleware stack, no server, no socket), and over HTTP against ``shequgang serve``
  (2 workers x 4 threads, no background worker) started on 127.0.0.1:8300 on the same
  database, one keep-alive connection, one request at a time (the API with a bearer token,
  the page with a session cookie);
- the plain indexed GROUP BY over the cases for comparison (status counts for the city
  and the county, and ``cases.measures.compute_measures`` for the city's month);
- what the triggers cost: a server-side ``INSERT … SELECT`` of --copy-rows cases with
  and without the triggers (rows/s), and the rate of the bulk load itself.

Before timing it checks a random sample of the cases against the model's validation and
the services' invariants, the tallies against a full recount (what ``recount_tallies
--check`` runs; it covers the cases inserted through the triggers after the bulk count)
and the tally-based 三率 against ``compute_measures``. Target (issue 7): city-wide
figures with 10M cases ≤ 50 ms."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

COUNTIES = [
    ("141102", "离石区"), ("141121", "文水县"), ("141122", "交城县"), ("141123", "兴县"),
    ("141124", "临县"), ("141125", "柳林县"), ("141126", "石楼县"), ("141127", "岚县"),
    ("141128", "方山县"), ("141129", "中阳县"), ("141130", "交口县"), ("141181", "孝义市"),
    ("141182", "汾阳市"),
]  # fmt: skip
TOWNS, COMMUNITIES, GRIDS, DEPARTMENTS = 12, 5, 3, 10
BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{ROOT / 'bench' / 'out' / 'dashboard.sqlite3'}",
        help="SQLite (default, under bench/out/) or postgres://…/shequgang_bench_dashboard",
    )
    parser.add_argument("--repeat", type=int, default=30, help="calls per tally timing")
    parser.add_argument("--plain-repeat", type=int, default=3, help="calls per GROUP BY timing")
    parser.add_argument(
        "--copy-rows", type=int, default=100_000, help="rows copied to time the triggers (0: skip)"
    )
    parser.add_argument(
        "--through-triggers",
        type=int,
        default=100_000,
        help="the last cases inserted through the tally triggers (the rest in bulk, the"
        " tallies counted once after it)",
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="generate 1/COPIES of the bulk cases and let the database copy them (new"
        " numbers) until there are enough",
    )
    parser.add_argument(
        "--http",
        action="store_true",
        help="also time the endpoint and the page: in-process (test client) and over HTTP",
    )
    parser.add_argument("--no-check", action="store_true", help="skip the full recount check")
    parser.add_argument(
        "--overdue-only",
        action="store_true",
        help="time only the overdue count (and, beside it, the whole range counted live)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a previous run left (no load)"
    )
    args = parser.parse_args()

    setup_django(args.database_url, reuse=args.reuse)
    from django.db import connection

    report: list[tuple[str, str]] = [
        ("database", f"{connection.vendor} {database_version()}"),
        ("machine", f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}"),
        ("load before", ", ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]
    if args.reuse:
        world = existing_world()
        report.append(("cases (reused database)", f"{world['cases']:,}"))
    else:
        started = time.perf_counter()
        world = build_tree()
        tree_s = time.perf_counter() - started
        started = time.perf_counter()
        loaded = load_cases(
            world, args.cases, through_triggers=args.through_triggers, copies=args.copies
        )
        analyze()
        report += [
            ("cases", f"{args.cases:,}"),
            ("tree (13 counties)", f"{tree_s:.1f} s"),
            *loaded,
            ("load in all (with ANALYZE)", f"{time.perf_counter() - started:.0f} s"),
        ]
    if not args.no_check:
        report.append(("recount check", check(world)))
    report += trigger_cost(args.copy_rows)
    report += timings(world, args)
    report.append(("load after", ", ".join(f"{x:.2f}" for x in os.getloadavg())))
    width = max(len(k) for k, _ in report)
    print()
    for k, v in report:
        print(f"{k:<{width}}  {v}")


def setup_django(database_url: str, *, reuse: bool = False) -> None:
    from cryptography.fernet import Fernet

    if reuse:
        pass
    elif database_url.startswith("sqlite:///"):
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
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # the test client speaks plain HTTP
    os.environ.setdefault("SHEQUGANG_VAR_DIR", str(ROOT / "bench" / "out"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # The page is served with the manifest storage, as in production.
    call_command("collectstatic", "--noinput", verbosity=0)


def existing_world() -> dict[str, Any]:
    from django.contrib.auth.models import User

    from shequgang.cases.models import Case
    from shequgang.places.models import Kind, Place

    return {
        "admin": User.objects.get(username="bench-admin"),
        "city": Place.objects.get(kind=Kind.CITY),
        "county": Place.objects.get(kind=Kind.COUNTY, code=COUNTIES[0][0]),
        "cases": Case.objects.count(),
    }


def recreate_postgres(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        return str(cursor.fetchone()[0])


def analyze() -> None:
    """Fresh planner statistics; on PostgreSQL a VACUUM too, as autovacuum would do after
    a bulk load (the visibility map lets counts read the indexes alone)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM (ANALYZE)")


def build_tree() -> dict[str, Any]:
    """The places through the real services; grids and departments with bulk_create
    (plain rows, no derived columns)."""
    from django.contrib.auth.models import User

    from shequgang.people.roles import Role
    from shequgang.people.services import role_grant
    from shequgang.places.models import Department, Grid, Kind
    from shequgang.places.services import place_create, places_create_children

    admin = User.objects.create_superuser("bench-admin", password="x")
    city = place_create(parent=None, kind=Kind.CITY, name="吕梁市", code="141100", actor=admin)
    communities = []
    county_of: dict[int, str] = {}
    departments: dict[str, list[int]] = {}
    counties = []
    for c, (code, name) in enumerate(COUNTIES):
        lat0, lng0 = 36.9 + (c // 4) * 0.4, 110.6 + (c % 4) * 0.4
        county = place_create(parent=city, kind=Kind.COUNTY, name=name, code=code, actor=admin)
        counties.append(county)
        towns = places_create_children(
            parent=county,
            kind=Kind.TOWN,
            rows=[{"name": f"第{t + 1}街道"} for t in range(TOWNS)],
            actor=admin,
        )
        for t, town in enumerate(towns):
            made = places_create_children(
                parent=town,
                kind=Kind.COMMUNITY,
                rows=[
                    {
                        "name": f"第{k + 1}社区",
                        "latitude": lat0 + t * 0.02,
                        "longitude": lng0 + k * 0.03,
                    }
                    for k in range(COMMUNITIES)
                ],
                actor=admin,
            )
            communities += made
            county_of.update({m.pk: code for m in made})
        depts = Department.objects.bulk_create(
            [
                Department(name=f"{name}第{d + 1}局", level=Department.Level.COUNTY, place=county)
                for d in range(DEPARTMENTS)
            ]
        )
        departments[code] = [d.pk for d in depts]
    grids = []
    for community in communities:
        for g in range(GRIDS):
            lat, lng = community.latitude + 0.004 * g, community.longitude
            square = [[lng, lat], [lng + 0.01, lat], [lng + 0.01, lat + 0.004], [lng, lat + 0.004]]
            grids.append(
                Grid(
                    community=community,
                    name=f"第{g + 1}网格",
                    boundary={"type": "Polygon", "coordinates": [[*square, square[0]]]},
                    latitude=lat + 0.002,
                    longitude=lng + 0.005,
                )
            )
    Grid.objects.bulk_create(grids, batch_size=1000)
    commander = User.objects.create_user("bench-commander", password="x")
    role_grant(actor=admin, user=commander, role=Role.COUNTY_COMMAND, place=counties[0])
    grid_ids: dict[int, list[int]] = {}
    for pk, community_id in Grid.objects.values_list("pk", "community_id"):
        grid_ids.setdefault(community_id, []).append(pk)
    return {
        "admin": admin,
        "commander": commander,
        "city": city,
        "county": counties[0],
        "communities": communities,
        "grids": grid_ids,
        "county_of": county_of,
        "departments": departments,
    }


def case_values(
    world: dict[str, Any], start: int, count: int, now: dt.datetime, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """The columns of each generated case that are not the model's defaults (by attname):
    the one description both load paths write. Queries now, not when first iterated (a
    PostgreSQL COPY holds the connection meanwhile)."""
    from shequgang.cases.models import Category

    leaves = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True))
    return _case_values(world, leaves, start, count, now, rng)


def _case_values(
    world: dict[str, Any],
    leaves: list[int],
    start: int,
    count: int,
    now: dt.datetime,
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    from shequgang.cases.models import Rung, Source, Status

    communities = world["communities"]
    statuses_old = (
        [Status.CLOSED] * 88
        + [Status.MERGED] * 3
        + [Status.RESOLVED] * 2
        + [Status.ON_HOLD]
        + [Status.IN_PROGRESS] * 3
        + [Status.ACKNOWLEDGED] * 2
        + [Status.SUBMITTED]
    )
    statuses_new = (
        [Status.CLOSED] * 30
        + [Status.RESOLVED] * 15
        + [Status.IN_PROGRESS] * 25
        + [Status.ACKNOWLEDGED] * 15
        + [Status.SUBMITTED] * 13
        + [Status.MERGED] * 2
    )
    done_statuses = (Status.RESOLVED, Status.CLOSED)
    open_statuses = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
    day, week = dt.timedelta(days=1), dt.timedelta(days=7)
    for i in range(start, start + count):
        community = communities[rng.randrange(len(communities))]
        county = world["county_of"][community.pk]
        grids = world["grids"][community.pk]
        created = now - dt.timedelta(seconds=rng.randrange(730 * 86400))
        age = (now - created).days
        status = rng.choice(statuses_old if age > 20 else statuses_new)
        done = status in done_statuses
        is_open = status in open_statuses
        rung = rng.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 6])
        # Old open cases were escalated and re-deadlined, but a few stay overdue at the top.
        due = created + week
        red = None
        if is_open and age > 7:
            if rng.random() < 0.1:
                rung, red = Rung.DEPARTMENT, due
            else:
                due = now + dt.timedelta(days=rng.randrange(1, 7))
        rated = done and rng.random() < 0.7
        yield {
            "number": f"B{i:09d}",
            "source": Source.RESIDENT.value,
            "category_id": rng.choice(leaves),
            "title": "基准事项",
            "place_id": community.pk,
            "place_path": community.path,
            "county_code": county,
            "grid_id": rng.choice(grids) if rng.random() < 0.9 else None,
            "latitude": community.latitude + rng.random() * 0.01,
            "longitude": community.longitude + rng.random() * 0.01,
            "status": status.value,
            "rung": int(rung),
            "handler_department_id": (
                rng.choice(world["departments"][county]) if rung == Rung.DEPARTMENT else None
            ),
            "assigned_at": created,
            "ack_due_at": created + day,
            "warn_at": due - day,
            "resolve_due_at": due,
            "responded_on_time": None if status == Status.SUBMITTED else rng.random() < 0.9,
            "acknowledged_at": None if status == Status.SUBMITTED else created,
            "ack_overdue_at": created + day if rng.random() < 0.05 else None,
            "red_card_at": red,
            "resolved_at": created + dt.timedelta(days=3) if done else None,
            "resolved_rung": int(rung) if done else None,
            "resolved_on_time": (rng.random() < 0.85) if done else None,
            "solved": (rng.random() < 0.9) if rated else None,
            "satisfaction": rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"])
            if rated
            else "",
            "created_at": created,
            "updated_at": created,
        }


def make_cases(
    world: dict[str, Any], start: int, count: int, now: dt.datetime, rng: random.Random
) -> list[Any]:
    """The generated cases as model instances (every other column gets its default)."""
    from shequgang.cases.models import Case

    return [Case(**values) for values in case_values(world, start, count, now, rng)]


class Rows:
    """Cases as the INSERT's parameter tuples. ``model`` goes through the model fields'
    ``get_db_prep_save`` (the reference: what ``bulk_create`` sends); ``fast`` fills the
    varying columns into a row of the model's defaults and converts only datetimes,
    which is all ``get_db_prep_save`` changes here (``check_fast_rows`` holds them
    equal)."""

    def __init__(self) -> None:
        from django.db import connection

        from shequgang.cases.models import Case

        self.fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
        self.columns = [f.column for f in self.fields]
        template = Case()
        self.defaults = [
            f.get_db_prep_save(getattr(template, f.attname), connection) for f in self.fields
        ]
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        self.sqlite = connection.vendor == "sqlite"

    def model(self, case: Any) -> tuple[Any, ...]:
        from django.db import connection

        return tuple(f.get_db_prep_save(getattr(case, f.attname), connection) for f in self.fields)

    def fast(self, values: dict[str, Any]) -> tuple[Any, ...]:
        row = list(self.defaults)
        position = self.position
        for name, value in values.items():
            if self.sqlite and isinstance(value, dt.datetime):
                # Django's SQLite adapter: str() of the naive UTC datetime (str() of an
                # aware UTC one ends in "+00:00").
                value = (
                    str(value)[:-6]
                    if value.tzinfo is dt.UTC
                    else str(value.astimezone(dt.UTC).replace(tzinfo=None))
                )
            row[position[name]] = value
        return tuple(row)


def check_fast_rows(world: dict[str, Any], now: dt.datetime, sample: int = 2000) -> None:
    """The fast rows are exactly what the model path (``bulk_create``'s) would send."""
    from shequgang.cases.models import Case

    rows = Rows()
    for values in case_values(world, 0, sample, now, random.Random(1)):
        fast, model = rows.fast(values), rows.model(Case(**values))
        assert fast == model, [
            (c, a, b) for c, a, b in zip(rows.columns, fast, model, strict=True) if a != b
        ]


def load_cases(
    world: dict[str, Any], n: int, *, through_triggers: int, copies: int = 1
) -> list[tuple[str, str]]:
    """Insert ``n`` cases: all but the last ``through_triggers`` in bulk (tally triggers
    and secondary indexes dropped, PostgreSQL ``COPY`` / SQLite ``executemany`` in big
    transactions; then the indexes rebuilt, the tallies counted once and the triggers put
    back), the rest in batches of 5,000 through the triggers, so the recount check that
    follows proves the triggers' increments on top of the recount. With ``copies`` > 1
    only 1/copies of the bulk is generated and the database copies it (INSERT … SELECT,
    new numbers): the same distribution at a fraction of the Python time. Returns report
    lines."""
    from django.db import connection
    from django.utils import timezone

    from shequgang.dashboard import triggers
    from shequgang.dashboard.recount import tallies_rebuild

    rng = random.Random(20261129)
    now = timezone.now()
    check_fast_rows(world, now)
    bulk = max(n - through_triggers, 0)
    out: list[tuple[str, str]] = []
    if bulk:
        triggers.uninstall()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB for the index builds
            else:
                cursor.execute("SET maintenance_work_mem = '1GB'")
        t0 = time.perf_counter()
        rebuild = drop_secondary(connection)
        t1 = time.perf_counter()
        base = -(-bulk // max(copies, 1))
        bulk_insert(world, base, now, rng)
        t_generated = time.perf_counter()
        copy_cases(base, bulk - base)
        t2 = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in rebuild:
                cursor.execute(statement)
        t3 = time.perf_counter()
        tallies_rebuild()
        triggers.install()
        t4 = time.perf_counter()
        if copies > 1:
            out.append(
                (
                    "of which generated / copied",
                    f"{base:,} in {t_generated - t1:.0f} s / {bulk - base:,} in"
                    f" {t2 - t_generated:.0f} s",
                )
            )
        out += [
            (
                "bulk rows (COPY / executemany)",
                f"{bulk:,} in {t2 - t1:.0f} s = {bulk / (t2 - t1):,.0f} rows/s",
            ),
            (
                "indexes and foreign keys rebuilt",
                f"{t3 - t2 + t1 - t0:.0f} s ({len(rebuild)} statements)",
            ),
            ("tallies counted once", f"{t4 - t3:.0f} s"),
        ]
    if n > bulk:
        spent = insert_through_triggers(world, bulk, n - bulk, now, rng)
        out.append(
            (
                "through the triggers",
                f"{n - bulk:,} in {spent:.1f} s = {(n - bulk) / spent:,.0f} rows/s",
            )
        )
    return out


def copy_cases(base: int, n: int) -> None:
    """Copy the first ``base`` cases until ``n`` more exist, each copy numbered on from
    the last (the number is the case's only unique column)."""
    from django.db import connection, transaction

    from shequgang.cases.models import Case

    columns = ", ".join(
        f.column for f in Case._meta.concrete_fields if f.column not in {"id", "number"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM cases_case")
        lo = cursor.fetchone()[0]
    offset = base
    while offset < base + n:
        count = min(base, base + n - offset)
        index = f"(id - {lo} + {offset})"
        number = (
            f"'B' || substr('000000000' || {index}, -9, 9)"
            if connection.vendor == "sqlite"
            else f"'B' || lpad({index}::text, 9, '0')"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO cases_case (number, {columns}) SELECT {number}, {columns}"
                f" FROM cases_case WHERE id < {lo + count} ORDER BY id"
            )
        offset += count
        print(f"  {offset:,} cases in bulk (copied)", flush=True)


def drop_secondary(connection: Any) -> list[str]:
    """Drop the cases' secondary indexes (and, on PostgreSQL, the foreign keys, which
    re-adding validates set-wise); returns the statements that put them back."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name = 'cases_case' AND sql IS NOT NULL"
            )
            found = cursor.fetchall()
            for name, _sql in found:
                cursor.execute(f'DROP INDEX "{name}"')
            return [sql for _name, sql in found]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'cases_case'::regclass AND contype = 'f'"
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint"
            " WHERE conrelid = 'cases_case'::regclass)"
        )
        indexes = cursor.fetchall()
        for name, _sql in keys:
            cursor.execute(f'ALTER TABLE cases_case DROP CONSTRAINT "{name}"')
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in indexes] + [
            f'ALTER TABLE cases_case ADD CONSTRAINT "{name}" {sql}' for name, sql in keys
        ]


def bulk_insert(world: dict[str, Any], n: int, now: dt.datetime, rng: random.Random) -> None:
    from django.db import connection, transaction

    rows = Rows()
    chunk = 200_000
    done = 0
    started = time.perf_counter()
    while done < n:
        count = min(chunk, n - done)
        values = case_values(world, done, count, now, rng)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.executemany(
                    f"INSERT INTO cases_case ({', '.join(rows.columns)})"
                    f" VALUES ({', '.join(['%s'] * len(rows.columns))})",
                    (rows.fast(v) for v in values),
                )
            else:
                copy_sql = f"COPY cases_case ({', '.join(rows.columns)}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for v in values:
                        copy.write_row(rows.fast(v))
        done += count
        if done % 1_000_000 == 0 or done == n:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:,} cases in bulk, {rate:,.0f} rows/s", flush=True)


def insert_through_triggers(
    world: dict[str, Any], start: int, n: int, now: dt.datetime, rng: random.Random
) -> float:
    """Insert cases in batches of 5,000 through the tally triggers, each batch one
    prepared INSERT (``executemany``) of model rows: what ``bulk_create`` sends, without
    its per-row SQL compilation. Returns the seconds spent in the database."""
    from django.db import connection, transaction

    rows = Rows()
    sql = (
        f"INSERT INTO cases_case ({', '.join(rows.columns)}) "
        f"VALUES ({', '.join(['%s'] * len(rows.columns))})"
    )
    spent = 0.0
    done = 0
    while done < n:
        count = min(BATCH, n - done)
        batch = [rows.model(case) for case in make_cases(world, start + done, count, now, rng)]
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        spent += time.perf_counter() - t
        done += count
        if done % 100_000 == 0:
            print(f"  {done:,} cases, {done / spent:,.0f} rows/s in the database", flush=True)
    return spent


def check(world: dict[str, Any]) -> str:
    from django.utils import timezone

    from shequgang.cases.engine.measures import compute_measures
    from shequgang.dashboard.access import DashboardScope
    from shequgang.dashboard.recount import tallies_check
    from shequgang.dashboard.selectors import (
        SHANGHAI,
        local_today,
        measures_from_tallies,
        month_start,
    )

    if "county_of" in world:  # a fresh load (not --reuse)
        check_sample(world)
    t = time.perf_counter()
    differences = tallies_check()
    assert not differences, differences[:5]
    took = time.perf_counter() - t
    county = world["county"]
    first = month_start(local_today(timezone.now()))
    start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(month_start(first, back=-1), dt.time(), tzinfo=SHANGHAI)
    from_tallies = measures_from_tallies(
        scope=DashboardScope(county, county.code), first=first, last=first
    )
    assert from_tallies == compute_measures(path=county.path, start=start, end=end)
    return f"tallies = full recount ({took:.1f} s); 三率 from tallies = compute_measures"


def check_sample(world: dict[str, Any], size: int = 300) -> None:
    """A random sample of the stored cases passes the model's validation (choices,
    lengths, foreign keys, the unique number) and keeps what the services keep: the
    place's path and county, a grid of that community, a department of that county, the
    resolution columns set exactly for resolved and closed cases."""
    from django.db.models import Max, Min

    from shequgang.cases.models import Case, Status

    bounds = Case.objects.aggregate(lo=Min("id"), hi=Max("id"))
    rng = random.Random(5)
    ids = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(size)}
    sample = list(Case.objects.filter(pk__in=ids).select_related("place"))
    assert len(sample) >= size * 0.9, len(sample)
    for case in sample:
        case.full_clean()
        county = world["county_of"][case.place_id]
        assert case.place_path == case.place.path
        assert case.county_code == county
        assert case.grid_id is None or case.grid_id in world["grids"][case.place_id]
        assert case.handler_department_id in (None, *world["departments"][county])
        done = case.status in (Status.RESOLVED, Status.CLOSED)
        assert (case.resolved_at is not None) == done == (case.resolved_rung is not None)


def trigger_cost(rows: int) -> list[tuple[str, str]]:
    """INSERT … SELECT of ``rows`` existing cases (new numbers) with and without the
    triggers, each followed by a DELETE of the copies."""
    from django.db import connection, transaction

    from shequgang.cases.models import Case
    from shequgang.dashboard import triggers

    if rows <= 0:
        return []
    columns = [f.column for f in Case._meta.concrete_fields if f.column not in {"id", "number"}]
    cols = ", ".join(columns)
    copy = (
        f"INSERT INTO cases_case (number, {cols}) SELECT 'C' || number, {cols} FROM cases_case"
        f" WHERE id <= {rows}"
    )

    def once() -> float:
        with transaction.atomic(), connection.cursor() as cursor:
            t = time.perf_counter()
            cursor.execute(copy)
            took = time.perf_counter() - t
        Case.objects.filter(number__startswith="C").delete()
        return took

    # Alternate, twice each, and keep the best: one cold run (checkpoint, cache) would
    # otherwise decide the ratio.
    withouts, withs = [], []
    for _ in range(2):
        triggers.uninstall()
        withouts.append(once())
        triggers.install()
        withs.append(once())
    without, with_ = min(withouts), min(withs)
    return [
        ("INSERT…SELECT without triggers", f"{rows / without:,.0f} rows/s ({without:.2f} s)"),
        ("INSERT…SELECT with triggers", f"{rows / with_:,.0f} rows/s ({with_:.2f} s)"),
        ("trigger cost on inserts", f"{with_ / without:.1f}× the time"),
    ]


def p50(run: Callable[[], object], repeat: int) -> str:
    run()
    run()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t) * 1000)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18] if repeat > 1 else samples[0]
    return (
        f"p50 {statistics.median(samples):.1f} ms · p95 {p95:.1f} ms"
        f" (min {min(samples):.1f}, n={repeat})"
    )


def timings(world: dict[str, Any], args: argparse.Namespace) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from shequgang.cases.engine.measures import compute_measures
    from shequgang.dashboard.access import DashboardScope
    from shequgang.dashboard.selectors import (
        SHANGHAI,
        dashboard_figures,
        local_today,
        month_start,
        overdue_count,
    )

    city = DashboardScope(world["city"], None)
    county = DashboardScope(world["county"], world["county"].code)
    if args.overdue_only:
        return overdue_timings(city, county, args.repeat)
    out = [
        ("figures, city (tallies)", p50(lambda: dashboard_figures(scope=city), args.repeat)),
        ("figures, county (tallies)", p50(lambda: dashboard_figures(scope=county), args.repeat)),
        (
            "  of which overdue, city (due-day tally + index)",
            p50(lambda: overdue_count(city, timezone.now()), args.repeat),
        ),
        (
            "  of which overdue, county (due-day tally + index)",
            p50(lambda: overdue_count(county, timezone.now()), args.repeat),
        ),
    ]
    if args.http:
        client = Client()
        client.force_login(world["admin"])
        for label, scope in (("city", world["city"].pk), ("county", world["county"].code)):

            def get(scope: object = scope) -> None:
                response = client.get("/api/v1/dashboard/figures", {"scope": scope})
                assert response.status_code == 200, response.content[:200]

            out.append(
                (
                    f"GET /api/v1/dashboard/figures, {label} (in-process, test client)",
                    p50(get, args.repeat),
                )
            )

        # The command-centre page itself: figures, tables and the SVG map of open cases.
        for label, place in (("city", world["city"]), ("county", world["county"])):

            def page(place: object = place) -> None:
                response = client.get(f"/dashboard/{place.pk}/")  # type: ignore[attr-defined]
                assert response.status_code == 200, response.content[:200]

            out.append(
                (
                    f"GET /dashboard/<id>/ page, {label} (in-process, test client)",
                    p50(page, args.repeat),
                )
            )
        out += served_timings(world, client.cookies["sessionid"].value, args.repeat)

    def group_by(where: str) -> Callable[[], object]:
        def run() -> object:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT status, count(*) FROM cases_case {where} GROUP BY status")
                return cursor.fetchall()

        return run

    code = world["county"].code
    first = month_start(local_today(timezone.now()))
    start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(month_start(first, back=-1), dt.time(), tzinfo=SHANGHAI)
    out += [
        ("plain GROUP BY status, city", p50(group_by(""), args.plain_repeat)),
        (
            "plain GROUP BY status, county",
            p50(group_by(f"WHERE county_code = '{code}'"), args.plain_repeat),
        ),
        (
            "plain compute_measures, city month",
            p50(
                lambda: compute_measures(path=world["city"].path, start=start, end=end),
                args.plain_repeat,
            ),
        ),
    ]
    return out


HTTP_PORT = 8300


def served_timings(world: dict[str, Any], session: str, repeat: int) -> list[tuple[str, str]]:
    """The same requests over HTTP: ``shequgang serve`` on 127.0.0.1 against this
    database (this process's environment: the same key and SECRET_KEY, so the session
    cookie is valid there), one keep-alive connection, one request at a time."""
    import http.client
    import signal
    import subprocess

    from shequgang.people.services import api_token_issue

    token = api_token_issue(actor=world["admin"], user=world["admin"], name="bench")[1]
    log = ROOT / "bench" / "out" / "dashboard_server.log"
    cmd = [str(ROOT / ".venv" / "bin" / "shequgang"), "serve", "--bind",
           f"127.0.0.1:{HTTP_PORT}", "--workers", "2", "--threads", "4", "--no-worker"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=dict(os.environ), stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=60)

    def get(path: str, headers: dict[str, str]) -> None:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status, body[:200])

    try:
        deadline = time.time() + 90
        while True:
            try:
                get("/healthz", {})
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
                conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=60)
        bearer = {"Authorization": f"Bearer {token}"}
        cookie = {"Cookie": f"sessionid={session}"}
        out = []
        for label, scope in (("city", world["city"].pk), ("county", world["county"].code)):
            path = f"/api/v1/dashboard/figures?scope={scope}"
            out.append((f"GET /api/v1/dashboard/figures, {label} (over HTTP, served)",
                        p50(lambda path=path: get(path, bearer), repeat)))  # fmt: skip
        for label, place in (("city", world["city"]), ("county", world["county"])):
            path = f"/dashboard/{place.pk}/"
            out.append((f"GET /dashboard/<id>/ page, {label} (over HTTP, served)",
                        p50(lambda path=path: get(path, cookie), repeat)))  # fmt: skip
        out.append(("server", " ".join(["shequgang", *cmd[1:]])))
        return out
    finally:
        conn.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def overdue_timings(city: Any, county: Any, repeat: int) -> list[tuple[str, str]]:
    """The due-day tally checked against its recount, the overdue count as the figures
    read it, and beside it the count before the due-day tally: every overdue case
    counted live over the partial index."""
    from django.db import connection
    from django.utils import timezone

    from shequgang.dashboard.overdue import OVERDUE_SQL
    from shequgang.dashboard.recount import tallies_check
    from shequgang.dashboard.selectors import overdue_count
    from shequgang.dashboard.triggers import tallies_named

    def all_live() -> list[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT "county_code", count(*) FROM "cases_case"'
                f' WHERE {OVERDUE_SQL} AND "resolve_due_at" < %s GROUP BY "county_code"',
                [connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            return cursor.fetchall()

    started = time.perf_counter()
    differences = tallies_check(tallies_named("due_day"))
    assert not differences, differences[:5]
    checked = time.perf_counter() - started
    counted = overdue_count(city, timezone.now())
    live = sum(n for _county, n in all_live())
    assert abs(counted - live) < 100, (counted, live)  # apart only by the seconds between
    return [
        ("due-day tally = its full recount", f"{checked:.1f} s"),
        ("overdue cases now", f"{counted:,}"),
        (
            "overdue, city (due-day tally + today live)",
            p50(lambda: overdue_count(city, timezone.now()), repeat),
        ),
        (
            "overdue, county (due-day tally + today live)",
            p50(lambda: overdue_count(county, timezone.now()), repeat),
        ),
        ("overdue, city, all counted live (before)", p50(all_live, repeat)),
    ]


if __name__ == "__main__":
    main()
