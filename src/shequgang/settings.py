"""The one settings module. Every value comes from the environment through a typed
helper that fails loudly on a bad value (an ``ImproperlyConfigured`` at start-up)."""

from __future__ import annotations

import datetime as dt
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

DEMO_SECRET_KEY = "insecure-demo-key-do-not-use-in-production-0123456789abcdef"


def secret_key_weakness(key: str) -> str | None:
    """Why ``key`` is too weak to sign production sessions, or None. Django's own deploy
    check rules (security.W009), plus the published demo key; enforced at start-up."""
    if key == DEMO_SECRET_KEY:
        return "is the published demo key"
    if key.startswith("django-insecure-"):
        return "starts with 'django-insecure-' (a startproject placeholder)"
    if len(key) < 50:
        return f"has {len(key)} characters, fewer than 50"
    if len(set(key)) < 5:
        return "has fewer than 5 distinct characters"
    return None


_secret = env_str("SECRET_KEY")
if _secret is None:
    if not _RELAXED:
        raise ImproperlyConfigured("SECRET_KEY is required outside demo/dev mode")
    _secret = DEMO_SECRET_KEY
elif not _RELAXED and (_weakness := secret_key_weakness(_secret)) is not None:
    raise ImproperlyConfigured(
        f"SECRET_KEY {_weakness}; generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )
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
    "shequgang.privacy",
    "shequgang.residency",
    "shequgang.portal",
    "shequgang.needs",
]
# The benchmark's ceiling views (bench/run.py sets it); never on in production.
BENCH = env_bool("SHEQUGANG_BENCH", default=False)
if BENCH:
    INSTALLED_APPS.append("shequgang.bench_ceiling")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
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
    # Writers queue for SQLite's single write lock instead of polling for it
    # (shequgang/sqlite_writer/base.py).
    _db["ENGINE"] = "shequgang.sqlite_writer"
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
# Files served at the site's root by WhiteNoise: /favicon.ico, which browsers ask for on
# every page whatever the <link> says.
WHITENOISE_ROOT = BASE_DIR / "web" / "root"
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
# A register upload larger than this (bytes; about 3,000 rows) is checked in the
# background while the page polls its progress; a smaller one within the request.
IMPORT_BACKGROUND_BYTES = env_int("SHEQUGANG_IMPORT_BACKGROUND_BYTES", 200 * 1024)
# Open311: how far (metres) a submitted lat/long may lie from a registered place, and the
# contact line the discovery document shows.
OPEN311_MATCH_RADIUS_M = env_int("SHEQUGANG_OPEN311_RADIUS_M", 300, minimum=1)
OPEN311_CONTACT = env_str("SHEQUGANG_OPEN311_CONTACT", "吕梁社区港平台运维组") or ""

# --- Spreadsheet uploads ---------------------------------------------------------------
# An uploaded .xlsx is refused before parsing when its members unzip to more than this
# in total: a 100,000-row register sheet as openpyxl writes it unzips to 69 MiB
# (bench/xlsx_bomb.py --measure), MAX_ROWS (200,000) to about 140 MiB; 256 MiB leaves
# room for long notes and Excel's extra parts.
IMPORT_MAX_UNZIPPED_BYTES = env_int(
    "SHEQUGANG_IMPORT_MAX_UNZIPPED_BYTES", 256 * 1024 * 1024, minimum=1024 * 1024
)
# ... or when a member over 1 MiB unzips to more than this many times its packed size
# (a zip bomb; Apache POI's rule is the same 100). Real sheets pack 5 to 15 to 1.
IMPORT_MAX_ZIP_RATIO = env_int("SHEQUGANG_IMPORT_MAX_ZIP_RATIO", 100, minimum=10)

# --- Content-Security-Policy ----------------------------------------------------------
# django-csp sets the header on every response. Scripts, styles, images, fonts and fetches
# come from our own origin only: no 'unsafe-inline', no 'unsafe-eval', no nonces (templates
# keep every script and style in static files; web/tests/test_csp_templates.py fails when
# an inline one comes back). Per-view relaxations: the API docs page (shequgang/api.py).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Request bodies and the server (web/body_limits.py, serve) ----------------------------
# Largest body of a request that is not an upload (JSON, urlencoded forms): Django's own
# default, now also refused at the WSGI edge before it is read.
REQUEST_BODY_MAX_BYTES = env_int("SHEQUGANG_BODY_MAX_BYTES", 2_621_440, minimum=1024)
# Largest multipart/form-data body: the register import (IMPORT_MAX_BYTES) or nine photos
# of a category's default 10 MB each, whichever is larger, plus room for the form fields.
UPLOAD_MAX_BYTES = env_int(
    "SHEQUGANG_UPLOAD_MAX_BYTES",
    max(IMPORT_MAX_BYTES, 9 * 10 * 1024 * 1024) + 1024 * 1024,
    minimum=1024,
)
# A body must keep pace (408 otherwise): after the grace period, at least MIN_RATE bytes
# a second on average (16 KB/s: nine photos over a weak mobile link pass, a trickle does
# not); under gunicorn no single read may wait longer than the read timeout.
REQUEST_BODY_GRACE_SECONDS = env_int("SHEQUGANG_BODY_GRACE_SECONDS", 10, minimum=1)
REQUEST_BODY_MIN_RATE = env_int("SHEQUGANG_BODY_MIN_RATE", 16 * 1024, minimum=1)
REQUEST_BODY_READ_TIMEOUT_SECONDS = env_int("SHEQUGANG_BODY_READ_TIMEOUT_SECONDS", 10, minimum=1)
# Django's own bounds, set deliberately: the non-file part of a request; files past
# 2.5 MB are streamed to a temporary file, not held in memory; the largest form (an
# admin change list's action over a page of rows) stays under 1,000 fields; a request
# carries at most nine photos or one register file (20 leaves room for the admin).
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- Worker liveness (cases/services/workers.py) ---------------------------------------------------
# A worker beats this often; one silent for WORKER_STALE_SECONDS is taken for dead on any
# host and its claims are taken over (a dead pid on the same host is found at once).
WORKER_HEARTBEAT_SECONDS = env_int("SHEQUGANG_WORKER_HEARTBEAT_SECONDS", 5, minimum=1)
WORKER_STALE_SECONDS = env_int("SHEQUGANG_WORKER_STALE_SECONDS", 30, minimum=2)

