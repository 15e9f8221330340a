"""Django-side steps of the benchmark, one per process (each dataset has its own
database and key): ``python bench/tasks.py TASK --database-url URL``. Prints one JSON
line. Never imported by the project."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb


def _busiest_queues() -> dict[str, dict[str, Any]]:
    """The work queues the benchmark reads: the community worker's and the department
    handler's with the most open cases, and the city administrator's (every open case
    of the city, the largest queue there is); each with its busiest 大类, the filter of
    the deep page."""
    from django.contrib.auth.models import User
    from django.db.models import Count

    from shequgang.cases.models import OPEN_STATUSES, Case
    from shequgang.people.models import RoleAssignment
    from shequgang.people.roles import Role

    queues: dict[str, dict[str, Any]] = {}
    open_ = [str(s) for s in OPEN_STATUSES] + ["on_hold"]
    for label, field, role in (
        ("community", "handler_place_id", Role.COMMUNITY_WORKER),
        ("department", "handler_department_id", Role.DEPARTMENT_HANDLER),
    ):
        rung = 4 if label == "community" else 6
        top = (
            Case.objects.filter(status__in=open_, rung=rung, **{f"{field}__isnull": False})
            .values(field)
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if top is None:
            continue
        node = {"place_id" if label == "community" else "department_id": top[field]}
        assignment = RoleAssignment.objects.filter(role=role, **node).select_related("user")[0]
        parent = (
            Case.objects.filter(status__in=open_, rung=rung, **{field: top[field]})
            .values("category__parent__code")
            .annotate(n=Count("id"))
            .order_by("-n")[0]["category__parent__code"]
        )
        queues[label] = {
            "user": assignment.user,
            "open_cases": top["n"],
            "filter_category": parent,
        }
    everything = Case.objects.filter(status__in=[*open_, "returned"])
    queues["city"] = {
        "user": User.objects.get(username="bench_admin"),
        "open_cases": everything.count(),
        "filter_category": everything.values("category__parent__code")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["category__parent__code"],
    }
    return queues


def prepare() -> dict[str, Any]:
    """Tables of the ceiling app, API tokens, the payloads for case creation and the
    handlers whose work queues are the largest."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from shequgang.cases.models import Case, Category
    from shequgang.people.services import api_token_issue
    from shequgang.places.models import Kind, Place

    call_command("migrate", verbosity=0)
    admin = User.objects.get(username="bench_admin")

    def token(user: User) -> str:
        return api_token_issue(actor=admin, user=user, name="bench")[1]

    raiser = User.objects.filter(username__startswith="resident").order_by("id").first()
    assert raiser is not None
    households = list(
        Place.objects.filter(kind=Kind.HOUSEHOLD).order_by("?").values_list("id", flat=True)[:500]
    )
    categories = list(
        Category.objects.filter(parent__isnull=False, active=True, start_rung__lte=4)
        .order_by("id")
        .values_list("code", flat=True)
    )
    queues: dict[str, Any] = {}
    for label, q in _busiest_queues().items():
        queues[label] = {**q, "user": q["user"].username, "token": token(q["user"])}
    return {
        "raiser_token": token(raiser),
        "households": households,
        "categories": categories,
        "queues": queues,
        "cases": Case.objects.count(),
    }


class BudgetSpent(Exception):
    """The sweep's escalation ran past its time budget (``--escalation-budget``)."""


