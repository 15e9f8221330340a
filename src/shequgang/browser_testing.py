"""Driving Debian's Chromium from tests, through Playwright (which is never allowed to
download a browser of its own): the executable, its flags, the marks every browser test
carries, and a launch that leaves the database connections as it found them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google's hosts at every
# start, and this machine's closed network refuses it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# `pytestmark = [*BROWSER_MARKS, …]` in every browser test module.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="browser tests skipped: /usr/bin/chromium not installed (apt-get install -y chromium)",
    ),
]


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium for one test (about a second to start). A browser shared
    across tests keeps Playwright's event loop running between them, and the next test's
    database set-up then runs on another connection than its ORM calls (Django keys
    connections by async context), which loses the migrations' data."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls a test makes
    # between browser steps are ordinary blocking calls, so Django's guard is lifted for
    # the browser's lifetime only.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
                # Inside Playwright's loop the test's ORM calls got their own connection;
                # close it, or PostgreSQL cannot flush or drop the test database.
                connections.close_all()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


PHONE_VIEWPORT = {"width": 390, "height": 844}


def phone_context(browser: Any, base_url: str, *, scale: int = 1) -> Any:
    """A browser context the size of a phone (390×844, touch, zh-CN, Shanghai time) with
    a 15 s default timeout: one person's phone in a test."""
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        device_scale_factor=scale,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=base_url,
    )
    context.set_default_timeout(15_000)
    return context
