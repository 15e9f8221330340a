"""The benchmark suite, one command: ``make bench`` (quick) / ``make bench-full``.

    .venv/bin/python bench/run.py --mode quick
    .venv/bin/python bench/run.py --mode full --engines pg

For each database engine: generate the dataset (or reuse the cached one of that size),
start the app with ``shequgang serve`` (gunicorn gthread, 2 workers x 4 threads,
WhiteNoise, CONN_MAX_AGE — what ``make run`` uses), drive it over HTTP from wrk on
127.0.0.1, stop it; time the sweep and the register import in their own processes;
set up and drive django-helpdesk the same way. Prints one table, writes
bench/out/results.json and rewrites the generated section of docs/benchmarks.md."""

from __future__ import annotations

import argparse
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
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

import benchdb
import helpdesk_peer
import load

ROOT = benchdb.ROOT
PY = str(ROOT / ".venv" / "bin" / "python")
SHEQUGANG = str(ROOT / ".venv" / "bin" / "shequgang")
PORT, PEER_PORT = 8100, 8200
DOCS = ROOT / "docs" / "benchmarks.md"


def markers(mode: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED {mode} (bench/run.py rewrites this section) -->",
        f"<!-- END GENERATED {mode} -->",
    )


MODES: dict[str, dict[str, Any]] = {
    "quick": {
        "size": "quick",
        "duration": 5,
        "import_rows": 10_000,
        "tickets": [100_000],
        "sweep_open": 1_000_000,
        # The full mode's backlog window: 120 h made the first (backlog) run the
        # slowest step of the quick mode (26 s SQLite, 48 s PostgreSQL, quiet host).
        "sweep_spread_hours": 10,
    },
    "full": {
        "size": "full",
        "duration": 20,
        "import_rows": 100_000,
        "tickets": [100_000, 1_000_000],
        "sweep_open": 1_000_000,
        "sweep_spread_hours": 10,
    },
}
CONNECTIONS = 64


