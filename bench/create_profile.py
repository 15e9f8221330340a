"""Where the CPU of one ``POST /api/v1/cases`` goes, in-process: ``n`` creations through
Django's test client (bearer token, Idempotency-Key, as ``bench/tasks.py profile``),
timed with ``time.process_time``, then ``n`` more under cProfile on CPU time, whose
cumulative times are split into the parts of the request (each part's share of the
profiled total; cProfile's own overhead inflates every part alike). Also the queued door
``POST /api/v1/cases/intake`` for comparison. Prints one JSON line. Never imported by the
project.

    python bench/create_profile.py --database-url sqlite:///$PWD/bench/out/quick.sqlite3
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb

# (label, file suffix(es), function name(s)): the largest cumulative CPU among the
# matches (the suffixes name the modules before and after the cases packages were laid
# out). Parts nest (the reads are inside the view); the table says which are inside which.
PARTS: list[tuple[str, str | tuple[str, ...], str | tuple[str, ...]]] = [
    ("whole request (test client included)", "django/test/client.py", "request"),
    ("middleware and Django's handler", "django/core/handlers/base.py", "get_response"),
    ("django-ninja: the endpoint with its parsing and response", "ninja/operation.py", "run"),
    ("  form parsing (multipart) and validation", "ninja/operation.py", "_get_values"),
    ("  token look-up (auth)", "ninja/operation.py", "_run_authentication"),
    ("  response rendering", "ninja/operation.py", "_result_to_response"),
    ("  the view case_raise", ("cases/api.py", "cases/api/cases.py"), "case_raise"),
    ("    place look-up", "places/selectors.py", "place_by_id_cached"),
    (
        "    category look-up",
        ("cases/api.py", "cases/api/out.py"),
        ("_category", "category_by_code"),
    ),
    (
        "    checks and reads (case_draft)",
        ("cases/services.py", "cases/services/create.py"),
        "case_draft",
    ),
    ("      place chain", "places/selectors.py", "place_ancestors"),
    (
        "      routing (ladder's role holders)",
        ("cases/routing.py", "cases/engine/routing.py"),
        "route",
    ),
    (
        "      clocks (working-day calendar)",
        ("cases/deadlines.py", "cases/engine/deadlines.py"),
        "clocks_for",
    ),
    ("    caller's role assignments", "people/scope.py", "_assignments_of"),
    ("    idempotency record INSERT (QuerySet.create)", "django/db/models/query.py", "create"),
    (
        "    writes (case_draft_save)",
        ("cases/services.py", "cases/services/create.py"),
        "case_draft_save",
    ),
    (
        "      number (counter)",
        ("cases/numbering.py", "cases/engine/numbering.py"),
        "next_case_number",
    ),
    ("      Model.save: case INSERT, record INSERT and UPDATE", "django/db/models/base.py", "save"),
    ("      bulk_create: events and notification", "django/db/models/query.py", "bulk_create"),
    (
        "      notification INSERT",
        ("cases/notifications.py", "cases/services/notifications.py"),
        "notify",
    ),
    ("    201 body (serialisation)", ("cases/api.py", "cases/api/out.py"), "case_detail_out"),
    ("    COMMIT", "django/db/transaction.py", "__exit__"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    meta = benchdb.read_meta(args.database_url)
    assert meta is not None, "no dataset at " + args.database_url
    benchdb.setup_django(args.database_url, meta["field_key"])
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from shequgang.people.services import api_token_issue
    from shequgang.places.models import Kind, Place

    admin = User.objects.get(username="bench_admin")
    raiser = User.objects.filter(username__startswith="resident").order_by("id")[0]
    token = api_token_issue(actor=admin, user=raiser, name="profile")[1]
    homes = list(Place.objects.filter(kind=Kind.HOUSEHOLD).values_list("id", flat=True)[:200])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    sequence = iter(range(10**7))

    def post(path: str) -> None:
        i = next(sequence)
        response = client.post(
            path,
            {"category": "noise", "place": homes[i % len(homes)], "title": "楼上噪音"},
            HTTP_IDEMPOTENCY_KEY=f"profile-{time.time_ns()}-{i}",
        )
        assert response.status_code in (201, 202), response.content[:300]

    out: dict[str, Any] = {"n": args.n, "engine": connection.vendor}
    for label, path in (("intake", "/api/v1/cases/intake"), ("create", "/api/v1/cases")):
        for _ in range(20):
            post(path)
        statements: list[str] = []

        def count(execute: Any, sql: str, *args: Any, seen: list[str] = statements) -> Any:
            seen.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            post(path)
        cpu = time.process_time()
        for _ in range(args.n):
            post(path)
        out[f"{label}_cpu_ms"] = round(1000 * (time.process_time() - cpu) / args.n, 2)
        out[f"{label}_queries"] = len(statements)  # BEGIN and COMMIT are not statements here
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.n):
        post("/api/v1/cases")
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _c) in stats.items())
    split = {}
    for label, suffix, name in PARTS:
        suffixes = (suffix,) if isinstance(suffix, str) else suffix
        names = (name,) if isinstance(name, str) else name
        found = [
            ct
            for (file, _line, fn), (_cc, _nc, _tt, ct, _c) in stats.items()
            if fn in names and file.endswith(suffixes)
        ]
        split[label] = round(100 * max(found) / total, 1) if found else None
    out["split_percent"] = split
    print("RESULT " + json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
