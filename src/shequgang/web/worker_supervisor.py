"""The background worker kept alive beside the web server (``shequgang serve``).

``WorkerSupervisor`` starts ``shequgang worker`` as a child process and polls it from a
thread; when it dies (a crash, an OOM kill, ``kill -9``) it is started again after a
pause that doubles on every quick death (1 s, 2 s, 4 s … up to 30 s) and goes back to
1 s once a worker has stayed up for a minute, so a worker that cannot start does not
spin. Every restart is logged with the exit code. ``stop()`` sends SIGTERM (the worker
finishes its round and exits), then SIGKILL after a grace period.

The new worker recovers the dead one's claims at once (``cases/services/workers.py``)."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger("shequgang.serve")

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
# A worker that lived this long was healthy: the next restart pauses FIRST_PAUSE again.
HEALTHY_AFTER = 60.0


class WorkerSupervisor:
    def __init__(
        self,
        command: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        poll: float = 0.5,
        first_pause: float = FIRST_PAUSE,
        longest_pause: float = LONGEST_PAUSE,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.command = list(command)
        self.env = env
        self.poll = poll
        self.first_pause, self.longest_pause = first_pause, longest_pause
        self.say = say or log.warning
        self.restarts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process is not None else None

    def start(self) -> None:
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            self._process = subprocess.Popen(self.command, env=self.env)
            self._started_at = time.monotonic()

    def _watch(self) -> None:
        pause = self.first_pause
        while not self._stop.wait(self.poll):
            with self._lock:
                process = self._process
            if process is None or process.poll() is None:
                continue
            lived = time.monotonic() - self._started_at
            pause = self.first_pause if lived >= HEALTHY_AFTER else pause
            self.say(
                f"worker (pid {process.pid}) exited with code {process.returncode} after "
                f"{lived:.0f} s; restarting in {pause:g} s"
            )
            if self._stop.wait(pause):
                return
            self._spawn()
            self.restarts += 1
            pause = min(pause * 2, self.longest_pause)

    def stop(self, *, grace: float = 20.0) -> None:
        """Stop watching, then stop the worker: SIGTERM, and SIGKILL after ``grace``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
