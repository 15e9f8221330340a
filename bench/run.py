"""The benchmark suite, one command: ``make bench`` (quick) / ``make bench-full``.

    .venv/bin/python bench/run.py --mode quick
    .venv/bin/python bench/run.py --mode full --engines postgresql --steps sweep
    .venv/bin/python bench/run.py --mode quick --render      # docs from bench/results/ only

For each database engine: generate the dataset (or reuse the cached one of that size),
start the app with ``shequgang serve`` (gunicorn gthread, 2 workers x 4 threads,
WhiteNoise, CONN_MAX_AGE — what ``make run`` uses), drive it over HTTP from wrk on
127.0.0.1, stop it; time the sweep and the register import in their own processes;
set up and drive django-helpdesk the same way.

Every run writes one raw file per engine, ``bench/results/<UTC date-time>_<mode>_<engine>.json``
(commit, command, machine, load average before and after, every measurement with its
command, parameters and raw counts), meant to be committed. The generated sections of
docs/benchmarks.md are rebuilt from those files alone (``--render``; a run renders at its
end too): for each engine and step, the newest file of the mode that holds that step, and
the section names every file it used."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchdb
import helpdesk_peer
import load

ROOT = benchdb.ROOT
PY = str(ROOT / ".venv" / "bin" / "python")
SHEQUGANG = str(ROOT / ".venv" / "bin" / "shequgang")
# BENCH_PORT moves the servers (the peer's 100 above) so two checkouts can measure at once.
PORT = int(os.environ.get("BENCH_PORT", "8100"))
PEER_PORT = PORT + 100
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"
STEPS = ("serve", "sweep", "import", "helpdesk")
# A deep page is the middle page of a queue of at least this many pages.
MIN_DEEP_PAGES = 10
SERVER_FLAGS = ["--workers", "2", "--threads", "4", "--no-worker"]


def markers(mode: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED {mode} (bench/run.py rewrites this section) -->",
        f"<!-- END GENERATED {mode} -->",
    )


MODES: dict[str, dict[str, Any]] = {
    # A smoke test of the harness (3,000 cases; its results are not for the docs).
    "tiny": {
        "size": "tiny",
        "duration": 2,
        "import_rows": 1_000,
        "tickets": [2_000],
        "sweep_open": 3_000,
        "sweep_spread_hours": 10,
        "sweep_overdue_share": 0.08,
        "sweep_due_today_share": 0.04,
    },
    "quick": {
        "size": "quick",
        "duration": 5,
        "import_rows": 10_000,
        "tickets": [100_000],
        # The newest 20,000 of the 100,000 cases (the full mode works 1,000,000).
        "sweep_open": 20_000,
        "sweep_spread_hours": 10,
        "sweep_overdue_share": 0.08,
        "sweep_due_today_share": 0.04,
    },
    "full": {
        "size": "full",
        "duration": 20,
        "import_rows": 100_000,
        "tickets": [100_000, 1_000_000],
        "sweep_open": 1_000_000,
        "sweep_spread_hours": 10,
        "sweep_overdue_share": 0.08,
        "sweep_due_today_share": 0.04,
        # 0: let the first run clear the whole backlog, however long it takes.
        "sweep_escalation_budget": 0,
    },
}
CONNECTIONS = 64


def log(msg: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {msg}", flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def task(name: str, url: str, *extra: str) -> dict[str, Any]:
    cmd = [PY, str(ROOT / "bench" / "tasks.py"), name, "--database-url", url, *extra]
    out = subprocess.run(cmd, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"task {name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(line[7:])
    return result


def pg_database(pg_base: str, suffix: str) -> str:
    """A database beside ``pg_base`` named after it: ``…/shequgang_bench`` gives
    ``…/shequgang_bench_<suffix>``."""
    parts = urlsplit(pg_base)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def shown_url(url: str) -> str:
    """A database URL as the results show it (no password; SQLite relative to the repo)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        with contextlib.suppress(ValueError):
            return f"sqlite:///{path.relative_to(ROOT)}"
        return url
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    return urlunsplit(parts._replace(netloc=host))


