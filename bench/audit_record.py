"""Benchmark: the cost of one ``audit_record`` with the hash chain, against the plain
INSERT it was before, on SQLite and PostgreSQL.

    .venv/bin/python bench/audit_record.py                 # both engines, 2,000 rows each
    .venv/bin/python bench/audit_record.py --rows 5000 --engines sqlite

Each engine gets a throwaway database (``bench/out/audit_bench.sqlite3``;
``shequgang_bench_audit`` on the PostgreSQL server of ``--pg-url``), migrated, with the
guard triggers installed as in production. Each measured call runs in its own
transaction, as a service's write does: ``before`` is the old ``audit_record`` (one
INSERT of the same row, a unique placeholder in ``prev_hash``), ``after`` the chained one
(on PostgreSQL the advisory lock, the head read, the hash, the INSERT). Prints
microseconds per call (median and mean of alternating rounds) and the ratio, then checks
the chain with ``chain_verify``."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import OUT, PG_DEFAULT, create_database, server_env  # noqa: E402

KEY = "bWFkZS11cC1iZW5jaC1rZXktMzItYnl0ZXMtbG9uZyE="  # 32 bytes, urlsafe base64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows per variant and engine")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url", default=PG_DEFAULT.replace("shequgang_bench", "shequgang_bench_audit")
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.rows)
        return
    for engine in args.engines.split(","):
        url = f"sqlite:///{OUT / 'audit_bench.sqlite3'}" if engine == "sqlite" else args.pg_url
        create_database(url)
        env = server_env(url, KEY, bench=False)
        subprocess.run(
            [str(Path(sys.executable).parent / "shequgang"), "migrate", "-v", "0"],
            env=env,
            check=True,
        )
        subprocess.run(
            [sys.executable, __file__, "--child", engine, "--rows", str(args.rows)],
            env=env,
            check=True,
        )


def run_child(rows: int) -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from shequgang.audit.models import AuditEntry
    from shequgang.audit.services import audit_record

    changes = {"status": ["submitted", "accepted"], "note": [None, "核实后受理，已派网格员"]}

    def before() -> None:
        with transaction.atomic():
            AuditEntry.objects.create(
                action="bench.before",
                object_type="cases.case",
                object_id="123456",
                object_repr="LS-2026-000123 楼道堆物",
                changes=changes,
                # Unique placeholders: prev_hash is unique, and the next chained row
                # takes the newest row's hash as its predecessor.
                prev_hash=uuid.uuid4().hex,
                row_hash=uuid.uuid4().hex,
            )

    def after() -> None:
        with transaction.atomic():
            audit_record(
                actor=None,
                action="bench.after",
                object_type="cases.case",
                object_id="123456",
                changes=changes,
            )

    for fn in (before, after):  # warm up: connections, statement caches
        for _ in range(50):
            fn()
    samples: dict[str, list[float]] = {"before": [], "after": []}
    rounds, per_round = 10, max(1, rows // 10)
    for _ in range(rounds):
        for name, fn in (("before", before), ("after", after)):
            start = time.perf_counter()
            for _ in range(per_round):
                fn()
            samples[name].append((time.perf_counter() - start) / per_round * 1e6)
    b, a = statistics.median(samples["before"]), statistics.median(samples["after"])
    print(
        f"{connection.vendor:10s} before {b:7.1f} µs/call (mean {statistics.mean(samples['before']):.1f})"
        f"   after {a:7.1f} µs/call (mean {statistics.mean(samples['after']):.1f})"
        f"   ratio {a / b:.2f}   ({rounds} × {per_round} calls each, one transaction per call)"
    )


if __name__ == "__main__":
    main()
