"""Benchmark: points redemptions per second on PostgreSQL with concurrent clients.

    .venv/bin/python bench/points_redeem.py --clients 16 --seconds 20
    .venv/bin/python bench/points_redeem.py --clients 16 --seconds 20 --communities 4
    .venv/bin/python bench/points_redeem.py --clients 16 --seconds 20 --processes

Builds a throwaway PostgreSQL database (``shequgang_bench_points``, dropped and created
again), one community (or several) with a catalogue item in ample stock, and one resident
per client with enough points. Then ``--clients`` threads, each with its own database
connection (or, with ``--processes``, forked processes: no shared GIL), call ``order_place`` (the same service the API and the pages call: lock the
person's and the holds account in id order, then the goods row, check, write the order,
the hold transaction, its entries, both balances and the stock in one transaction) as
fast as they can until ``--seconds`` have passed or ``--orders`` orders were placed.
Every ``--confirm-every``-th order is then confirmed at the desk, as pick-ups would.

All redemptions in one community share the community's holds account, whose row lock
serialises them: the single-community figure is the worst case. Prints throughput,
latency percentiles, and checks the ledger reconciles afterwards."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shequgang_bench_points"
LOAD_BEFORE = ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound")
    parser.add_argument("--orders", type=int, default=100_000, help="count bound")
    parser.add_argument("--communities", type=int, default=1)
    parser.add_argument("--confirm-every", type=int, default=0, help="0: place only")
    parser.add_argument("--processes", action="store_true", help="processes, not threads")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("this benchmark runs on PostgreSQL")
    setup_django(args.database_url)

    from django.db import connection

    from shequgang.points.reconcile import reconcile

    world = build(args.clients, args.communities)
    connection.close()
    if args.processes:
        done, wall, cpu, errors = run_processes(args, world)
    else:
        done, wall, cpu, errors = run_threads(args, world)
    report = reconcile()
    print_report(args, connection, done, wall, cpu, errors, report.ok)


def client_loop(args, world, i, deadline, take):  # type: ignore[no-untyped-def]
    """One client: place orders until the deadline or the shared count runs out.
    Returns (latencies, error or None)."""
    from django.db import connection

    from shequgang.points.redemptions import order_confirm, order_place

    user, goods = world["clients"][i]
    latencies: list[float] = []
    n = 0
    try:
        while time.perf_counter() < deadline and take():
            n += 1
            start = time.perf_counter()
            outcome = order_place(
                actor=user, user=user, goods=goods, idempotency_key=f"bench-{i}-{n}"
            )
            if args.confirm_every and n % args.confirm_every == 0:
                order_confirm(actor=world["desk"], order=outcome.order)
            latencies.append(time.perf_counter() - start)
    except Exception as exc:  # reported
        return latencies, repr(exc)
    finally:
        connection.close()
    return latencies, None


def run_threads(args, world):  # type: ignore[no-untyped-def]
    placed = [0]
    lock = threading.Lock()

    def take() -> bool:
        with lock:
            placed[0] += 1
            return placed[0] <= args.orders

    results: list[tuple[list[float], str | None]] = [([], None)] * args.clients
    barrier = threading.Barrier(args.clients + 1)
    deadline_box: list[float] = []

    def client(i: int) -> None:
        barrier.wait()
        results[i] = client_loop(args, world, i, deadline_box[0], take)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    deadline_box.append(time.perf_counter() + args.seconds)
    wall, cpu = time.perf_counter(), time.process_time()
    barrier.wait()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done = [x for lat, _ in results for x in lat]
    return done, wall, cpu, [e for _, e in results if e]


def run_processes(args, world):  # type: ignore[no-untyped-def]
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    queue = ctx.Queue()
    start_at = time.perf_counter() + 1.0  # every process starts on the same tick

    def take() -> bool:
        with counter.get_lock():
            counter.value += 1
            return counter.value <= args.orders

    def child(i: int) -> None:
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        queue.put(client_loop(args, world, i, start_at + args.seconds, take))

    procs = [ctx.Process(target=child, args=(i,)) for i in range(args.clients)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    wall = time.perf_counter() - start_at  # CLOCK_MONOTONIC: the same clock in every process
    for p in procs:
        p.join()
    done = [x for lat, _ in results for x in lat]
    return done, wall, float("nan"), [e for _, e in results if e]


def setup_django(database_url: str) -> None:
    from cryptography.fernet import Fernet

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


def build(clients: int, communities: int) -> dict[str, object]:
    from django.contrib.auth.models import User

    from shequgang.people.roles import Role
    from shequgang.people.services import role_grant
    from shequgang.places.models import Kind
    from shequgang.places.services import place_create
    from shequgang.points.catalogue import GoodsInput, goods_create
    from shequgang.points.models import Policy, Source
    from shequgang.points.services import points_earn

    admin = User.objects.create_superuser("bench-admin", password="x")
    city = place_create(parent=None, kind=Kind.CITY, name="吕梁市", code="141100", actor=admin)
    county = place_create(parent=city, kind=Kind.COUNTY, name="离石区", code="141102", actor=admin)
    town = place_create(parent=county, kind=Kind.TOWN, name="滨河街道", actor=admin)
    Policy.objects.filter(community__isnull=True).update(daily_cap=None, monthly_cap=None)
    desk = User.objects.create_user("bench-desk", password="x")
    places = []
    for c in range(communities):
        community = place_create(parent=town, kind=Kind.COMMUNITY, name=f"社区{c + 1}", actor=admin)
        role_grant(actor=admin, user=desk, role=Role.COMMUNITY_WORKER, place=community)
        goods = goods_create(
            actor=admin,
            community=community,
            data=GoodsInput(name="洗衣液", price=1),
            stock=1_000_000,
        )
        places.append((community, goods))
    pairs = []
    for i in range(clients):
        community, goods = places[i % communities]
        user = User.objects.create_user(f"bench-resident-{i}", password="x")
        points_earn(
            actor=admin,
            user=user,
            community=community,
            amount=10_000,
            source=Source.ACTIVITY,
            source_ref="bench",
            reason="压测发放",
            idempotency_key=f"bench-fund-{i}",
        )
        pairs.append((user, goods))
    return {"clients": pairs, "desk": desk}


def print_report(args, connection, done, wall, cpu, errors, reconciled) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        database = f"PostgreSQL {cursor.fetchone()[0]}"
    connection.close()
    count = len(done)
    print(
        f"\nPoints redemption benchmark: {args.clients} concurrent clients "
        f"({'processes' if args.processes else 'threads'}), "
        f"{args.communities} communit{'y' if args.communities == 1 else 'ies'}, "
        f"bound {args.seconds:g} s / {args.orders:,} orders"
        + (f", confirm every {args.confirm_every}" if args.confirm_every else "")
    )
    print(f"{platform.python_implementation()} {platform.python_version()}, {database}")
    print(f"{os.cpu_count()} CPUs; load average before the run: {LOAD_BEFORE}")
    cpu_note = "" if cpu != cpu else f" ({cpu:.2f} s CPU, this process)"
    print(f"\norders placed:        {count:,} in {wall:.2f} s wall{cpu_note}")
    print(f"redemptions/second:   {count / wall:,.1f}")
    if done:
        ms = sorted(x * 1000 for x in done)
        pct = {p: ms[min(len(ms) - 1, int(len(ms) * p / 100))] for p in (50, 95, 99)}
        print(
            f"latency ms:           p50 {pct[50]:.1f}  p95 {pct[95]:.1f}  p99 {pct[99]:.1f}  "
            f"max {ms[-1]:.1f}  mean {statistics.fmean(ms):.1f}"
        )
    print(f"errors:               {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"ledger reconciles:    {'yes' if reconciled else 'NO'}")


if __name__ == "__main__":
    main()
