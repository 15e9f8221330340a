"""The peer: django-helpdesk (PyPI), in its own venv under bench/peers/helpdesk/ (git-
ignored), with a minimal Django project written here, on the same database engine and
served by gunicorn with the same worker settings as ``shequgang serve``. Never imported
by Shequgang; it only runs the peer's own ``manage.py`` and gunicorn.

    python bench/helpdesk_peer.py setup --database-url URL --tickets 100000
    python bench/helpdesk_peer.py serve --database-url URL --port 8200
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb

HOME = benchdb.ROOT / "bench" / "peers" / "helpdesk"
VENV = HOME / "venv"
PROJECT = HOME / "project"
PY = VENV / "bin" / "python"
# The peer's exact versions: django-helpdesk, and Django, gunicorn and psycopg as
# Shequgang's lock files pin them, so that only the application differs.
PINS = (
    "django-helpdesk==2.6.1",
    "Django==5.2.19",
    "gunicorn==27.0.1",
    "psycopg[binary]==3.3.9",
)

SETTINGS = """
import os
from urllib.parse import urlsplit

SECRET_KEY = "helpdesk-bench-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "hdbench.urls"
WSGI_APPLICATION = "hdbench.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
_url = urlsplit(os.environ["HD_DATABASE_URL"])
if _url.scheme == "sqlite":
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _url.path[1:] if _url.path.startswith("//") else _url.path,
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536;",
        },
    }}
else:
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "postgres",
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": _url.port or 5432,
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
STATIC_URL = "static/"
LOGIN_URL = "/login/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_KB_ENABLED = True
HELPDESK_REDIRECT_TO_LOGIN_BY_DEFAULT = False
HELPDESK_ANON_ACCESS_RAISES_404 = False
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
"""

URLS = """
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="helpdesk/registration/login.html")),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
"""

WSGI = """
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdbench.settings")
application = get_wsgi_application()
"""

MANAGE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdbench.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""

# Runs inside the peer's venv: a public queue, a staff user, N tickets (bulk_create, the
# fields its own save() would set), most of them closed, spread over two years.
GENERATE = """
import datetime as dt, os, random, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdbench.settings")
django.setup()
from django.contrib.auth.models import User
from django.db import transaction
from helpdesk.models import Queue, Ticket
n = int(sys.argv[1])
rng = random.Random(1)
t = time.perf_counter()
with transaction.atomic():
    queue = Queue.objects.create(title="Residents", slug="residents",
                                 allow_public_submission=True)
    staff = User.objects.create_superuser("staff", "staff@example.com", "staff-password")
    now = dt.datetime.now(dt.timezone.utc)
    span = 730 * 86400
    batch = []
    for i in range(n):
        created = now - dt.timedelta(seconds=rng.random() * span)
        status = rng.choices([1, 2, 3, 4, 5], weights=[3, 1, 4, 90, 2])[0]
        batch.append(Ticket(
            title=f"Ticket {i}: stairwell light out", queue=queue, created=created,
            modified=created + dt.timedelta(hours=rng.uniform(1, 200)),
            submitter_email=f"resident{i % 5000}@example.com",
            assigned_to=staff if rng.random() < 0.7 else None, status=status,
            description="The light on the third floor has been out for a week.",
            priority=rng.choice([1, 2, 3, 3, 3, 4, 5]),
        ))
        if len(batch) >= 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
print("RESULT", n, queue.pk, round(time.perf_counter() - t, 1))
"""


def installed_versions() -> dict[str, str] | None:
    """The versions in the peer's venv, or None when it lacks one of them."""
    if not PY.exists():
        return None
    out = subprocess.run([str(PY), "-c", VERSIONS], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return dict(line.split("=", 1) for line in out.stdout.split())


VERSIONS = """
from importlib.metadata import version
for name in ("django-helpdesk", "Django", "gunicorn", "psycopg"):
    print(f"{name}={version(name)}")
"""


def ensure_venv() -> dict[str, str]:
    """Install the pinned peer (again, if its venv holds other versions); returns the
    installed versions."""
    want = {p.split("==")[0].split("[")[0]: p.split("==")[1] for p in PINS}
    have = installed_versions()
    if have == want:
        return have
    HOME.mkdir(parents=True, exist_ok=True)
    if not PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", *PINS], check=True)
    have = installed_versions()
    assert have == want, (have, want)
    return have


def write_project() -> None:
    pkg = PROJECT / "hdbench"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(SETTINGS)
    (pkg / "urls.py").write_text(URLS)
    (pkg / "wsgi.py").write_text(WSGI)
    (PROJECT / "manage.py").write_text(MANAGE)
    (PROJECT / "generate.py").write_text(GENERATE)


def env(url: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "SHEQUGANG"))}
    e["HD_DATABASE_URL"] = url
    e["PYTHONPATH"] = str(PROJECT)
    e["DJANGO_SETTINGS_MODULE"] = "hdbench.settings"
    return e


def setup(url: str, tickets: int) -> dict[str, Any]:
    """Create the peer's database with ``tickets`` tickets (cached: skipped when the
    meta file says it is already there). The meta data carries the installed versions."""
    versions = ensure_venv()
    write_project()
    meta = benchdb.read_meta(url)
    if meta is not None and meta.get("tickets") == tickets:
        return {**meta, "versions": versions}
    benchdb.create_database(url)
    t = time.perf_counter()
    subprocess.run(
        [str(PY), "manage.py", "migrate", "-v", "0"], cwd=PROJECT, env=env(url), check=True
    )
    out = subprocess.run(
        [str(PY), "generate.py", str(tickets)],
        cwd=PROJECT,
        env=env(url),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    queue = int(out.split("RESULT")[1].split()[1])
    meta = {"tickets": tickets, "queue": queue, "seconds": round(time.perf_counter() - t, 1)}
    benchdb.write_meta(url, meta)
    return {**meta, "versions": versions}


def serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn with ``shequgang serve``'s settings: 2 workers x 4 threads (gthread),
    access log on, preloaded app."""
    return subprocess.Popen(
        [
            str(VENV / "bin" / "gunicorn"),
            "hdbench.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--timeout",
            "60",
            "--preload",
        ],
        cwd=PROJECT,
        env=env(url),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["setup", "serve"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8200)
    args = parser.parse_args()
    if args.action == "setup":
        print(setup(args.database_url, args.tickets))
    else:
        proc = serve(args.database_url, args.port, benchdb.OUT / "helpdesk.log")
        proc.wait()


if __name__ == "__main__":
    main()
