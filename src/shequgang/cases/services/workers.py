"""Which worker processes are alive, so that a dead one's claims are taken over at once.

A worker registers itself (``worker_running``: host, boot, pid, the OS's start time of
the pid) and beats from a thread every ``settings.WORKER_HEARTBEAT_SECONDS``. Before
claiming, a worker finds the dead (``workers_reap``):

- on its own host and boot, a registered pid that no longer exists, or exists with
  another start time (the pid was reused) — found at once, so a worker restarted after
  ``kill -9`` recovers its predecessor's batch in its first round;
- on any host, a worker that has not beaten for ``settings.WORKER_STALE_SECONDS``
  (a host that vanished, a frozen process);
- on its own host, a worker of an earlier boot.

Each is marked stopped; claims held by a stopped worker are claimable (``claimed_by_dead``).
The lease on the claim stays the last resort. Taking over never risks a double action:
a claim is still a conditional UPDATE with a fresh token, and a worker finishes a row
only while the row carries its token — a worker wrongly thought dead writes nothing."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from shequgang.cases.models.worker import WorkerProcess

log = logging.getLogger("shequgang.workers")


def host_name() -> str:
    return socket.gethostname()[:255]


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:64]
    except OSError:
        return ""


def process_start(pid: int) -> str:
    """The OS's start time of ``pid`` (clock ticks after boot), "" if unknown or gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def pid_alive(pid: int, started: str) -> bool:
    """Whether the process ``pid`` that started at ``started`` still runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, as another user
    return not started or process_start(pid) in {"", started}


def worker_register(*, now: dt.datetime | None = None) -> WorkerProcess:
    """Register this process as a worker. The rows are kept (one per worker start, a few
    a year): deleting one would have to find the outbox rows it once claimed."""
    now = now or timezone.now()
    pid = os.getpid()
    return WorkerProcess.objects.create(
        hostname=host_name(),
        boot_id=boot_id(),
        pid=pid,
        process_start=process_start(pid),
        started_at=now,
        heartbeat_at=now,
    )


def worker_heartbeat(worker: WorkerProcess, *, now: dt.datetime | None = None) -> None:
    """Record that ``worker`` is alive. One found dead by mistake (it could not beat for a
    while) is alive again; the claims taken from it meanwhile stay taken."""
    WorkerProcess.objects.filter(pk=worker.pk).update(
        heartbeat_at=now or timezone.now(), stopped_at=None
    )


def worker_stop(worker: WorkerProcess, *, now: dt.datetime | None = None) -> None:
    WorkerProcess.objects.filter(pk=worker.pk).update(stopped_at=now or timezone.now())


def workers_reap(*, now: dt.datetime, me: WorkerProcess | None = None) -> int:
    """Mark the dead workers stopped; returns how many were found."""
    live = WorkerProcess.objects.filter(stopped_at__isnull=True)
    if me is not None:
        live = live.exclude(pk=me.pk)
    stale = now - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    here, boot = host_name(), boot_id()
    dead = set(live.filter(heartbeat_at__lt=stale).values_list("pk", flat=True))
    dead |= set(live.filter(hostname=here).exclude(boot_id=boot).values_list("pk", flat=True))
    for pk, pid, started in live.filter(hostname=here, boot_id=boot).values_list(
        "pk", "pid", "process_start"
    ):
        if not pid_alive(pid, started):
            dead.add(pk)
    if not dead:
        return 0
    found = WorkerProcess.objects.filter(pk__in=dead, stopped_at__isnull=True).update(
        stopped_at=now
    )
    log.warning("took over the claims of %s dead worker(s): %s", found, sorted(dead))
    return found


def claimed_by_dead() -> Q:
    """Rows (with a ``claimed_by_worker``) whose holder is stopped or found dead."""
    stopped: QuerySet[WorkerProcess] = WorkerProcess.objects.filter(stopped_at__isnull=False)
    return Q(claimed_by_worker__in=stopped.values("pk"))


class Heartbeat:
    """This process as a registered worker (``worker``), beating from a thread until
    ``stop()`` marks it stopped. A process that dies without stopping is found by its pid
    (same host) or its silence (any host). ``beat=False`` registers without the thread,
    for a single round that ends long before a beat is due."""

    def __init__(self, *, beat_every: float | None = None, beat: bool = True) -> None:
        self.worker = worker_register()
        self.every = beat_every if beat_every is not None else settings.WORKER_HEARTBEAT_SECONDS
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="worker-heartbeat", daemon=True)
        if beat:
            self._thread.start()

    def _beat(self) -> None:
        try:
            while not self._done.wait(self.every):
                try:
                    worker_heartbeat(self.worker)
                except Exception:  # a database hiccup: beat again next time
                    log.exception("worker heartbeat failed")
        finally:
            connection.close()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        worker_stop(self.worker)


@contextmanager
def worker_running(*, beat_every: float | None = None) -> Iterator[WorkerProcess]:
    """``Heartbeat`` for the length of a block."""
    alive = Heartbeat(beat_every=beat_every)
    try:
        yield alive.worker
    finally:
        alive.stop()
