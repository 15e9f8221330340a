"""The queued intake (``POST /api/v1/cases/intake``), two measurements. Prints one JSON
line (``RESULT {...}``). Never imported by the project.

HTTP: drive the intake endpoint of a running server with wrk (or the threaded client),
through ``run.measure`` and ``load.run`` — the machinery ``run.py`` uses for case
creation. The bodies need household ids: ``--places 1,2,3`` or ``--database-url`` (then
``tasks.py prepare`` supplies households, categories and a resident's token)::

    .venv/bin/python bench/intake.py http --url http://127.0.0.1:8100 --token-file tok \\
        --places 101,102 --seconds 5
    .venv/bin/python bench/intake.py http --database-url sqlite:///$PWD/bench/out/quick.sqlite3 \\
        --serve --seconds 5 --compare

``--serve`` starts ``shequgang serve`` on the dataset (as ``run.py`` does) for the run;
``--compare`` also measures the bare-INSERT ceiling and ``POST /api/v1/cases`` so the
ratios come out of one run. The server runs without a worker, so the intakes stay
pending in the dataset; the next drain run raises them (``pending_before`` counts them).

Drain: queue ``-n`` intakes in-process on a dataset database, then time the worker's
rounds (``intake_process_due``) until the queue is empty: cases/s. It writes the
intakes and their cases into the dataset, as the HTTP case-creation run does::

    .venv/bin/python bench/intake.py drain --database-url sqlite:///$PWD/bench/out/quick.sqlite3 -n 300
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb
import load
import run

TITLE, DESCRIPTION = "楼道灯不亮", "三楼楼道灯坏了一周"


def bodies_for(places: list[int], categories: list[str]) -> list[str]:
    return [
        urlencode(
            {
                "category": categories[i % len(categories)],
                "place": place,
                "title": TITLE,
                "description": DESCRIPTION,
            }
        )
        for i, place in enumerate(places)
    ]


def leaf_categories(base: str, auth: dict[str, str]) -> list[str]:
    status, _h, text = load.fetch(f"{base}/api/v1/categories", headers=auth)
    if status != 200:
        raise SystemExit(f"GET /api/v1/categories answered {status}: {text[:200]}")
    return [c["code"] for g in json.loads(text) for c in g["children"] if c["start_rung"] <= 4]


def http(args: argparse.Namespace) -> dict[str, Any]:
    token = args.token or (Path(args.token_file).read_text().strip() if args.token_file else "")
    places = [int(p) for p in args.places.split(",") if p.strip()] if args.places else []
    categories: list[str] = []
    if args.database_url:
        prep = run.task("prepare", args.database_url)
        token = token or prep["raiser_token"]
        places = places or prep["households"]
        categories = prep["categories"]
    if not token or not places:
        raise SystemExit("need --token/--token-file and --places, or --database-url")
    if args.serve:
        if not args.database_url:
            raise SystemExit("--serve needs --database-url")
        meta = benchdb.read_meta(args.database_url)
        assert meta is not None, "no dataset at " + args.database_url
        cmd = [run.SHEQUGANG, "serve", "--bind", f"127.0.0.1:{run.PORT}", "--workers", "2",
               "--threads", "4", "--no-worker"]  # fmt: skip
        env = benchdb.server_env(args.database_url, meta["field_key"])
        with run.Server(cmd, env, run.PORT, "server_intake.log"):
            return _drive(f"http://127.0.0.1:{run.PORT}", token, places, categories, args)
    return _drive(args.url.rstrip("/"), token, places, categories, args)


def _drive(
    base: str, token: str, places: list[int], categories: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    bodies = bodies_for(places, categories or leaf_categories(base, auth))
    status, headers, text = load.fetch(
        f"{base}/api/v1/cases/intake", method="POST", headers=auth, body=bodies[0]
    )
    if status != 202:
        raise SystemExit(f"POST /api/v1/cases/intake answered {status}: {text[:300]}")
    common = {"duration": args.seconds, "connections": args.connections}
    results: dict[str, Any] = {"status_url": headers.get("location")}
    if args.compare:
        results["bare_insert"] = run.measure(
            "bare_insert", f"{base}/bench/insert", method="POST", bodies=["note=ping"], **common
        )
    results["case_intake"] = run.measure(
        "case_intake", f"{base}/api/v1/cases/intake", method="POST", headers=auth,
        bodies=bodies, idempotency=True, **common,
    )  # fmt: skip
    if args.compare:
        results["case_create"] = run.measure(
            "case_create", f"{base}/api/v1/cases", method="POST", headers=auth, bodies=bodies,
            idempotency=True, **common,
        )  # fmt: skip
        bare = results["bare_insert"]["rps"]
        for name in ("case_intake", "case_create"):
            results[name]["vs_bare_insert"] = (
                round(results[name]["rps"] / bare, 3) if bare else None
            )
    return results


def drain(args: argparse.Namespace) -> dict[str, Any]:
    meta = benchdb.read_meta(args.database_url)
    assert meta is not None, "no dataset at " + args.database_url
    benchdb.setup_django(args.database_url, meta["field_key"])
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from shequgang.cases.intake.services import intake_accept, intake_process_due
    from shequgang.cases.models import CaseIntake, Category, IntakeStatus
    from shequgang.places.models import Kind, Place

    call_command("migrate", verbosity=0)
    raiser = User.objects.filter(username__startswith="resident").order_by("id").first()
    assert raiser is not None
    homes = list(
        Place.objects.filter(kind=Kind.HOUSEHOLD).order_by("?").values_list("id", flat=True)[:500]
    )
    codes = list(
        Category.objects.filter(parent__isnull=False, active=True, start_rung__lte=4)
        .order_by("id")
        .values_list("code", flat=True)
    )
    backlog = CaseIntake.objects.filter(status=IntakeStatus.PENDING).count()
    t = time.perf_counter()
    ids = [
        intake_accept(
            submitter=raiser,
            category=codes[i % len(codes)],
            place=homes[i % len(homes)],
            title=TITLE,
            description=DESCRIPTION,
        ).pk
        for i in range(args.n)
    ]
    accept_seconds = time.perf_counter() - t
    rounds = created = rejected = failed = 0
    t = time.perf_counter()
    while True:
        report = intake_process_due(batch=args.batch)
        if not report.done:
            break
        rounds += 1
        created, rejected, failed = (
            created + report.created,
            rejected + report.rejected,
            failed + report.failed,
        )
    seconds = time.perf_counter() - t
    left = CaseIntake.objects.filter(pk__in=ids, status=IntakeStatus.PENDING).count()
    return {
        "engine": benchdb.engine_of(args.database_url),
        "intakes": args.n,
        "pending_before": backlog,
        "accept_in_process_per_s": round(args.n / accept_seconds, 1) if args.n else None,
        "drain_seconds": round(seconds, 3),
        "cases_per_s": round(created / seconds, 1) if seconds else None,
        "ms_per_case": round(1000 * seconds / created, 2) if created else None,
        "rounds": rounds,
        "batch": args.batch,
        "created": created,
        "rejected": rejected,
        "failed": failed,
        "left_pending": left,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    h = sub.add_parser("http", help="drive POST /api/v1/cases/intake over HTTP")
    h.add_argument("--url", default=f"http://127.0.0.1:{run.PORT}")
    h.add_argument("--token", default="")
    h.add_argument("--token-file", default="")
    h.add_argument("--places", default="", help="household ids, comma-separated")
    h.add_argument("--database-url", default="", help="a dataset: households, token")
    h.add_argument("--serve", action="store_true", help="start the server on the dataset")
    h.add_argument("--compare", action="store_true", help="also bare INSERT and POST /cases")
    h.add_argument("--seconds", type=int, default=5)
    h.add_argument("--connections", type=int, default=run.CONNECTIONS)
    d = sub.add_parser("drain", help="time the worker raising queued intakes")
    d.add_argument("--database-url", required=True)
    d.add_argument("-n", type=int, default=300)
    d.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    result = http(args) if args.mode == "http" else drain(args)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
