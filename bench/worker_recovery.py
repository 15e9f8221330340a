"""Crash recovery: how long after ``kill -9`` on a worker holding a claimed batch of 40
intakes until every one is a case, raised by a freshly started ``shequgang
process_intake`` (its Python and Django start-up included), and when its first round
began after it registered. Runs the end-to-end test
(src/shequgang/cases/tests/test_worker_kill.py) on SQLite and, with ``--pg URL``, on
PostgreSQL, and prints its figure per engine. Never imported by the project::

    .venv/bin/python bench/worker_recovery.py
    .venv/bin/python bench/worker_recovery.py --pg postgres://postgres@127.0.0.1:5432/shequgang

Before the takeover (main at a64290f) the batch waited for the 5-minute lease: up to
300 s (the probe of issue #13 measured 289 s)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "src/shequgang/cases/tests/test_worker_kill.py"


def run(database_url: str | None) -> str:
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = re.search(r"RECOVERY (\w+): every intake a case ([\d.]+) s .*began ([\d.]+) s", out)
    if not found:
        raise SystemExit(out[-3000:])
    engine, total, own = found.groups()
    return (
        f"{engine}: {total} s from kill -9 to the last case; the new worker's first round "
        f"took the batch over {own} s after it registered (the rest: process start-up, raising)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", help="a PostgreSQL DATABASE_URL to measure as well")
    args = parser.parse_args()
    print("RESULT " + run(None))
    if args.pg:
        print("RESULT " + run(args.pg))


if __name__ == "__main__":
    main()
