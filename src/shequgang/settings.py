"""The one settings module. Every value comes from the environment through a typed
helper that fails loudly on a bad value (an ``ImproperlyConfigured`` at start-up)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SHEQUGANG_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Demo/dev mode: `make run` and the test suite. Outside it, secrets are required.
DEMO_MODE = env_bool("SHEQUGANG_DEMO", default=False)
# pytest (>= 8.2) sets PYTEST_VERSION for the whole session, before Django is configured.
TESTING = env_bool("SHEQUGANG_TESTING", default="PYTEST_VERSION" in os.environ)
DEBUG = env_bool("DEBUG", default=False)
_RELAXED = DEMO_MODE or DEBUG or TESTING

_secret = env_str("SECRET_KEY")
if _secret is None:
    if not _RELAXED:
        raise ImproperlyConfigured("SECRET_KEY is required outside demo/dev mode")
    _secret = "insecure-demo-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY: str = _secret


def _field_keys() -> list[str]:
    """Fernet keys for personal data, newest first (comma-separated for rotation).
    Read from SHEQUGANG_FIELD_KEY, else from var/field.key (written by `make run`)."""
    raw = env_str("SHEQUGANG_FIELD_KEY")
    if raw is None:
        key_file = VAR_DIR / "field.key"
        if key_file.exists():
            raw = key_file.read_text().strip()
        elif TESTING:
            # A fixed throwaway key so the suite runs on a fresh clone; never used for data.
            raw = "7v4Pq2tU9mHn0aWcX1yZb3dE5fG6hJ8kL_-oRsTuViQ="
        else:
            raise ImproperlyConfigured(
                "SHEQUGANG_FIELD_KEY is required (a Fernet key); `make run` writes one to var/"
            )
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    from cryptography.fernet import Fernet

    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                "SHEQUGANG_FIELD_KEY must hold url-safe base64 Fernet keys"
            ) from None
    return keys


FIELD_KEYS: list[str] = _field_keys()
# The blind-index key must outlive field-key rotation, so it may be set on its own.
BLIND_INDEX_KEY: str | None = env_str("SHEQUGANG_BLIND_INDEX_KEY")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if _RELAXED else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "shequgang.web",
    "shequgang.audit",
    "shequgang.places",
    "shequgang.people",
    "shequgang.apikit",
    "shequgang.calendar",
    "shequgang.demo",
    "shequgang.cases",
    "shequgang.veterans",
    "shequgang.open311",
    "shequgang.grid",
    "shequgang.party",
    "shequgang.points",
    "shequgang.dashboard",
]
# The benchmark's ceiling views (bench/run.py sets it); never on in production.
BENCH = env_bool("SHEQUGANG_BENCH", default=False)
if BENCH:
    INSTALLED_APPS.append("shequgang.bench_ceiling")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # NUL in a page's query string or form: 400 before any view reads it (web/unstorable_input).
    "shequgang.web.unstorable_input.UnstorableInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shequgang.audit.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "shequgang.urls"
WSGI_APPLICATION = "shequgang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
# How long an Idempotency-Key is remembered; the worker forgets older records.
IDEMPOTENCY_KEEP_HOURS = env_int("SHEQUGANG_IDEMPOTENCY_KEEP_HOURS", 48, minimum=1)
_default_sqlite = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    _db: dict[str, Any] = dict(
        dj_database_url.parse(
            env_str("DATABASE_URL", _default_sqlite) or _default_sqlite,
            conn_max_age=CONN_MAX_AGE,
            conn_health_checks=True,
        )
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None

if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL for concurrent readers, a busy timeout instead of instant "database is locked",
    # foreign keys enforced, and IMMEDIATE transactions so writers queue instead of
    # failing on lock upgrade.
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
    _db["CONN_MAX_AGE"] = CONN_MAX_AGE
    # A file (not :memory:) so tests with threads see real locking; one per process so
    # parallel runs on one machine do not drop each other's database.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.getpid()}"}
else:
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not _RELAXED)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if TESTING:
    # Hashing is not what the suite tests; keep it fast.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if TESTING or DEBUG:
    # Serve straight from the apps' static folders, no collectstatic needed.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
MEDIA_URL = "media/"

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Shequgang ------------------------------------------------------------------------
# Rows per page on list pages and API lists.
PAGE_SIZE = env_int("SHEQUGANG_PAGE_SIZE", 50, minimum=1)
# Largest accepted register import (bytes).
IMPORT_MAX_BYTES = env_int("SHEQUGANG_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
# Open311: how far (metres) a submitted lat/long may lie from a registered place, and the
# contact line the discovery document shows.
OPEN311_MATCH_RADIUS_M = env_int("SHEQUGANG_OPEN311_RADIUS_M", 300, minimum=1)
OPEN311_CONTACT = env_str("SHEQUGANG_OPEN311_CONTACT", "吕梁社区港平台运维组") or ""
