"""``shequgang serve``: the production WSGI server (gunicorn) with persistent database
connections, plus the background worker when one exists, restarted if it dies
(``web/worker_supervisor.py``). ``make run`` uses it.

The server's own bounds (the reverse proxy in ``deploy/nginx/shequgang.conf`` is the
first line; these hold when a client reaches gunicorn directly): request bodies are
bounded in size and time by ``web/body_limits.py`` (wrapped around the application in
``wsgi.py``); the request line, header count and header size by gunicorn's limits below;
an idle keep-alive connection is dropped after a few seconds so it does not hold a
slot."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication

from shequgang.web.worker_supervisor import WorkerSupervisor

# gunicorn's bounds on what precedes the body. Our longest URLs are list pages with a
# few filters; 100 headers or an 8 KB cookie line is already more than any browser sends.
REQUEST_LIMITS = {
    "limit_request_line": 4094,
    "limit_request_fields": 50,
    "limit_request_field_size": 8190,
}


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
        # 16 threads: measured with bench/slow_bodies.py, 16 slow uploads within the limits
        # held all 4 threads of a worker until each was cut at the 10 s grace (/healthz
        # waited 9 to 30 s); with 16 they leave threads free (/healthz in 3 ms). Each thread keeps one database
        # connection (CONN_MAX_AGE): 2 workers x 16 stay well under PostgreSQL's 100.
        parser.add_argument("--threads", type=int, default=16)
        parser.add_argument("--no-worker", action="store_true", help="do not start the worker")
        # How long a thread may keep the GIL while another waits for it (Python's
        # default: 5 ms). A request that holds a database lock (SQLite's write lock, a
        # hot row on PostgreSQL) gives up the GIL at every statement and then waits this
        # long behind the other threads' Python work, while every other writer waits for
        # it: at 5 ms the lock's holder spent most of its turn waiting (docs/benchmarks.md,
        # "The synchronous door"). Shorter hands the GIL back sooner, at the cost of more
        # switches.
        parser.add_argument(
            "--switch-interval",
            type=float,
            default=1.0,
            help="milliseconds (default 1; Python's own is 5)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["workers"] < 1 or opts["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        if not 0.05 <= opts["switch_interval"] <= 100:
            raise CommandError("--switch-interval must be between 0.05 and 100 ms")
        # Set before gunicorn forks its workers, which inherit it.
        sys.setswitchinterval(opts["switch_interval"] / 1000)
        worker: WorkerSupervisor | None = None
        if not opts["no_worker"] and "worker" in get_commands():
            worker = WorkerSupervisor(
                [sys.executable, "-m", "shequgang.cli", "worker"],
                env=os.environ.copy(),
                say=lambda line: self.stderr.write(f"serve: {line}"),
            )
            worker.start()
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
                    # A worker process silent this long is restarted; request bodies end
                    # within settings.REQUEST_BODY_DEADLINE_SECONDS (30 s) well before.
                    "timeout": 60,
                    "graceful_timeout": 20,
                    # Keep-alive lets a phone reuse its connection for the next request,
                    # briefly: an idle connection is closed after 5 s.
                    "keepalive": 5,
                    "preload_app": True,
                    **REQUEST_LIMITS,
                }
            ).run()
        finally:
            # gunicorn returns (or exits) on SIGTERM/SIGINT after its graceful stop; the
            # worker gets SIGTERM in turn and finishes its round.
            if worker is not None:
                worker.stop()
