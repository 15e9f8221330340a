"""``shequgang worker``: raises queued intakes and delivers the notifications outbox every
round, and every minute runs the sweep and forgets expired Idempotency-Key records and
finished intakes. Several workers may run against PostgreSQL: every piece of work is
claimed with a conditional UPDATE first."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from shequgang.apikit.idempotency import purge_expired
from shequgang.apikit.ratelimit import rate_purge
from shequgang.cases.intake.services import intake_process_due, intake_purge
from shequgang.cases.services.notifications import deliver_due
from shequgang.cases.services.sweep import run_sweep
from shequgang.cases.services.workers import Heartbeat


class Command(BaseCommand):
    help = "Run background work: queued intakes, notifications and the deadline sweep"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sweep-every", type=float, default=60.0)
        # Idle rounds are two indexed reads; a short poll keeps a queued report's wait
        # for its case number under a second.
        parser.add_argument("--poll", type=float, default=0.5)
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        stop = False

        def on_signal(signum: int, frame: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        next_sweep = 0.0
        # Registered and beating, so that if this process dies the next worker takes its
        # claimed intakes over at once (cases/services/workers.py); a crash is found by its pid.
        alive = Heartbeat(beat=not opts["once"])
        while not stop:
            close_old_connections()
            if time.monotonic() >= next_sweep:
                report = run_sweep()
                self.stdout.write(f"sweep: {report}")
                purged = purge_expired()
                if purged:
                    self.stdout.write(f"idempotency: purged {purged}")
                purged = intake_purge()
                if purged:
                    self.stdout.write(f"intake: purged {purged}")
                purged = rate_purge()
                if purged:
                    self.stdout.write(f"rate limits: purged {purged} past windows")
                next_sweep = time.monotonic() + opts["sweep_every"]
            raised = intake_process_due(worker=alive.worker)
            if raised.done:
                self.stdout.write(f"intake: {raised}")
            sent = deliver_due(worker=alive.worker)
            if opts["once"]:
                break
            if not (sent or raised.done):
                time.sleep(opts["poll"])
        alive.stop()
