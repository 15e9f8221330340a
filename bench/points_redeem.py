"""Benchmark: points redemptions per second on PostgreSQL with concurrent clients.

    .venv/bin/python bench/points_redeem.py --clients 16 --seconds 20
    .venv/bin/python bench/points_redeem.py --clients 16 --seconds 20 --communities 4

Builds a throwaway PostgreSQL database (``shequgang_bench_points``, dropped and created
again), one community (or several) with a catalogue item in ample stock, and one resident
per client with enough points. Then ``--clients`` threads, each with its own database
connection, call ``order_place`` (the same service the API and the pages call: lock the
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
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("this benchmark runs on PostgreSQL")
    setup_django(args.database_url)

    from django.db import connection

    from shequgang.points.reconcile import reconcile
    from shequgang.points.redemptions import order_confirm, order_place

    world = build(args.clients, args.communities)
    deadline = time.perf_counter() + args.seconds
    placed = [0]
    lock = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(args.clients)]
    errors: list[str] = []
    barrier = threading.Barrier(args.clients + 1)

    def client(i: int) -> None:
        user, goods = world["clients"][i]
        n = 0
        try:
            barrier.wait()
            while time.perf_counter() < deadline:
                with lock:
                    if placed[0] >= args.orders:
                        break
                    placed[0] += 1
                n += 1
                start = time.perf_counter()
                outcome = order_place(
                    actor=user, user=user, goods=goods, idempotency_key=f"bench-{i}-{n}"
                )
                if args.confirm_every and n % args.confirm_every == 0:
                    order_confirm(actor=world["desk"], order=outcome.order)
                latencies[i].append(time.perf_counter() - start)
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    barrier.wait()
    wall = time.perf_counter()
    cpu = time.process_time()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    done = [x for per in latencies for x in per]
    report = reconcile()
    print_report(args, connection, done, wall, cpu, errors, report.ok)


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
        f"\nPoints redemption benchmark: {args.clients} concurrent clients (threads), "
        f"{args.communities} communit{'y' if args.communities == 1 else 'ies'}, "
        f"bound {args.seconds:g} s / {args.orders:,} orders"
        + (f", confirm every {args.confirm_every}" if args.confirm_every else "")
    )
    print(f"{platform.python_implementation()} {platform.python_version()}, {database}")
    print(f"{os.cpu_count()} CPUs; load average before the run: {LOAD_BEFORE}")
    print(f"\norders placed:        {count:,} in {wall:.2f} s wall ({cpu:.2f} s CPU, this process)")
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
