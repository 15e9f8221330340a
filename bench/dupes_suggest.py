"""Benchmark: the duplicate-suggestion selector over a city's worth of cases.

    .venv/bin/python bench/dupes_suggest.py                       # SQLite, 1,000,000 cases
    .venv/bin/python bench/dupes_suggest.py --cases 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/shequgang_bench_dupes

Builds a throwaway database (SQLite under bench/out/, deleted first; a PostgreSQL
database is dropped and created again), migrates it, and creates through the services a
city of 13 counties, 65 towns, 390 communities, 2,106 compounds (coordinates on each) and
8 buildings per compound. Then it bulk-loads the cases:

- the bulk path builds each row exactly as ``cases.services.case_create`` does (number
  from the county's daily counter, place path, county code, grid, route and its note,
  clocks from the working-day calendar, the ``created`` and ``assigned`` events) and
  checks it: for 20 sample inputs it creates the case through ``case_create`` and
  compares every column with the bulk row built from the same input (the run stops on
  any difference);
- rows go in with one prepared ``executemany`` per chunk (values prepared by each field's
  ``get_db_prep_save``, as ``bulk_create`` would);
- spread: 2 years of cases, 07:00–22:00, weighted categories and compounds; 40 % with
  coordinates (near their building); cases older than ~2 months are almost all closed,
  the recent ones mostly open (about 3 % open overall); closed cases carry the fields
  the resolve/rate transitions set (their events are not written: the selector does not
  read them).

Then it times ``cases.duplicates.similar_cases`` (rules read each call, as in a request)
over ``--queries`` varied queries — random category, a building or compound weighted like
the cases, coordinates for half of them, a text written like the cases' — after 20
warm-up queries, and prints p50/p95/max, the query plans of one query, and how many
suggestions came back. Target: p50 under 20 ms with 1,000,000 cases."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import os
import platform
import random
import statistics
import sys
import time
import zoneinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "bench" / "out"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
LOAD_BEFORE = ", ".join(f"{x:.2f}" for x in os.getloadavg())

COUNTIES = [
    ("离石区", "141102", 37.52, 111.14),
    ("文水县", "141121", 37.44, 112.03),
    ("交城县", "141122", 37.55, 112.16),
    ("兴县", "141123", 38.46, 111.13),
    ("临县", "141124", 37.95, 110.99),
    ("柳林县", "141125", 37.43, 110.89),
    ("石楼县", "141126", 36.99, 110.83),
    ("岚县", "141127", 38.28, 111.67),
    ("方山县", "141128", 37.89, 111.24),
    ("中阳县", "141129", 37.36, 111.18),
    ("交口县", "141130", 36.98, 111.18),
    ("孝义市", "141181", 37.15, 111.78),
    ("汾阳市", "141182", 37.27, 111.79),
]
TOWNS, COMMUNITIES, BUILDINGS = 5, 6, 8
COMPOUNDS_PER_COMMUNITY = (3, 4, 5, 6, 7, 8)  # 5.4 on average: 2,106 compounds
CATEGORY_WEIGHT = {
    "street_light": 9,
    "stairwell_light": 8,
    "property_service": 8,
    "noise": 7,
    "parking": 7,
    "compound_sanitation": 7,
    "lift": 5,
    "heating": 6,
    "water_outage": 4,
    "drainage": 4,
    "road_damage": 4,
    "public_sanitation": 4,
    "neighbour_dispute": 4,
    "leak_between_floors": 4,
    "pets": 3,
    "stairwell_clutter": 3,
    "ebike_charging": 3,
    "street_vending": 3,
}
WORDS = {
    "street_light": ["路灯不亮", "路灯坏了", "晚上一片漆黑", "门口路灯闪烁"],
    "stairwell_light": ["楼道灯不亮", "声控灯坏了", "楼梯间太黑"],
    "property_service": ["物业不作为", "物业收费不合理", "保安不在岗"],
    "noise": ["夜间施工噪音", "广场舞太吵", "楼上装修噪音"],
    "parking": ["车辆乱停", "消防通道被占", "停车位不够"],
    "compound_sanitation": ["垃圾没人清运", "垃圾桶满了", "楼下有异味"],
    "lift": ["电梯困人", "电梯经常停运", "电梯异响"],
    "heating": ["暖气不热", "室温只有十几度", "暖气漏水"],
    "water_outage": ["突然停水", "水压太低", "自来水发黄"],
    "drainage": ["下水道堵了", "雨后积水", "污水外溢"],
    "road_damage": ["路面坑洼", "人行道砖松动", "路面塌陷"],
}
EXTRA = [
    "已经好几天了",
    "晚上特别明显",
    "老人小孩出行不便",
    "反映过一次没解决",
    "请尽快处理",
    "在小区门口",
    "靠近东门",
    "二单元附近",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{OUT / 'dupes.sqlite3'}",
        help="SQLite (default, under bench/out/) or postgres://…/shequgang_bench_dupes",
    )
    parser.add_argument(
        "--time-only",
        action="store_true",
        help="time the selector again on the database an earlier run loaded (no loading)",
    )
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    setup_django(args.database_url, fresh=not args.time_only)
    from django.db import connection
    from django.db.models import Count

    from shequgang.cases.models import Case

    timings: list[tuple[str, float]] = []

    def timed(step: str, run):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = run()
        timings.append((step, time.perf_counter() - start))
        print(f"  {step}: {timings[-1][1]:.1f} s", flush=True)
        return result

    now = dt.datetime.now(tz=dt.UTC)
    if args.time_only:
        city = city_from_database(rnd)
        statuses = dict(
            Case.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
    else:
        city = timed("build the city (services)", lambda: build_city(rnd))
        loader = Loader(city, rnd=rnd, now=now)
        timed("check the bulk path against case_create", loader.check_against_service)
        timed(f"bulk-load {args.cases:,} cases", lambda: loader.load(args.cases))
        timed("ANALYZE", lambda: analyze(connection))
        statuses = loader.statuses
    result = timed("time the selector", lambda: time_queries(city, rnd, now, args.queries))
    report(args, connection, statuses, timings, result)


# --- Setup ---------------------------------------------------------------------------------


def setup_django(database_url: str, *, fresh: bool = True) -> None:
    from cryptography.fernet import Fernet

    if not fresh:
        pass
    elif database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        parts = urlsplit(database_url)
        name = parts.path.lstrip("/")
        import psycopg

        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = database_url
    os.environ["SHEQUGANG_FIELD_KEY"] = Fernet.generate_key().decode()
    os.environ["SECRET_KEY"] = "bench-" + Fernet.generate_key().decode()
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequgang.settings"
    os.environ.setdefault("SHEQUGANG_VAR_DIR", str(OUT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build_city(rnd: random.Random) -> dict[str, Any]:
    """The tree through the place services; coordinates on compounds and buildings."""
    from django.contrib.auth.models import User

    from shequgang.places.models import Kind, Place
    from shequgang.places.services import (
        place_create,
        places_create_children,
        places_create_children_many,
    )

    admin = User.objects.create_superuser("bench-admin", password="x")
    city = place_create(parent=None, kind=Kind.CITY, name="吕梁市", code="141100", actor=admin)
    compound_groups = []
    for name, code, lat, lng in COUNTIES:
        county = place_create(parent=city, kind=Kind.COUNTY, name=name, code=code, actor=admin)
        towns = places_create_children(
            parent=county,
            kind=Kind.TOWN,
            rows=[{"name": f"{name}第{t + 1}街道"} for t in range(TOWNS)],
            actor=admin,
        )
        for town in towns:
            communities = places_create_children(
                parent=town,
                kind=Kind.COMMUNITY,
                rows=[{"name": f"{town.name}{c + 1}社区"} for c in range(COMMUNITIES)],
                actor=admin,
            )
            for community in communities:
                count = rnd.choice(COMPOUNDS_PER_COMMUNITY)
                rows = []
                for k in range(count):
                    # County seats: compounds within a few kilometres of the centre.
                    rows.append(
                        {
                            "name": f"{community.name}{k + 1}号小区",
                            "latitude": round(lat + rnd.gauss(0, 0.02), 6),
                            "longitude": round(lng + rnd.gauss(0, 0.025), 6),
                        }
                    )
                compound_groups.append((community, rows))
    compounds = places_create_children_many(kind=Kind.COMPOUND, groups=compound_groups, actor=admin)
    compounds = list(Place.objects.filter(kind=Kind.COMPOUND).order_by("path"))
    building_groups = [
        (
            compound,
            [
                {
                    "name": f"{b + 1}号楼",
                    "latitude": round((compound.latitude or 0) + rnd.uniform(-0.001, 0.001), 6),
                    "longitude": round((compound.longitude or 0) + rnd.uniform(-0.0012, 0.0012), 6),
                }
                for b in range(BUILDINGS)
            ],
        )
        for compound in compounds
    ]
    places_create_children_many(kind=Kind.BUILDING, groups=building_groups, actor=admin)
    buildings: dict[int, list[Place]] = {}
    for b in Place.objects.filter(kind=Kind.BUILDING).order_by("path"):
        buildings.setdefault(b.parent_id or 0, []).append(b)
    resident = User.objects.create_user("bench-resident", password="x")
    # Busy compounds and quiet ones: a long tail.
    weights = [rnd.paretovariate(1.5) for _ in compounds]
    return {
        "admin": admin,
        "resident": resident,
        "compounds": compounds,
        "compound_weights": weights,
        "buildings": buildings,
        "communities": {c.pk: c for c in Place.objects.filter(kind=Kind.COMMUNITY)},
    }


def city_from_database(rnd: random.Random) -> dict[str, Any]:
    """What ``build_city`` returns, read back from an earlier run's database."""
    from shequgang.places.models import Kind, Place

    compounds = list(Place.objects.filter(kind=Kind.COMPOUND).order_by("path"))
    buildings: dict[int, list[Place]] = {}
    for b in Place.objects.filter(kind=Kind.BUILDING).order_by("path"):
        buildings.setdefault(b.parent_id or 0, []).append(b)
    return {
        "compounds": compounds,
        "compound_weights": [rnd.paretovariate(1.5) for _ in compounds],
        "buildings": buildings,
    }


