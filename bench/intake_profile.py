"""The queued intake door against the bare one-INSERT view, in one process: CPU and wall
time per request and queries per request, each request through Django's WSGI handler
and the whole middleware stack, as the server calls it (no sockets, no server). Prints
one JSON line (``RESULT {...}``). Never imported by the project.

    .venv/bin/python bench/intake_profile.py --database-url sqlite:///$PWD/bench/out/quick.sqlite3
    .venv/bin/python bench/intake_profile.py --database-url postgres://postgres@127.0.0.1:5432/DB \\
        -n 500 --rounds 5 --profile

The views are timed in alternating rounds of ``-n`` requests and the median round is
kept, so both see the same machine. With ``--profile``, pyinstrument's text for ``-n``
more requests of each goes to bench/out/profile_intake_<view>_<engine>.txt (every frame
with ``--show-all``); with ``--cprofile``, cProfile's tables to
bench/out/cprofile_intake_<view>_<engine>.txt. The intakes stay pending in the dataset
(no worker runs), as after ``bench/intake.py http``."""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb

Request = Callable[[int], dict[str, Any]]


def environ(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    raw = body.encode()
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8100",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_HOST": "127.0.0.1:8100",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", type=int, default=300, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show-all", action="store_true", help="profile: every frame")
    parser.add_argument("--cprofile", action="store_true", help="profile with cProfile")
    args = parser.parse_args()
    meta = benchdb.read_meta(args.database_url)
    assert meta is not None, "no dataset at " + args.database_url
    benchdb.setup_django(args.database_url, meta["field_key"])

    from django.contrib.auth.models import User
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequgang.cases.models import Category
    from shequgang.people.services import api_token_issue
    from shequgang.places.models import Kind, Place

    call_command("migrate", verbosity=0)  # the ceiling app's table
    admin = User.objects.get(username="bench_admin")
    raiser = User.objects.filter(username__startswith="resident").order_by("id")[0]
    token = api_token_issue(actor=admin, user=raiser, name="intake-profile")[1]
    homes = list(Place.objects.filter(kind=Kind.HOUSEHOLD).values_list("id", flat=True)[:500])
    codes = list(
        Category.objects.filter(parent__isnull=False, active=True, start_rung__lte=4)
        .order_by("id")
        .values_list("code", flat=True)
    )
    connection.close()
    handler = WSGIHandler()
    stamp = time.time_ns()

    def bare_insert(i: int) -> dict[str, Any]:
        return environ("/bench/insert", "note=ping", {})

    def case_intake(i: int) -> dict[str, Any]:
        body = urlencode(
            {
                "category": codes[i % len(codes)],
                "place": homes[i % len(homes)],
                "title": "楼道灯不亮",
                "description": "三楼楼道灯坏了一周",
            }
        )
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"p-{stamp}-{i}"}
        return environ("/api/v1/cases/intake", body, headers)

    views: dict[str, tuple[Request, int]] = {
        "bare_insert": (bare_insert, 201),
        "case_intake": (case_intake, 202),
    }
    counter = iter(range(10**9))

    def send(name: str) -> None:
        make, expected = views[name]
        status: list[str] = []
        response = handler(make(next(counter)), lambda s, h, *a: status.append(s))
        content = b"".join(response)
        response.close()  # request_finished, as the server does
        assert status[0].startswith(str(expected)), (status, content[:300])

    for name in views:  # warm up: imports, URL resolver, the token's first use
        for _ in range(20):
            send(name)
    cpu: dict[str, list[float]] = {name: [] for name in views}
    wall: dict[str, list[float]] = {name: [] for name in views}
    for _ in range(args.rounds):
        for name in views:
            c, t = time.process_time(), time.perf_counter()
            for _ in range(args.n):
                send(name)
            cpu[name].append(1000 * (time.process_time() - c) / args.n)
            wall[name].append(1000 * (time.perf_counter() - t) / args.n)
    queries: dict[str, list[str]] = {}
    for name in views:
        with CaptureQueriesContext(connection) as captured:
            send(name)
        queries[name] = [q["sql"] for q in captured.captured_queries]
    result: dict[str, Any] = {
        "engine": benchdb.engine_of(args.database_url),
        "n": args.n,
        "rounds": args.rounds,
    }
    for name in views:
        result[name] = {
            "cpu_ms": round(statistics.median(cpu[name]), 3),
            "wall_ms": round(statistics.median(wall[name]), 3),
            "queries": len(queries[name]),
            "sql": [q[:160] for q in queries[name]],
        }
    bare, door = result["bare_insert"], result["case_intake"]
    # Requests per second are inversely proportional to time per request.
    result["intake_vs_bare_cpu"] = round(bare["cpu_ms"] / door["cpu_ms"], 3)
    result["intake_vs_bare_wall"] = round(bare["wall_ms"] / door["wall_ms"], 3)
    if args.cprofile:
        import cProfile
        import pstats

        for name in views:
            cp = cProfile.Profile()
            cp.enable()
            for _ in range(args.n):
                send(name)
            cp.disable()
            out = benchdb.OUT / f"cprofile_intake_{name}_{result['engine']}.txt"
            with out.open("w") as f:
                pstats.Stats(cp, stream=f).sort_stats("tottime").print_stats(60)
                pstats.Stats(cp, stream=f).sort_stats("cumulative").print_stats(120)
            result[name]["cprofile"] = str(out)
    if args.profile:
        from pyinstrument import Profiler

        for name in views:
            profiler = Profiler(interval=0.0002)
            with profiler:
                for _ in range(args.n):
                    send(name)
            out = benchdb.OUT / f"profile_intake_{name}_{result['engine']}.txt"
            out.write_text(profiler.output_text(unicode=True, show_all=args.show_all))
            result[name]["profile"] = str(out)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
