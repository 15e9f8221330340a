"""``shequgang serve`` keeps its background worker running: a worker that dies is started
again (after a pause that grows on quick deaths), and stopping the supervisor stops it."""

import os
import signal
import sys
import time

import pytest

from shequgang.web.worker_supervisor import WorkerSupervisor

pytestmark = pytest.mark.subprocess

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def wait_for(condition, seconds: float = 10.0) -> None:
    give_up = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < give_up, "not within the time"
        time.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) is not alive.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"


def test_a_worker_that_dies_is_started_again_and_stopped_with_the_supervisor():
    said: list[str] = []
    supervisor = WorkerSupervisor(SLEEPER, poll=0.05, first_pause=0.1, say=said.append)
    supervisor.start()
    try:
        first = supervisor.pid
        assert first is not None
        # When the worker is killed
        os.kill(first, signal.SIGKILL)
        # Then a new one is running, and the restart is logged
        wait_for(lambda: supervisor.pid not in (None, first))
        second = supervisor.pid
        assert second is not None and alive(second)
        assert supervisor.restarts == 1
        assert said and f"pid {first}" in said[0] and "code -9" in said[0]
    finally:
        supervisor.stop(grace=5)
    # And stopping the supervisor stops the worker
    assert not alive(second)


def test_quick_deaths_back_off():
    said: list[str] = []
    dying = [sys.executable, "-c", "raise SystemExit(3)"]
    supervisor = WorkerSupervisor(dying, poll=0.02, first_pause=0.1, say=said.append)
    supervisor.start()
    try:
        wait_for(lambda: len(said) >= 3)
    finally:
        supervisor.stop(grace=5)
    pauses = [line.rsplit("restarting in ", 1)[1] for line in said[:3]]
    assert "code 3" in said[0]
    assert supervisor.restarts >= 2
    assert pauses == ["0.1 s", "0.2 s", "0.4 s"]
