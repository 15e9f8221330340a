"""The generated sections of docs/benchmarks.md, rebuilt from the raw results in
bench/results/ alone (``python bench/run.py --mode MODE --render``).

For each engine and step (the server loads, the intake drain, the sweep, the register
import, the peer) the newest committed file of the mode that holds the step is used; a
table that takes steps from several runs says so, and every row names its run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
STEP_KEYS = ("shequgang", "intake_drain", "sweep", "import", "helpdesk")

# The synchronous door's targets (issue #14 §2): on both engines, in the same run.
SYNC_VS_PEER = 3.0
SYNC_VS_BARE_INSERT = 0.35
SYNC_P99_MS = 300.0

Row = tuple[str, str, str, str, str, str]  # measurement, engine, value, target, verdict, run
Picked = dict[str, tuple[dict[str, Any], Any]]  # step -> (the run's file, the step's results)


def markers(mode: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED {mode} (bench/run.py rewrites this section) -->",
        f"<!-- END GENERATED {mode} -->",
    )


def committed_files(mode: str, extra: tuple[Path, ...] = ()) -> list[Path]:
    """The mode's raw files that git tracks, and ``extra`` (the files of the run that
    just ended, to be committed with the section it renders)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--", "bench/results"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    files = {ROOT / f for f in out} | set(extra)
    return sorted(
        f for f in files if f.name.endswith((f"_{mode}_sqlite.json", f"_{mode}_postgresql.json"))
    )


