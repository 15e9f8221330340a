"""``shequgang process_intake``: raise queued intakes as cases, and nothing else — for
running extra intake workers beside ``shequgang worker`` (which raises them too)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from shequgang.cases.intake.services import intake_process_due
from shequgang.cases.services.workers import worker_running


class Command(BaseCommand):
    help = "Raise queued intakes (POST /api/v1/cases/intake) as cases"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=100, help="intakes claimed at once")
        parser.add_argument("--poll", type=float, default=0.5, help="seconds between idle polls")
        parser.add_argument(
            "--once", action="store_true", help="raise what is pending now, then exit"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        stop = False

        def on_signal(signum: int, frame: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        with worker_running() as me:
            while not stop:
                close_old_connections()
                report = intake_process_due(batch=opts["batch"], worker=me)
                if report.done:
                    self.stdout.write(f"intake: {report}")
                if opts["once"] and report.done < opts["batch"]:
                    break
                if not report.done:
                    time.sleep(opts["poll"])