def sweep(
    *,
    open_cases: int,
    spread_hours: float,
    overdue_share: float,
    due_today_share: float,
    escalation_budget: float = 0,
) -> dict[str, Any]:
    """The sweep over ``open_cases`` open cases, at a fixed instant ``now``: the next
    Wednesday, 10:00 in Shanghai (a working day whatever the weekday of the run).

    The newest ``open_cases`` cases are set open again (submitted, acknowledged, in
    progress, reopened in turn), every flag cleared, their rung and holder kept, and their
    clocks restarted as ``cases.deadlines.clocks_for`` would from a start instant that
    depends on ``id % 48``:

    - ``overdue_share`` of the 48 buckets started so long ago that their resolution
      deadline passed 1–3 working days before today: the sweep red-cards them and sends
      them one rung up (``route``), or only red-cards them at the top rung;
    - ``due_today_share`` of them are due at the end of today (their last working day has
      begun: a yellow card);
    - the rest started within ``spread_hours`` before ``now`` (some past their
      acknowledgement limit).

    The counts of cases past each threshold before the first run are returned with the
    run's report. ``run_sweep`` is then timed twice: the first run clears that backlog
    (flags, red cards, escalations, events), the second, a minute later, is the steady
    state. The steps of the first run are timed by wrapping ``sweep._flag`` and
    ``sweep._escalate`` (the bench's process only). With ``escalation_budget``
    seconds, the first run is stopped once its escalation has taken that long (before the
    next transaction of groups): the report so far and the cases still past their deadline are returned,
    and there is no steady run."""
    import bisect

    from django.db import connection, transaction
    from django.db.models import Case as Case_
    from django.db.models import DateTimeField, Max, Value, When

    from shequgang.calendar.workdays import working_day_table, working_hours_after
    from shequgang.cases.engine.deadlines import warn_time
    from shequgang.cases.models import Case, Category
    from shequgang.cases.services import sweep as sweep_module
    from shequgang.cases.services.sweep import run_sweep

    shanghai = dt.timezone(dt.timedelta(hours=8))
    today = dt.datetime.now(shanghai).date()
    wednesday = today + dt.timedelta(days=(2 - today.weekday()) % 7 or 7)
    now = dt.datetime.combine(wednesday, dt.time(10), tzinfo=shanghai)
    buckets = 48
    n_overdue = round(overdue_share * buckets)
    n_today = round(due_today_share * buckets)
    assert n_overdue + n_today <= buckets
    # Spaced out, and covering the four statuses (status = bucket % 4).
    overdue = {i * (buckets // max(1, n_overdue)) + (8 + i) % 12 for i in range(n_overdue)}
    rest = [b for b in range(buckets) if b not in overdue]
    due_today = set(rest[1 :: max(1, len(rest) // max(1, n_today))][:n_today])
    kind = {b: "overdue" if b in overdue else "due_today" if b in due_today else "fresh"
            for b in range(buckets)}  # fmt: skip
    step = spread_hours / buckets
    top = Case.objects.aggregate(m=Max("id"))["m"] or 0
    ids_from = max(0, top - open_cases)
    categories = {c.pk: c for c in Category.objects.all()}
    table = working_day_table(
        (now - dt.timedelta(days=200)).date(), (now + dt.timedelta(days=200)).date()
    )
    t_today = bisect.bisect_left(table.workdays, wednesday)
    assert table.workdays[t_today] == wednesday, "the chosen Wednesday is not a working day"
    started = time.perf_counter()
    statuses = ("submitted", "acknowledged", "in_progress", "reopened")
    updated = 0
    with transaction.atomic():
        # Restart the clocks: one UPDATE per bucket (every 48th case), the clocks per
        # category as CASE expressions.
        leaves = [c for c in categories.values() if c.parent_id is not None]
        for bucket in range(buckets):
            clocks = {}
            for cat in leaves:
                days = max(1, cat.resolve_days)
                if kind[bucket] == "fresh":
                    at = now - dt.timedelta(hours=step * bucket + 0.25)
                else:
                    # Started on the working day that puts the deadline ``late`` working
                    # days before today (0: due at the end of today).
                    late = 1 + bucket % 3 if kind[bucket] == "overdue" else 0
                    start_day = table.workdays[t_today - days - late]
                    at = dt.datetime.combine(start_day, dt.time(9, 30), tzinfo=shanghai)
                resolve = table.working_days_after(at, days)
                clocks[cat.pk] = (
                    at,
                    working_hours_after(at, max(1, cat.ack_hours)),
                    warn_time(resolve),
                    resolve,
                )

            def by_category(i: int, clocks: dict[int, tuple[dt.datetime, ...]] = clocks) -> Case_:
                return Case_(
                    *[When(category_id=pk, then=Value(c[i])) for pk, c in clocks.items()],
                    output_field=DateTimeField(),
                )

            updated += (
                Case.objects.filter(pk__gt=ids_from)
                .extra(where=[f"id %% {buckets} = {bucket}"])
                .update(
                    status=statuses[bucket % 4],
                    assigned_at=by_category(0),
                    ack_due_at=by_category(1),
                    warn_at=by_category(2),
                    resolve_due_at=by_category(3),
                    acknowledged_at=None if bucket % 4 == 0 else by_category(0),
                    ack_overdue_at=None,
                    yellow_card_at=None,
                    red_card_at=None,
                    resolved_at=None,
                    closed_at=None,
                    close_due_at=None,
                    merged_into=None,
                    swept_by=None,
                )
            )
    reset = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    open_qs = Case.objects.filter(status__in=statuses)
    before = {
        "open_cases": open_qs.count(),
        "past_ack_limit_unacknowledged": open_qs.filter(
            status="submitted", ack_due_at__lt=now
        ).count(),
        "in_last_working_day": open_qs.filter(warn_at__lte=now, resolve_due_at__gte=now).count(),
        "past_resolution_deadline": open_qs.filter(resolve_due_at__lt=now).count(),
        "past_resolution_deadline_at_top_rung": open_qs.filter(
            resolve_due_at__lt=now, rung=6
        ).count(),
    }

    steps: dict[str, float] = {}
    calls: dict[str, int] = {}
    # Escalation runs in transactions of up to MOVES_PER_TRANSACTION holder x category
    # groups (sweep._escalate); "escalate groups" counts the groups, not the calls.
    flag, escalate = sweep_module._flag, sweep_module._escalate

    def timed_flag(*args: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return flag(*args, **kw)
        finally:
            key = f"flag {kw['field']}"
            steps[key] = steps.get(key, 0.0) + time.perf_counter() - t
            calls[key] = calls.get(key, 0) + 1

    partial: dict[str, Any] = {}

    def timed_escalate(*args: Any, **kw: Any) -> Any:
        spent = steps.get("escalate groups", 0.0)
        if escalation_budget and spent > escalation_budget:
            partial["report"] = dict(kw["report"].__dict__)
            raise BudgetSpent
        t = time.perf_counter()
        try:
            return escalate(*args, **kw)
        finally:
            steps["escalate groups"] = spent + time.perf_counter() - t
            calls["escalate groups"] = calls.get("escalate groups", 0) + len(args[0])

    sweep_module._flag = timed_flag  # type: ignore[assignment]
    sweep_module._escalate = timed_escalate  # type: ignore[assignment]
    try:
        t = time.perf_counter()
        first_report: dict[str, Any] | None = run_sweep(now=now).__dict__
    except BudgetSpent:
        first_report = None
    finally:
        cold = time.perf_counter() - t
        sweep_module._flag, sweep_module._escalate = flag, escalate  # type: ignore[assignment]
    if first_report is None:
        # Stopped after the escalation budget: what was done, what is left; no steady run
        # (its backlog is not cleared).
        left = open_qs.filter(resolve_due_at__lt=now).count()
        return {
            "reset_cases": updated,
            "open_cases": before["open_cases"],
            "before_first_run": before,
            "now": now.isoformat(),
            "spread_hours": spread_hours,
            "overdue_share": overdue_share,
            "due_today_share": due_today_share,
            "reset_seconds": round(reset, 1),
            "escalation_budget_seconds": escalation_budget,
            "stopped_after_budget": True,
            "cold_seconds": round(cold, 3),
            "cold_report": partial["report"],
            "cold_steps_seconds": {k: round(v, 3) for k, v in steps.items()},
            "cold_step_calls": calls,
            "still_past_deadline": left,
        }
    t = time.perf_counter()
    second = run_sweep(now=now + dt.timedelta(minutes=1))
    steady = time.perf_counter() - t
    return {
        "reset_cases": updated,
        "open_cases": before["open_cases"],
        "before_first_run": before,
        "now": now.isoformat(),
        "buckets": {
            k: sorted(b for b in range(buckets) if kind[b] == k)
            for k in ("overdue", "due_today", "fresh")
        },
        "spread_hours": spread_hours,
        "overdue_share": overdue_share,
        "due_today_share": due_today_share,
        "reset_seconds": round(reset, 1),
        "cold_seconds": round(cold, 3),
        "cold_report": first_report,
        "cold_steps_seconds": {k: round(v, 3) for k, v in steps.items()},
        "cold_step_calls": calls,
        "steady_seconds": round(steady, 3),
        "steady_report": second.__dict__,
    }


def profile_create(*, n: int, show_queries: bool = False) -> dict[str, Any]:
    """Raise ``n`` cases through the API in-process (Django's test client, a bearer
    token, an ``Idempotency-Key``): first ``n`` timed ones counting queries
    (``CaptureQueriesContext``) and CPU (``time.process_time``), then ``n`` under
    pyinstrument, whose text goes to bench/out/profile_case_create.txt. With
    ``show_queries`` the SQL of the last counted request goes to
    bench/out/profile_case_create_queries.txt."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from shequgang.cases.models import Category
    from shequgang.people.services import api_token_issue
    from shequgang.places.models import Kind, Place

    admin = User.objects.get(username="bench_admin")
    raiser = User.objects.filter(username__startswith="resident").order_by("id")[0]
    token = api_token_issue(actor=admin, user=raiser, name="profile")[1]
    homes = list(Place.objects.filter(kind=Kind.HOUSEHOLD).values_list("id", flat=True)[:200])
    code = Category.objects.get(code="noise").code
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    sequence = iter(range(10 * n + 10))

    def raise_one() -> None:
        i = next(sequence)
        response = client.post(
            "/api/v1/cases",
            {"category": code, "place": homes[i % len(homes)], "title": "楼上噪音"},
            HTTP_IDEMPOTENCY_KEY=f"profile-{time.time_ns()}-{i}",
        )
        assert response.status_code == 201, response.content[:300]

    for _ in range(5):  # warm up: imports, URL resolver, first token touch
        raise_one()
    queries = 0
    last: list[str] = []
    cpu = time.process_time()
    t = time.perf_counter()
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            raise_one()
        queries += len(captured.captured_queries)
        last = [q["sql"] for q in captured.captured_queries]
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
    if show_queries:
        (benchdb.OUT / "profile_case_create_queries.txt").write_text("\n\n".join(last) + "\n")
    kinds: dict[str, int] = {}
    for sql in last:
        word = sql.split(None, 1)[0].upper() if sql.strip() else "?"
        kinds[word] = kinds.get(word, 0) + 1
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(n):
            raise_one()
    out = benchdb.OUT / "profile_case_create.txt"
    out.write_text(profiler.output_text(unicode=True, show_all=False))
    return {
        "n": n,
        "queries_per_case": round(queries / n, 2),
        "query_kinds_last": kinds,
        "cpu_ms_per_case": round(1000 * cpu / n, 2),
        "ms_per_case": round(1000 * seconds / n, 2),
        "profile": str(out),
    }


def profile_queue(*, n: int) -> dict[str, Any]:
    """The work-queue page ``GET /api/v1/cases?mine=holder&limit=50`` in-process (Django's
    test client, a bearer token) for the busiest queues (``_busiest_queues``): the first
    page, and the filtered queue's middle page as bench/run.py walks it. Each page is
    answered ``n`` times by the endpoint as it is and ``n`` times with its page builder
    swapped for the model path it replaced (``CaseOut.build`` per row, a ``CasePageOut``
    that ninja dumps and renders), interleaved so that load on the machine weighs on both
    alike: CPU ms (``time.process_time``) and wall ms per request, queries per request,
    and whether the two bodies agree (cursors aside). Then ``n`` lean first pages of each
    queue under pyinstrument, whose text goes to bench/out/profile_queue_<queue>.txt."""
    import statistics
    from urllib.parse import quote

    from django.contrib.auth.models import User
    from django.core import signing
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from shequgang.cases.api import cases as cases_api
    from shequgang.cases.api.schemas import CasePageOut
    from shequgang.cases.queries.keyset import keyset_page
    from shequgang.people.services import api_token_issue

    lean = cases_api.case_page_out

    def model_path(user: Any, cases: Any, *, cursor: str | None, limit: int) -> CasePageOut:
        related = ("category", "place", "handler_place", "handler_department", "dispatcher_place")
        page = keyset_page(cases.select_related(*related), cursor=cursor, size=limit)
        items = [cases_api.case_out(user, c) for c in page.rows]
        return CasePageOut(items=items, next_cursor=page.next_cursor)

    def body(text: bytes) -> Any:
        data = json.loads(text)
        if data["next_cursor"]:
            data["next_cursor"] = signing.loads(data["next_cursor"], salt="shequgang.keyset")
        return data

    admin = User.objects.get(username="bench_admin")
    pages: list[tuple[str, Client, str]] = []
    for label, q in _busiest_queues().items():
        token = api_token_issue(actor=admin, user=q["user"], name="profile")[1]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        first = "/api/v1/cases?mine=holder&limit=50"
        pages.append((f"{label} first page ({q['open_cases']} open)", client, first))
        filt = f"{first}&category={q['filter_category']}"
        cursors, url = [], filt
        for _ in range(400):
            nxt = client.get(url).json()["next_cursor"]
            if not nxt:
                break
            cursors.append(nxt)
            url = f"{filt}&cursor={quote(nxt)}"
        deep = f"{filt}&cursor={quote(cursors[len(cursors) // 2])}" if cursors else filt
        where = f"{len(cursors) // 2 + 1}/{len(cursors) + 1}"
        pages.append((f"{label} deep page {where} (category={q['filter_category']})", client, deep))

    results: dict[str, Any] = {}
    for label, client, url in pages:
        runs: dict[str, dict[str, list[float]]] = {}
        bodies: dict[str, Any] = {}
        queries: dict[str, int] = {}
        for i in range(n + 3):
            for path, builder in (("model", model_path), ("lean", lean)):
                cases_api.case_page_out = builder  # type: ignore[assignment]
                try:
                    cpu, wall = time.process_time(), time.perf_counter()
                    with CaptureQueriesContext(connection) as captured:
                        response = client.get(url)
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                finally:
                    cases_api.case_page_out = lean
                assert response.status_code == 200, response.content[:300]
                if i < 3:  # warm-up
                    bodies[path] = body(response.content)
                    queries[path] = len(captured.captured_queries)
                    continue
                run = runs.setdefault(path, {"cpu": [], "wall": []})
                run["cpu"].append(1000 * cpu)
                run["wall"].append(1000 * wall)
        results[label] = {
            path: {
                "cpu_ms_median": round(statistics.median(r["cpu"]), 2),
                "cpu_ms_mean": round(statistics.fmean(r["cpu"]), 2),
                "wall_ms_median": round(statistics.median(r["wall"]), 2),
                "queries": queries[path],
            }
            for path, r in runs.items()
        }
        results[label]["rows"] = len(bodies["lean"]["items"])
        results[label]["same_body"] = bodies["lean"] == bodies["model"]
    profiles = []
    for label, client, url in pages:
        if " first page" not in label:
            continue
        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(n):
                client.get(url)
        out = benchdb.OUT / f"profile_queue_{label.split()[0]}.txt"
        out.write_text(profiler.output_text(unicode=True, show_all=False))
        profiles.append(str(out))
    return {"n": n, "pages": results, "profiles": profiles}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["prepare", "sweep", "profile", "queue"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--open-cases", type=int, default=1_000_000)
    parser.add_argument("--spread-hours", type=float, default=10)
    parser.add_argument(
        "--overdue-share", type=float, default=0.08, help="sweep: share past the deadline"
    )
    parser.add_argument(
        "--due-today-share", type=float, default=0.04, help="sweep: share due today"
    )
    parser.add_argument(
        "--escalation-budget",
        type=float,
        default=0,
        help="sweep: stop the first run after this many seconds of escalation (0: never)",
    )
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument(
        "--show-queries", action="store_true", help="profile: write one request's SQL"
    )
    args = parser.parse_args()
    meta = benchdb.read_meta(args.database_url)
    assert meta is not None, "no dataset at " + args.database_url
    benchdb.setup_django(args.database_url, meta["field_key"])
    if args.task == "prepare":
        result = prepare()
    elif args.task == "sweep":
        result = sweep(
            open_cases=args.open_cases,
            spread_hours=args.spread_hours,
            overdue_share=args.overdue_share,
            due_today_share=args.due_today_share,
            escalation_budget=args.escalation_budget,
        )
    elif args.task == "queue":
        result = profile_queue(n=args.n)
    else:
        result = profile_create(n=args.n, show_queries=args.show_queries)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