# --- The bulk path ---------------------------------------------------------------------------


class Loader:
    """Builds case rows as ``case_create`` does (as plain column values), and writes them
    in chunks."""

    CHUNK = 20_000

    def __init__(self, city: dict[str, Any], *, rnd: random.Random, now: dt.datetime) -> None:
        from django.db import connection

        from shequgang.cases.models import Case, CaseEvent, Category
        from shequgang.places.models import Kind, Place

        self.city, self.rnd, self.now = city, rnd, now
        leaves = list(Category.objects.filter(parent__isnull=False, active=True))
        self.categories = leaves
        self.category_cum = list(
            itertools.accumulate(CATEGORY_WEIGHT.get(c.code, 1) for c in leaves)
        )
        self.compound_cum = list(itertools.accumulate(city["compound_weights"]))
        self.nodes = {p.path: p for p in Place.objects.exclude(kind=Kind.HOUSEHOLD)}
        self.routes: dict[tuple[int, int], Any] = {}
        self.counters: dict[tuple[str, dt.date], int] = {}
        self.next_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        self.statuses: dict[str, int] = {}
        self.case_fields = [f for f in Case._meta.concrete_fields]
        self.event_fields = [f for f in CaseEvent._meta.concrete_fields if not f.primary_key]
        self.case_columns = [(f, preparer(f, connection)) for f in self.case_fields]
        self.event_columns = [(f, preparer(f, connection)) for f in self.event_fields]

    def route(self, place: Any, rung: int) -> Any:
        """``routing.route`` for this city, where nobody is appointed below the community:
        every rung below it is skipped (with the note ``route`` writes) up to the
        community. ``check_routes`` compares it with ``routing.route``."""
        from shequgang.cases.engine.routing import RUNG_KIND, Route
        from shequgang.cases.models import Rung
        from shequgang.places.models import Kind
        from shequgang.places.paths import ancestor_paths

        key = (place.pk, rung)
        found = self.routes.get(key)
        if found is not None:
            return found
        by_kind = {self.nodes[a].kind: self.nodes[a] for a in ancestor_paths(place.path)}
        skipped = []
        for candidate in range(max(rung, Rung.CENTRAL_HOUSEHOLD), Rung.COMMUNITY):
            label = Rung(candidate).label
            if candidate == Rung.CENTRAL_HOUSEHOLD:
                skipped.append(f"{label}：无")
                continue
            node = by_kind.get(RUNG_KIND[candidate])
            if node is not None:
                skipped.append(f"{label}：{node.name}未设置负责人")
        found = self.routes[key] = Route(
            rung=Rung.COMMUNITY, place=by_kind[Kind.COMMUNITY], skipped=skipped
        )
        return found

    def county_of(self, place: Any) -> str:
        return self.nodes["/".join(place.path.split("/")[:2]) + "/"].code[:6]

    # What case_create computes, given its inputs: the row's column values by attname.
    def row(
        self,
        *,
        source: str,
        category: Any,
        place: Any,
        title: str,
        description: str,
        latitude: float | None,
        longitude: float | None,
        raiser: Any,
        now: dt.datetime,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        from shequgang.cases.engine.route_fields import route_fields as _route_fields
        from shequgang.cases.engine.route_fields import route_note as _route_note
        from shequgang.cases.models import EventKind, Status

        county = self.county_of(place)
        r = self.route(place, category.start_rung)
        day = now.astimezone(SHANGHAI).date()
        seq = self.counters[(county, day)] = self.counters.get((county, day), 0) + 1
        fields = _route_fields(r, category=category, start=now)
        case = {
            "id": self.next_id,
            "number": f"{county}-{day:%Y%m%d}-{seq:04d}",
            "source": source,
            "category_id": category.pk,
            "title": title,
            "description": description,
            "place_id": place.pk,
            "place_path": place.path,
            "county_code": county,
            "grid_id": place.grid_id,
            "latitude": latitude,
            "longitude": longitude,
            "raiser_id": raiser.pk if raiser else None,
            "raiser_name": raiser.get_full_name() if raiser else "",
            "raiser_phone_cipher": "",
            "raiser_phone_masked": "",
            "anonymous": False,
            "status": Status.SUBMITTED,
            "rung": r.rung,
            "handler_place_id": r.place.pk if r.place else None,
            "handler_department_id": r.department.pk if r.department else None,
            "assigned_at": fields["assigned_at"],
            "ack_due_at": fields["ack_due_at"],
            "warn_at": fields["warn_at"],
            "resolve_due_at": fields["resolve_due_at"],
            "acknowledged_at": None,
            "responded_on_time": None,
            "ack_overdue_at": None,
            "yellow_card_at": None,
            "red_card_at": None,
            "supervised_at": None,
            "extension_days_requested": None,
            "escalations": 0,
            "reopens": 0,
            "resolved_at": None,
            "resolved_rung": None,
            "resolved_on_time": None,
            "resolution": "",
            "close_due_at": None,
            "closed_at": None,
            "solved": None,
            "satisfaction": "",
            "rating_comment": "",
            "rated_at": None,
            "hold_reason": "",
            "merged_into_id": None,
            "created_at": now,
            "updated_at": now,
            "swept_by": None,
        }
        self.next_id += 1
        common = {"case_id": case["id"], "at": now, "to_status": Status.SUBMITTED}
        common.update(from_status="", from_rung=None, to_rung=r.rung)
        events = [
            {
                **common,
                "actor_id": case["raiser_id"],
                "kind": EventKind.CREATED,
                "reason": "",
                "data": {"source": source},
            },
            {
                **common,
                "actor_id": None,
                "kind": EventKind.ASSIGNED,
                "reason": _route_note(r),
                "data": {},
            },
        ]
        return case, events

    def sample_input(self, created: dt.datetime) -> dict[str, Any]:
        rnd, city = self.rnd, self.city
        compound = rnd.choices(city["compounds"], cum_weights=self.compound_cum)[0]
        roll = rnd.random()
        if roll < 0.7:
            place = rnd.choice(city["buildings"][compound.pk])
        elif roll < 0.93:
            place = compound
        else:
            place = city["communities"][compound.parent_id]
        category = rnd.choices(self.categories, cum_weights=self.category_cum)[0]
        lat = lng = None
        if rnd.random() < 0.4 and place.latitude is not None:
            lat = round(place.latitude + rnd.uniform(-0.0003, 0.0003), 6)
            lng = round(place.longitude + rnd.uniform(-0.0004, 0.0004), 6)
        title, description = case_text(rnd, category)
        return {
            "source": "hotline" if rnd.random() < 0.3 else "resident",
            "category": category,
            "place": place,
            "title": title,
            "description": description,
            "latitude": lat,
            "longitude": lng,
            "now": created,
        }

    def check_against_service(self) -> None:
        """``case_create`` and the bulk path give the same row and events for the same
        input (20 samples), and ``route`` agrees with ``routing.route`` (500 pairs)."""
        from django.db import transaction

        from shequgang.cases.engine.routing import route
        from shequgang.cases.models import Case, CaseEvent
        from shequgang.cases.services import case_create

        for _ in range(500):
            data = self.sample_input(self.now)
            rung = self.rnd.randint(1, 4)
            real_route = route(place=data["place"], category=data["category"], rung=rung)
            mine = self.route(data["place"], rung)
            assert (real_route.rung, real_route.place, real_route.skipped) == (
                mine.rung,
                mine.place,
                mine.skipped,
            ), (real_route, mine)
        user = self.city["resident"]
        for i in range(20):
            data = self.sample_input(self.now - dt.timedelta(days=i * 17, minutes=i * 7))
            data["source"] = "resident"
            with transaction.atomic():
                real = case_create(actor=user, **data)
                self.counters.clear()  # the service's counter is the truth for its day
                built, events = self.row(raiser=user, **data)
                self.next_id = real.pk + 1
            for field in Case._meta.concrete_fields:
                if field.attname in {"id", "number", "updated_at"}:
                    continue
                a, b = getattr(real, field.attname), built[field.attname]
                assert a == b, f"{field.attname}: service {a!r} != bulk {b!r}"
            real_events = list(CaseEvent.objects.filter(case=real).order_by("id"))
            for x, y in zip(real_events, events, strict=True):
                for f in self.event_fields:
                    if f.attname != "case_id":
                        assert getattr(x, f.attname) == y[f.attname], f.attname

    def load(self, total: int) -> None:
        from django.db import connection, transaction

        from shequgang.cases.models import Case, CaseEvent, CaseNumberCounter

        self.counters = {(c.county_code, c.day): c.last for c in CaseNumberCounter.objects.all()}
        span = 730 * 86400
        done = 0
        while done < total:
            n = min(self.CHUNK, total - done)
            cases, events = [], []
            for _ in range(n):
                created = self.now - dt.timedelta(seconds=self.rnd.uniform(60, span))
                if not 7 <= created.astimezone(SHANGHAI).hour < 22:
                    created -= dt.timedelta(hours=10)
                case, evs = self.row(raiser=None, **self.sample_input(created))
                self.progress(case)
                cases.append(tuple(p(case[f.attname]) for f, p in self.case_columns))
                events += [tuple(p(e[f.attname]) for f, p in self.event_columns) for e in evs]
            with transaction.atomic():
                insert_rows(connection, Case, self.case_fields, cases)
                insert_rows(connection, CaseEvent, self.event_fields, events)
            done += n
            if done % 100_000 == 0 or done == total:
                print(f"    {done:,} cases", flush=True)
        with transaction.atomic():
            existing = {(c.county_code, c.day): c for c in CaseNumberCounter.objects.all()}
            for key, last in self.counters.items():
                if key in existing:
                    CaseNumberCounter.objects.filter(pk=existing[key].pk).update(last=last)
            CaseNumberCounter.objects.bulk_create(
                [
                    CaseNumberCounter(county_code=k[0], day=k[1], last=v)
                    for k, v in self.counters.items()
                    if k not in existing
                ]
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                    "(SELECT MAX(id) FROM cases_case))"
                )

    def progress(self, case: dict[str, Any]) -> None:
        """Where a case of its age stands: recent ones mostly open, old ones closed, with
        the fields the resolve and rate transitions set."""
        from shequgang.cases.models import Satisfaction, Status

        created = case["created_at"]
        age = (self.now - created).total_seconds() / 86400
        if age < 3:
            p_open = 0.85
        elif age < 60:
            p_open = max(0.02, 0.85 - (age - 3) / 57 * 0.83)
        else:
            p_open = 0.004
        roll = self.rnd.random()
        if roll < p_open:
            status = self.rnd.choice(
                [Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.IN_PROGRESS]
                if age > 1
                else [Status.SUBMITTED, Status.SUBMITTED, Status.ACKNOWLEDGED]
            )
            if status != Status.SUBMITTED:
                case["acknowledged_at"] = created + dt.timedelta(hours=2)
                case["responded_on_time"] = case["acknowledged_at"] <= case["ack_due_at"]
        elif roll < p_open + 0.01 and age > 5:
            status = Status.ON_HOLD
            case["acknowledged_at"] = created + dt.timedelta(hours=3)
            case["hold_reason"] = "需列入明年改造计划"
        else:
            resolved = created + dt.timedelta(hours=self.rnd.uniform(2, 24 * 6))
            resolved = min(resolved, self.now - dt.timedelta(minutes=1))
            case["acknowledged_at"] = created + dt.timedelta(minutes=50)
            case["responded_on_time"] = case["acknowledged_at"] <= case["ack_due_at"]
            case["resolved_at"], case["resolved_rung"] = resolved, case["rung"]
            case["resolved_on_time"] = resolved <= case["resolve_due_at"]
            case["resolution"] = "已现场处理完毕"
            if age < 8:
                status = Status.RESOLVED
            else:
                status = Status.CLOSED
                case["closed_at"] = resolved + dt.timedelta(days=1)
                case["solved"], case["satisfaction"] = True, Satisfaction.SATISFIED
                case["rated_at"] = case["closed_at"]
        case["status"] = status
        case["updated_at"] = (
            case["closed_at"] or case["resolved_at"] or case["acknowledged_at"] or created
        )
        self.statuses[status] = self.statuses.get(status, 0) + 1


def preparer(field: Any, connection: Any) -> Any:
    """How ``bulk_create`` would prepare a value of ``field``, without the per-value
    dispatch for the types that need nothing (text, numbers, booleans, ids)."""
    from django.db import models

    ops = connection.ops  # bound once: each access through ``connection`` costs a lookup
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.CharField | models.TextField):
        return lambda v: str(v)
    if isinstance(field, models.JSONField | models.UUIDField):
        return lambda v: field.get_db_prep_save(v, connection)
    return lambda v: v


