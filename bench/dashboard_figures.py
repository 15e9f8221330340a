"""Benchmark: the command centre's figures from the tallies vs a plain GROUP BY.

    .venv/bin/python bench/dashboard_figures.py                    # 1,000,000 cases, SQLite
    .venv/bin/python bench/dashboard_figures.py --cases 10000000   # 10M
    .venv/bin/python bench/dashboard_figures.py \\
        --database-url postgres://postgres@127.0.0.1:5432/shequgang_bench_dashboard

Builds a throwaway database (SQLite under bench/out/ by default; a PostgreSQL database is
dropped and created again): the city with its 13 counties, 12 towns each, 5 communities
per town, 3 grids per community (with boundary polygons), 10 departments per county, and
N cases spread over two years (mostly closed, a few percent open, a few overdue and
red-carded) bulk-inserted (prepared INSERT, batches of 5,000) through the tally triggers. Then it times:

- the whole ``dashboard_figures`` selector for the city and for one county (p50 of
  repeated calls) and, with --http, ``GET /api/v1/dashboard/figures`` via the test client;
- the plain indexed GROUP BY over the cases for comparison (status counts for the city
  and the county, and ``cases.measures.compute_measures`` for the county's month);
- what the triggers cost: a server-side ``INSERT … SELECT`` of --copy-rows cases with
  and without the triggers (rows/s), and the rate of the bulk load itself.

It checks the tallies against a full recount (``recount_tallies --check``) and the
tally-based 三率 against ``compute_measures`` before timing. Target (issue 7): city-wide
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
from collections.abc import Callable
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
    parser.add_argument("--http", action="store_true", help="also time the HTTP endpoint")
    parser.add_argument("--no-check", action="store_true", help="skip the full recount check")
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
        load_s = load_cases(world, args.cases)
        analyze()
        report += [
            ("cases", f"{args.cases:,}"),
            ("tree (13 counties)", f"{tree_s:.1f} s"),
            ("bulk insert with triggers", f"{load_s:.1f} s = {args.cases / load_s:,.0f} rows/s"),
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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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


def make_cases(
    world: dict[str, Any], start: int, count: int, now: dt.datetime, rng: random.Random
) -> list[Any]:
    from shequgang.cases.models import Case, Category, Rung, Source, Status

    leaves = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True))
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
    out = []
    for i in range(start, start + count):
        community = communities[rng.randrange(len(communities))]
        grids = world["grids"][community.pk]
        created = now - dt.timedelta(seconds=rng.randrange(730 * 86400))
        age = (now - created).days
        status = rng.choice(statuses_old if age > 20 else statuses_new)
        done = status in (Status.RESOLVED, Status.CLOSED)
        is_open = status in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
        rung = rng.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 6])
        # Old open cases were escalated and re-deadlined, but a few stay overdue at the top.
        due = created + dt.timedelta(days=7)
        red = None
        if is_open and age > 7:
            if rng.random() < 0.1:
                rung, red = Rung.DEPARTMENT, due
            else:
                due = now + dt.timedelta(days=rng.randrange(1, 7))
        rated = done and rng.random() < 0.7
        out.append(
            Case(
                number=f"B{i:09d}",
                source=Source.RESIDENT,
                category_id=rng.choice(leaves),
                title="基准事项",
                place=community,
                place_path=community.path,
                county_code=world["county_of"][community.pk],
                grid_id=rng.choice(grids) if rng.random() < 0.9 else None,
                latitude=community.latitude + rng.random() * 0.01,
                longitude=community.longitude + rng.random() * 0.01,
                status=status,
                rung=rung,
                handler_department_id=(
                    rng.choice(world["departments"][world["county_of"][community.pk]])
                    if rung == Rung.DEPARTMENT
                    else None
                ),
                assigned_at=created,
                ack_due_at=created + dt.timedelta(days=1),
                warn_at=due - dt.timedelta(days=1),
                resolve_due_at=due,
                responded_on_time=None if status == Status.SUBMITTED else rng.random() < 0.9,
                acknowledged_at=None if status == Status.SUBMITTED else created,
                ack_overdue_at=created + dt.timedelta(days=1) if rng.random() < 0.05 else None,
                red_card_at=red,
                resolved_at=created + dt.timedelta(days=3) if done else None,
                resolved_rung=rung if done else None,
                resolved_on_time=(rng.random() < 0.85) if done else None,
                solved=(rng.random() < 0.9) if rated else None,
                satisfaction=rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"])
                if rated
                else "",
                created_at=created,
                updated_at=created,
            )
        )
    return out


def load_cases(world: dict[str, Any], n: int) -> float:
    """Insert the cases in batches of 5,000 through the triggers; returns the seconds
    spent in the database (building the rows in Python is left out).

    The rows are model instances (so every column, including ones added later, gets its
    default) written with one prepared INSERT per batch (``executemany``): what
    ``bulk_create`` sends, without its per-row SQL compilation, which on SQLite (999
    parameters a statement, 19 cases) dominated the load."""
    from django.db import connection, transaction
    from django.utils import timezone

    from shequgang.cases.models import Case

    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    sql = (
        f"INSERT INTO {Case._meta.db_table} ({', '.join(f.column for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    rng = random.Random(20261129)
    now = timezone.now()
    spent = 0.0
    done = 0
    while done < n:
        count = min(BATCH, n - done)
        rows = [
            tuple(f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields)
            for case in make_cases(world, done, count, now, rng)
        ]
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        spent += time.perf_counter() - t
        done += count
        if done % 100_000 == 0:
            print(f"  {done:,} cases, {done / spent:,.0f} rows/s in the database", flush=True)
    return spent


def check(world: dict[str, Any]) -> str:
    from django.utils import timezone

    from shequgang.cases.measures import compute_measures
    from shequgang.dashboard.access import DashboardScope
    from shequgang.dashboard.recount import tallies_check
    from shequgang.dashboard.selectors import (
        SHANGHAI,
        local_today,
        measures_from_tallies,
        month_start,
    )

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
    return f"p50 {statistics.median(samples):.1f} ms (min {min(samples):.1f}, n={repeat})"


def timings(world: dict[str, Any], args: argparse.Namespace) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from shequgang.cases.measures import compute_measures
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
    out = [
        ("figures, city (tallies)", p50(lambda: dashboard_figures(scope=city), args.repeat)),
        ("figures, county (tallies)", p50(lambda: dashboard_figures(scope=county), args.repeat)),
        (
            "  of which overdue, city (index)",
            p50(lambda: overdue_count(city, timezone.now()), args.repeat),
        ),
        (
            "  of which overdue, county (index)",
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

            out.append((f"GET /api/v1/dashboard/figures, {label}", p50(get, args.repeat)))

        # The command-centre page itself: figures, tables and the SVG map of open cases.
        for label, place in (("city", world["city"]), ("county", world["county"])):

            def page(place: object = place) -> None:
                response = client.get(f"/dashboard/{place.pk}/")  # type: ignore[attr-defined]
                assert response.status_code == 200, response.content[:200]

            out.append((f"GET /dashboard/<id>/ page, {label}", p50(page, args.repeat)))

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


if __name__ == "__main__":
    main()
