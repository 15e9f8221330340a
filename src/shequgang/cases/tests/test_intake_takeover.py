"""A dead worker's claimed intakes are taken over at the next claim round, without
waiting for the 5-minute lease: its pid gone from this host (or reused by another
process), or its heartbeat silent past the limit on any host. A live worker's claims are
left alone."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.utils import timezone

from shequgang.cases.intake import services as queue
from shequgang.cases.intake.services import LEASE, intake_accept, intake_process_due
from shequgang.cases.models import Case, CaseIntake, Category, IntakeStatus, WorkerProcess
from shequgang.cases.services.workers import (
    boot_id,
    host_name,
    process_start,
    worker_heartbeat,
    worker_register,
)

from .conftest import intake_form

pytestmark = pytest.mark.django_db


def queued(world, n=3):
    for i in range(n):
        intake_accept(submitter=world.users["nobody"], **intake_form(world, title=f"第{i}件"))


def holder(*, pid, hostname=None, heartbeat_at=None, started="", boot=None):
    now = timezone.now()
    return WorkerProcess.objects.create(
        hostname=hostname or host_name(),
        boot_id=boot_id() if boot is None else boot,
        pid=pid,
        process_start=started,
        started_at=now,
        heartbeat_at=heartbeat_at or now,
    )


def claimed_by(worker, now):
    _token, ids = queue._claim(batch=100, now=now, lease=LEASE, worker=worker)
    return ids


def finished_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_claim_held_by_a_dead_pid_on_this_host_is_taken_over_at_once(world):
    queued(world)
    now = timezone.now()
    dead = holder(pid=finished_pid())
    assert len(claimed_by(dead, now)) == 3
    me = worker_register()
    # The next round, the same second: no lease has run out.
    report = intake_process_due(now=now + dt.timedelta(seconds=1), worker=me)
    assert report.created == 3 and Case.objects.count() == 3
    assert WorkerProcess.objects.get(pk=dead.pk).stopped_at is not None


def test_a_claim_held_by_a_live_worker_is_left_alone_until_it_dies(world):
    queued(world)
    now = timezone.now()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = holder(pid=other.pid, started=process_start(other.pid))
        assert len(claimed_by(live, now)) == 3
        me = worker_register()
        assert intake_process_due(now=now + dt.timedelta(seconds=1), worker=me).done == 0
    finally:
        other.kill()
        other.wait()
    # Once it is gone, the next round takes its batch.
    assert intake_process_due(now=now + dt.timedelta(seconds=2), worker=me).created == 3


def test_a_reused_pid_does_not_keep_a_dead_workers_claims(world):
    queued(world)
    now = timezone.now()
    # Our own pid, but registered with another start time: another process had it.
    ghost = holder(pid=os.getpid(), started="1")
    assert len(claimed_by(ghost, now)) == 3
    me = worker_register()
    assert intake_process_due(now=now + dt.timedelta(seconds=1), worker=me).created == 3


@pytest.mark.parametrize(("silent", "taken"), [(29, False), (31, True)])
def test_a_worker_on_another_host_is_taken_over_when_its_heartbeat_is_stale(
    world, settings, silent, taken
):
    settings.WORKER_STALE_SECONDS = 30
    queued(world)
    now = timezone.now()
    far = holder(pid=1, hostname="another-host", heartbeat_at=now)
    assert len(claimed_by(far, now)) == 3
    me = worker_register()
    report = intake_process_due(now=now + dt.timedelta(seconds=silent), worker=me)
    assert report.created == (3 if taken else 0)


def test_a_worker_of_an_earlier_boot_of_this_host_is_dead(world):
    queued(world)
    now = timezone.now()
    before_reboot = holder(pid=1, boot="an-earlier-boot")
    assert len(claimed_by(before_reboot, now)) == 3
    me = worker_register()
    assert intake_process_due(now=now + dt.timedelta(seconds=1), worker=me).created == 3


def test_a_worker_found_dead_by_mistake_writes_nothing_and_beats_again(world):
    queued(world, n=1)
    now = timezone.now()
    slow = holder(pid=1, hostname="another-host", heartbeat_at=now)
    slow_token, _ = queue._claim(batch=10, now=now, lease=LEASE, worker=slow)
    slow_view = CaseIntake.objects.select_related("submitter").get()
    # Silent for a minute: another worker takes its claim over and raises the case.
    me = worker_register()
    assert intake_process_due(now=now + dt.timedelta(minutes=1), worker=me).created == 1
    # The slow worker wakes up: finishing its copy is refused, nothing is written twice.
    with pytest.raises(queue._ClaimLost):
        queue._raise_case(
            slow_view, token=slow_token, now=now, categories=_categories(), places=_places(world)
        )
    assert Case.objects.count() == 1
    assert CaseIntake.objects.get().status == IntakeStatus.CREATED
    worker_heartbeat(slow)
    assert WorkerProcess.objects.get(pk=slow.pk).stopped_at is None


def _categories():
    return {c.pk: c for c in Category.objects.all()}


def _places(world):
    return {world.household_a1.pk: world.household_a1}