def dataset(engine: str, size: str, pg_base: str) -> str:
    from generate import SIZES

    url = benchdb.sqlite_url(size) if engine == "sqlite" else pg_database(pg_base, size)
    meta = benchdb.read_meta(url)
    want = SIZES[size].__dict__
    if meta is None or meta.get("size") != want:
        log(f"generating the {size} dataset on {engine} …")
        subprocess.run(
            [PY, str(ROOT / "bench" / "generate.py"), "--size", size, "--database-url", url],
            check=True,
        )
    else:
        log(f"reusing the {size} dataset on {engine} (generated {meta['generated_at']})")
        # Generated by an earlier commit, perhaps: bring its schema (and the tallies
        # migrations count) up to this one's before a server reads it.
        subprocess.run(
            [PY, "-m", "shequgang.cli", "migrate", "--noinput", "-v", "0"],
            env=benchdb.server_env(url, meta["field_key"]),
            check=True,
        )
    return url


def count_rows(url: str, table: str) -> int:
    """``SELECT count(*)`` in its own connection (to verify what a load wrote)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        try:
            return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        finally:
            con.close()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as con:
        row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        assert row is not None
        return int(row[0])


def settled_count(url: str, table: str) -> int:
    """The row count once it has stopped moving (the same twice, a second apart)."""
    last = count_rows(url, table)
    for _ in range(30):
        time.sleep(1)
        now = count_rows(url, table)
        if now == last:
            return now
        last = now
    return last


class Server:
    def __init__(self, cmd: list[str], env: dict[str, str] | None, port: int, logname: str):
        self.log = benchdb.OUT / logname
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.port = port

    def __enter__(self) -> Server:
        load.wait_up(f"http://127.0.0.1:{self.port}/healthz", timeout=90)
        return self

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def measure(
    name: str, url: str, *, verify: tuple[str, str] | None = None, **kw: Any
) -> dict[str, Any]:
    """Let the server drain what the last run left queued, warm up for a second, then
    measure. With ``verify`` = (database URL, table), the table's rows are counted
    before and after the measured run (``rows_written``: the answers' claim checked)."""
    base = url.split("/", 3)
    health = f"{base[0]}//{base[2]}/healthz"
    load.fetch(health)
    time.sleep(1)
    duration = kw.pop("duration")
    load.run(name + "_warmup", url, duration=1, **kw)
    load.fetch(health)
    if verify:
        before = settled_count(*verify)  # the warm-up's last requests written
    result = load.run(name, url, duration=duration, **kw).as_dict()
    if verify:
        load.fetch(health)
        after = settled_count(*verify)  # requests wrk left in flight finish first
        result["verified"] = {"table": verify[1], "before": before, "after": after,
                              "rows_written": after - before}  # fmt: skip
    return result


def walk_pages(first_url: str, headers: dict[str, str]) -> list[str]:
    """The cursors of a queue's pages after the first, walked with ``next_cursor``."""
    cursors: list[str] = []
    url = first_url
    for _ in range(400):
        status, _hd, text = load.fetch(url, headers=headers)
        assert status == 200, text[:300]
        nxt = json.loads(text).get("next_cursor")
        if not nxt:
            break
        cursors.append(nxt)
        url = f"{first_url}&cursor={quote(nxt)}"
    return cursors


def shequgang(engine: str, url: str, mode: dict[str, Any]) -> dict[str, Any]:
    meta = benchdb.read_meta(url)
    assert meta is not None
    prep = task("prepare", url)
    results: dict[str, Any] = {"queues": {}}
    env = benchdb.server_env(url, meta["field_key"])
    base = f"http://127.0.0.1:{PORT}"
    cmd = [SHEQUGANG, "serve", "--bind", f"127.0.0.1:{PORT}", *SERVER_FLAGS]
    results["server"] = "shequgang serve " + " ".join(cmd[2:])
    d = mode["duration"]
    with Server(cmd, env, PORT, f"server_{engine}.log"):
        log("  bare JSON")
        results["bare_json"] = measure("bare_json", f"{base}/bench/json", duration=d)
        log("  bare INSERT")
        results["bare_insert"] = measure(
            "bare_insert", f"{base}/bench/insert", method="POST", bodies=["note=ping"],
            duration=d,
        )  # fmt: skip
        log("  case creation")
        bodies = [
            urlencode({"category": prep["categories"][i % len(prep["categories"])],
                       "place": h, "title": "楼道灯不亮", "description": "三楼楼道灯坏了一周"})
            for i, h in enumerate(prep["households"])
        ]  # fmt: skip
        auth = {"Authorization": f"Bearer {prep['raiser_token']}"}
        results["case_create"] = measure(
            "case_create", f"{base}/api/v1/cases", method="POST", headers=auth, bodies=bodies,
            idempotency=True, duration=d, verify=(url, "cases_case"),
        )  # fmt: skip
        # The queued door: same bodies, one INSERT and 202; the server runs without its
        # worker, so the intakes wait and the drain below times the worker on them.
        log("  case intake (queued)")
        results["case_intake"] = measure(
            "case_intake", f"{base}/api/v1/cases/intake", method="POST", headers=auth,
            bodies=bodies, idempotency=True, duration=d, verify=(url, "cases_caseintake"),
        )  # fmt: skip
        for label, q in prep["queues"].items():
            log(f"  work queue ({label}: {q['open_cases']} open cases)")
            h = {"Authorization": f"Bearer {q['token']}"}
            first = f"{base}/api/v1/cases?mine=holder&limit=50"
            # Latency targets: one connection (64 would measure the queue in front of it).
            entry: dict[str, Any] = {k: v for k, v in q.items() if k != "token"}
            entry["first"] = measure(f"queue_first_{label}", first, headers=h, duration=d,
                                     connections=1, threads=1)  # fmt: skip
            # A deep page: the middle page of the filtered queue, or of the whole queue
            # when the filter leaves fewer than MIN_DEEP_PAGES pages; none if that too is short.
            filt = f"{first}&category={q['filter_category']}"
            cursors = walk_pages(filt, h)
            deep_base, deep_filter = filt, f"category={q['filter_category']}"
            if len(cursors) + 1 < MIN_DEEP_PAGES:
                cursors, deep_base, deep_filter = walk_pages(first, h), first, "none"
            pages = len(cursors) + 1
            if pages < MIN_DEEP_PAGES:
                entry["deep"] = {"skipped": f"the queue has {pages} page(s) of 50 "
                                 f"(< {MIN_DEEP_PAGES}): no deep page"}  # fmt: skip
            else:
                deep_url = f"{deep_base}&cursor={quote(cursors[pages // 2 - 1])}"
                deep = measure(f"queue_deep_{label}", deep_url, headers=h, duration=d,
                               connections=1, threads=1)  # fmt: skip
                deep["extra"].update(page=pages // 2 + 1, pages=pages, filter=deep_filter)
                entry["deep"] = deep
            results["queues"][label] = entry
        log("  command-centre figures")
        admin_token = prep["queues"]["city"]["token"]
        ah = {"Authorization": f"Bearer {admin_token}"}
        status, _hd, _t = load.fetch(f"{base}/api/v1/dashboard/figures", headers=ah)
        if status == 404:
            results["figures"] = {"skipped": "GET /api/v1/dashboard/figures answers 404 here"}
        else:
            results["figures"] = measure(
                "figures", f"{base}/api/v1/dashboard/figures", headers=ah, duration=d,
                connections=1, threads=1,
            )  # fmt: skip
    return results


def intake_drain(url: str) -> dict[str, Any]:
    """The worker raising the intakes the HTTP run left pending (in its own process)."""
    log("  intake drain (the worker raises the queued intakes)")
    cmd = [PY, str(ROOT / "bench" / "intake.py"), "drain", "--database-url", url, "-n", "0"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    command = "python bench/intake.py drain --database-url <dataset> -n 0"
    if line is None:
        return {"error": (out.stdout + out.stderr)[-1000:], "command": command}
    return {**json.loads(line[7:]), "command": command}


def sweep(engine: str, url: str, mode: dict[str, Any]) -> dict[str, Any]:
    scratch = url.replace(".sqlite3", "_sweep.sqlite3") if engine == "sqlite" else url + "_sweep"
    log(f"  sweep (on a copy; {mode['sweep_open']:,} cases reset)")
    t = time.perf_counter()
    benchdb.copy_database(url, scratch)
    copied = round(time.perf_counter() - t, 1)
    args = ["--open-cases", str(mode["sweep_open"]),
            "--spread-hours", str(mode["sweep_spread_hours"]),
            "--overdue-share", str(mode["sweep_overdue_share"]),
            "--due-today-share", str(mode["sweep_due_today_share"])]  # fmt: skip
    if mode.get("sweep_escalation_budget"):
        args += ["--escalation-budget", str(mode["sweep_escalation_budget"])]
    try:
        result = task("sweep", scratch, *args)
    finally:
        benchdb.drop_database(scratch)
    command = "python bench/tasks.py sweep --database-url <copy of the dataset> " + " ".join(args)
    return {**result, "command": command, "copy_seconds": copied}


def register_import(engine: str, pg_base: str, rows: int) -> dict[str, Any]:
    log(f"  register import ({rows:,} rows)")
    args = ["--rows", str(rows), "--no-export"]
    if engine == "postgresql":
        args += ["--database-url", pg_database(pg_base, "import")]
    cmd = [PY, str(ROOT / "bench" / "import_residents.py"), *args]
    out = subprocess.run(cmd, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    command = "python bench/import_residents.py " + " ".join(
        shown_url(a) if "://" in a else a for a in args
    )
    if line is None:
        return {"error": out.stderr[-1000:], "command": command}
    return {**json.loads(line[7:]), "command": command}


def helpdesk(engine: str, pg_base: str, tickets: int, mode: dict[str, Any]) -> dict[str, Any]:
    url = (
        f"sqlite:///{benchdb.OUT / f'helpdesk_{tickets}.sqlite3'}"
        if engine == "sqlite"
        else pg_database(pg_base, f"helpdesk_{tickets}")
    )
    log(f"  django-helpdesk with {tickets:,} tickets")
    meta = helpdesk_peer.setup(url, tickets)
    base = f"http://127.0.0.1:{PEER_PORT}"
    d = mode["duration"]
    proc = helpdesk_peer.serve(url, PEER_PORT, benchdb.OUT / f"helpdesk_{engine}.log")
    out: dict[str, Any] = {
        "tickets": tickets,
        "setup_seconds": meta.get("seconds"),
        "versions": meta["versions"],
        "server": "gunicorn hdbench.wsgi:application --workers 2 --threads 4 "
        "--worker-class gthread --access-logfile - --preload",
    }
    try:
        load.wait_up(f"{base}/login/", timeout=90)
        # The public form: a CSRF cookie and token from one GET, reused by every POST.
        status, hd, text = load.fetch(f"{base}/tickets/submit/")
        cookie = _cookie(hd, "csrftoken")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        assert status == 200 and cookie and token, (status, text[:500])
        body = urlencode({"csrfmiddlewaretoken": token.group(1), "queue": meta["queue"],
                          "title": "Stairwell light out", "priority": 3,
                          "body": "The light on the third floor has been out for a week.",
                          "submitter_email": "resident@example.com"})  # fmt: skip
        h = {"Cookie": f"csrftoken={cookie}", "Referer": f"{base}/tickets/submit/"}
        before = count_rows(url, "helpdesk_ticket")
        status, hd, text = load.fetch(
            f"{base}/tickets/submit/", method="POST", headers=h, body=body
        )
        out["submit_probe"] = {"status": status, "location": hd.get("location"),
                               "tickets_written": count_rows(url, "helpdesk_ticket") - before}  # fmt: skip
        assert out["submit_probe"]["tickets_written"] == 1, (status, text[:800])
        if tickets == mode["tickets"][0]:
            out["submit"] = measure("helpdesk_submit", f"{base}/tickets/submit/",
                                    method="POST", headers=h, bodies=[body], duration=d,
                                    verify=(url, "helpdesk_ticket"))  # fmt: skip
        # The staff list: log in, open /tickets/, then its data request.
        status, hd, text = load.fetch(f"{base}/login/")
        cookie = _cookie(hd, "csrftoken")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        assert cookie and token
        status, hd, text = load.fetch(
            f"{base}/login/", method="POST",
            headers={"Cookie": f"csrftoken={cookie}", "Referer": f"{base}/login/"},
            body=urlencode({"csrfmiddlewaretoken": token.group(1), "username": "staff",
                            "password": "staff-password", "next": "/tickets/"}),
        )  # fmt: skip
        session = _cookie(hd, "sessionid")
        assert status == 302 and session, (status, text[:300])
        sh = {"Cookie": f"sessionid={session}; csrftoken={cookie}"}
        status, hd, text = load.fetch(f"{base}/tickets/", headers=sh)
        assert status == 200, status
        m = re.search(r"datatables_ticket_list/([A-Za-z0-9+/=_-]+)", text)
        data_path = f"/datatables_ticket_list/{m.group(1)}" if m else None
        out["list_page"] = measure("helpdesk_list_page", f"{base}/tickets/", headers=sh,
                                   duration=d, connections=1, threads=1)  # fmt: skip
        if data_path:
            q = "?draw=1&start=0&length=25&order%5B0%5D%5Bcolumn%5D=0&order%5B0%5D%5Bdir%5D=asc"
            status, _hd, text = load.fetch(f"{base}{data_path}{q}", headers=sh)
            out["list_data_status"] = status
            with contextlib.suppress(ValueError, KeyError):
                data = json.loads(text)
                out["list_data_answer"] = {"recordsTotal": data.get("recordsTotal"),
                                           "recordsFiltered": data.get("recordsFiltered"),
                                           "rows": len(data.get("data", []))}  # fmt: skip
            out["list_data"] = measure("helpdesk_list_data", f"{base}{data_path}{q}",
                                       headers=sh, duration=d, connections=1,
                                       threads=1)  # fmt: skip
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def _cookie(headers: dict[str, str], name: str) -> str | None:
    m = re.search(rf"{name}=([^;]+)", headers.get("set-cookie", ""))
    return m.group(1) if m else None


# --- The run's record ----------------------------------------------------------------------


def git_commit() -> dict[str, Any]:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout

    changed = [
        line[3:] for line in git("status", "--porcelain").splitlines()
        if not line[3:].startswith(("bench/results/", "docs/benchmarks.md"))
    ]  # fmt: skip
    return {"commit": git("rev-parse", "--short=10", "HEAD").strip(), "uncommitted": changed}


def machine() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import sqlite3

    pg = "?"
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as c:
            pg = str(c.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    wrk = "none (Python load tool)"
    with contextlib.suppress(OSError):
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "load_tool": wrk.strip(),
    }


def public_dataset(meta: dict[str, Any], url: str) -> dict[str, Any]:
    """The dataset's meta data without its personal-data key."""
    return {**{k: v for k, v in meta.items() if k != "field_key"}, "url": shown_url(url)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Shequgang benchmarks")
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=benchdb.PG_DEFAULT,
                        help="names the server and the prefix of the bench databases")  # fmt: skip
    parser.add_argument("--duration", type=int, help="seconds per load measurement")
    parser.add_argument(
        "--sweep-open", type=int, help="cases the sweep sets open (default: the mode's)"
    )
    parser.add_argument(
        "--sweep-escalation-budget",
        type=float,
        help="stop the sweep's first run after this many seconds of escalation",
    )
    parser.add_argument(
        "--steps", default=",".join(STEPS), help="comma list of " + ", ".join(STEPS)
    )
    parser.add_argument("--skip", default="", help="comma list of steps to leave out")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--render", action="store_true",
                        help="only rebuild the mode's docs section from bench/results/")  # fmt: skip
    args = parser.parse_args()
    import render

    if args.render:
        render.write_docs(args.mode)
        return
    mode = dict(MODES[args.mode])
    if args.duration:
        mode["duration"] = args.duration
    if args.sweep_open:
        mode["sweep_open"] = args.sweep_open
    if args.sweep_escalation_budget is not None:
        mode["sweep_escalation_budget"] = args.sweep_escalation_budget
    steps = [s for s in args.steps.split(",") if s and s not in args.skip.split(",")]
    unknown = set(steps) - set(STEPS)
    assert not unknown, f"unknown steps {unknown}"
    benchdb.OUT.mkdir(parents=True, exist_ok=True)
    # The smoke test's files stay in the git-ignored bench/out/ and render nothing.
    results_dir = benchdb.OUT / "results" if args.mode == "tiny" else RESULTS
    results_dir.mkdir(parents=True, exist_ok=True)
    load.have_wrk()  # installs Debian's wrk if missing, before the machine is described
    run_id = f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H%MZ}"
    common = {
        "run": run_id,
        "mode": args.mode,
        "command": " ".join(["python", "bench/run.py", *sys.argv[1:]]),
        **git_commit(),
        "machine": machine(),
        "duration": mode["duration"],
        "connections": CONNECTIONS,
        "parameters": mode,
        "steps": steps,
    }
    files = []
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        engine = "postgresql" if engine in ("pg", "postgres") else engine
        log(f"== {engine}")
        path = results_dir / f"{run_id}_{args.mode}_{engine}.json"
        r: dict[str, Any] = {**common, "engine": engine, "started_at": _now(),
                             "load_average_before": loadavg()}  # fmt: skip
        started = time.perf_counter()

        def save(r: dict[str, Any] = r, path: Path = path) -> None:
            path.write_text(json.dumps(r, indent=1, ensure_ascii=False) + "\n")

        url = dataset(engine, mode["size"], args.pg_url)
        meta = benchdb.read_meta(url)
        assert meta is not None
        r["dataset"] = public_dataset(meta, url)
        if "serve" in steps:
            r["shequgang"] = shequgang(engine, url, mode)
            save()
            r["intake_drain"] = intake_drain(url)
            save()
        if "sweep" in steps:
            r["sweep"] = sweep(engine, url, mode)
            save()
        if "import" in steps:
            r["import"] = register_import(engine, args.pg_url, mode["import_rows"])
            save()
        if "helpdesk" in steps:
            r["helpdesk"] = [helpdesk(engine, args.pg_url, n, mode) for n in mode["tickets"]]
            save()
        r["finished_at"] = _now()
        r["seconds"] = round(time.perf_counter() - started, 1)
        r["load_average_after"] = loadavg()
        save()
        files.append(path)
        log(f"results: {path.relative_to(ROOT)}")
    for path in files:
        data = json.loads(path.read_text())
        for row in render.rows_for(data["engine"], render.pick([data], data["engine"])):
            print(" | ".join(row))
    if not args.no_docs and args.mode != "tiny":
        render.write_docs(args.mode, tuple(files))
        print("docs/benchmarks.md: generated section rebuilt from bench/results/")


def _now() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


if __name__ == "__main__":
    main()
