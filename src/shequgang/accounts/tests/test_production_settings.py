"""Production mode (no SHEQUGANG_DEMO, DEBUG or test run) refuses a weak SECRET_KEY at
start-up, sends HSTS over HTTPS, redirects HTTP, marks cookies secure, and
`shequgang check --deploy` is clean with the settings README documents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import Client, override_settings

from shequgang.settings import DEMO_SECRET_KEY, secret_key_weakness

STRONG_KEY = "k7Q2m9X4v1R8t5Y3w6Z0a2B4c6D8e0F2g4H6j8K0m2N4p6Q8r0S2"


# Variables of the test process that production does not have (the browser tests set
# DJANGO_ALLOW_ASYNC_UNSAFE for the whole process).
TEST_ONLY = {"PYTEST_VERSION", "SHEQUGANG_TESTING", "SHEQUGANG_DEMO", "DEBUG"}
TEST_ONLY |= {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment README's Configuration table describes for production."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in TEST_ONLY and not k.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="shequgang.settings",
        SECRET_KEY=STRONG_KEY,
        SHEQUGANG_FIELD_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="shequgang.example.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        SHEQUGANG_VAR_DIR=str(tmp_path / "var"),
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    env.update(overrides)
    return env


def shequgang(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shequgang.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("key", "weakness"),
    [
        ("a1B2c3D4e5" * 4 + "f6G7h8J9k", "49 characters"),
        ("abcab" * 10, "fewer than 5 distinct"),
        ("django-insecure-" + STRONG_KEY, "django-insecure-"),
        (DEMO_SECRET_KEY, "demo key"),
    ],
)
def test_weak_keys_are_named(key, weakness):
    assert weakness in (secret_key_weakness(key) or "")


def test_keys_at_the_limits_pass():
    assert secret_key_weakness("a1B2c3D4e5" * 5) is None  # 50 characters
    assert secret_key_weakness("abcde" * 10) is None  # 5 distinct characters
    assert secret_key_weakness(STRONG_KEY) is None


def test_production_start_up_refuses_a_weak_key_and_demo_mode_does_not(tmp_path):
    weak = production_env(tmp_path, SECRET_KEY="short-secret")
    refused = shequgang(weak, "check")
    assert refused.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY has 12 characters" in refused.stderr
    demo = shequgang({**weak, "SHEQUGANG_DEMO": "1"}, "check")
    assert demo.returncode == 0, demo.stderr


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    result = shequgang(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": ["shequgang.example.cn"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


@override_settings(**PRODUCTION)
def test_check_deploy_in_process_has_no_warnings(db, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set by browser tests
    call_command("check", deploy=True, fail_level="WARNING")


@override_settings(**PRODUCTION)
def test_https_answers_carry_hsts_and_the_safe_headers(db):
    client = Client(HTTP_HOST="shequgang.example.cn")
    # behind the proxy, over HTTPS
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    # plain HTTP is sent to HTTPS, but the load balancer's probe is answered
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


def test_production_defaults_mark_cookies_secure_and_send_hsts(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_AGE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True", "28800"], (
        result.stderr
    )