# --- Rate limits (shared, in the database: apikit.ratelimit) ---------------------------
# Requests per client address per window, for each anonymous action.
RATE_WINDOW_SECONDS = env_int("SHEQUGANG_RATE_WINDOW_SECONDS", 60, minimum=1)
RATE_LIMITS = {
    "veterans.check": env_int("SHEQUGANG_RATE_VETERANS_CHECK", 30, minimum=1),
    "veterans.apply": env_int("SHEQUGANG_RATE_VETERANS_APPLY", 10, minimum=1),
    "veterans.status": env_int("SHEQUGANG_RATE_VETERANS_STATUS", 20, minimum=1),
    # Residents' registration (residency): the household picker's search, the form, the
    # password reset with a desk code.
    "residency.search": env_int("SHEQUGANG_RATE_RESIDENCY_SEARCH", 60, minimum=1),
    "residency.register": env_int("SHEQUGANG_RATE_RESIDENCY_REGISTER", 10, minimum=1),
    "residency.reset": env_int("SHEQUGANG_RATE_RESIDENCY_RESET", 10, minimum=1),
    # A resident downloading their own data (privacy.own_data), per login.
    "privacy.own_export": env_int("SHEQUGANG_RATE_OWN_EXPORT", 5, minimum=1),
}

# --- Audit log (audit/chain.py, audit/guard.py) -----------------------------------------
# Database triggers refusing UPDATE/DELETE of audit rows, installed after every migrate.
# Off in the test suite, which empties tables between transactional tests.
AUDIT_GUARD = env_bool("SHEQUGANG_AUDIT_GUARD", default=not TESTING)

# --- Login lockout, sessions, re-authentication, HTTPS (#13) -----------------------------
# django-axes counts failed password checks per (username, client address); `accounts`
# comes after `axes` so its receivers see axes' verdict on the same attempt.
INSTALLED_APPS += ["axes", "shequgang.accounts"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out pair before any check
    "shequgang.demo.backends.DemoPasswordRefusal",  # the published password, outside demo
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS.append({"NAME": "shequgang.demo.backends.NotTheDemoPassword"})
# Sessions expire after this much inactivity (and the cookie with them).
SESSION_IDLE_MINUTES = env_int("SHEQUGANG_SESSION_IDLE_MINUTES", 8 * 60, minimum=5)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE.insert(_auth + 1, "shequgang.accounts.sessions.IdleSessionMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # axes wants to be last
AXES_FAILURE_LIMIT = env_int("SHEQUGANG_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("SHEQUGANG_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The lockout runs its 15 minutes from the failure that caused it (so the page can say
# when to come back); attempts while locked are refused and audited, not counted.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The peer address only, as the audit log records it: a client-sent X-Forwarded-For
# must not buy a fresh counter (the reverse proxy sets REMOTE_ADDR via gunicorn).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_LOCKOUT_CALLABLE = "shequgang.accounts.lockout.lockout_response"
# axes keeps the failed request's form in its table: mask every password field there
# ("password" itself always is), including the change-password form's new one.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password1",
    "new_password2",
]
# Whom a locked-out user calls; shown on the lockout page.
LOCKOUT_CONTACT = env_str("SHEQUGANG_LOCKOUT_CONTACT", "所在社区的服务台（社区党群服务中心）") or ""
# A reveal of full personal data needs the password typed again within this many minutes.
REAUTH_MINUTES = env_int("SHEQUGANG_REAUTH_MINUTES", 15, minimum=1)

# HTTPS: HSTS and the redirect apply to requests Django sees as secure; behind a reverse
# proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (and make
# the proxy overwrite that header).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not _RELAXED)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if _RELAXED else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is a domain-wide commitment browsers keep for months; the operator opts
    # in with SECURE_HSTS_PRELOAD=1 once every subdomain speaks HTTPS.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_header is not None:
    if not _proxy_header.startswith("HTTP_"):
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must name a request.META key such as "
            f"HTTP_X_FORWARDED_PROTO, got {_proxy_header!r}"
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Residents' accounts (residency) ------------------------------------------------------
# Login by the phone a resident registered with, after the username check (axes counts
# the phone as the username tried, so the lockout holds for both).
AUTHENTICATION_BACKENDS.append("shequgang.residency.backends.PhoneBackend")
# …and a phone's failures are counted under one name however it is typed.
AXES_USERNAME_CALLABLE = "shequgang.residency.login_names.login_name"
# The desk's one-time password-reset codes.
RESET_CODE_MINUTES = env_int("SHEQUGANG_RESET_CODE_MINUTES", 30, minimum=1)
RESET_CODE_ATTEMPTS = env_int("SHEQUGANG_RESET_CODE_ATTEMPTS", 5, minimum=1)
# A class with ``send(*, phone: str, text: str) -> None`` (dotted path) that delivers
# reset codes by SMS. None by default: the platform runs on an intranet with no SMS
# gateway, and the reset page says so and sends the resident to the desk.
SMS_BACKEND: str | None = env_str("SHEQUGANG_SMS_BACKEND")
