"""``bench/run.py`` beside other people's runs on the same machine: its server on another
port (``BENCH_PORT``, default 8130) and its PostgreSQL dataset under another name
(``shequgang_bench_<BENCH_PG_TAG>_<size>``, default tag ``speed``), so that two
worktrees can measure at once; and each wrk thread with its own Idempotency-Keys. Same arguments as ``bench/run.py``. Never imported by
the project."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

# wrk's script declared ``thread_id`` local, so ``thread:set`` never reached it and both
# threads sent the same Idempotency-Keys: half the creations were replays of the other
# thread's (fixed the same way on the branch rewriting bench/load.py).
run.load.LUA_COMMON = run.load.LUA_COMMON.replace("local thread_id = 0", "thread_id = 0")
run.PORT = int(os.environ.get("BENCH_PORT", "8130"))
run.PEER_PORT = run.PORT + 100


def _own_dataset(engine: str, size: str, pg_base: str) -> str:
    """``run.dataset`` with the PostgreSQL database named after the tag."""
    import subprocess

    from generate import SIZES

    if engine == "sqlite":
        return _shared_dataset(engine, size, pg_base)
    tag = os.environ.get("BENCH_PG_TAG", "speed")
    url = pg_base.rsplit("/", 1)[0] + f"/shequgang_bench_{tag}_{size}"
    meta = run.benchdb.read_meta(url)
    if meta is None or meta.get("size") != SIZES[size].__dict__:
        run.log(f"generating the {size} dataset on {engine} …")
        cmd = [run.PY, str(run.ROOT / "bench" / "generate.py"), "--size", size]
        subprocess.run([*cmd, "--database-url", url], check=True)
    else:
        run.log(f"reusing the {size} dataset on {engine} (generated {meta['generated_at']})")
        subprocess.run(
            [run.PY, "-m", "shequgang.cli", "migrate", "--noinput", "-v", "0"],
            env=run.benchdb.server_env(url, meta["field_key"]),
            check=True,
        )
    return url


_shared_dataset = run.dataset
run.dataset = _own_dataset

if __name__ == "__main__":
    run.main()
