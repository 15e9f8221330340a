"""Benchmark: suggested matches for one demand at the city's scale.

    .venv/bin/python bench/needs_match.py                          # SQLite, full size
    .venv/bin/python bench/needs_match.py \\
        --database-url postgres://postgres@127.0.0.1:5432/shequgang_bench_needs
    .venv/bin/python bench/needs_match.py --demands 10000 --resources 2000   # reduced

Builds a throwaway database (as ``dupes_suggest.py`` does: SQLite under bench/out/, or a
PostgreSQL database dropped and created again) with the city of that benchmark (13
counties, 65 towns, 390 communities, ~2,100 compounds, 8 buildings each, through the place
services), then loads:

- ``--demands`` open demands (default 100,000) and a quarter as many closed ones, at
  buildings weighted like the cases of ``dupes_suggest`` (a long tail of busy compounds),
  of the ten demand types;
- ``--resources`` live resources (default 20,000) and a quarter as many that are not
  live (expired, used up or paused), 55 % at a compound or building, 25 % at a
  community, 15 % at a town, 5 % county-wide; their rows are built exactly as
  ``needs.resources.resource_create`` builds them, and 20 samples are created through
  the service and compared column by column first (the run stops on a difference).

Then it times ``needs.matching.suggest_for_demand`` (the place-chain read and the ranked
query, as a request does after loading the demand) for ``--queries`` random open demands
after 20 warm-up calls, and prints p50/p95/max, the plan of one query and the number of
suggestions. Target: p50 ≤ 50 ms at 100,000 open demands / 20,000 live resources."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dupes_suggest import LOAD_BEFORE, OUT, analyze, build_city, setup_django

TODAY = dt.date(2026, 12, 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demands", type=int, default=100_000)
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'needs_match.sqlite3'}")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    setup_django(args.database_url)
    from django.db import connection

    steps: list[tuple[str, float]] = []

    def timed(step: str, run):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = run()
        steps.append((step, time.perf_counter() - start))
        print(f"  {step}: {steps[-1][1]:.1f} s", flush=True)
        return result

    city = timed("build the city (services)", lambda: build_city(rnd))
    timed("check the bulk resource rows against resource_create", lambda: check_rows(city, rnd))
    timed(f"load {args.demands:,} open demands", lambda: load_demands(city, rnd, args.demands))
    timed(
        f"load {args.resources:,} live resources", lambda: load_resources(city, rnd, args.resources)
    )
    timed("ANALYZE", lambda: analyze(connection))
    result = timed("time the matches", lambda: time_queries(rnd, args.queries))
    print()
    print(f"engine: {connection.vendor}; load before: {LOAD_BEFORE}")
    print(f"open demands: {args.demands:,}; live resources: {args.resources:,}")
    for key in ("p50", "p95", "max"):
        print(f"{key}: {result[key]:.2f} ms")
    print(f"suggestions per demand: mean {result['mean_found']:.1f}, none for {result['empty']}")
    print(f"queries per call: {result['queries']}")
    print("plan of the ranked query:")
    print(result["plan"])


def _places(city: dict[str, Any]) -> dict[str, list[Any]]:
    from shequgang.places.models import Kind, Place

    return {
        kind: list(Place.objects.filter(kind=kind).order_by("path"))
        for kind in (Kind.COUNTY, Kind.TOWN, Kind.COMMUNITY)
    } | {
        "compound": city["compounds"],
        "building": [b for group in city["buildings"].values() for b in group],
    }


def _resource_place(places: dict[str, list[Any]], rnd: random.Random) -> Any:
    roll = rnd.random()
    if roll < 0.30:
        return rnd.choice(places["compound"])
    if roll < 0.55:
        return rnd.choice(places["building"])
    if roll < 0.80:
        return rnd.choice(places["community"])
    if roll < 0.95:
        return rnd.choice(places["town"])
    return rnd.choice(places["county"])


def _input(place: Any, rnd: random.Random, *, live: bool = True) -> Any:
    from shequgang.needs.models import DemandType
    from shequgang.needs.resources import ResourceInput

    # Most started already; some start this week or later.
    start = TODAY + dt.timedelta(days=rnd.choice([-60, -30, -7, -1, 0, 3, 20]))
    valid = max(start, TODAY) + dt.timedelta(days=rnd.randint(1, 180))
    if not live:
        start, valid = TODAY - dt.timedelta(days=90), TODAY - dt.timedelta(days=rnd.randint(1, 30))
    return ResourceInput(
        type=rnd.choice(DemandType.values),
        title="志愿服务",
        place=place,
        capacity=rnd.randint(1, 20),
        available_from=start,
        valid_until=valid,
        days=rnd.choice([127, 127, 31, 96]),
        contact_name="联系人",
    )


class Chains:
    """The community and town of every place, computed once (what place_chain reads)."""

    def __init__(self) -> None:
        from shequgang.places.models import Kind, Place
        from shequgang.places.paths import ancestor_paths

        by_path = {p.path: p for p in Place.objects.all()}
        self.of: dict[int, tuple[int | None, int | None]] = {}
        for place in by_path.values():
            chain = [by_path[p] for p in ancestor_paths(place.path)]
            community = next((n.pk for n in chain if n.kind == Kind.COMMUNITY), None)
            town = next((n.pk for n in chain if n.kind == Kind.TOWN), None)
            self.of[place.pk] = (community, town)


def bulk_row(data: Any, unit: Any, chains: Chains) -> Any:
    from shequgang.needs.supply_models import OffererKind, Resource

    community_id, town_id = chains.of[data.place.pk]
    return Resource(
        type=data.type,
        title=data.title,
        description=data.description,
        offerer_kind=OffererKind.UNIT,
        unit=unit,
        place=data.place,
        community_id=community_id,
        town_id=town_id,
        place_path=data.place.path,
        capacity=data.capacity,
        remaining=data.capacity,
        available_from=data.available_from,
        available_until=data.available_until,
        days=data.days,
        contact_name=data.contact_name,
        valid_until=data.valid_until,
    )


COMPARED = [
    "type", "title", "offerer_kind", "unit_id", "place_id", "community_id", "town_id",
    "place_path", "capacity", "remaining", "available_from", "available_until", "days",
    "valid_until", "active",
]  # fmt: skip


def check_rows(city: dict[str, Any], rnd: random.Random) -> None:
    from shequgang.needs.resources import resource_create
    from shequgang.party.models import PairedUnit

    places = _places(city)
    chains = Chains()
    unit = PairedUnit.objects.create(name="基准报到单位", kind="organ", place=places["county"][0])
    city["unit"], city["places"], city["chains"] = unit, places, chains
    for _ in range(20):
        data = _input(_resource_place(places, rnd), rnd)
        made = resource_create(actor=city["admin"], data=data, unit=unit)
        built = bulk_row(data, unit, chains)
        for name in COMPARED:
            if getattr(made, name) != getattr(built, name):
                raise SystemExit(f"bulk row differs from resource_create on {name}")


def load_demands(city: dict[str, Any], rnd: random.Random, count: int) -> None:
    from shequgang.needs.models import Demand, DemandSource, DemandStatus, DemandType

    buildings = city["places"]["building"]
    weights = [
        city["compound_weights"][i]
        for i, compound in enumerate(city["compounds"])
        for _ in city["buildings"].get(compound.pk, [])
    ]
    closed = count // 4
    rows = []
    chosen = rnd.choices(buildings, weights, k=count + closed)
    for n, place in enumerate(chosen):
        rows.append(
            Demand(
                place=place,
                type=rnd.choice(DemandType.values),
                description="楼道需要维修",
                source=DemandSource.VISIT,
                consent=True,
                status=DemandStatus.OPEN if n < count else DemandStatus.MET,
            )
        )
        if len(rows) == 5000:
            Demand.objects.bulk_create(rows)
            rows = []
    Demand.objects.bulk_create(rows)


def load_resources(city: dict[str, Any], rnd: random.Random, count: int) -> None:
    from shequgang.needs.supply_models import Resource

    places, unit, chains = city["places"], city["unit"], city["chains"]
    rows = []
    dead = count // 4
    for n in range(count + dead):
        live = n < count
        row = bulk_row(_input(_resource_place(places, rnd), rnd, live=live), unit, chains)
        if not live and n % 3:
            # used up or paused instead of expired
            row.valid_until = TODAY + dt.timedelta(days=30)
            row.available_from = TODAY - dt.timedelta(days=5)
            row.remaining, row.active = (0, True) if n % 3 == 1 else (row.capacity, False)
        rows.append(row)
        if len(rows) == 5000:
            Resource.objects.bulk_create(rows)
            rows = []
    Resource.objects.bulk_create(rows)


def time_queries(rnd: random.Random, count: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequgang.needs.matching import candidate_resources, suggest_for_demand
    from shequgang.needs.models import Demand, DemandStatus

    ids = list(Demand.objects.filter(status=DemandStatus.OPEN).values_list("pk", flat=True))
    picks = [rnd.choice(ids) for _ in range(count + 20)]
    times, found, empty = [], [], 0
    queries = 0
    for n, pk in enumerate(picks):
        demand = Demand.objects.select_related("place").get(pk=pk)
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            suggestions = suggest_for_demand(demand, today=TODAY)
        elapsed = (time.perf_counter() - start) * 1000
        if n >= 20:
            times.append(elapsed)
            found.append(len(suggestions))
            empty += not suggestions
            queries = len(ctx.captured_queries)
    demand = Demand.objects.select_related("place").get(pk=picks[0])
    plan = candidate_resources(demand, today=TODAY)[:10].explain()
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
        "mean_found": statistics.mean(found),
        "empty": empty,
        "queries": queries,
        "plan": plan,
    }


if __name__ == "__main__":
    main()
