"""Benchmark: the category suggestion in the request path and the resident's home.

    .venv/bin/python bench/resident_pages.py                  # SQLite, the small demo
    .venv/bin/python bench/resident_pages.py --scale city     # the city-scale demo
    .venv/bin/python bench/resident_pages.py --database-url postgres://postgres@127.0.0.1:5432/shequgang_bench_resident
    .venv/bin/python bench/resident_pages.py --scale city --reuse   # time again, no rebuild

Builds a throwaway database (SQLite under bench/out/, deleted first; a PostgreSQL
database is dropped and created again), migrates it, loads the demo (``loaddemo
--scale``), registers a resident of a 滨东花园 household and confirms them through the
residency services, and raises ``--cases`` cases in the compound through
``case_create`` (a third resolved), so the home has items, news and a trained model.

Then, through Django's test client (the whole request path — middleware, session,
view, template — without the WSGI server and the network), it times after warm-up
``--requests`` calls each of:

- ``GET /api/v1/cases/suggest-category?text=…`` with varied texts (target p50 ≤ 30 ms);
- ``GET /me/`` the resident's home (target p50 ≤ 50 ms);

and prints p50/p95/max of each. ``--reuse`` times the database a previous run built
(same ``--database-url``) without building it again (the city-scale load takes minutes)."""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "bench" / "out"

TEXTS = [
    "楼道灯坏了好几天，晚上看不见",
    "电梯又停了，老人下不了楼",
    "楼下烧烤摊油烟太大",
    "小区门口井盖没了很危险",
    "暖气一点都不热",
    "有人在楼道里给电动车充电",
    "隔壁装修太吵了，周末一早就开始",
    "垃圾桶满了好几天没人清",
    "单元门禁坏了谁都能进",
    "楼上卫生间漏水到我家天花板",
]


def _database(url: str | None) -> str:
    if url:
        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return url
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "resident_pages.sqlite3"
    for suffix in ("", "-wal", "-shm", ".writelock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _timed(client, path: str, params_list: list[dict[str, str]], n: int) -> list[float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        response = client.get(path, params_list[i % len(params_list)])
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def _report(name: str, times: list[float], target: float) -> None:
    times = sorted(times)
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    verdict = "met" if p50 <= target else "MISSED"
    print(
        f"{name}: n={len(times)} p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {times[-1]:.1f} ms"
        f"  target p50 ≤ {target:.0f} ms: {verdict}"
    )


def _build(args: argparse.Namespace) -> Any:
    """Migrate, load the demo, register and confirm the resident, raise the cases."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from shequgang.cases.models import Category, Source
    from shequgang.cases.services import case_acknowledge, case_create, case_resolve
    from shequgang.cases.suggest.heldout import PHRASES
    from shequgang.errors import DomainError
    from shequgang.places.models import Kind, Place
    from shequgang.residency.selectors import account_queue
    from shequgang.residency.services import (
        Registration,
        resident_account_confirm,
        resident_account_register,
    )
    from shequgang.testing import synthetic_id

    call_command("migrate", verbosity=0)
    call_command("loaddemo", scale=args.scale, verbosity=0)
    compound = Place.objects.get(kind=Kind.COMPOUND, name="滨东花园小区")
    household = Place.objects.filter(kind=Kind.HOUSEHOLD, path__descendant=compound.path).first()
    assert household is not None
    account, _ = resident_account_register(
        data=Registration(
            name="刘桂兰",
            phone="13711112222",
            id_number=synthetic_id(),
            household_id=household.pk,
            password="Bench-2026-resident",
        )
    )
    confirmer = next(
        u for u in User.objects.filter(is_active=True) if account_queue(u).filter(pk=account.pk)
    )
    resident_account_confirm(account=account, actor=confirmer)
    user = account.user
    rng = random.Random(1)
    leaves = {c.code: c for c in Category.objects.filter(parent__isnull=False, active=True)}
    homes = list(Place.objects.filter(kind=Kind.HOUSEHOLD, path__descendant=compound.path)[:200])
    for n in range(args.cases):
        code = rng.choice(sorted(PHRASES))
        raiser = user if n % 10 == 0 else None
        case = case_create(
            actor=raiser or confirmer,
            source=Source.RESIDENT if raiser else Source.STAFF,
            category=leaves[code],
            place=household if raiser else rng.choice(homes),
            title=rng.choice(PHRASES[code])[:30],
        )
        if n % 3 == 0 and case.handler_place_id is not None:
            holder = next(
                (u for u in User.objects.filter(role_assignments__place=case.handler_place)), None
            )
            if holder is not None:
                try:
                    case_acknowledge(actor=holder, case=case)
                    case_resolve(actor=holder, case=case, resolution="已处理")
                except DomainError:  # a holder the services refuse: leave the case open
                    pass
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--scale", default="small", choices=["small", "city"])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="time the database built before")
    args = parser.parse_args()

    if args.reuse:
        os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{OUT}/resident_pages.sqlite3"
    else:
        os.environ["DATABASE_URL"] = _database(args.database_url)
    os.environ["SHEQUGANG_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequgang.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client, override_settings

    started = time.perf_counter()
    user = User.objects.get(username="r13711112222") if args.reuse else _build(args)
    setup = time.perf_counter() - started

    # The pages link static files by name; the bench has not collected them (no manifest).
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    client = Client()
    client.force_login(user)
    texts = [{"text": t} for t in TEXTS]
    _timed(client, "/api/v1/cases/suggest-category", texts, 20)  # warm-up, trains the model
    _timed(client, "/me/", [{}], 20)
    suggest = _timed(client, "/api/v1/cases/suggest-category", texts, args.requests)
    home = _timed(client, "/me/", [{}], args.requests)
    print(
        f"engine {connection.vendor}, demo --scale {args.scale}, {args.cases} cases raised, "
        f"set-up {setup:.0f} s; {platform.processor() or platform.machine()}, "
        f"load {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    _report("suggest-category", suggest, 30)
    _report("resident home /me/", home, 50)


if __name__ == "__main__":
    main()
