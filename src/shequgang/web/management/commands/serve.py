"""``shequgang serve``: the production WSGI server (gunicorn) with persistent database
connections, plus the background worker when one exists. ``make run`` uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from shequgang.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve the site with gunicorn (and start the background worker, if installed)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-worker", action="store_true", help="do not start the worker")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["workers"] < 1 or opts["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        worker: subprocess.Popen[bytes] | None = None
        if not opts["no_worker"] and "worker" in get_commands():
            worker = subprocess.Popen(
                [sys.executable, "-m", "shequgang.cli", "worker"], env=os.environ.copy()
            )
        self.stdout.write(
            f"社区港 serving on http://{opts['bind']}/ (database: "
            f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        try:
            _Gunicorn(
                {
                    "bind": opts["bind"],
                    "workers": opts["workers"],
                    "threads": opts["threads"],
                    # gthread keeps each thread's database connection open (CONN_MAX_AGE).
                    "worker_class": "gthread",
                    "accesslog": "-",
                    "timeout": 60,
                    "graceful_timeout": 20,
                    "preload_app": True,
                }
            ).run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=20)
