"""End to end: ``shequgang serve`` restarts its worker when the worker is killed, and a
SIGTERM to serve stops the worker cleanly. The workers are watched through their rows in
``WorkerProcess`` (each registers its pid). A real server against the test database."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from shequgang.cases.models import WorkerProcess

from .test_serve_slow_bodies import free_port

# serialized_rollback: see cases/tests/test_worker_kill.py.
pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(condition, seconds: float = 60.0):
    give_up = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < give_up, "not within the time"
        time.sleep(0.1)


def live_workers():
    return list(WorkerProcess.objects.filter(stopped_at__isnull=True).order_by("pk"))


def test_serve_restarts_a_killed_worker_and_stops_it_on_sigterm():
    env = {**os.environ, "DATABASE_URL": database_url()}
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shequgang.cli",
            "serve",
            f"--bind=127.0.0.1:{free_port()}",
            "--workers=1",
            "--threads=2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Given serve and its worker
        first = wait_for(live_workers)[0]
        # When the worker is killed
        os.kill(first.pid, signal.SIGKILL)
        # Then serve starts another (after a 1 s pause)
        second = wait_for(lambda: [w for w in live_workers() if w.pid != first.pid])[0]
        assert second.pid != first.pid
        # And SIGTERM to serve stops that worker cleanly (it marks itself stopped)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    second.refresh_from_db()
    assert second.stopped_at is not None
