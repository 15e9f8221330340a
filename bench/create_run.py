"""``bench/run.py`` with its servers on other ports (``BENCH_PORT``, default 8130, and the
peer's 100 above), so that two worktrees can measure at once; pass ``--pg-url`` with a
database prefix of your own too. Same arguments as ``bench/run.py``. Never imported by
the project."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

run.PORT = int(os.environ.get("BENCH_PORT", "8130"))
run.PEER_PORT = run.PORT + 100

if __name__ == "__main__":
    run.main()
