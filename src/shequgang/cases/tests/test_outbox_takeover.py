"""The notifications outbox: a row claimed by a worker that died mid-delivery is delivered
at the next round, not after the 2-minute lease; one claimed by a live worker is not
delivered twice."""

import datetime as dt
import subprocess
import sys

import pytest
from django.utils import timezone

from shequgang.cases.models import Notification, WorkerProcess
from shequgang.cases.services.notifications import LEASE, deliver_due, notify
from shequgang.cases.services.workers import (
    boot_id,
    host_name,
    process_start,
    worker_register,
)

pytestmark = pytest.mark.django_db


def holder(pid: int, started: str = "") -> WorkerProcess:
    now = timezone.now()
    return WorkerProcess.objects.create(
        hostname=host_name(),
        boot_id=boot_id(),
        pid=pid,
        process_start=started,
        started_at=now,
        heartbeat_at=now,
    )


def claimed_then_abandoned(world, worker: WorkerProcess, now: dt.datetime) -> Notification:
    """A row claimed by ``worker`` as deliver_due would, never finished."""
    notify(user_ids=[world.users["nobody"].pk], case=None, title="您的上报已受理")
    note = Notification.objects.get()
    Notification.objects.filter(pk=note.pk).update(
        deliver_after=now + LEASE, attempts=1, claimed_by_worker=worker
    )
    return note


def test_a_row_claimed_by_a_dead_worker_is_delivered_at_the_next_round(world):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    now = timezone.now()
    note = claimed_then_abandoned(world, holder(child.pid), now)
    me = worker_register()
    assert deliver_due(now=now + dt.timedelta(seconds=1), worker=me) == 1
    note.refresh_from_db()
    assert note.delivered_at is not None and note.attempts == 2


def test_a_row_claimed_by_a_live_worker_waits_for_it(world):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        now = timezone.now()
        claimed_then_abandoned(world, holder(other.pid, process_start(other.pid)), now)
        me = worker_register()
        assert deliver_due(now=now + dt.timedelta(seconds=1), worker=me) == 0
    finally:
        other.kill()
        other.wait()
