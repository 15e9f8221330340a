"""Before and after, interleaved: ``POST /api/v1/cases`` and the bare one-INSERT view on
two servers started side by side on one dataset — the code of another source tree
(``--before``, e.g. an exported ``main``) and this one — measured in turns, so that load
from other work on the machine weighs on both alike. Same server settings and load as
``bench/run.py`` (2 workers × 4 threads gthread; wrk, 64 connections; a unique
Idempotency-Key per request). Prints one JSON line. Never imported by the project.

    python bench/create_ab.py --before /tmp/main --engine sqlite --rounds 3 --duration 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb
import run

# Loaded by each server process (``sitecustomize``) with ``--lock-waits``: times how long
# each write transaction waited to begin — SQLite's busy handler before, the queue of
# ``shequgang.sqlite_writer`` after — and writes the waits (ms) to a file per process.
_SITECUSTOMIZE = """
import os, threading, time
from django.db.backends.sqlite3 import base as _django_base
_waits, _local = [], threading.local()
def _timed(begin):
    def start(self):
        if getattr(_local, "depth", 0):
            return begin(self)
        _local.depth = 1
        t = time.perf_counter()
        try:
            return begin(self)
        finally:
            _local.depth = 0
            _waits.append((time.perf_counter() - t) * 1000)
    return start
_django_base.DatabaseWrapper._start_transaction_under_autocommit = _timed(
    _django_base.DatabaseWrapper._start_transaction_under_autocommit)
try:
    from shequgang.sqlite_writer import base as _ours
    _ours.DatabaseWrapper._start_transaction_under_autocommit = _timed(
        _ours.DatabaseWrapper._start_transaction_under_autocommit)
except ImportError:
    pass
def _dump():
    with open(os.path.join(os.environ["BENCH_LOCK_WAITS"], f"{os.getpid()}.txt"), "w") as f:
        f.write(" ".join(f"{w:.3f}" for w in _waits))
def _dump_every_second():
    while True:
        time.sleep(1)
        _dump()
def _start():
    threading.Thread(target=_dump_every_second, daemon=True).start()
_start()
os.register_at_fork(after_in_child=_start)  # gunicorn's workers are forked
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="root of the source tree to compare")
    parser.add_argument("--engine", default="sqlite")
    parser.add_argument(
        "--pg-url", default=benchdb.PG_DEFAULT, help="the prefix of the bench databases"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--lock-waits", action="store_true", help="SQLite: time BEGIN waits")
    args = parser.parse_args()
    url = run.dataset(args.engine, "quick", args.pg_url)
    meta = benchdb.read_meta(url)
    assert meta is not None
    prep = run.task("prepare", url)
    bodies = [
        urlencode({"category": prep["categories"][i % len(prep["categories"])], "place": h,
                   "title": "楼道灯不亮", "description": "三楼楼道灯坏了一周"})
        for i, h in enumerate(prep["households"])
    ]  # fmt: skip
    auth = {"Authorization": f"Bearer {prep['raiser_token']}"}
    trees = {"before": Path(args.before).resolve(), "after": benchdb.ROOT}
    servers, ports = [], {}
    for i, (label, root) in enumerate(trees.items()):
        env = benchdb.server_env(url, meta["field_key"])
        env["PYTHONPATH"] = str(root / "src")
        if args.lock_waits:
            waits = benchdb.OUT / f"lockwaits_{label}"
            waits.mkdir(exist_ok=True)
            for old in waits.iterdir():
                old.unlink()
            (waits / "sitecustomize.py").write_text(_SITECUSTOMIZE)
            env["PYTHONPATH"] = f"{waits}:{env['PYTHONPATH']}"
            env["BENCH_LOCK_WAITS"] = str(waits)
        port = run.PORT + 1 + i
        ports[label] = port
        cmd = [run.SHEQUGANG, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
               "--threads", "4", "--no-worker"]  # fmt: skip
        servers.append(run.Server(cmd, env, port, f"ab_{label}_{args.engine}.log"))
    out: dict[str, Any] = {"engine": args.engine, "rounds": [], "load_before": os.getloadavg()}
    for s in servers:
        s.__enter__()
    try:
        for _ in range(args.rounds):
            one: dict[str, Any] = {}
            for label, port in ports.items():
                base = f"http://127.0.0.1:{port}"
                one[f"{label}_insert"] = run.measure(
                    f"ab_insert_{label}", f"{base}/bench/insert", method="POST",
                    bodies=["note=ping"], duration=args.duration,
                )  # fmt: skip
                one[f"{label}_create"] = run.measure(
                    f"ab_create_{label}", f"{base}/api/v1/cases", method="POST",
                    headers=auth, bodies=bodies, idempotency=True, duration=args.duration,
                )  # fmt: skip
            out["rounds"].append(one)
            run.log(" ".join(f"{k} {v['rps']:.0f}/s p99 {v['p99_ms']:.0f}" for k, v in one.items()))
    finally:
        for s in servers:
            s.__exit__()
    out["load_after"] = os.getloadavg()
    for label in trees:
        rates = [r[f"{label}_create"]["rps"] / r[f"{label}_insert"]["rps"] for r in out["rounds"]]
        out[f"{label}_create_over_insert_median"] = round(statistics.median(rates), 3)
        out[f"{label}_create_rps_median"] = statistics.median(
            r[f"{label}_create"]["rps"] for r in out["rounds"]
        )
        out[f"{label}_create_p99_median"] = statistics.median(
            r[f"{label}_create"]["p99_ms"] for r in out["rounds"]
        )
    if args.lock_waits:
        for label in trees:
            waits = sorted(
                float(x)
                for f in (benchdb.OUT / f"lockwaits_{label}").glob("*.txt")
                for x in f.read_text().split()
            )
            if waits:
                out[f"{label}_begin_wait_ms"] = {
                    "transactions": len(waits),
                    "mean": round(statistics.mean(waits), 2),
                    "p50": round(waits[len(waits) // 2], 2),
                    "p99": round(waits[int(len(waits) * 0.99)], 2),
                    "max": round(waits[-1], 2),
                    "share_over_10ms": round(sum(w > 10 for w in waits) / len(waits), 3),
                }
    print("RESULT " + json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