def insert_rows(
    connection: Any, model: Any, fields: list[Any], rows: list[tuple[Any, ...]]
) -> None:
    """One prepared INSERT run over every row."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})", rows
        )


def case_text(rnd: random.Random, category: Any) -> tuple[str, str]:
    words = WORDS.get(category.code, [category.name])
    title = rnd.choice(words)
    if rnd.random() < 0.5:
        title = rnd.choice(EXTRA[5:]) + title
    description = "，".join(rnd.sample([*words, *EXTRA], k=3)) + "。"
    return title[:100], description


def analyze(connection: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Timing ----------------------------------------------------------------------------------


def time_queries(
    city: dict[str, Any], rnd: random.Random, now: dt.datetime, count: int
) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from shequgang.cases.duplicates.suggestions import similar_cases
    from shequgang.cases.models import Category

    leaves = list(Category.objects.filter(parent__isnull=False, active=True))
    weights = [CATEGORY_WEIGHT.get(c.code, 1) for c in leaves]

    def query() -> dict[str, Any]:
        compound = rnd.choices(city["compounds"], weights=city["compound_weights"])[0]
        place = rnd.choice([compound, *city["buildings"][compound.pk]])
        category = rnd.choices(leaves, weights=weights)[0]
        lat = lng = None
        if rnd.random() < 0.5:
            lat = (place.latitude or 0) + rnd.uniform(-0.0005, 0.0005)
            lng = (place.longitude or 0) + rnd.uniform(-0.0006, 0.0006)
        title, description = case_text(rnd, category)
        return {
            "category": category,
            "place": place,
            "latitude": lat,
            "longitude": lng,
            "text": f"{title} {description}",
            "now": now,
        }

    for _ in range(20):  # warm-up
        similar_cases(**query())
    times, found = [], []
    for _ in range(count):
        q = query()
        start = time.perf_counter()
        result = similar_cases(**q)
        times.append((time.perf_counter() - start) * 1000)
        found.append(len(result))
    sample = query()
    sample["latitude"] = sample["latitude"] or sample["place"].latitude
    sample["longitude"] = sample["longitude"] or sample["place"].longitude
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        similar_cases(**sample)
    plans = []
    with connection.cursor() as cursor:
        for q in ctx.captured_queries:
            sql = q["sql"]
            if "cases_case" in sql and "place_path" in sql and 'FROM "cases_case"' in sql:
                prefix = (
                    "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
                )
                cursor.execute(prefix + sql)
                plans.append((sql, [" | ".join(str(c) for c in row) for row in cursor.fetchall()]))
    return {"times": times, "found": found, "plans": plans}


def report(args: Any, connection: Any, statuses: dict[str, int], timings: Any, result: Any) -> None:
    import sqlite3

    from shequgang.cases.models import Case, CaseEvent

    if connection.vendor == "sqlite":
        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    times = sorted(result["times"])
    p = lambda q: times[min(len(times) - 1, math.ceil(q * len(times)) - 1)]  # noqa: E731
    found = result["found"]
    print(
        f"\nDuplicate-suggestion benchmark: {Case.objects.count():,} cases, "
        f"{CaseEvent.objects.count():,} events"
    )
    print(f"{platform.python_implementation()} {platform.python_version()}, {database}")
    print(f"{os.cpu_count()} CPUs; load average before the run: {LOAD_BEFORE}")
    print("statuses:", ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
    print("\n| step | wall s |\n|---|---:|")
    for step, wall in timings:
        print(f"| {step} | {wall:.1f} |")
    print(
        f"\nsimilar_cases over {len(times)} queries (ms): p50 {p(0.5):.2f}, p95 {p(0.95):.2f}, "
        f"max {times[-1]:.2f}, mean {statistics.fmean(times):.2f}"
    )
    print(
        f"suggestions per query: mean {statistics.fmean(found):.2f}, "
        f"queries with at least one: {sum(1 for f in found if f) / len(found):.0%}"
    )
    print(f"target p50 < 20 ms: {'met' if p(0.5) < 20 else 'MISSED'}")
    for sql, plan in result["plans"]:
        print("\nplan of:", sql[:300], "…")
        for line in plan:
            print("   ", line)


if __name__ == "__main__":
    main()
