"""kill -9 on a worker holding a claimed batch: the next worker raises every intake within
seconds (before: the 5-minute lease), each exactly once. Real processes against the test
database (SQLite file or PostgreSQL)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from shequgang.cases.intake.services import intake_accept
from shequgang.cases.models import Case, CaseEvent, CaseIntake, IntakeStatus, WorkerProcess
from shequgang.testing import build_world

from .conftest import intake_form

# serialized_rollback: the flush after the test leaves the content types for the next
# transactional test to restore (as test_intake_worker's concurrent test does).
pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INTAKES = 40

# A worker that claims its batch through the real claim and then hangs before raising
# anything: the moment a kill -9 hurts most.
HANGING_WORKER = """
import time, django
django.setup()
from shequgang.cases.intake import services as intake
from shequgang.cases.services.workers import Heartbeat
intake._raise_case = lambda *a, **k: time.sleep(3600)
intake.intake_process_due(batch=1000, worker=Heartbeat().worker)
"""


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(condition, seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_restarted_worker_raises_a_killed_workers_batch_at_once():
    world = build_world()
    for i in range(INTAKES):
        intake_accept(submitter=world.users["nobody"], **intake_form(world, title=f"第{i}件"))
    env = {**os.environ, "DATABASE_URL": database_url()}
    # Given a worker that claimed every intake
    hanging = subprocess.Popen([sys.executable, "-c", HANGING_WORKER], env=env)
    try:
        wait_for(
            lambda: CaseIntake.objects.filter(claimed_by_worker__isnull=False).count() == INTAKES,
            30,
        )
    finally:
        # When it is killed
        hanging.send_signal(signal.SIGKILL)
        hanging.wait()
    killed_at = time.monotonic()
    worker = subprocess.Popen(
        [sys.executable, "-m", "shequgang.cli", "process_intake", "--poll", "0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        # Then a new worker raises them all within seconds, not after the lease
        wait_for(lambda: not CaseIntake.objects.filter(status=IntakeStatus.PENDING).exists(), 20)
        recovered = time.monotonic() - killed_at
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # The new worker's own share: from its registration to the round that raised them
    # (processed_at is the time the round began); the rest is Python and Django start-up.
    registered = WorkerProcess.objects.get(pid=worker.pid).started_at
    last = max(t for t in CaseIntake.objects.values_list("processed_at", flat=True) if t)
    print(
        f"\nRECOVERY {connection.vendor}: every intake a case {recovered:.2f} s after kill -9 "
        f"(its round began {(last - registered).total_seconds():.2f} s after it registered)"
    )
    # Each exactly once
    rows = list(CaseIntake.objects.values_list("status", "case_id"))
    assert {s for s, _ in rows} == {IntakeStatus.CREATED}
    assert len({c for _, c in rows}) == INTAKES == Case.objects.count()
    assert CaseEvent.objects.filter(kind="created").count() == INTAKES
    assert recovered < 60