def load_runs(mode: str, extra: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
    runs = []
    for path in committed_files(mode, extra):
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        data["_file"] = str(path.relative_to(ROOT))
        runs.append(data)
    return sorted(runs, key=lambda r: r["run"])


def pick(runs: list[dict[str, Any]], engine: str) -> Picked:
    picked: Picked = {}
    for run in runs:  # oldest first: newer runs replace older ones
        if run["engine"] != engine:
            continue
        for key in STEP_KEYS:
            value = run.get(key)
            if value and not (isinstance(value, dict) and "error" in value):
                picked[key] = (run, value)
    return picked


def _ms(x: float) -> str:
    return f"{x:,.1f} ms"


def rq(x: dict[str, Any] | None, ok: str = "2xx") -> str:
    """A load measurement: successes (answers of class ``ok``) per second, latencies over
    every answer, the other answers, and the rows the load wrote when they were counted."""
    if not x:
        return "–"
    s = x["statuses"]
    text = (
        f"{x['connections']} conn, {x['seconds']:.0f} s: **{s[ok] / x['seconds']:,.0f} {ok}/s** "
        f"({s[ok]:,} {ok}) · p50 {_ms(x['p50_ms'])} · p99 {_ms(x['p99_ms'])}"
    )
    non = {k: v for k, v in s.items() if k != ok and v}
    if non:
        text += " · not 2xx: " + ", ".join(f"{v:,} {k}" for k, v in non.items())
    if x.get("socket_errors"):
        text += f" · {x['socket_errors']:,} socket errors"
    v = x.get("verified")
    if v:
        text += f" · {v['rows_written']:,} rows written to `{v['table']}`"
    return text


def _verified_rate(x: dict[str, Any], ok: int) -> float:
    """Successes per second, a success counted only if the database holds its row too."""
    v = x.get("verified")
    n = min(ok, v["rows_written"]) if v else ok
    return n / x["seconds"] if x["seconds"] else 0.0


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _run(run: dict[str, Any]) -> str:
    return f"`{run['run']}`"


def rows_for(engine: str, p: Picked) -> list[Row]:
    out: list[Row] = []
    srun, s = p.get("shequgang", ({}, {}))
    r = _run(srun) if srun else ""
    bj, bi, cc, ci = (s.get(k) for k in ("bare_json", "bare_insert", "case_create", "case_intake"))
    if bj:
        out.append(("ceiling: bare JSON view `GET /bench/json`", engine, rq(bj), "—", "", r))
    if bi:
        out.append(("ceiling: bare one-INSERT view `POST /bench/insert`", engine, rq(bi), "—",
                    "", r))  # fmt: skip
    if cc:
        out.append(("**synchronous door** `POST /api/v1/cases` (201)", engine, rq(cc), "—", "", r))
    hd_list = p.get("helpdesk", ({}, []))
    hrun, hds = hd_list
    submit = next((h for h in hds if "submit" in h), None)
    if submit:
        x = submit["submit"]
        probe = submit.get("submit_probe", {})
        klass = f"{probe.get('status', 200) // 100}xx"
        ok = x["statuses"].get(klass, 0)
        versions = ", ".join(f"{k} {v}" for k, v in submit.get("versions", {}).items())
        out.append((f"django-helpdesk public submission `POST /tickets/submit/` ({versions}; "
                    f"a successful submission answers {probe.get('status')})", engine,
                    rq(x, klass), "—", "", _run(hrun)))  # fmt: skip
    if cc and bi:
        ratio = cc["rps"] / bi["rps"] if bi["rps"] else 0.0
        out.append(("sync door ÷ bare one-INSERT view (2xx/s)", engine,
                    f"{cc['rps']:,.0f} ÷ {bi['rps']:,.0f} = {ratio:.0%}",
                    f"≥ {SYNC_VS_BARE_INSERT:.0%}", _mark(ratio >= SYNC_VS_BARE_INSERT), r))  # fmt: skip
    if cc and submit:
        x = submit["submit"]
        probe = submit.get("submit_probe", {})
        ok = x["statuses"].get(f"{probe.get('status', 200) // 100}xx", 0)
        ours = _verified_rate(cc, cc["statuses"]["2xx"])
        theirs = _verified_rate(x, ok)
        value = (f"{ours:,.0f} cases/s ÷ {theirs:,.0f} tickets/s = {ours / theirs:.2f}×"
                 if theirs else "helpdesk wrote no ticket")  # fmt: skip
        if hrun.get("run") == srun.get("run"):
            verdict = _mark(bool(theirs) and ours / theirs >= SYNC_VS_PEER)
        else:
            verdict = f"no verdict: helpdesk from run {_run(hrun)}"
        out.append(("sync door ÷ helpdesk submission (successes confirmed by row counts)",
                    engine, value, f"≥ {SYNC_VS_PEER:g}×", verdict, r))  # fmt: skip
    if cc:
        out.append(("sync door p99 at 64 connections", engine, _ms(cc["p99_ms"]),
                    f"≤ {SYNC_P99_MS:.0f} ms", _mark(cc["p99_ms"] <= SYNC_P99_MS), r))  # fmt: skip
    if ci:
        ratio = f"{ci['rps'] / bi['rps']:.0%} of the bare INSERT's 2xx/s" if bi else ""
        out.append(("queued door `POST /api/v1/cases/intake` (202; the worker raises the case "
                    "later)", engine, rq(ci),
                    "— (queued: not the synchronous door, no target here)", ratio, r))  # fmt: skip
    drun, dr = p.get("intake_drain", ({}, {}))
    if dr and dr.get("created"):
        out.append((f"worker raising the queued intakes (`{dr['command']}`)", engine,
                    f"{dr['created']:,} cases in {dr['drain_seconds']:.1f} s: "
                    f"{dr['cases_per_s']:,.0f} cases/s, batch {dr['batch']}", "—",
                    f"{dr['rejected']} rejected, {dr['failed']} failed", _run(drun)))  # fmt: skip
    cases = srun.get("dataset", {}).get("counts", {}).get("cases", 0) if srun else 0
    for label, q in s.get("queues", {}).items():
        f, d = q["first"], q["deep"]
        out.append((f"work queue `GET /api/v1/cases?mine=holder&limit=50`, first page ({label} "
                    f"`{q['user']}`, {q['open_cases']:,} open of {cases:,} cases)", engine,
                    rq(f), "p50 ≤ 30 ms", _mark(f["p50_ms"] <= 30), r))  # fmt: skip
        if "skipped" in d:
            out.append((f"work queue deep page ({label})", engine, d["skipped"], "p50 ≤ 50 ms",
                        "not measured", r))  # fmt: skip
        else:
            e = d["extra"]
            out.append((f"work queue deep page: page {e['page']} of {e['pages']} ({label}, "
                        f"filter {e['filter']})", engine, rq(d), "p50 ≤ 50 ms",
                        _mark(d["p50_ms"] <= 50), r))  # fmt: skip
    city = s.get("queues", {}).get("city", {}).get("first")
    for h in hds:
        if "list_page" in h:
            out.append((f"django-helpdesk staff list page `/tickets/`, {h['tickets']:,} tickets",
                        engine, rq(h["list_page"]), "—", "", _run(hrun)))  # fmt: skip
        if "list_data" in h:
            answer = h.get("list_data_answer", {})
            note = ""
            if city and city["p50_ms"]:
                note = (f"different operations: its count-and-page vs our keyset page (city "
                        f"first page, no count): p50 {_ms(h['list_data']['p50_ms'])} vs "
                        f"{_ms(city['p50_ms'])}")  # fmt: skip
            total = answer.get("recordsTotal")
            counted = f"{total:,}" if isinstance(total, int) else "?"
            out.append((f"django-helpdesk staff list data request (`/datatables_ticket_list/…`: "
                        f"counts {counted} tickets, returns {answer.get('rows', '?')} rows), "
                        f"{h['tickets']:,} tickets", engine,
                        rq(h["list_data"]), "—", note, _run(hrun)))  # fmt: skip
    fig = s.get("figures")
    if fig:
        if "skipped" in fig:
            out.append(("command-centre figures", engine, "skipped", "p50 ≤ 50 ms",
                        fig["skipped"], r))  # fmt: skip
        else:
            out.append(("command-centre figures `GET /api/v1/dashboard/figures` (city)", engine,
                        rq(fig), "p50 ≤ 50 ms", _mark(fig["p50_ms"] <= 50), r))  # fmt: skip
    wrun, sw = p.get("sweep", ({}, {}))
    if sw:
        w = _run(wrun)
        b = sw["before_first_run"]
        n = b["open_cases"]
        total = wrun.get("dataset", {}).get("counts", {}).get("cases", 0)
        out.append(("sweep: the newest cases set open again, clocks restarted (a copy of the "
                    f"dataset of {total:,} cases)", engine,
                    f"{sw['reset_cases']:,} cases in {sw['reset_seconds']:.1f} s", "—",
                    f"before the sweep: {b['past_resolution_deadline']:,} past their resolution "
                    f"deadline ({b['past_resolution_deadline'] / n:.1%}; "
                    f"{b['past_resolution_deadline_at_top_rung']:,} at the top rung), "
                    f"{b['in_last_working_day']:,} in their last working day, "
                    f"{b['past_ack_limit_unacknowledged']:,} past the acknowledgement limit",
                    w))  # fmt: skip
        rep, st, calls = sw["cold_report"], sw["cold_steps_seconds"], sw["cold_step_calls"]
        esc, groups = st.get("escalate groups", 0), calls.get("escalate groups", 0)
        done = (f"{rep['escalated']:,} escalated (red card + one rung up), "
                f"{rep['red_at_top']:,} red cards at the top, {rep['ack_overdue']:,} "
                f"acknowledgement-overdue, {rep['yellow']:,} yellow cards")  # fmt: skip
        full_pg = engine == "postgresql" and n >= 1_000_000
        if sw.get("stopped_after_budget"):
            rate = (rep["escalated"] + rep["red_at_top"]) / esc if esc else 0
            out.append((f"sweep, first run over {n:,} open cases, **stopped** after its "
                        f"escalation budget of {sw['escalation_budget_seconds']:g} s", engine,
                        f"{sw['cold_seconds']:.1f} s, of which escalation {esc:.1f} s "
                        f"({groups:,} holder × category groups, {rate:,.0f} cases/s)", "—",
                        f"{done}; **{sw['still_past_deadline']:,} cases still past their "
                        "deadline** when it stopped", w))  # fmt: skip
            out.append((f"sweep, steady run over {n:,} open cases", engine,
                        "not measured (the first run's backlog was not cleared)",
                        "≤ 2 s with 1,000,000 open (PostgreSQL)",
                        "no verdict" if full_pg else "— (not that size/engine)", w))  # fmt: skip
        else:
            out.append((f"sweep, first run over {n:,} open cases", engine,
                        f"{sw['cold_seconds']:.2f} s, of which escalation {esc:.2f} s "
                        f"({groups:,} holder × category groups)", "—", done, w))  # fmt: skip
            out.append((f"sweep, steady run (a minute later) over {n:,} open cases", engine,
                        f"{sw['steady_seconds']:.3f} s", "≤ 2 s with 1,000,000 open (PostgreSQL)",
                        _mark(sw["steady_seconds"] <= 2) if full_pg else "— (not that size/engine)",
                        w))  # fmt: skip
    irun, imp = p.get("import", ({}, {}))
    if imp and "steps" in imp:
        wall = imp["steps"].get("import (validate + write)")
        target = "< 30 s for 100,000 rows (SQLite)"
        verdict = (_mark(wall < 30) if imp["rows"] == 100_000 and engine == "sqlite"
                   else "— (not that size/engine)")  # fmt: skip
        out.append((f"register import, {imp['rows']:,} rows, validate + write "
                    f"(`{imp['command']}`)", engine, f"{wall:.1f} s", target, verdict,
                    _run(irun)))  # fmt: skip
    return out


def sync_summary(picks: dict[str, Picked]) -> list[str]:
    """One line: are the synchronous door's three targets met on both engines, same run?"""
    runs = {p.get("shequgang", ({}, {}))[0].get("run") for p in picks.values()}
    helpdesk_runs = {p.get("helpdesk", ({}, []))[0].get("run") for p in picks.values()}
    if set(picks) != {"sqlite", "postgresql"} or len(runs | helpdesk_runs) != 1 or None in runs:
        return ["The synchronous door's targets need both engines and the peer in one run; "
                "these results do not have that, so no overall verdict."]  # fmt: skip
    verdicts = []
    for engine, p in picks.items():
        for m, _e, _v, t, v, _r in rows_for(engine, p):
            if m.startswith("sync door"):
                verdicts.append((engine, m, t, v))
    missed = [f"{m} on {e} ({t})" for e, m, t, v in verdicts if v != "✓"]
    if not missed and len(verdicts) == 6:
        return ["**Synchronous door: all three targets met on both engines in this run.**"]
    return ["**Synchronous door: targets missed in this run:** " + "; ".join(missed) + "."]


def section(mode: str, extra: tuple[Path, ...] = ()) -> str:
    begin, end = markers(mode)
    runs = load_runs(mode, extra)
    lines = [begin, "", f"### Results ({mode} mode)", ""]
    if not runs:
        lines += ["No committed runs of this mode in `bench/results/`.", "", end]
        return "\n".join(lines)
    picks = {e: pick(runs, e) for e in ("sqlite", "postgresql")}
    picks = {e: p for e, p in picks.items() if p}
    used: dict[str, dict[str, Any]] = {}
    for p in picks.values():
        for run, _v in p.values():
            used[run["_file"]] = run
    lines.append(
        f"Built by `python bench/run.py --mode {mode} --render` from "
        + (
            "one run"
            if len({r["run"] for r in used.values()}) == 1
            else f"**{len({r['run'] for r in used.values()})} runs, merged** (each row names its run)"
        )
        + ": "
        + "; ".join(f"`{f}`" for f in sorted(used))
        + "."
    )
    lines.append("")
    for _f, run in sorted(used.items()):
        m = run["machine"]
        dirty = (
            f" with uncommitted changes to {', '.join(run['uncommitted'])}"
            if run.get("uncommitted")
            else ""
        )
        steps = [k for k in STEP_KEYS if run.get(k)]
        lines.append(
            f"- `{run['run']}` ({run['engine']}): `{run['command']}` at commit "
            f"`{run['commit']}`{dirty}; {run['started_at']} – {run.get('finished_at', '?')}; "
            f"load average (1, 5, 15 min) {_la(run.get('load_average_before'))} before, "
            f"{_la(run.get('load_average_after'))} after; {m['cpu']}, {m['memory']}, Python "
            f"{m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}; load from "
            f"`{m['load_tool']}`, {run['duration']} s per measurement after a 1 s warm-up. "
            f"Steps used from it: {', '.join(steps)}."
        )
    lines += [""]
    server = next((p["shequgang"][1].get("server") for p in picks.values() if "shequgang" in p),
                  None)  # fmt: skip
    if server:
        lines += [f"Server: `{server}`; the peer under gunicorn with the same workers and "
                  "threads. Requests/s count 2xx answers only; latencies are over every "
                  "answer. 64-connection rows measure throughput, 1-connection rows latency.",
                  ""]  # fmt: skip
    lines += [
        "| measurement | database | value | target | verdict / note | run |",
        "|---|---|---|---|---|---|",
    ]
    for engine, p in picks.items():
        lines += [f"| {' | '.join(row)} |" for row in rows_for(engine, p)]
    lines.append("")
    if any("shequgang" in p for p in picks.values()):
        lines += [*sync_summary(picks), ""]
    for engine, p in picks.items():
        runs_with_data = [run for run, _v in p.values()]
        ds = runs_with_data[0].get("dataset") if runs_with_data else None
        if ds:
            c = ds["counts"]
            stages = ", ".join(f"{s['stage']} {s['seconds']} s" for s in ds["stages"])
            lines.append(
                f"Dataset on {engine} (`{ds['url']}`): {c['places'].get('compound', 0):,} "
                f"compounds, {c['places'].get('household', 0):,} households, "
                f"{c['residents']:,} residents, {c['cases']:,} cases, {c['events']:,} case "
                f"events; generated {ds['generated_at']} in {ds['seconds']} s ({stages})."
            )
            lines.append("")
    lines.append(end)
    return "\n".join(lines)


def _la(x: list[float] | None) -> str:
    return ", ".join(f"{v:.2f}" for v in x) if x else "?"


def write_docs(mode: str, extra: tuple[Path, ...] = ()) -> None:
    text = DOCS.read_text()
    begin, end = markers(mode)
    new = section(mode, extra)
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + new + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + new + "\n"
    DOCS.write_text(text)