def log(msg: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {msg}", flush=True)


def task(name: str, url: str, *extra: str) -> dict[str, Any]:
    out = subprocess.run(
        [PY, str(ROOT / "bench" / "tasks.py"), name, "--database-url", url, *extra],
        capture_output=True,
        text=True,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"task {name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return json.loads(line[7:])


def dataset(engine: str, size: str, pg_base: str) -> str:
    from generate import SIZES

    url = (
        benchdb.sqlite_url(size)
        if engine == "sqlite"
        else pg_base.rsplit("/", 1)[0] + f"/shequgang_bench_{size}"
    )
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
    return url


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


def measure(name: str, url: str, **kw: Any) -> dict[str, Any]:
    """Let the server drain what the last run left queued, warm up for a second, then
    measure."""
    base = url.split("/", 3)
    load.fetch(f"{base[0]}//{base[2]}/healthz")
    time.sleep(1)
    duration = kw.pop("duration")
    load.run(name + "_warmup", url, duration=1, **kw)
    load.fetch(f"{base[0]}//{base[2]}/healthz")
    return load.run(name, url, duration=duration, **kw).as_dict()


def shequgang(engine: str, url: str, mode: dict[str, Any]) -> dict[str, Any]:
    meta = benchdb.read_meta(url)
    assert meta is not None
    prep = task("prepare", url)
    results: dict[str, Any] = {"dataset": meta, "queues": {}}
    env = benchdb.server_env(url, meta["field_key"])
    base = f"http://127.0.0.1:{PORT}"
    cmd = [SHEQUGANG, "serve", "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--threads",
           "4", "--no-worker"]  # fmt: skip
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
            idempotency=True, duration=d,
        )  # fmt: skip
        # The queued door: same bodies, one INSERT and 202; the server runs without its
        # worker, so the intakes wait and the drain below times the worker on them.
        log("  case intake (queued)")
        results["case_intake"] = measure(
            "case_intake", f"{base}/api/v1/cases/intake", method="POST", headers=auth,
            bodies=bodies, idempotency=True, duration=d,
        )  # fmt: skip
        for label, q in prep["queues"].items():
            log(f"  work queue ({label}: {q['open_cases']} open cases)")
            h = {"Authorization": f"Bearer {q['token']}"}
            first = f"{base}/api/v1/cases?mine=holder&limit=50"
            # Latency targets: one connection (64 would measure the queue in front of it).
            r = measure(f"queue_first_{label}", first, headers=h, duration=d, connections=1,
                        threads=1)  # fmt: skip
            # A deep page with filters: walk the filtered queue to its middle page.
            filt = f"{base}/api/v1/cases?mine=holder&limit=50&category={q['filter_category']}"
            cursors, url_ = [], filt
            for _ in range(400):
                status, _hd, text = load.fetch(url_, headers=h)
                assert status == 200, text[:300]
                nxt = json.loads(text).get("next_cursor")
                if not nxt:
                    break
                cursors.append(nxt)
                url_ = f"{filt}&cursor={quote(nxt)}"
            deep_url = f"{filt}&cursor={quote(cursors[len(cursors) // 2])}" if cursors else filt
            deep = measure(f"queue_deep_{label}", deep_url, headers=h, duration=d,
                           connections=1, threads=1)  # fmt: skip
            deep["extra"]["page"] = len(cursors) // 2 + 1
            deep["extra"]["pages"] = len(cursors) + 1
            results["queues"][label] = {"first": r, "deep": deep, **q, "token": None}
        log("  command-centre figures")
        admin_token = prep["queues"]["city"]["token"]
        status, _hd, _t = load.fetch(
            f"{base}/api/v1/dashboard/figures",
            headers={"Authorization": f"Bearer {admin_token}"} if admin_token else {},
        )
        if status == 404:
            results["figures"] = {"skipped": "GET /api/v1/dashboard/figures answers 404 here "
                                  "(the dashboard app is not merged yet)"}  # fmt: skip
        else:
            results["figures"] = measure(
                "figures", f"{base}/api/v1/dashboard/figures",
                headers={"Authorization": f"Bearer {admin_token}"}, duration=d,
                connections=1, threads=1,
            )  # fmt: skip
    return results


def intake_drain(url: str) -> dict[str, Any]:
    """The worker raising the intakes the HTTP run left pending (in its own process)."""
    log("  intake drain (the worker raises the queued intakes)")
    out = subprocess.run(
        [PY, str(ROOT / "bench" / "intake.py"), "drain", "--database-url", url, "-n", "0"],
        capture_output=True,
        text=True,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        return {"error": (out.stdout + out.stderr)[-1000:]}
    return json.loads(line[7:])


def sweep(engine: str, url: str, mode: dict[str, Any]) -> dict[str, Any]:
    scratch = url.replace(".sqlite3", "_sweep.sqlite3") if engine == "sqlite" else url + "_sweep"
    log("  sweep (on a copy)")
    benchdb.copy_database(url, scratch)
    try:
        return task("sweep", scratch, "--open-cases", str(mode["sweep_open"]),
                    "--spread-hours", str(mode["sweep_spread_hours"]))  # fmt: skip
    finally:
        benchdb.drop_database(scratch)


def register_import(engine: str, pg_base: str, rows: int) -> dict[str, Any]:
    log(f"  register import ({rows:,} rows)")
    cmd = [PY, str(ROOT / "bench" / "import_residents.py"), "--rows", str(rows), "--no-export"]
    if engine == "postgresql":
        cmd += ["--database-url", pg_base.rsplit("/", 1)[0] + "/shequgang_bench_import"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        return {"error": out.stderr[-1000:]}
    return json.loads(line[7:])


def helpdesk(engine: str, pg_base: str, tickets: int, mode: dict[str, Any]) -> dict[str, Any]:
    url = (
        f"sqlite:///{benchdb.OUT / f'helpdesk_{tickets}.sqlite3'}"
        if engine == "sqlite"
        else pg_base.rsplit("/", 1)[0] + f"/helpdesk_bench_{tickets}"
    )
    log(f"  django-helpdesk with {tickets:,} tickets")
    meta = helpdesk_peer.setup(url, tickets)
    base = f"http://127.0.0.1:{PEER_PORT}"
    d = mode["duration"]
    proc = helpdesk_peer.serve(url, PEER_PORT, benchdb.OUT / f"helpdesk_{engine}.log")
    out: dict[str, Any] = {"tickets": tickets, "setup_seconds": meta.get("seconds")}
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
        status, hd, text = load.fetch(
            f"{base}/tickets/submit/", method="POST", headers=h, body=body
        )
        assert status in (200, 302), (status, text[:800])
        if tickets == mode["tickets"][0]:
            out["submit"] = measure("helpdesk_submit", f"{base}/tickets/submit/",
                                    method="POST", headers=h, bodies=[body],
                                    duration=d)  # fmt: skip
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
        out["list_page"] = measure(
            "helpdesk_list_page",
            f"{base}/tickets/",
            headers=sh,
            duration=d,
            connections=1,
            threads=1,
        )
        if data_path:
            q = "?draw=1&start=0&length=25&order%5B0%5D%5Bcolumn%5D=0&order%5B0%5D%5Bdir%5D=asc"
            status, _hd, text = load.fetch(f"{base}{data_path}{q}", headers=sh)
            out["list_data_status"] = status
            out["list_data"] = measure(
                "helpdesk_list_data",
                f"{base}{data_path}{q}",
                headers=sh,
                duration=d,
                connections=1,
                threads=1,
            )
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


# --- Report -------------------------------------------------------------------------------


def rows_for(engine: str, r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(measurement, engine, value, target, verdict/ratio)"""
    out: list[tuple[str, str, str, str, str]] = []
    s = r.get("shequgang", {})

    def rq(x: dict[str, Any] | None) -> str:
        if not x:
            return "–"
        return (f"{x.get('connections', 64)} conn: {x['rps']:,.0f} req/s · p50 {x['p50_ms']:.1f} ms · p99 {x['p99_ms']:.1f} ms"
                + (f" · {x['errors']} errors" if x.get("errors") else ""))  # fmt: skip

    bj, bi, cc = s.get("bare_json"), s.get("bare_insert"), s.get("case_create")
    out.append(("ceiling: bare JSON view", engine, rq(bj), "—", ""))
    out.append(("ceiling: bare one-INSERT view", engine, rq(bi), "—", ""))
    if cc and bi:
        ratio = cc["rps"] / bi["rps"]
        out.append(("case creation `POST /api/v1/cases`", engine, rq(cc), "≥ 50 % of bare INSERT",
                    f"{ratio:.0%} {'✓' if ratio >= 0.5 else '✗'}"))  # fmt: skip
        out.append(("case creation p99 at 64 connections", engine, f"{cc['p99_ms']:.1f} ms",
                    "≤ 100 ms", "✓" if cc["p99_ms"] <= 100 else "✗"))  # fmt: skip
    ci = s.get("case_intake")
    if ci and bi:
        ratio = ci["rps"] / bi["rps"]
        out.append(("case intake `POST /api/v1/cases/intake` (202, queued; the worker raises "
                    "the case)", engine, rq(ci), "≥ 50 % of bare INSERT",
                    f"{ratio:.0%} {'✓' if ratio >= 0.5 else '✗'}"))  # fmt: skip
        out.append(("case intake p99 at 64 connections", engine, f"{ci['p99_ms']:.1f} ms",
                    "≤ 100 ms", "✓" if ci["p99_ms"] <= 100 else "✗"))  # fmt: skip
    dr = r.get("intake_drain")
    if dr and dr.get("created"):
        out.append((f"worker raising queued intakes ({dr['created']:,} left by the run)",
                    engine, f"{dr['cases_per_s']:,.0f} cases/s · {dr['ms_per_case']:.1f} ms "
                    f"per case · batch {dr['batch']}", "—",
                    f"{dr['drain_seconds']:.1f} s to drain; {dr['rejected']} rejected, "
                    f"{dr['failed']} failed"))  # fmt: skip
    hd = r.get("helpdesk", [])
    submit = next((h["submit"] for h in hd if "submit" in h), None)
    if submit:
        out.append(("django-helpdesk public submission", engine, rq(submit), "—", ""))
        if cc:
            ratio = cc["rps"] / submit["rps"] if submit["rps"] else float("inf")
            out.append(("case creation / helpdesk submission", engine, f"{ratio:.1f}×",
                        "≥ 10×", "✓" if ratio >= 10 else "✗"))  # fmt: skip
    cases = s.get("dataset", {}).get("counts", {}).get("cases", 0)
    for label, q in s.get("queues", {}).items():
        f, d = q["first"], q["deep"]
        out.append((f"work queue first page ({label}, {q['open_cases']:,} open; {cases:,} cases)",
                    engine, rq(f), "p50 ≤ 30 ms",
                    "✓" if f["p50_ms"] <= 30 else "✗"))  # fmt: skip
        out.append((f"work queue deep page {d['extra'].get('page')}/{d['extra'].get('pages')} "
                    f"(category={q['filter_category']})", engine, rq(d), "p50 ≤ 50 ms",
                    "✓" if d["p50_ms"] <= 50 else "✗"))  # fmt: skip
    city = s.get("queues", {}).get("city", {}).get("first")
    for h in hd:
        for key, label in (("list_page", "page"), ("list_data", "data request")):
            if key in h:
                ratio = ""
                if key == "list_data" and city and city["p50_ms"]:
                    ratio = (f"city queue first page is {h[key]['p50_ms'] / city['p50_ms']:.1f}× "
                             "faster (p50)")  # fmt: skip
                out.append((f"django-helpdesk staff list {label}, {h['tickets']:,} tickets",
                            engine, rq(h[key]), "—", ratio))  # fmt: skip
    fig = s.get("figures")
    if fig:
        if "skipped" in fig:
            out.append(("command-centre figures", engine, "skipped", "≤ 50 ms", fig["skipped"]))
        else:
            out.append(("command-centre figures", engine, rq(fig), "p50 ≤ 50 ms",
                        "✓" if fig["p50_ms"] <= 50 else "✗"))  # fmt: skip
    sw = r.get("sweep")
    if sw and "steady_seconds" in sw:
        target = "≤ 2 s (PostgreSQL)" if engine == "postgresql" else "—"
        ok = "✓" if sw["steady_seconds"] <= 2 else "✗"
        out.append((f"sweep, {sw['open_cases']:,} open cases: steady run", engine,
                    f"{sw['steady_seconds']:.2f} s", target,
                    ok if engine == "postgresql" else ""))  # fmt: skip
        rep = sw["cold_report"]
        out.append((f"sweep, {sw['open_cases']:,} open cases: first run (backlog of "
                    f"clocks restarted over {sw.get('spread_hours')} h)", engine,
                    f"{sw['cold_seconds']:.1f} s", "—",
                    f"{rep['ack_overdue']:,} ack-overdue, {rep['yellow']:,} yellow, "
                    f"{rep['escalated']:,} escalated, {rep['red_at_top']:,} red at top"))  # fmt: skip
    imp = r.get("import")
    if imp and "steps" in imp:
        wall = imp["steps"].get("import (validate + write)")
        out.append((f"register import, {imp['rows']:,} rows (validate + write)", engine,
                    f"{wall:.1f} s", "< 30 s for 100,000 (SQLite)", ""))  # fmt: skip
    return out


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    pg = "?"
    try:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as c:
            pg = str(c.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    except Exception:
        pass
    wrk = "none (Python load tool)"
    with contextlib.suppress(OSError):
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "load": wrk.strip(),
        "load_average_before": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def render(results: dict[str, Any]) -> str:
    rows = [row for engine, r in results["engines"].items() for row in rows_for(engine, r)]
    begin, end = markers(results["mode"])
    lines = [
        begin,
        "",
        f"### Results ({results['mode']} mode, {results['finished_at']})",
        "",
        f"Command: `{results['command']}`. Machine: {results['machine']['cpu']}, "
        f"{results['machine']['memory']}; Python {results['machine']['python']}, "
        f"SQLite {results['machine']['sqlite']}, PostgreSQL {results['machine']['postgresql']}; "
        f"load from `{results['machine']['load']}` with {CONNECTIONS} connections, 2 threads, "
        f"{results['duration']} s per measurement; load average before the run "
        f"{results['machine']['load_average_before']}. Servers: `shequgang serve --workers 2 "
        "--threads 4 --no-worker` and django-helpdesk under gunicorn with the same settings.",
        "",
        "| measurement | database | value | target | ratio / verdict |",
        "|---|---|---|---|---|",
        *[f"| {m} | {e} | {v} | {t} | {x} |" for m, e, v, t, x in rows],
        "",
    ]
    for engine, r in results["engines"].items():
        ds = r.get("shequgang", {}).get("dataset")
        if ds:
            c = ds["counts"]
            stages = ", ".join(f"{s['stage']} {s['seconds']} s" for s in ds["stages"])
            lines.append(
                f"Dataset on {engine}: {c['places'].get('compound', 0):,} compounds, "
                f"{c['places'].get('household', 0):,} households, {c['residents']:,} residents, "
                f"{c['cases']:,} cases, {c['events']:,} case events; generated in "
                f"{ds['seconds']} s ({stages})."
            )
            lines.append("")
    lines.append(end)
    return "\n".join(lines)


def write_docs(section: str, mode: str) -> None:
    begin, end = markers(mode)
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOCS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description="Shequgang benchmarks")
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=benchdb.PG_DEFAULT)
    parser.add_argument("--duration", type=int, help="seconds per load measurement")
    parser.add_argument("--skip", default="", help="comma list: helpdesk,sweep,import")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument(
        "--render", action="store_true", help="only rewrite the docs from results_<mode>.json"
    )
    args = parser.parse_args()
    if args.render:
        saved = json.loads((benchdb.OUT / f"results_{args.mode}.json").read_text())
        write_docs(render(saved), args.mode)
        return
    mode = dict(MODES[args.mode])
    if args.duration:
        mode["duration"] = args.duration
    skip = set(filter(None, args.skip.split(",")))
    benchdb.OUT.mkdir(parents=True, exist_ok=True)
    load.have_wrk()  # installs Debian's wrk if missing, before the machine is described
    results: dict[str, Any] = {
        "mode": args.mode,
        "command": " ".join(["python", "bench/run.py", *sys.argv[1:]]),
        "machine": machine(),
        "duration": mode["duration"],
        "engines": {},
    }
    started = time.perf_counter()
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        engine = "postgresql" if engine in ("pg", "postgres") else engine
        log(f"== {engine}")
        r: dict[str, Any] = {}
        results["engines"][engine] = r
        url = dataset(engine, mode["size"], args.pg_url)
        save = lambda: (benchdb.OUT / "results.json").write_text(  # noqa: E731
            json.dumps(results, indent=2, ensure_ascii=False)
        )
        r["shequgang"] = shequgang(engine, url, mode)
        save()
        if r["shequgang"].get("case_intake"):
            r["intake_drain"] = intake_drain(url)
            save()
        if "sweep" not in skip:
            r["sweep"] = sweep(engine, url, mode)
            save()
        if "import" not in skip:
            r["import"] = register_import(engine, args.pg_url, mode["import_rows"])
            save()
        if "helpdesk" not in skip:
            r["helpdesk"] = [helpdesk(engine, args.pg_url, n, mode) for n in mode["tickets"]]
            save()
    results["finished_at"] = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    results["seconds"] = round(time.perf_counter() - started, 1)
    (benchdb.OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (benchdb.OUT / f"results_{args.mode}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False)
    )
    rows = [row for engine, r in results["engines"].items() for row in rows_for(engine, r)]
    width = max(len(m) for m, *_ in rows)
    print()
    for m, e, v, t, x in rows:
        print(f"{m:<{width}}  {e:<10}  {v:<60}  {t:<24}  {x}")
    print(f"\ntotal {results['seconds']} s; results in bench/out/results.json")
    if not args.no_docs:
        write_docs(render(results), args.mode)
        print("docs/benchmarks.md: generated section rewritten")


if __name__ == "__main__":
    main()
